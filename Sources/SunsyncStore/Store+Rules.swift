import Foundation
import GRDB
import SunsyncModel

// MARK: Settings: the rules, as a laptop keeps them and the server stores them

extension Store {
    /// The rules the flags use (SPEC §5), else the defaults: on a server as an administrator set them
    /// (`sunsync-server settings`), on a laptop as its server last sent them.
    public func rules() throws(StoreError) -> Rules {
        guard let text = try meta("rules") else { return Rules() }
        return try Self.rules(text)
    }

    public func setRules(_ rules: Rules) throws(StoreError) {
        try setMeta("rules", try Self.text(rules))
    }

    /// The rules as stored (JSON, keys sorted), and back.
    public static func text(_ rules: Rules) throws(StoreError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return String(decoding: try encoder.encode(rules), as: UTF8.self) } catch { throw StoreError(.invalid, "\(error)") }
    }

    public static func rules(_ text: String) throws(StoreError) -> Rules {
        do { return try JSONDecoder().decode(Rules.self, from: Data(text.utf8)) } catch {
            throw StoreError(.database, "the stored rules cannot be read (\(error)); set them again with `sunsync-server settings`")
        }
    }
}
