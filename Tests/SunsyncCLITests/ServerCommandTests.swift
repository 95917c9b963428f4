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
    }
}
