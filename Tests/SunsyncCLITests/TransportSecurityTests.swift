import Foundation
import Testing
import SunsyncTestSupport

/// Tokens and certificate numbers never cross a network in clear unless someone insisted.
@Suite struct TransportSecurityTests {
    @Test func serveRefusesPlainHTTPBeyondThisMachineUnlessTold() throws {
        let dir = Scratch.path("sunsync-server")
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

    @Test func aDistrictsOwnCAServesHTTPSThatLaptopsTrustAlone() throws {
        // Given a district server with a certificate from `tls init`
        let server = ServerProcess()
        let made = try server.admin("tls", "init", "--host", "127.0.0.1", "--host", "localhost", "--name", "闵行区残联")
        #expect(made.status == 0 && made.out.contains("--ca ca.pem"), "\(made.err)")
        let tls = server.dataDir + "/tls"
        for key in ["ca.key", "server.key"] {
            #expect((try FileManager.default.attributesOfItem(atPath: tls + "/" + key)[.posixPermissions] as? Int) == 0o600)
        }
        #expect(try server.admin("tls", "init", "--host", "127.0.0.1").err.contains("already exists"))
        #expect(try server.admin("tls", "init").status != 0, "a certificate names where laptops reach the server")
        let r = try server.admin("org", "add", "--code", "MH-SB-001", "--name", "基地", "--kind", "sunshine-base", "--district", "310112")
        try #require(r.status == 0, "\(r.err)")
        server.serveArguments = ["--tls-cert", tls + "/server.pem", "--tls-key", tls + "/server.key"]
        try server.start()
        defer { server.stop() }
        let https = "https://127.0.0.1:\(server.port)"
        let token = try server.token("laptop-a", "--role", "staff", "--org", "MH-SB-001")

        // When a laptop logs in without the CA, with another district's, and with its own
        let laptop = CLI()
        let untrusted = try laptop.run("login", "--server", https, "--token", token)
        let other = ServerProcess()
        #expect(try other.admin("tls", "init", "--host", "127.0.0.1").status == 0)
        let wrong = try laptop.run("login", "--server", https, "--token", token, "--ca", other.dataDir + "/tls/ca.pem")
        let notPEM = try laptop.run("login", "--server", https, "--token", token, "--ca", tls + "/ca.key")
        let trusted = try laptop.run("login", "--server", https, "--token", token, "--ca", tls + "/ca.pem")

        // Then only its own CA is trusted, kept in the home, and the laptop syncs over HTTPS
        #expect(untrusted.status != 0 && untrusted.err.contains("--ca"), "\(untrusted.err)")
        #expect(wrong.status != 0)
        #expect(notPEM.status != 0 && notPEM.err.contains("not a certificate"))
        #expect(trusted.status == 0, "\(trusted.err)")
        #expect(FileManager.default.fileExists(atPath: laptop.home + "/ca.pem"))
        #expect(try laptop.run("participant", "add", "--name", "张三", "--cert", People.zhang, "--start", "2024-01-01").status == 0)
        let synced = try laptop.run("sync")
        #expect(synced.status == 0 && !synced.out.contains("refused"), "\(synced.err)")
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
