import SunsyncModel
import SunsyncReports
import SunsyncStore

/// A refusal the user can act on: what was wrong and what to do. Printed as `error: …`, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    /// A message of the catalog, in this run's language.
    init(_ message: Message) { self.message = say(message) }
    var description: String { message }
}

extension CLIError {
    init(_ error: ModelError) { self.init(error.message) }
    init(_ error: StoreError) { self.init(error.message) }
}
