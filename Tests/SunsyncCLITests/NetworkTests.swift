import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import SunsyncTestSupport
#endif

/// A socket on 127.0.0.1 that misbehaves: accepts and stays silent, or starts an answer and hangs up.
final class FakeServer: @unchecked Sendable {
    enum Mode { case silent, closesMidBody, answersAfter(seconds: Double) }
    let port: Int
    private let fd: Int32
    private var open = [Int32]()
    private let lock = NSLock()

    init(_ mode: Mode) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw CLIHarnessError("cannot listen") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        let listener = fd
        Thread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                lock.withLock { open.append(client) }
                if case .answersAfter(let seconds) = mode {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    _ = read(client, &buffer, buffer.count)
                    usleep(UInt32(seconds * 1_000_000))
                    let body = #"{"device_id":"dev_slow","device_name":"slow","org":"MH-SB-001","orgs":["MH-SB-001"],"protocol_version":1,"role":"staff","server_time":1}"#
                    let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
                    _ = answer.withCString { write(client, $0, strlen($0)) }
                    close(client)
                }
                if case .closesMidBody = mode {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    _ = read(client, &buffer, buffer.count)
                    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"device_id\":"
                    _ = head.withCString { write(client, $0, strlen($0)) }
                    close(client)
                }
            }
        }.start()
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        lock.withLock { for c in open { close(c) } }
    }
}

/// The client on a bad network: every wait bounded, every failure in words, nothing lost, and no core
/// spun while waiting. Timeouts are shortened with SUNSYNC_NETWORK_TIMEOUTS (connect, read, retry for).
@Suite struct NetworkTests {
    static let short = ["SUNSYNC_NETWORK_TIMEOUTS": "2,2,1"]

