import Foundation
import SunsyncClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SunsyncReports

/// One HTTP/1.1 exchange at a time over SwiftNIO: waits on epoll (URLSession on Linux spun a core at
/// 100 % while a server stayed silent), gives up connecting after `connect` and a silent answer after
/// `read`, and says every failure in words (`SyncError.network`).
struct HTTPClient: Sendable {
    struct Timeouts: Sendable {
        var connect: TimeAmount = .seconds(10)
        var read: TimeAmount = .seconds(30)
        /// How long a sync keeps trying again after network failures before it stops.
        var retryFor: Duration = .seconds(60)

        /// `SUNSYNC_NETWORK_TIMEOUTS=connect,read,retry` in seconds, for very slow links (and the tests).
        static var fromEnvironment: Timeouts {
            var t = Timeouts()
            let parts = (ProcessInfo.processInfo.environment["SUNSYNC_NETWORK_TIMEOUTS"] ?? "").split(separator: ",").compactMap { Double($0) }
            if parts.count >= 1, parts[0] > 0 { t.connect = .milliseconds(Int64(parts[0] * 1000)) }
            if parts.count >= 2, parts[1] > 0 { t.read = .milliseconds(Int64(parts[1] * 1000)) }
            if parts.count >= 3, parts[2] >= 0 { t.retryFor = .milliseconds(Int64(parts[2] * 1000)) }
            return t
        }
    }

