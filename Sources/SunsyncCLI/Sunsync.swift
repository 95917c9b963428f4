import ArgumentParser
import Foundation
import SunsyncReports
import SunsyncVersion

/// `sunsync`: record assisted-employment hours and lunch subsidies offline, review them, and sync.
@available(macOS 10.15, *)
public struct Sunsync: AsyncParsableCommand {
    public static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "sunsync",
        abstract: Say.words.abstract(.sunsync),
        discussion: Say.words.overview,
        version: SunsyncVersion.description,
        subcommands: [
            Init.self, ParticipantCommand.self, HoursCommand.self, LunchCommand.self, Import.self, Export.self,
            Report.self, ReviewCommand.self, Conflicts.self, Resolve.self, History.self, FlagsCommand.self, Status.self,
            Login.self, SyncCommand.self, Rejected.self, VerifyCommand.self, Backup.self, RestoreCommand.self,
            Unlock.self, Lock.self, PassphraseCommand.self,
        ]
    ) }

    public init() {}
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(Say.words.help(.home), valueName: "dir"))
    var home: String?

    @Flag(name: .long, help: ArgumentHelp(Say.words.help(.json)))
    var json = false

    @Flag(name: .long, help: ArgumentHelp(Say.words.help(.reveal)))
    var reveal = false

    @Option(name: .long, help: ArgumentHelp(Say.words.help(.purpose), valueName: "text"))
    var purpose: String?

    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp(Say.words.help(.passphraseFile), valueName: "file"))
    var passphraseFile: String?

    @Flag(name: .long, help: ArgumentHelp(Say.words.help(.wide)))
    var wide = false

    @Option(name: .long, help: ArgumentHelp(Say.words.help(.lang), valueName: "zh|en"))
    var lang: String?

    func validate() throws {
        Output.wide = wide
        if let lang {
            guard ["zh", "en"].contains(lang.lowercased()) || lang.contains("_") else { throw ValidationError(say(.langTakes(lang))) }
            Say.language = Language.from(flag: lang, environment: [:])
        }
        if purpose != nil, !reveal { throw ValidationError(say(.purposeWithReveal)) }
    }
}

/// `@Flag` is ArgumentParser's here; the model's review flags are `SunsyncModel.Flag`.
typealias Flag = ArgumentParser.Flag

@available(macOS 10.15, *)
extension Sunsync {
    /// Parses the command line and runs the command, async or not (what `main()` does, spelled out
    /// because overload resolution picks the synchronous `main()` when called from another module).
    public static func run(arguments: [String]? = nil) async {
        // Everything it creates (stores, WALs, backups, exports, keys) is its owner's alone: they hold
        // sensitive personal information (PIPL art. 28, 51).
        umask(0o077)
        let given = arguments ?? Array(CommandLine.arguments.dropFirst())
        Invocation.arguments = given
        if let mistake = CommandLineMistakes.explain(given) {
            FileHandle.standardError.write(Data((say(.error(mistake)) + "\n").utf8))
            Foundation.exit(64)   // EX_USAGE, as ArgumentParser's own refusals
        }
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            // A refusal to act on, in this run's language (ArgumentParser's own usage errors stay its own).
            FileHandle.standardError.write(Data((say(.error(error.message)) + "\n").utf8))
            Foundation.exit(1)
        } catch {
            // Help and the version as ArgumentParser prints them; its usage errors in this run's language.
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            FileHandle.standardError.write(Data((Say.words.usage(fullMessage(for: error)) + "\n").utf8))
            Foundation.exit(code.rawValue)
        }
    }
}

/// What ArgumentParser would answer unhelpfully: a mistyped command (it says "Unknown option '--home'"),
/// and a negative number (it takes `-2` for an option and says an argument is missing).
enum CommandLineMistakes {
    static func explain(_ arguments: [String]) -> String? {
        let names = Sunsync.configuration.subcommands.compactMap { $0.configuration.commandName ?? defaultName($0) }
        if let first = arguments.first, !first.hasPrefix("-"), !names.contains(first), first != "help" {
            let near = names.map { ($0, distance(first, $0)) }.filter { $0.1 <= max(1, $0.0.count / 3) }.min { $0.1 < $1.1 }
            return say(.notACommand(first, near: near?.0, commands: names))
        }
        // No option of sunsync starts with a digit: `-2` is a number someone meant as a value.
        for (i, argument) in arguments.enumerated() where argument.count > 1 && argument.hasPrefix("-") && argument.dropFirst().first?.isNumber == true {
            let after = i > 0 ? arguments[i - 1] : ""
            if after == "--note" || after == "--reason" { return say(.readsAsOption(argument, after: after)) }
            return say(.negativeNumber(argument))
        }
        return nil
    }

    /// A command type's name as ArgumentParser makes it when none is given (`HoursCommand` → `hours-command`).
    static func defaultName(_ type: any ParsableCommand.Type) -> String? {
        var name = ""
        for (i, character) in String(describing: type).enumerated() {
            if character.isUppercase, i > 0 { name += "-" }
            name += character.lowercased()
        }
        return name
    }

    /// Levenshtein distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let kept = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = kept
            }
        }
        return row[b.count]
    }
}
