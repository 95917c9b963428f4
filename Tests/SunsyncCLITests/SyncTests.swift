import Foundation
import GRDB
import Testing
import SunsyncModel
import SunsyncProtocol
import SunsyncStore
import SunsyncServerStore
import SunsyncTestSupport

extension CLI {
    /// A laptop linked to `server` with a new token of `roleArgs` (a home created by login).
    static func linked(_ server: ServerProcess, _ name: String, _ roleArgs: String...) throws -> CLI {
        let token = try server.adminArgs(["device", "add", "--name", name, "--json"] + roleArgs)
        let json = try #require(try token.json() as? [String: String], "\(token.err)")
        let cli = CLI()
        let login = try cli.run("login", "--server", server.url, "--token", json["token"]!)
        #expect(login.status == 0, "\(login.err)")
        return cli
    }

    func sync() throws -> Result {
        let result = try run("sync")
        #expect(result.status == 0, "sync failed: \(result.err)")
        return result
    }

    func listing() throws -> String {
        try run("hours", "list", "--json", "--include-deleted").out + run("lunch", "list", "--json", "--include-deleted").out
            + run("participant", "list", "--all", "--json").out
    }
}

/// Two laptops of one base, a server, and the real binaries on 127.0.0.1.
@Suite(.serialized) struct SyncTests {
    @Test(arguments: ServerBackend.available, [true, false])
    func twoLaptopsConvergeAndSeeTheSameConflict(backend: ServerBackend, aFirst: Bool) throws {
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        let b = try CLI.linked(server, "b", "--role", "staff", "--org", "MH-SB-001")
        // Both register 张三 offline (the same record), and A records two days, which B receives.
        for laptop in [a, b] {
            #expect(try laptop.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang).status == 0)
        }
        try a.run("hours", "set", "张三", "2024-03-05", "3")
        _ = try a.sync()
        _ = try b.sync()
        // Offline: the same day with different hours; an edit on A against a delete on B; a lunch on B.
        try a.run("hours", "set", "张三", "2024-03-04", "4")
        try b.run("hours", "set", "张三", "2024-03-04", "5")
        try a.run("hours", "set", "张三", "2024-03-05", "2")
        #expect(try b.run("hours", "clear", "张三", "2024-03-05").status == 0)
        try b.run("lunch", "set", "张三", "2024-03-04")
        // Sync in either order, then once more each.
        let order = aFirst ? [a, b, a] : [b, a, b]
        for laptop in order { _ = try laptop.sync() }
        // Then both laptops list the same records
        #expect(try a.listing() == b.listing())
        let days = try #require(try a.run("hours", "list", "--json", "--include-deleted").json() as? [[String: Any]])
        #expect(days.count == 2)
        let fifth = try #require(days.first { $0["date"] as? String == "2024-03-05" })
        #expect(fifth["deleted"] as? Bool == true && fifth["minutes"] as? Int == 120, "the edit and the delete both stand")
        // and the same conflict, on both
        let conflictsA = try #require(try a.run("conflicts", "--json").json() as? [[String: Any]])
        let conflictsB = try #require(try b.run("conflicts", "--json").json() as? [[String: Any]])
        #expect(conflictsA.count == 1 && conflictsB.count == 1)
        #expect(conflictsA.first?["ref"] as? String == conflictsB.first?["ref"] as? String)
        #expect((conflictsA.first?["values"] as? [[String: Any]])?.compactMap { $0["value"] as? String }.sorted() == ["4", "5"])
        // When A resolves it, the next syncs clear it on both
        let ref = try #require(conflictsA.first?["ref"] as? String)
        #expect(try a.run("resolve", ref, "--keep", "4").status == 0)
        _ = try a.sync()
        _ = try b.sync()
        #expect((try b.run("conflicts", "--json").json() as? [Any])?.isEmpty == true)
        #expect(try a.listing() == b.listing())
        let status = try #require(try b.run("status", "--json").json() as? [String: Any])
        #expect(status["pending_ops"] as? Int == 0 && status["server"] as? String == server.url && status["last_sync"] != nil)
    }

