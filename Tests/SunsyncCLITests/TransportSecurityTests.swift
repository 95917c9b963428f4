import Foundation
import Testing

/// Tokens and certificate numbers never cross a network in clear unless someone insisted.
@Suite struct TransportSecurityTests {
    @Test func serveRefusesPlainHTTPBeyondThisMachineUnlessTold() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sunsync-server-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let refused = try ServerProcess(dataDir: dir).admin("serve", "--host", "0.0.0.0", "--port", "0")
        #expect(refused.status == 64 && refused.err.contains("--tls-cert") && refused.err.contains("--insecure-http"), "\(refused.err)")

        let server = ServerProcess(dataDir: dir)
        server.serveArguments = ["--host", "0.0.0.0", "--insecure-http"]
        try server.start()
        defer { server.stop() }
        let health = try AbuseTests.healthz(server)
        #expect(health.contains("ok\n") && health.contains("plain HTTP beyond this machine"), "\(health)")
        let metrics = try AbuseTests.ask(server, from: "127.0.0.1", "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(metrics.contains("sunsync_insecure_http 1"))
    }

    @Test func behindAnHTTPSProxyCookiesAreSecureAndItsConnectionsAreNotLimited() async throws {
        let server = try ServerProcess.withOrgs(serveArguments: ["--behind-https-proxy", "127.0.0.1"])
        defer { server.stop() }
        let reviewer = try server.token("mh-review", "--role", "reviewer", "--district", "310112")
        let body = "token=" + reviewer
        let login = try AbuseTests.ask(server, from: "127.0.0.1",
            "POST /review/login HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.9\r\nX-Forwarded-Proto: https\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
        #expect(login.hasPrefix("HTTP/1.1 303"), "\(login.prefix(200))")
        let cookie = login.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") } ?? ""
        #expect(cookie.contains("Secure") && cookie.contains("HttpOnly"), "\(cookie)")
        // The proxy's own address is not limited per address: its connections are everyone's
        let many = try (0..<150).map { _ in try AbuseTests.Connection(port: server.port) }
        defer { many.forEach { $0.close() } }
        usleep(300_000)
        #expect(many.filter(\.isClosed).isEmpty)
    }

    @Test func loginRefusesPlainHTTPToAnotherMachineUnlessTold() throws {
        let cli = CLI()
        let refused = try cli.run("login", "--server", "http://192.0.2.10:8080", "--token", "sst_x")
        #expect(refused.status == 1 && refused.err.contains("in clear") && refused.err.contains("--insecure-http"), "\(refused.err)")
        let tried = try cli.run(["login", "--server", "http://192.0.2.10:8080", "--token", "sst_x", "--insecure-http"],
                                environment: ["SUNSYNC_NETWORK_TIMEOUTS": "0.5,0.5,0"])
        #expect(tried.status == 1 && !tried.err.contains("in clear"), "it tries (and cannot reach a documentation address): \(tried.err)")
    }
}
