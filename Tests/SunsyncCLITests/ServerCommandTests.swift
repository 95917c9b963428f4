import Foundation
import Testing
import SunsyncTestSupport

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
            (["org", "edit", "MH-SB-001", "--lunch-rate", "150", "--from", "2025-01-01", "--confirm"], "not a lunch subsidy"),
            (["org", "edit", "MH-SB-001", "--lunch-rate", "80", "--from", "2025-01-01"], "give --confirm"),
            (["org", "edit", "MH-SB-001", "--lunch-rate", "1.5", "--from", "2025-01-01"], "outside the usual 5 to 50 yuan"),
            (["device", "add", "--name", "r", "--role", "reviewer", "--district", "999999"], "not a Shanghai district code"),
        ]
        for (args, words) in mistakes {
            let result = try server.adminArgs(args)
            #expect(result.status != 0 && result.err.contains(words), "\(args): \(result.err)")
        }
        #expect(try server.admin("org", "list").out.hasPrefix("code\tname"), "a header")
        // An unusual rate, confirmed, is taken; so is none (0: no subsidy from that date)
        #expect(try server.admin("org", "edit", "MH-SB-001", "--lunch-rate", "80", "--from", "2025-01-01", "--confirm").status == 0)
        #expect(try server.admin("org", "edit", "MH-SB-001", "--lunch-rate", "0", "--from", "2026-01-01").status == 0)
        #expect(try server.count("SELECT count(*) FROM ops WHERE record = 'MH-SB-009'") == 0)
    }
}

/// A server upgraded in place: the real `sunsync-server` started on a data dir whose file an older version
/// wrote (`Tests/SunsyncServerTests/Fixtures`, see `SQLiteServerStoreTests`), and laptops that log in to it.
@Suite struct ServerUpgradeTests {
    @Test func laptopsSyncWithAServerUpgradedFromTheLaptopShapedFile() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SunsyncServerTests/Fixtures")
        let dataDir = Scratch.path("sunsync-server")
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("server-before-op-log.sqlite").path, toPath: dataDir + "/server.sqlite")
        let tokens = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("server-before-op-log.tokens.json")))
            as? [String: String])
        let server = ServerProcess(dataDir: dataDir)
        try server.start()
        defer { server.stop() }

        // A new staff laptop receives everything the base recorded, each change verified against its signature.
        let staff = CLI()
        #expect(try staff.run("login", "--server", server.url, "--token", tokens["staff"]!).status == 0)
        let first = try #require(try staff.run("sync", "--json").json() as? [String: Any])
        #expect(first["received"] as? Int == 24 && first["untrusted"] as? Int ?? 0 == 0, "\(first)")
        let days = try #require(try staff.run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(days.count == 5)
        #expect(days.filter { $0["review"] as? String == "rejected" }.map { $0["date"] as? String } == ["2024-03-08"])
        // …and goes on recording; the reviewer sees it.
        #expect(try staff.run("hours", "set", "张三", "2024-03-11", "4").status == 0)
        #expect(try staff.run("sync").status == 0)
        let reviewer = CLI()
        #expect(try reviewer.run("login", "--server", server.url, "--token", tokens["reviewer"]!).status == 0)
        #expect(try reviewer.run("sync").status == 0)
        let list = try #require(try reviewer.run("review", "list", "--month", "2024-03", "--json").json() as? [[String: Any]])
        #expect(list.count == 7, "5 hours, 1 lunch and the new day")
        #expect(try server.adminArgs(["verify"]).status == 0)
    }
}
