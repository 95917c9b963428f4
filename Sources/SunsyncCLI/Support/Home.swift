import Foundation
import SunsyncModel
import SunsyncStore

/// Where a replica lives: `--home`, else `$SUNSYNC_HOME`, else `$XDG_DATA_HOME/sunsync`, else
/// `~/.local/share/sunsync`. The store is `store.sqlite` inside it.
struct Home {
    let directory: String
    var storePath: String { directory + "/store.sqlite" }

    init(_ options: GlobalOptions) {
        let env = ProcessInfo.processInfo.environment
        if let home = options.home ?? env["SUNSYNC_HOME"], !home.isEmpty {
            directory = home
        } else if let xdg = env["XDG_DATA_HOME"], !xdg.isEmpty {
            directory = xdg + "/sunsync"
        } else {
            directory = (env["HOME"] ?? NSHomeDirectory()) + "/.local/share/sunsync"
        }
    }

    /// Opens the store, or says how to create one.
    func open() throws -> Store {
        do {
            return try Store.open(at: storePath)
        } catch where error.code == .notInitialized {
            throw CLIError("\(directory) is not initialized: run `sunsync init --org <org code>` first (or pass --home)")
        } catch {
            throw CLIError("\(storePath): \(error.message)")
        }
    }
}

/// A session's view of the replica: the store, its org, and the merged records, read once.
struct Workspace {
    let store: Store
    let org: String
    let options: GlobalOptions

    init(_ options: GlobalOptions) throws {
        self.options = options
        store = try Home(options).open()
        guard let org = try store.meta("org") else { throw CLIError("the store has no organization; it was not created by `sunsync init`") }
        self.org = org
    }

    func state(_ collections: [CollectionName]? = nil) throws -> MergedState {
        do { return try store.mergedState(collections) } catch { throw CLIError(error) }
    }

    /// Runs a local write; model refusals come back as messages that say what to fix.
    @discardableResult
    func write(_ body: (inout Transaction) throws -> Void) throws -> [Op] {
        do { return try store.write(body) } catch { throw CLIError(error) }
    }

    /// Certificate and ID numbers as the reader may see them.
    func show(_ certificate: CertificateNumber?) -> String {
        guard let certificate else { return "" }
        return options.reveal ? certificate.text : certificate.masked
    }

    func show(certificateText text: String?) -> String {
        guard let text else { return "" }
        return options.reveal ? text : ResidentID.mask(text)
    }
}
