import Foundation
import Testing

/// How `sunsync-server`'s own commands refuse: option mistakes with their usage (exit 64), everything
/// else in one line that says what to do (exit 1), the data left as it was.
@Suite struct ServerCommandTests {
    @Test func aPortOutOfRangeIsRefusedBeforeAnythingStarts() throws {
        let server = ServerProcess()
        let result = try server.admin("serve", "--port", "99999")
        #expect(result.status == 64 && result.err.contains("--port 99999 is not a port"))
        #expect(!FileManager.default.fileExists(atPath: server.databasePath), "nothing was created")
    }

    @Test func aBusyPortIsSaidInWords() throws {
        let first = try ServerProcess.withOrgs()
        defer { first.stop() }
        let second = ServerProcess()
        let result = try second.admin("serve", "--port", String(first.port))
        #expect(result.status == 1 && result.err.contains("port \(first.port) on 127.0.0.1 is already in use"), "\(result.err)")
        #expect(!result.err.contains("errno") && !result.err.contains("Usage:"))
    }

    @Test func runtimeRefusalsAreOneLineAndExitOne() throws {
        let server = ServerProcess()
        #expect(try server.admin("org", "add", "--code", "MH-SB-001", "--name", "基地", "--kind", "sunshine-base", "--district", "310112").status == 0)
        for args in [["device", "revoke", "nobody"], ["org", "edit", "XX-1", "--name", "x"],
                     ["org", "add", "--code", "MH-SB-001", "--name", "again", "--kind", "sunshine-base", "--district", "310112"]] {
            let result = try server.adminArgs(args)
            #expect(result.status == 1 && !result.err.contains("Usage:") && result.err.hasPrefix("Error: "), "\(args): \(result.err)")
        }
        let list = try #require(try server.admin("org", "list", "--json").json() as? [[String: Any]])
        #expect(list.count == 1 && list.first?["name"] as? String == "基地")
        // Administration mistakes that passed before: each refused with what to give instead
        let mistakes: [([String], String)] = [
            (["org", "add", "--code", "MH-SB-009", "--name", "别的基地", "--kind", "sunshine-base", "--district", "999999"], "not a Shanghai district code"),
            (["org", "add", "--code", "MH-SB-009", "--name", "基地", "--kind", "sunshine-base", "--district", "310112"], "already named 基地"),
            (["org", "add", "--code", "MH-SB-009", "--name", "别的基地", "--kind", "sunshine-base", "--district", "310112", "--lunch-rate", "5000"], "not a lunch subsidy"),
            (["org", "add", "--code", "MH-SB-009", "--name", "别的基地", "--kind", "sunshine-base", "--district", "310112", "--lunch-rate", "-5"], "not a lunch subsidy"),
            (["org", "edit", "MH-SB-001", "--lunch-rate", "-5", "--from", "2025-01-01"], "not a lunch subsidy"),
            (["device", "add", "--name", "r", "--role", "reviewer", "--district", "999999"], "not a Shanghai district code"),
        ]
        for (args, words) in mistakes {
            let result = try server.adminArgs(args)
            #expect(result.status != 0 && result.err.contains(words), "\(args): \(result.err)")
        }
        #expect(try server.admin("org", "list").out.hasPrefix("code\tname"), "a header")
        #expect(try server.count("SELECT count(*) FROM ops WHERE record = 'MH-SB-009'") == 0)
    }
}
