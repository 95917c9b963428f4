import SunsyncModel
import SunsyncStore

/// A refusal the user can act on: what was wrong and what to do. Printed as `error: …`, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension CLIError {
    init(_ error: ModelError) { self.init(error.message) }
    init(_ error: StoreError) { self.init(error.message) }
}
