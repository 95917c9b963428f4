import Foundation
import SunsyncClient
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on 127.0.0.1 in front of a real server that cuts connections where told: the `n`th
/// connection it accepts follows `plans[n]` (past the list, it relays whole). A cut forwards that many bytes
/// in one direction (the laptop's request, or the server's answer), then closes both sides.
final class CuttingProxy: @unchecked Sendable {
    enum Plan: Sendable { case whole, request(after: Int), answer(after: Int) }

    let port: Int
    private let listener: Int32
    private let upstream: Int
    private let plans: [Plan]
    private let lock = NSLock()
    private var accepted = 0
    private var cutPlaces = [Place]()

    /// Where a connection was cut: in the laptop's request or the server's answer, in its head or its body.
    struct Place: Hashable, Sendable, CustomStringConvertible {
        let answer: Bool, body: Bool
        var description: String { "\(answer ? "answer" : "request") \(body ? "body" : "head")" }
    }

    init(to upstream: Int, plans: [Plan]) throws {
        self.upstream = upstream
        self.plans = plans
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 64) == 0 else { throw CLIHarnessError("the proxy cannot listen") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }
    /// Connections accepted, and of them cut.
    var counts: (accepted: Int, cut: Int) { lock.withLock { (accepted, cutPlaces.count) } }
    /// Every place a connection was cut, in order.
    var cuts: [Place] { lock.withLock { cutPlaces } }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let plan = lock.withLock { () -> Plan in
                defer { accepted += 1 }
                return accepted < plans.count ? plans[accepted] : .whole
            }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: UInt16(upstream))
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { close(client); close(server); continue }
            let pair = Pair(client: client, server: server)
            let (requestLimit, answerLimit): (Int, Int) = switch plan {
            case .whole: (.max, .max)
            case .request(let n): (n, .max)
            case .answer(let n): (.max, n)
            }
            Thread { [self] in relay(from: client, to: server, limit: requestLimit, answer: false, pair) }.start()
            Thread { [self] in relay(from: server, to: client, limit: answerLimit, answer: true, pair) }.start()
        }
    }

    /// Both ends of one relayed connection, closed once both directions have ended.
    final class Pair: @unchecked Sendable {
        let client: Int32, server: Int32
        private let lock = NSLock()
        private var ended = 0
        init(client: Int32, server: Int32) { (self.client, self.server) = (client, server) }
        func cut() {
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
        }
        func end() {
            let both = lock.withLock { ended += 1; return ended == 2 }
            if both { close(client); close(server) }
        }
    }

    private func relay(from source: Int32, to destination: Int32, limit: Int, answer: Bool, _ pair: Pair) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var sent = 0
        var head = [UInt8]()   // the bytes forwarded, until the head's end is seen
        defer { pair.end() }
        while true {
            let n = read(source, &buffer, buffer.count)
            guard n > 0 else {
                shutdown(destination, Int32(SHUT_WR))   // a half-close passes on as one
                return
            }
            let allowed = min(n, limit - sent)
            if allowed > 0 { _ = buffer.withUnsafeBytes { write(destination, $0.baseAddress, allowed) } }
            if head.count < 64 * 1024 { head += buffer[0..<allowed] }
            sent += allowed
            if sent >= limit {
                let inBody = head.count >= 4 && (0...(head.count - 4)).contains { head[$0] == 13 && head[$0 + 1] == 10 && head[$0 + 2] == 13 && head[$0 + 3] == 10 }
                lock.withLock { cutPlaces.append(Place(answer: answer, body: inBody)) }
                pair.cut()
                return
            }
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

/// The real binaries through a proxy that cuts connections at every kind of place (issue 21): in the
/// request's head and body, in the answer's head and body. Every cut is tried again, and in the end
/// nothing is lost and nothing doubled.
@Suite(.serialized) struct CuttingProxyTests {
    /// A cut on every other connection, each kind in turn; the connection after a cut passes whole, so
    /// every request meets at most one cut and is taken on its first try again.
    static let plans: [CuttingProxy.Plan] = [
        // a's sync: its session's head, its push's body (only a push is longer than 400 bytes), the devices'
        // answer head, the first pull page's body; then b's sync, and the same again
        .request(after: 12), .request(after: 400), .answer(after: 9), .answer(after: 300),
        .answer(after: 2_000), .request(after: 1), .answer(after: 1), .answer(after: 120), .request(after: 400), .answer(after: 60),
    ].flatMap { [$0, .whole] }

    @Test func syncsThroughCutsInBothDirectionsLoseAndDoubleNothing() throws {
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let proxy = try CuttingProxy(to: server.port, plans: Self.plans + Self.plans)
        // A base laptop with 3 × 60 days, sending through the proxy.
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        try a.run("import", CLI.fixture("participants-utf8.csv"), "--kind", "participants")
        let file = a.home + "/sheet.csv"
        try Data(InterruptionTests.sheet(days: 60, offset: 0).utf8).write(to: URL(fileURLWithPath: file))
        #expect(try a.run("import", file, "--kind", "hours").status == 0)
        try a.openStore().setMeta("server", proxy.url)
        let sent = try a.run("sync")
        #expect(sent.status == 0, "\(sent.err)")

        // A second laptop of the base receives it all through the proxy, cut again.
        let b = try CLI.linked(server, "b", "--role", "staff", "--org", "MH-SB-001")
        try b.openStore().setMeta("server", proxy.url)
        let received = try b.run("sync")
        #expect(received.status == 0, "\(received.err)")
        let places = Set(proxy.cuts)
        #expect(places.count == 4, "every kind of place was cut: \(proxy.cuts) of \(proxy.counts.accepted) connections")

        #expect(try b.listing() == a.listing())
        let days = try #require(try b.run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(days.count == 3 * 60 && Set(days.compactMap { $0["id"] as? String }).count == days.count)
        for laptop in [a, b] {
            let status = try #require(try laptop.run("status", "--json").json() as? [String: Any])
            #expect(status["pending_ops"] as? Int == 0 && status["rejected_ops"] as? Int == 0)
            #expect(try laptop.run("verify").status == 0)
        }
        #expect(try server.admin("verify").status == 0)
    }
}
