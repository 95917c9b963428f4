// A bench client that costs the server little: SwiftNIO on one event-loop thread, one kept-alive HTTP/1.1
// connection per device, requests one after another on it. (URLSession's 50 clients took about as much
// CPU as the server they measured.)
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One device's connection.
final class BenchConnection: @unchecked Sendable {
    private let channel: Channel
    private let handler: Answers
    private let host: String

    private init(channel: Channel, handler: Answers, host: String) {
        self.channel = channel
        self.handler = handler
        self.host = host
    }

    /// The one thread every bench connection runs on.
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    static func connect(_ url: String) async throws -> BenchConnection {
        guard let parsed = URL(string: url), let host = parsed.host, let port = parsed.port else { throw BenchError("\(url) is not http://host:port") }
        let handler = Answers()
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: host, port: port).get()
        return BenchConnection(channel: channel, handler: handler, host: "\(host):\(port)")
    }

    /// Sends one request and waits for its whole answer: (status, body).
    func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)], body: Data?) async throws -> (Int, Data) {
        let promise = channel.eventLoop.makePromise(of: (Int, Data).self)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: host)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body { head.headers.add(name: "Content-Length", value: String(body.count)) }
        let channel = self.channel, handler = self.handler, request = head
        channel.eventLoop.execute {
            handler.waiting = promise
            channel.write(HTTPClientRequestPart.head(request), promise: nil)
            if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        return try await promise.futureResult.get()
    }

    func close() async { try? await channel.close() }

    /// Collects each answer and completes the request waiting for it.
    final class Answers: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        var waiting: EventLoopPromise<(Int, Data)>?
        private var status = 0
        private var body = Data()

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                status = Int(head.status.code)
                body = Data()
            case .body(let buffer): body.append(contentsOf: buffer.readableBytesView)
            case .end:
                waiting?.succeed((status, body))
                waiting = nil
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            waiting?.fail(error)
            waiting = nil
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            waiting?.fail(BenchError("the server closed the connection"))
            waiting = nil
        }
    }
}
