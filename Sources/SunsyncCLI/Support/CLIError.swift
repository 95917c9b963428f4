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
    /// The model's refusal, in this run's language where the model says what is wrong in parts.
    init(_ error: ModelError) { self.init(error.problem.map(Say.words.problem) ?? error.message) }
    /// The store's refusal: the ones people meet every day in this run's language, the rest as the store says.
    init(_ error: StoreError) {
        switch error.code {
        case .wrongPassphrase: self.init(.wrongPassphrase)
        case .locked: self.init(.storeInUse)
        case .diskFull: self.init(.diskFull)
        case .readOnly: self.init(.storeReadOnly)
        default: self.init(error.problem.map(Say.words.problem) ?? error.message)
        }
    }
}
