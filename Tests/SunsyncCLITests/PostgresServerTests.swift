import Foundation
import Testing

/// Several `sunsync-server` processes on one PostgreSQL database, driven by real `sunsync` laptops.
/// Needs `SUNSYNC_TEST_POSTGRES` (a server's URL; each test makes its own database there with psql).
@Suite(.serialized, .enabled(if: PostgresDatabase.serverURL != nil, "set SUNSYNC_TEST_POSTGRES to a PostgreSQL server"))
struct PostgresServerTests {
    /// Three laptops of one base and a reviewer's laptop sync through either of two servers at random,
    /// at the same time, writing overlapping records: every laptop ends with the same records, and the
    /// database holds each op once.
    @Test func laptopsSyncingThroughEitherServerEndIdentical() throws {
        let database = try PostgresDatabase()
        defer { database.drop() }
        let (one, two) = try PostgresDatabase.twoServers(database.url)
        defer { one.stop(); two.stop() }
        let servers = [one, two]
        let laptops = try (0..<3).map { try CLI.linked(one, "laptop-\($0)", "--role", "staff", "--org", "MH-SB-001") }
        for laptop in laptops { #expect(try laptop.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang).status == 0) }
        let reviewer = try CLI.linked(two, "reviewer", "--role", "reviewer", "--district", "310112")
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: laptops.count) { n in
            var rng = SystemRandomNumberGenerator()
            for round in 0..<4 {
                let laptop = laptops[n]
                do {
                    // Its own days, and one day every laptop writes (a conflict the merge keeps visible).
                    _ = try laptop.run("hours", "set", "张三", "2024-03-\(String(format: "%02d", 1 + n * 5 + round))", "\(1 + round)")
                    _ = try laptop.run("hours", "set", "张三", "2024-03-28", "\(n + 1)")
                    let server = servers[Int(rng.next() % 2)]
                    let login = try laptop.run("login", "--server", server.url, "--token", laptop.token())
                    let sync = try laptop.run("sync")
                    if login.status != 0 || sync.status != 0 { failures.add("laptop \(n) round \(round): \(login.err)\(sync.err)") }
                } catch { failures.add("\(error)") }
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        // Everyone syncs twice more, through alternating servers.
        for pass in 0..<2 {
            for (n, laptop) in (laptops + [reviewer]).enumerated() {
                let server = servers[(n + pass) % 2]
                #expect(try laptop.run("login", "--server", server.url, "--token", laptop.token()).status == 0)
                _ = try laptop.sync()
            }
        }
        let listings = try laptops.map { try $0.listing() }
        #expect(Set(listings).count == 1, "every laptop holds the same records")
        let days = try #require(try laptops[0].run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(days.count == 13, "12 own days and the shared one")
        let counts = try laptops.map { try $0.opCount() }
        #expect(Set(counts).count == 1)
        #expect(try PostgresDatabase.count(database.url, "SELECT count(*) FROM ops WHERE org = 'MH-SB-001'") == counts[0], "each op held once")
        #expect(try PostgresDatabase.count(database.url, "SELECT count(DISTINCT id) FROM ops WHERE org = 'MH-SB-001'") == counts[0])
        let reviewed = try #require(try reviewer.run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(reviewed.count == 13, "the reviewer sees the district's records")
    }

    /// One server process is killed (SIGKILL) while laptops push through it: they finish through the other
    /// and nothing is lost.
    @Test func killingOneServerLosesNothing() throws {
        let database = try PostgresDatabase()
        defer { database.drop() }
        let (one, two) = try PostgresDatabase.twoServers(database.url)
        defer { one.stop(); two.stop() }
        let laptops = try (0..<2).map { try CLI.linked(one, "laptop-\($0)", "--role", "staff", "--org", "MH-SB-001") }
        for laptop in laptops {
            #expect(try laptop.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang).status == 0)
        }
        // Enough days that a sync takes a while: 300 days each, on alternate days.
        for (n, laptop) in laptops.enumerated() {
            var rows = ["残疾人证号,日期,工时,劳动项目"]
            for day in 0..<300 { rows.append("\(People.zhang),\(SunsyncDate.text(SunsyncDate.day(2023, 1, 2) + day * 2 + n)),3,包装") }
            let file = laptop.home + "/days.csv"
            try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
            let imported = try laptop.run("import", file, "--kind", "hours")
            #expect(imported.status == 0, "\(imported.err)")
        }
        let syncs = laptops.map { $0.start(["sync"]) }
        usleep(60_000)
        one.kill()
        for sync in syncs { sync.waitUntilExit() }
        for laptop in laptops {
            #expect(try laptop.run("login", "--server", two.url, "--token", laptop.token()).status == 0)
            _ = try laptop.sync()
        }
        for laptop in laptops { _ = try laptop.sync() }
        #expect(try laptops[0].listing() == laptops[1].listing())
        let days = try #require(try laptops[0].run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(days.count == 600, "every day of both laptops")
        #expect(try PostgresDatabase.count(database.url, "SELECT count(DISTINCT record) FROM ops WHERE collection = 'hours'") == 600)
        #expect(try PostgresDatabase.count(database.url, "SELECT count(*) - count(DISTINCT id) FROM ops") == 0, "no op twice")
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items = [String]()
    func add(_ item: String) { lock.lock(); items.append(item); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}

extension CLI {
    /// The device token `login` kept in this home.
    func token() throws -> String {
        let dir = try FileManager.default.subpathsOfDirectory(atPath: home).filter { $0.hasSuffix("token") }
        let path = try #require(dir.first.map { home + "/" + $0 }, "no token in \(home)")
        return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A database of a test's own on the PostgreSQL server `SUNSYNC_TEST_POSTGRES` names, made and dropped with psql.
struct PostgresDatabase {
    static var serverURL: String? { ProcessInfo.processInfo.environment["SUNSYNC_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 } }
    let name: String
    let url: String

    init() throws {
        guard let server = Self.serverURL else { throw CLIHarnessError("SUNSYNC_TEST_POSTGRES is not set") }
        name = "sunsync_e2e_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try Self.psql(server, "CREATE DATABASE \(name)")
        var parts = URLComponents(string: server)!
        parts.path = "/" + name
        url = parts.string!
    }

    func drop() { try? Self.psql(Self.serverURL ?? "", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

    /// Two servers on `url`, with two Minhang bases and a Xuhui base registered.
    static func twoServers(_ url: String) throws -> (ServerProcess, ServerProcess) {
        let one = ServerProcess(), two = ServerProcess()
        one.database = url
        two.database = url
        for (code, district) in [("MH-SB-001", "310112"), ("MH-SB-002", "310112"), ("XH-SB-001", "310104")] {
            let r = try one.adminArgs(["org", "add", "--code", code, "--name", "基地 \(code)", "--kind", "sunshine-base", "--district", district, "--lunch-rate", "15"])
            guard r.status == 0 else { throw CLIHarnessError(r.err) }
        }
        try one.start()
        try two.start()
        return (one, two)
    }

    static func count(_ url: String, _ sql: String) throws -> Int {
        Int(try psql(url, sql).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @discardableResult
    static func psql(_ url: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-qtAc", sql]
        let result = try CLI.Result.of(process)
        guard result.status == 0 else { throw CLIHarnessError("psql: \(result.err)") }
        return result.out
    }
}
