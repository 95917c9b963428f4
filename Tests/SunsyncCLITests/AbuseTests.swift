import Foundation
import SunsyncProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The server under abuse, through raw sockets with no token: connections that send half a request and
/// hold, many connections from one address, a body sent a byte at a time. The server closes what it must
/// and keeps answering everyone else.
@Suite(.serialized) struct AbuseTests {
    /// A raw TCP connection to 127.0.0.1:`port` from `source` (any 127.x.y.z address is this machine's).
    struct Connection {
        let fd: Int32

        init(port: Int, from source: String = "127.0.0.1") throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw CLIHarnessError("socket: \(String(cString: strerror(errno)))") }
            func address(_ text: String, _ port: Int) -> sockaddr_in {
                var a = sockaddr_in()
                a.sin_family = sa_family_t(AF_INET)
                a.sin_port = in_port_t(UInt16(port)).bigEndian
                inet_pton(AF_INET, text, &a.sin_addr)
                return a
            }
            var local = address(source, 0), remote = address("127.0.0.1", port)
            let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard bound == 0, connected == 0 else {
                let why = String(cString: strerror(errno))
                Glibc.close(fd)
                throw CLIHarnessError("connect from \(source): \(why)")
            }
        }

        func send(_ text: String) { _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) } }

        /// Whether the server has closed it (end of stream or reset), without waiting.
        var isClosed: Bool {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 0) == 1 else { return false }
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, Int32(MSG_DONTWAIT) | Int32(MSG_PEEK)) <= 0
        }

        /// What the server answers, until it closes or `seconds` pass.
        func read(for seconds: Double) -> String {
            var out = [UInt8]()
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 100) == 1 else { continue }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                out += buffer[..<n]
            }
            return String(decoding: out, as: UTF8.self)
        }

        func close() { Glibc.close(fd) }
    }

    static func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    static func healthz(_ server: ServerProcess, from source: String = "127.0.0.1") throws -> String {
        let c = try Connection(port: server.port, from: source)
        defer { c.close() }
        c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return c.read(for: 10)
    }

    /// 1,000 connections that send half a header and hold: the server keeps answering, and closes every
    /// one of them once the idle timeout passes.
    @Test func halfOpenConnectionsAreClosedAndTheServerKeepsAnswering() throws {
        let server = ServerProcess()
        server.serveArguments = ["--idle-timeout", "2", "--max-connections-per-address", "0"]
        try server.start()
        defer { server.stop() }
        let held = try (0..<1_000).map { _ in try Connection(port: server.port, from: "127.0.0.2") }
        defer { held.forEach { $0.close() } }
        for c in held { c.send("GET /healthz HTTP/1.1\r\nHost: ") }
        let started = Date()
        #expect(try Self.healthz(server).hasSuffix("ok\n"), "the server answers while 1,000 half-open connections are held")
        let answeredIn = Date().timeIntervalSince(started)
        #expect(Self.waitUntil(15) { held.allSatisfy(\.isClosed) }, "every half-open connection is closed after the idle timeout")
        #expect(Date().timeIntervalSince(started) >= 1.5, "not before the idle timeout")
        #expect(try Self.healthz(server, from: "127.0.0.2").hasSuffix("ok\n"))
        print("healthz answered in \(Int(answeredIn * 1000)) ms beside 1,000 half-open connections")
    }

    /// One address opens more connections than it may: the ones past the limit are closed at once, other
    /// addresses are served, and the address is served again once it closes its own.
    @Test func oneAddressCannotTakeEveryConnection() throws {
        let server = ServerProcess()
        server.serveArguments = ["--max-connections-per-address", "20"]
        try server.start()
        defer { server.stop() }
        let many = try (0..<100).map { _ in try Connection(port: server.port, from: "127.0.0.3") }
        #expect(Self.waitUntil(10) { many.filter(\.isClosed).count == 80 }, "\(many.filter(\.isClosed).count) of 100 closed, not 80")
        #expect(try Self.healthz(server).hasSuffix("ok\n"), "another address is served")
        #expect(try Self.healthz(server, from: "127.0.0.3").isEmpty, "that address has its 20 open")
        many.forEach { $0.close() }
        #expect(Self.waitUntil(10) { (try? Self.healthz(server, from: "127.0.0.3"))?.hasSuffix("ok\n") == true }, "served again once it closed them")
    }

    /// A push whose body comes a byte at a time is refused once the body deadline passes (408, which a
    /// laptop tries again), though each byte comes well within the idle timeout.
    @Test func aBodySentAByteAtATimeIsRefusedAtTheDeadline() throws {
        let server = try ServerProcess.withOrgs(serveArguments: ["--body-timeout", "2", "--idle-timeout", "20"])
        defer { server.stop() }
        let token = try server.token("slow", "--role", "staff", "--org", "MH-SB-001")
        let c = try Connection(port: server.port)
        defer { c.close() }
        c.send("POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nSunsync-Protocol: \(Wire.version)\r\nContent-Length: 1000\r\n\r\n{")
        var answer = ""
        for _ in 0..<40 where answer.isEmpty {
            c.send(" ")
            answer = c.read(for: 0.25)
        }
        #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        #expect(answer.contains("body-too-slow"))
        #expect(try Self.healthz(server).hasSuffix("ok\n"))
    }

    /// One exchange from `source`: the status line and the body.
    static func ask(_ server: ServerProcess, from source: String, _ request: String) throws -> String {
        let c = try Connection(port: server.port, from: source)
        defer { c.close() }
        c.send(request)
        return c.read(for: 10)
    }

    /// Tokens cannot be ground: refused tokens from one address slow its answers down, then get 429 with
    /// `Retry-After` (a good token too, from there), while other addresses sign in as before; the review
    /// page refuses every wrong token with one message that names no device.
    @Test func refusedTokensSlowDownThenAreRefusedForAWhile() throws {
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let staff = try server.token("base-laptop", "--role", "staff", "--org", "MH-SB-001")
        let session: @Sendable (String) -> String = { token in "GET /v1/session HTTP/1.1\r\nHost: x\r\nSunsync-Protocol: \(Wire.version)\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n" }
        let login = { (token: String) -> String in
            let body = "token=" + token
            return "POST /review/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        }
        // The page: a staff token and a made-up one get the same words
        let asStaff = try Self.ask(server, from: "127.0.0.5", login(staff))
        let madeUp = try Self.ask(server, from: "127.0.0.5", login("sst_nothing"))
        #expect(asStaff.hasPrefix("HTTP/1.1 401") && madeUp.hasPrefix("HTTP/1.1 401"))
        #expect(!asStaff.contains("base-laptop") && !asStaff.contains("staff"), "names no device nor role")
        let words = { (page: String) in page.range(of: "令牌无效[^<]*", options: .regularExpression).map { String(page[$0]) } }
        #expect(words(asStaff) != nil && words(asStaff) == words(madeUp))

        // 20 wrong tokens from one address (at once: the slowing down adds up otherwise)
        let answers = Failures()
        DispatchQueue.concurrentPerform(iterations: 20) { i in
            answers.add((try? Self.ask(server, from: "127.0.0.4", session("sst_wrong\(i)"))) ?? "")
        }
        #expect(answers.all.allSatisfy { $0.hasPrefix("HTTP/1.1 401") || $0.hasPrefix("HTTP/1.1 429") }, "\(answers.all.map { $0.prefix(20) })")
        let blocked = try Self.ask(server, from: "127.0.0.4", session(staff))
        #expect(blocked.hasPrefix("HTTP/1.1 429") && blocked.lowercased().contains("retry-after:"), "\(blocked)")
        #expect(blocked.contains("too-many-attempts"))
        let page = try Self.ask(server, from: "127.0.0.4", login("sst_more"))
        #expect(page.hasPrefix("HTTP/1.1 429") && page.contains("尝试次数过多"), "\(page.prefix(300))")
        // Another address is served as before
        #expect(try Self.ask(server, from: "127.0.0.1", session(staff)).hasPrefix("HTTP/1.1 200"))
    }
}
