import ArgumentParser
import Foundation
import SunsyncReports

/// The language the administration commands speak, and its catalog (`Words`, in SunsyncReports, shared
/// with `sunsync`): Chinese unless `--lang en` or the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`) names
/// English. Read from the environment before the command line is parsed, so `--help` is in it too.
enum AdminSay {
    nonisolated(unsafe) static var language = Language.from(environment: ProcessInfo.processInfo.environment)

    static var words: any Words { language.words }
}

/// An administration message in this run's language.
func say(_ message: AdminMessage) -> String { AdminSay.words.admin(message) }

/// A command's summary and longer text in this run's language.
func adminConfiguration(_ command: AdminCommand, name: String? = nil, subcommands: [any ParsableCommand.Type] = []) -> CommandConfiguration {
    let discussion = AdminSay.words.adminDiscussion(command)
    return CommandConfiguration(commandName: name, abstract: AdminSay.words.adminAbstract(command), discussion: discussion, subcommands: subcommands)
}

/// An option's help in this run's language.
func help(_ help: AdminHelp, _ valueName: String? = nil) -> ArgumentHelp {
    ArgumentHelp(AdminSay.words.adminHelp(help), valueName: valueName)
}
