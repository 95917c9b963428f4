import Foundation
import Logging
import NIOCore
import Synchronization

/// What keeps the server answering while someone holds connections open without finishing a request
/// (half a header, a body that never ends, or simply thousands of sockets): a connection idle this long
/// is closed (a header that is never finished counts as idle), a body must arrive within a deadline, at
/// most so many connections are open from one address, and at most so many in all (beyond that, new
/// ones wait in the listen queue rather than take the descriptors the database needs).
public struct ConnectionLimits: Sendable {
    /// A connection with no complete request part for this long is closed.
    public var idle: Duration = .seconds(20)
    /// A request body must be received whole within this.
    public var body: Duration = .seconds(120)
    /// Open connections from one address (0: no limit). Behind a reverse proxy every connection comes from the proxy's address.
    public var perAddress = 128
    /// Open connections in all; kept below the process's descriptor limit (see `raiseDescriptorLimit`).
    public var total = 4_096

    public init() {}

    /// Raises the soft limit on open files to the hard one, and returns how many connections fit under it
    /// with room to spare for the database, the log and the data dir.
    public static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 - 128 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return max(64, Int(min(limit.rlim_cur, rlim_t(Int32.max))) - 128)
    }
}

/// Counts open connections by remote address, shared by every connection's `PerAddressLimit` handler.
final class ConnectionsByAddress: Sendable {
    let limit: Int
    let logger: Logger
    private let state = Mutex<(open: [String: Int], warned: [String: ContinuousClock.Instant])>(([:], [:]))

    /// An address never limited: the HTTPS proxy in front, whose connections are everyone's.
    let exempt: String?

    init(limit: Int, logger: Logger, exempt: String? = nil) {
        self.limit = limit
        self.logger = logger
        self.exempt = exempt
    }

    /// Counts a new connection from `address`; false (and nothing counted) when the address has `limit` open.
    func open(_ address: String) -> Bool {
        if address == exempt { return true }
        let (admitted, warn) = state.withLock { state -> (Bool, Bool) in
            let count = state.open[address, default: 0]
            guard limit <= 0 || count < limit else {
                let now = ContinuousClock.now
                let warn = state.warned[address].map { now - $0 > .seconds(60) } ?? true
                if warn { state.warned[address] = now }
                return (false, warn)
            }
            state.open[address] = count + 1
            return (true, false)
        }
        if warn {
            logger.warning("refusing connections from \(address): it has \(limit) open already (--max-connections-per-address; behind a reverse proxy, set it to 0)")
        }
        return admitted
    }

    func close(_ address: String) {
        if address == exempt { return }
        state.withLock { state in
            let count = state.open[address, default: 1] - 1
            state.open[address] = count > 0 ? count : nil
        }
    }

    /// The handler for one new connection: counts it, or closes it at once when its address has too many open.
    func handler() -> PerAddressLimit { PerAddressLimit(connections: self) }
}

/// Added to each connection's pipeline as it is set up; passes everything through.
final class PerAddressLimit: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let connections: ConnectionsByAddress

    init(connections: ConnectionsByAddress) { self.connections = connections }

    func handlerAdded(context: ChannelHandlerContext) {
        guard let address = context.channel.remoteAddress?.ipAddress else { return }
        if connections.open(address) {
            let connections = self.connections
            context.channel.closeFuture.whenComplete { _ in connections.close(address) }
        } else {
            context.close(promise: nil)
        }
    }
}
