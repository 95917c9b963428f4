import Foundation
import SunsyncModel
import SunsyncProtocol
import Testing
import SunsyncTestSupport

/// A PostgreSQL cluster of the test's own (`scripts/postgres-cluster.sh`), stopped and started under a
/// running `sunsync-server`.
struct OwnCluster {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/postgres-cluster.sh").path
    let dir: String
    let port: Int
    private(set) var url = ""

    init(port: Int) throws {
        dir = Scratch.path("sunsync-pg")
        self.port = port
        url = try run("start").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs the script with `posix_spawn` and `waitpid` (Foundation's `Process` waits forever here: the
    /// server it starts outlives the script), its output through a file.
    @discardableResult
    func run(_ command: String) throws -> String {
        let out = dir + ".out"
        let line = "bash '\(Self.script)' \(command) '\(dir)' \(port) >'\(out)' 2>>'\(dir).log' </dev/null"
        var pid: pid_t = 0
        let words: [String] = ["/bin/bash", "-c", line]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/bash", nil, nil, argv, environ) == 0 else { throw CLIHarnessError("cannot run \(Self.script)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let log = [dir + ".log", dir + "/server.log"].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n")
            throw CLIHarnessError("postgres-cluster.sh \(command): \(log)")
        }
        return text
    }

    /// A port nothing listens on now (the kernel's choice for port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw CLIHarnessError("no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func remove() {
        _ = try? run("stop")
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.removeItem(atPath: dir + ".log")
        try? FileManager.default.removeItem(atPath: dir + ".out")
    }
}

/// PostgreSQL stopped under a running server: pushes are answered 503 `database-unavailable` with
/// `Retry-After` (never 500), `/healthz` says degraded, and once PostgreSQL is back the server reconnects by
/// itself and takes the same push; nothing held is lost.
@Suite(.serialized, .enabled(if: PostgresDatabase.serverURL != nil, "set SUNSYNC_TEST_POSTGRES (PostgreSQL is installed)"))
struct PostgresFaultTests {
    @Test func postgresStoppedAndStartedAgainLosesNothing() async throws {
        let cluster = try OwnCluster(port: OwnCluster.freePort())
        defer { cluster.remove() }
        let server = ServerProcess()
        server.database = cluster.url
        for (code, district) in [("MH-SB-001", "310112")] {
            let r = try server.adminArgs(["org", "add", "--code", code, "--name", "基地 \(code)", "--kind", "sunshine-base", "--district", district])
            #expect(r.status == 0, "\(r.err)")
        }
        try server.start()
        defer { server.stop() }
        let staff = try server.token("a", "--role", "staff", "--org", "MH-SB-001")
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let zhang = try await server.personKey(People.zhang, token: staff)
        #expect(try await server.push(ServerRefusalTests.registration(now - 10_000, person: zhang), token: staff).status == 200)
        let day = [ServerRefusalTests.op(now - 5_000, "MH-SB-001/\(zhang)/2024-03-04", "minutes", .integer(240))]
        // The key is registered while PostgreSQL runs; the pushes below only push.
        let key = try await server.registerKey(token: staff)
        let body = try Wire.encoder().encode(try PushRequest(signing: day, key: key, privateKey: ServerProcess.privateKey(staff)))

        try cluster.run("stop")
        var health = try await server.request("GET", "/healthz")
        for _ in 0..<40 where health.status == 200 {
            try await Task.sleep(for: .milliseconds(250))
            health = try await server.request("GET", "/healthz")
        }
        #expect(health.status == 503 && String(decoding: health.body, as: UTF8.self).hasPrefix("degraded:"), "the server notices by itself")
        let down = try await server.request("POST", "/v1/push", token: staff, body: body)
        #expect(down.status == 503, "\(String(decoding: down.body, as: UTF8.self))")
        #expect(ServerRefusalTests.problemCode(down.body) == "database-unavailable")
        #expect(down.headers["retry-after"] != nil)

        try cluster.run("start")
        var status = 0
        for _ in 0..<40 where status != 200 {
            status = try await server.request("POST", "/v1/push", token: staff, body: body).status
            if status != 200 { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(status == 200, "the server reconnects by itself")
        #expect(try await server.request("GET", "/healthz").status == 200)
        #expect(try PostgresDatabase.count(cluster.url, "SELECT count(*) FROM ops WHERE collection IN ('participants', 'hours')") == 5, "the registration and the day, each once")
    }
}