    /// Runs `sunsync` and samples its CPU time from /proc until it ends: (result, cpu seconds, wall seconds).
    func measured(_ cli: CLI, _ args: [String], environment: [String: String]) throws -> (CLI.Result, Double, Double) {
        let process = cli.start(args, environment: environment)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let started = Date()
        try process.run()
        var cpu = 0.0
        while process.isRunning {
            if let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
               let close = stat.lastIndex(of: ")") {
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                if fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) { cpu = (user + system) / 100 }
            }
            usleep(50_000)
        }
        let wall = Date().timeIntervalSince(started)
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        return (CLI.Result(status: process.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self)), cpu, wall)
    }

    func linkedTo(_ url: String) throws -> CLI {
        let cli = try CLI.withParticipants()
        try cli.run("hours", "set", "张三", "2024-03-04", "3")
        // Link by hand: login itself would fail against these servers.
        try cli.openStore().setMeta("server", url)
        try "sst_test".write(toFile: cli.home + "/token", atomically: true, encoding: .utf8)
        return cli
    }

    @Test func aSilentServerEndsWithinItsBoundAndTheLaptopStaysCool() throws {
        let silent = try FakeServer(.silent)
        let cli = try linkedTo("http://127.0.0.1:\(silent.port)")
        let before = try cli.opCount()
        let (result, cpu, wall) = try measured(cli, ["sync"], environment: Self.short)
        #expect(result.status == 1 && result.err.contains("accepted the connection but sent nothing for 2 s"), "\(result.err)")
        #expect(result.err.contains("Nothing was lost; 1 changes wait") || result.err.contains("changes wait to be sent"), "\(result.err)")
        #expect(wall < 15, "bounded: \(wall) s")
        #expect(cpu < 0.05 * wall + 0.3, "waiting costs no CPU: \(cpu) s of CPU in \(wall) s")
        #expect(try cli.opCount() == before)
    }

    @Test func aServerThatHangsUpMidAnswerIsSaidSo() throws {
        let rude = try FakeServer(.closesMidBody)
        let cli = try linkedTo("http://127.0.0.1:\(rude.port)")
        let result = try cli.run(["sync"], environment: Self.short)
        #expect(result.status == 1 && result.err.contains("closed the connection before it finished answering"), "\(result.err)")
    }

    @Test func aSlowAnswerWithinItsBoundIsWaitedForAndOnePastItIsNot() throws {
        let slow = try FakeServer(.answersAfter(seconds: 1))
        let patient = try CLI().run(["login", "--server", "http://127.0.0.1:\(slow.port)", "--token", "sst_x"], environment: ["SUNSYNC_NETWORK_TIMEOUTS": "2,3,0"])
        #expect(patient.status == 0 && patient.out.contains("Linked"), "\(patient.err)")
        let hasty = try CLI().run(["login", "--server", "http://127.0.0.1:\(slow.port)", "--token", "sst_x"], environment: ["SUNSYNC_NETWORK_TIMEOUTS": "2,0.3,0"])
        #expect(hasty.status == 1 && hasty.err.contains("sent nothing for 0.3 s"), "\(hasty.err)")
    }

    @Test func nobodyListeningAndUnknownHostsAreSaidInWords() throws {
        let refused = try linkedTo("http://127.0.0.1:9")
        let result = try refused.run(["sync"], environment: Self.short)
        #expect(result.status == 1 && result.err.contains("refused the connection on port 9"), "\(result.err)")
        let login = try CLI().run(["login", "--server", "http://no-such-host.invalid:8080", "--token", "sst_x", "--insecure-http"], environment: Self.short)
        #expect(login.status == 1 && login.err.contains("cannot find the server 'no-such-host.invalid'"), "\(login.err)")
    }

    @Test func httpsAgainstHTTPAndTheReverse() throws {
        let plain = try ServerProcess.withOrgs()
        defer { plain.stop() }
        let wrong = try CLI().run(["login", "--server", "https://127.0.0.1:\(plain.port)", "--token", "sst_x"], environment: Self.short)
        #expect(wrong.status == 1 && wrong.err.contains("does not speak HTTPS: use http://"), "\(wrong.err)")
        // The reverse, and an untrusted certificate, against the real server serving HTTPS.
        let dir = Scratch.path("tls")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "2",
                             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        let tls = try ServerProcess.withOrgs(serveArguments: ["--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem"])
        defer { tls.stop() }
        let token = try tls.token("laptop", "--role", "staff", "--org", "MH-SB-001")
        let reverse = try CLI().run(["login", "--server", "http://127.0.0.1:\(tls.port)", "--token", token], environment: Self.short)
        #expect(reverse.status == 1 && reverse.err.contains("if it serves HTTPS, use https://"), "\(reverse.err)")
        let untrusted = try CLI().run(["login", "--server", "https://127.0.0.1:\(tls.port)", "--token", token], environment: Self.short)
        #expect(untrusted.status == 1 && untrusted.err.contains("certificate is not trusted"), "\(untrusted.err)")
        let trusted = CLI()
        #expect(try trusted.run(["login", "--server", "https://127.0.0.1:\(tls.port)", "--token", token], environment: ["SSL_CERT_FILE": dir + "/cert.pem"]).status == 0)
        #expect(try trusted.run(["sync"], environment: ["SSL_CERT_FILE": dir + "/cert.pem"]).status == 0)
        // Over TLS the review page's session cookie is marked Secure.
        let reviewer = try tls.token("reviewer", "--role", "reviewer", "--district", "310112")
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "-i", "--cacert", dir + "/cert.pem", "--data-urlencode", "token=\(reviewer)", "https://127.0.0.1:\(tls.port)/review/login"]
        let out = Pipe()
        curl.standardOutput = out
        try curl.run()
        let answer = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        curl.waitUntilExit()
        let cookie = answer.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") } ?? ""
        #expect(answer.hasPrefix("HTTP/1.1 303") && cookie.contains("; Secure") && cookie.contains("HttpOnly"), "\(answer.prefix(400))")
    }
}
