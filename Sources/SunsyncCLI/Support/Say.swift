import Foundation
import SunsyncReports

/// The language this run speaks, and its catalog (`Words`, in SunsyncReports: one per language, shared
/// with the review page). Chinese unless `--lang en` or the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`)
/// names English. Read from the environment before the command line is parsed, so help is in it too;
/// `--lang` changes it for what the command then says.
enum Say {
    nonisolated(unsafe) static var language = Language.from(environment: ProcessInfo.processInfo.environment)

    static var words: any Words { language.words }
}

/// A message in this run's language.
func say(_ message: Message) -> String { Say.words.say(message) }