    struct Response: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: Data
    }

    let timeouts: Timeouts
    /// Made on the first HTTPS request and kept: it reads the system's trust store (or the server's own CA).
    private let tlsContext: TLSContextCache

    /// `ca`: a PEM file of the certificate authority to trust alone for this server (`sunsync login --ca`).
    init(timeouts: Timeouts, ca: String? = nil) {
        self.timeouts = timeouts
        tlsContext = TLSContextCache(ca: ca)
    }

    func send(_ method: HTTPMethod, _ url: URL, headers: [(String, String)], body: Data?) async throws -> Response {
        guard let host = url.host, let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw SyncError.network("\(url) is not an http:// or https:// address")
        }
        let tls = scheme == "https"
        let port = url.port ?? (tls ? 443 : 80)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Response.self)
        // A try again waits to connect, and for a silent server, only until its sync gives up (60 s in all).
        var bounded = self.timeouts
        bounded.connect = TimeAmount(RequestDeadline.bounded(Duration(bounded.connect)))
        bounded.read = TimeAmount(RequestDeadline.bounded(Duration(bounded.read)))
        let timeouts = bounded
        guard timeouts.connect > .zero, timeouts.read > .zero else {
            throw SyncError.network("no time left to try \(host):\(port) again")
        }
        let sslContext = tls ? try tlsContext.get() : nil
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeouts.connect)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: Self.isIPAddress(host) ? nil : host))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: timeouts.read))
                    try channel.pipeline.syncOperations.addHandler(Collector(promise: promise))
                }
            }
        let channel: Channel
        do { channel = try await bootstrap.connect(host: host, port: port).get() } catch {
            promise.fail(error)
            let (message, kind) = Self.explain(error, host: host, port: port, tls: tls, timeouts: timeouts)
            throw SyncError.network(message, kind: kind)
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: Self.target(url))
        head.headers.add(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body { head.headers.add(name: "Content-Length", value: String(body.count)) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        do {
            let response = try await promise.futureResult.get()
            channel.close(promise: nil)
            return response
        } catch {
            channel.close(promise: nil)
            let (message, kind) = Self.explain(error, host: host, port: port, tls: tls, timeouts: timeouts)
            throw SyncError.network(message, kind: kind)
        }
    }

    static func target(_ url: URL) -> String {
        let path = url.path.isEmpty ? "/" : url.path
        return url.query.map { path + "?" + $0 } ?? path
    }

    static func isIPAddress(_ host: String) -> Bool {
        host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":")
    }

    /// A failure in words (this run's language), with what to do, and its kind for the progress line.
    static func explain(_ error: any Error, host: String, port: Int, tls: Bool, timeouts: Timeouts) -> (String, NetworkKind) {
        let seconds = { (t: TimeAmount) -> String in   // 30, 29.5 → 30; 2; 0.3
            let s = Double(t.nanoseconds) / 1e9
            return s >= 10 ? String(Int(s.rounded())) : String(format: "%g", (s * 10).rounded() / 10)
        }
        let text = "\(error)"
        let at = "\(host):\(port)"
        if let timeout = error as? Timeout {
            switch timeout {
            case .read: return (say(.netSilent(at, seconds: seconds(timeouts.read))), .silent)
            case .closedEarly: return (say(.netClosedEarly(at)), .cut)
            case .closedWithoutAnswer: return (say(.netClosedWithoutAnswer(at, tls: tls)), .cut)
            }
        }
        if case ChannelError.connectTimeout = error {
            return (say(.netNoAnswer(at, seconds: seconds(timeouts.connect))), .cannotConnect)
        }
        if let connection = error as? NIOConnectionError {
            if connection.dnsAError != nil || connection.dnsAAAAError != nil, connection.connectionErrors.isEmpty {
                return (say(.netNoDNS(host)), .cannotConnect)
            }
            let errnos = connection.connectionErrors.compactMap { ($0.error as? IOError)?.errnoCode }
            if errnos.contains(ECONNREFUSED) { return (say(.netRefused(host: host, port: port)), .cannotConnect) }
            if errnos.contains(EHOSTUNREACH) || errnos.contains(ENETUNREACH) { return (say(.netNoRoute(host)), .cannotConnect) }
            if connection.connectionErrors.contains(where: { if case ChannelError.connectTimeout = $0.error { true } else { false } }) {
                return (say(.netNoAnswer(at, seconds: seconds(timeouts.connect))), .cannotConnect)
            }
        }
        if error is NIOSSLError || error is BoringSSLError || text.contains("SSL") {
            if text.contains("WRONG_VERSION_NUMBER") || text.contains("wrong version number") || text.contains("unexpectedEOF") {
                return (say(.netNotHTTPS(at)), .failed)
            }
            if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate") { return (say(.netUntrustedCertificate), .failed) }
            return (say(.netTLSFailed(at, reason: text)), .failed)
        }
        if let parser = error as? HTTPParserError, case .invalidEOFState = parser { return (say(.netClosedEarly(at)), .cut) }
        if !tls, error is HTTPParserError || text.contains("HTTPParserError") { return (say(.netNotPlainHTTP(at)), .failed) }
        return (say(.netFailed(at, reason: text)), .failed)
    }

    final class TLSContextCache: @unchecked Sendable {
        private let lock = NSLock()
        private var context: NIOSSLContext?
        let ca: String?

        init(ca: String?) { self.ca = ca }

        func get() throws -> NIOSSLContext {
            try lock.withLock {
                if let context { return context }
                var configuration = TLSConfiguration.makeClientConfiguration()
                // A server with its own certificate authority (a pilot, a district's own CA): trust it too.
                if let ca {
                    // The district's own CA, kept in the home at login: trusted alone for this server.
                    configuration.trustRoots = .file(ca)
                } else if let file = ProcessInfo.processInfo.environment["SSL_CERT_FILE"], !file.isEmpty {
                    configuration.additionalTrustRoots = [.file(file)]
                }
                do {
                    let made = try NIOSSLContext(configuration: configuration)
                    context = made
                    return made
                } catch {
                    throw SyncError.network("cannot set up TLS: \(error)")
                }
            }
        }
    }

    struct TooLarge: Error, CustomStringConvertible {
        var description: String { "the answer is larger than 64 MiB; is the address a Sunsync server?" }
    }

    enum Timeout: Error, Equatable { case read, closedEarly, closedWithoutAnswer }

    /// Gathers one response; fails on a silent server or a connection closed before the end.
    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<Response>
        var head: HTTPResponseHead?
        var body = ByteBuffer()
        var done = false

        init(promise: EventLoopPromise<Response>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): head = h
            case .body(var chunk):
                body.writeBuffer(&chunk)
                // A page is a few MB at most; a server sending more is not a Sunsync server.
                if body.readableBytes > 64 << 20 { fail(TooLarge(), context) }
            case .end:
                guard !done, let head else { return }
                done = true
                promise.succeed(Response(status: Int(head.status.code), headers: head.headers, body: Data(body.readableBytesView)))
                context.close(promise: nil)
            }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case IdleStateHandler.IdleStateEvent.read = event { fail(Timeout.read, context) } else { context.fireUserInboundEventTriggered(event) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { fail(error, context) }

        func channelInactive(context: ChannelHandlerContext) {
            fail(head == nil ? Timeout.closedWithoutAnswer : Timeout.closedEarly, context)
            context.fireChannelInactive()
        }

        private func fail(_ error: any Error, _ context: ChannelHandlerContext) {
            guard !done else { return }
            done = true
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
