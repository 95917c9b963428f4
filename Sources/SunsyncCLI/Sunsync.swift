import ArgumentParser
import Foundation
import SunsyncVersion

/// `sunsync`: record assisted-employment hours and lunch subsidies offline, review them, and sync.
@available(macOS 10.15, *)
public struct Sunsync: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sunsync",
        abstract: "Record 阳光基地 working hours (工时) and lunch subsidies (午餐费补贴) offline.",
        discussion: """
            Everything works with no network: the records live in a local store under --home.
            Start with `sunsync init --org CODE`, register participants with `sunsync participant add`,
            then record days with `sunsync hours set` and `sunsync lunch set`.
            Listing commands take --json for scripts; certificate numbers are masked unless --reveal is given.
            """,
        version: SunsyncVersion.description,
        subcommands: [
            Init.self, ParticipantCommand.self, HoursCommand.self, LunchCommand.self, Import.self, Export.self,
            Report.self, ReviewCommand.self, Conflicts.self, Resolve.self, History.self, FlagsCommand.self, Status.self,
            Login.self, SyncCommand.self, Rejected.self, VerifyCommand.self, Backup.self, RestoreCommand.self,
        ]
    )

    public init() {}
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The folder holding the local store (default: $SUNSYNC_HOME, else $XDG_DATA_HOME/sunsync).", valueName: "dir"))
    var home: String?

    @Flag(name: .long, help: "Print one JSON document (stable snake_case keys) instead of a table.")
    var json = false

    @Flag(name: .long, help: "Show certificate and ID numbers in full instead of masked (310112**********3X**: category and level hidden too).")
    var reveal = false
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
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
