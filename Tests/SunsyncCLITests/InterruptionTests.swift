import Foundation
import GRDB
import Testing

/// Syncs cut off at random points, by SIGKILL of the client or of the server: after restarts and
/// re-syncs nothing is lost, nothing is doubled, and every replica is equal.
@Suite(.serialized) struct InterruptionTests {
    static func sheet(days: Int, offset: Int) -> String {
        var rows = ["残疾人证号,日期,工时,劳动项目"]
        let start = SunsyncDate.day(2006, 1, 1) + offset   // up to 5,000 days, all before today
        for d in 0..<days {
            for cert in [People.zhang, People.li, People.wang] { rows.append("\(cert),\(SunsyncDate.text(start + d)),\(1 + d % 8),包装") }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    func importSheet(_ cli: CLI, days: Int, offset: Int) throws {
        let file = cli.home + "/sheet-\(offset).csv"
        try Data(Self.sheet(days: days, offset: offset).utf8).write(to: URL(fileURLWithPath: file))
        let result = try cli.run("import", file, "--kind", "hours")
        #expect(result.status == 0, "\(result.err)")
    }

    func integrityOK(_ path: String) throws -> Bool {
        try integrityOK(try DatabaseQueue(path: path))
    }

    func integrityOK(_ db: DatabaseQueue) throws -> Bool {
        defer { try? db.close() }
        return try db.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") } == ["ok"]
    }

    @Test(arguments: ServerBackend.available) func killedClientsAndServerLoseAndDoubleNothing(backend: ServerBackend) throws {
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        // A base laptop with 3 × 2,000 days (12,000 ops) synced to the server.
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        try a.run("import", CLI.fixture("participants-utf8.csv"), "--kind", "participants")
        try importSheet(a, days: 2000, offset: 0)
        _ = try a.sync()

        // A fresh laptop pulls it all, killed at random points in the middle of its pulls.
        let c = try CLI.linked(server, "c", "--role", "staff", "--org", "MH-SB-001")
        var killedClients = 0
        for attempt in 0..<6 {
            if try c.runInterrupted(["sync"], after: UInt32(40_000 + (attempt * 61_231) % 250_000)) { killedClients += 1 }
            #expect(try integrityOK(c.database()))
        }
        _ = try c.sync()
        #expect(try c.listing() == a.listing())

        // Another laptop pushes new days while the server is killed mid-push, and restarted, several times.
        let d = try CLI.linked(server, "d", "--role", "staff", "--org", "MH-SB-001")
        _ = try d.sync()
        try importSheet(d, days: 2000, offset: 3000)
        var killedServer = 0
        for attempt in 0..<5 {
            let interrupted = try d.runInterrupted(["sync"], after: UInt32(30_000 + (attempt * 47_111) % 200_000)) { _ in
                server.kill()
                if backend == .sqlite { #expect(try integrityOK(server.databasePath)) }
                try server.start()  // the client's retries find it back
            }
            if interrupted { killedServer += 1 }
        }
        _ = try d.sync()
        for laptop in [a, c, d] { _ = try laptop.sync() }

        // Then all replicas are equal, with every day exactly once.
        let days = try #require(try a.run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(days.count == 3 * 4000)
        #expect(Set(days.compactMap { $0["id"] as? String }).count == days.count)
        #expect(try c.listing() == a.listing())
        #expect(try d.listing() == a.listing())
        for laptop in [a, c, d] {
            let status = try #require(try laptop.run("status", "--json").json() as? [String: Any])
            #expect(status["pending_ops"] as? Int == 0 && status["rejected_ops"] as? Int == 0)
        }
        #expect(killedClients > 0 && killedServer > 0, "nothing was interrupted: the data is too small to test interruption")
    }
}