    @Test(arguments: ServerBackend.available) func scopesRolesAndRevocation(backend: ServerBackend) throws {
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        let other = try CLI.linked(server, "other", "--role", "staff", "--org", "MH-SB-002")
        let xuhui = try CLI.linked(server, "xh-reviewer", "--role", "reviewer", "--district", "310104")
        let minhang = try CLI.linked(server, "mh-reviewer", "--role", "reviewer", "--district", "310112")
        try a.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang)
        try a.run("hours", "set", "张三", "2024-03-04", "4")
        _ = try a.sync()
        // Another base, and another district's reviewer, see none of it; Minhang's reviewer sees it.
        for laptop in [other, xuhui] {
            _ = try laptop.sync()
            #expect((try laptop.run("hours", "list", "--json").json() as? [Any])?.isEmpty == true)
            #expect((try laptop.run("participant", "list", "--all", "--json").json() as? [Any])?.isEmpty == true)
        }
        _ = try minhang.sync()
        #expect((try minhang.run("hours", "list", "--json").json() as? [Any])?.count == 1)
        // A reviewer's laptop does not record hours.
        let refused = try minhang.run("hours", "set", "张三", "2024-03-05", "4")
        #expect(refused.status != 0 && refused.err.contains("reviewer"))

        // A revoked laptop is refused at once and keeps all its local work.
        #expect(try server.admin("device", "revoke", "a").status == 0)
        try a.run("hours", "set", "张三", "2024-03-06", "2")
        let before = try a.opCount()
        let sync = try a.run("sync")
        #expect(sync.status != 0 && sync.err.contains("revoked") && sync.err.contains("1 changes wait"))
        #expect(try a.opCount() == before)
        #expect((try a.run("hours", "list", "--json").json() as? [Any])?.count == 2)
        // A login with another org's token is refused on an initialized laptop.
        let token = try server.token("a2", "--role", "staff", "--org", "MH-SB-002")
        let wrong = try a.run("login", "--server", server.url, "--token", token)
        #expect(wrong.status != 0 && wrong.err.contains("MH-SB-002"))
    }

    @Test func theSummaryCountsWhatTheProgressBarCounted() throws {
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        try a.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang)
        try a.run("hours", "set", "张三", "2024-03-04", "4")
        let first = try a.sync()
        // Its own changes come back with the rest: counted in all, and the new ones named.
        #expect(first.out.contains("new to this laptop; the rest it held already"), "\(first.out)")
        try a.run("hours", "set", "张三", "2024-03-05", "4")
        let json = try #require(try a.run("sync", "--json").json() as? [String: Any])
        #expect((json["received"] as? Int ?? 0) >= (json["pulled"] as? Int ?? 0))
        // When it last synced, in the time people read on their clocks.
        let status = try a.run("status").out
        #expect(status.range(of: #"last sync: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(北京时间\)"#, options: .regularExpression) != nil, "\(status)")
    }

    @Test func aLaptopHoldsWhatANewerServerAccepted() async throws {
        // Given a day on the server, and a field only a newer server knows, on that day
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        try a.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang)
        try a.run("hours", "set", "张三", "2024-03-04", "4")
        _ = try a.sync()
        let days = try #require(try a.run("hours", "list", "--json").json() as? [[String: Any]])
        let day = try #require(days.first?["id"] as? String)
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        // (written into the database as a newer server would hold it, and attested)
        let newer = try SQLiteServerStore.open(path: server.databasePath)
        _ = try await newer.push([
            Op(id: OpID(timestamp: Timestamp(milliseconds: now, counter: 0), replica: try await newer.ownReplica()), collection: .hours,
               record: day, field: "overtime_minutes", value: .integer(30)),
        ], device: nil, at: "")
        try newer.attestUnsigned()
        await newer.close()
        // When laptops sync, they neither stop nor drop it: they hold it, and say so
        let b = try CLI.linked(server, "b", "--role", "staff", "--org", "MH-SB-001")
        let json = try #require(try b.run("sync", "--json").json() as? [String: Any])
        #expect(json["unrecognized"] as? Int == 1)
        let text = try a.sync()
        #expect(text.out.contains("1 of the changes received use fields or values this sunsync does not know"))
        #expect(try a.opCount() == b.opCount())
        #expect(try a.listing() == b.listing())
        // and the next sync goes on as usual
        try b.run("hours", "set", "张三", "2024-03-05", "2")
        _ = try b.sync()
        _ = try a.sync()
        #expect((try a.run("hours", "list", "--json").json() as? [Any])?.count == 2)
    }

    @Test func aServerRestoredFromABackupLosesNothing() throws {
        // Given two laptops that synced, and a backup taken while the server runs
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        let b = try CLI.linked(server, "b", "--role", "staff", "--org", "MH-SB-001")
        try a.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang)
        try a.run("hours", "set", "张三", "2024-03-04", "4")
        _ = try a.sync()
        _ = try b.sync()
        let backup = Scratch.path("sunsync-backup", suffix: ".sqlite")
        let made = try server.admin("backup", "--to", backup)
        #expect(made.status == 0 && made.out.contains("Backed up"), "\(made.err)")
        #expect((try FileManager.default.attributesOfItem(atPath: backup)[.posixPermissions] as? Int) == 0o600)
        let twice = try server.admin("backup", "--to", backup, "--json")
        #expect(twice.status != 0 && twice.err.contains("never overwrites"))
        let json = try #require(try server.admin("backup", "--to", backup + "-2", "--json").json() as? [String: Any])
        #expect(json["file"] as? String == backup + "-2" && (json["ops"] as? Int ?? 0) > 0)
        let nothing = try ServerProcess(dataDir: backup + "-none").admin("backup", "--to", backup + "-3")
        #expect(nothing.status != 0 && nothing.err.contains("nothing to back up"))
        // and changes after it, acknowledged by the server
        try a.run("hours", "set", "张三", "2024-03-05", "3")
        _ = try a.sync()
        try b.run("lunch", "set", "张三", "2024-03-05")
        _ = try b.sync()
        // When the server's database is restored from the backup (refused while it serves; one server per data dir)
        let busy = try server.admin("restore", "--from", backup)
        #expect(busy.status != 0 && busy.err.contains("stop it first"))
        let second = try server.adminArgs(["serve", "--port", String(server.port)]) // fails either way, never hangs
        #expect(second.status != 0 && second.err.contains("another sunsync-server is serving"))
        server.stop()
        #expect(try a.run("backup", backup + "-laptop").status == 0)
        let notServer = try server.admin("restore", "--from", backup + "-laptop")
        #expect(notServer.status != 0 && notServer.err.contains("laptop's store"))
        let restored = try server.admin("restore", "--from", backup)
        #expect(restored.status == 0 && restored.out.contains("before-restore"), "\(restored.err)")
        #expect(restored.out.contains("The backup knows 2 devices, 2 of them not revoked"), "\(restored.out)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: server.dataDir).filter { $0.hasPrefix("server.sqlite.before-restore-") }
        #expect(!aside.isEmpty, "the replaced database is kept")
        try server.start()
        // Then the laptops notice, send their changes again, and start their pulls over: nothing is lost
        let again = try a.sync()
        #expect(again.out.contains("restored from a backup"), "\(again.out)")
        _ = try b.sync()
        _ = try a.sync() // B's lunch came back after A's first sync
        let c = try CLI.linked(server, "c", "--role", "staff", "--org", "MH-SB-001")
        _ = try c.sync()
        #expect(try c.listing() == a.listing())
        #expect(try c.listing() == b.listing())
        #expect((try c.run("hours", "list", "--json").json() as? [Any])?.count == 2)
        #expect((try c.run("lunch", "list", "--json").json() as? [Any])?.count == 1)
        // and what is written next reaches every laptop (their cursors follow the restored server)
        try c.run("hours", "set", "张三", "2024-03-06", "2")
        _ = try c.sync()
        for laptop in [a, b] {
            _ = try laptop.sync()
            #expect((try laptop.run("hours", "list", "--json").json() as? [Any])?.count == 3)
        }
    }

    @Test func aServerCopiedBackByHandLosesNothing() async throws {
        // Given a copy of the database taken by hand (the same epoch), and changes after it
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        try a.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang)
        _ = try a.sync()
        server.stop()
        let copy = server.databasePath + ".copy" // with its write-ahead log, as a copy of the data dir would have it
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: server.databasePath + suffix) {
            try FileManager.default.copyItem(atPath: server.databasePath + suffix, toPath: copy + suffix)
        }
        try server.start()
        try a.run("hours", "set", "张三", "2024-03-04", "4")
        _ = try a.sync()
        // When the copy is put back
        server.stop()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: server.databasePath + suffix) }
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: copy + suffix) {
            try FileManager.default.moveItem(atPath: copy + suffix, toPath: server.databasePath + suffix)
        }
        try server.start()
        // Then the laptop's cursor, ahead of the copy, gives it away: the laptop sends its changes again
        let again = try a.sync()
        #expect(again.out.contains("not the one this laptop last synced with"), "\(again.out) \(again.err)")
        let fresh = try CLI.linked(server, "fresh", "--role", "staff", "--org", "MH-SB-001")
        _ = try fresh.sync()
        #expect(try fresh.listing() == a.listing())
        #expect((try fresh.run("hours", "list", "--json").json() as? [Any])?.count == 1)
        // and a pull from a cursor beyond the database is a clear refusal
        let token = try server.token("raw", "--role", "staff", "--org", "MH-SB-001")
        let response = try await server.request("GET", "/v1/pull?after=999999", token: token)
        #expect(response.status == 409 && String(decoding: response.body, as: UTF8.self).contains("cursor-ahead"))
    }

    /// Runs a tool from the system (openssl, curl) and returns its output.
    func tool(_ path: String, _ args: [String]) throws -> (status: Int32, out: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
    func servesHTTPSWithACertificate() throws {
        let server = ServerProcess()
        try FileManager.default.createDirectory(atPath: server.dataDir, withIntermediateDirectories: true)
        let cert = server.dataDir + "/cert.pem", key = server.dataDir + "/key.pem"
        let made = try tool("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                 "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
                                                 "-keyout", key, "-out", cert])
        try #require(made.status == 0)
        server.serveArguments = ["--tls-cert", cert, "--tls-key", key]
        try server.start()
        defer { server.stop() }
        let https = "https://127.0.0.1:\(server.port)/healthz"
        #expect(try tool("/usr/bin/curl", ["-s", "--cacert", cert, https]).out == "ok\n")
        // Without trusting the certificate, or in plain HTTP, nothing is served.
        #expect(try tool("/usr/bin/curl", ["-s", https]).status != 0)
        #expect(try tool("/usr/bin/curl", ["-s", "http://127.0.0.1:\(server.port)/healthz"]).out != "ok\n")
        // A key that does not go with a certificate is refused at start.
        let bad = ServerProcess()
        bad.serveArguments = ["--tls-cert", cert, "--tls-key", cert]
        #expect(throws: CLIHarnessError.self) { try bad.start() }
    }

    @Test func gracefulShutdownOnSIGTERM() throws {
        let server = try ServerProcess.withOrgs()
        server.stop()
        #expect(server.exitStatus == 0)
        // and it starts again on the same data
        try server.start()
        defer { server.stop() }
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        _ = try a.sync()
    }
}
