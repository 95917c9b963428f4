import SunsyncModel
import SunsyncProtocol

/// What kind of network failure, in a few words on the progress line.
public enum NetworkKind: Sendable { case silent, cut, cannotConnect, failed }

/// Why talking to the server failed: its refusal (a problem document), or the network.
public enum SyncError: Error {
    case refused(Problem)
    /// A refusal for now that says when to try again (`Retry-After`): a full disk, a database away, too busy.
    case refusedForNow(Problem, retryAfter: Duration)
    /// `kind`: what the progress line calls it.
    case network(String, kind: NetworkKind = .failed)
    /// The server sent changes that fail their signatures (SPEC §9): nothing of that page is applied.
    case untrusted(String)

    /// Worth trying again: the network, the server failing (5xx), or a body the server did not receive in
    /// time (408). A refusal is final.
    public var isRetryable: Bool {
        switch self {
        case .network: true
        case .refused(let p): p.status >= 500 || p.status == 408
        case .refusedForNow: true
        case .untrusted: false
        }
    }

    /// How long the server asked to wait before the next try.
    public var retryAfter: Duration? {
        if case .refusedForNow(_, let wait) = self { return wait }
        return nil
    }
}

/// What a sync needs from the server; the HTTP implementation below, fakes in tests.
public protocol SyncTransport: Sendable {
    func session() async throws -> SessionInfo
    func push(_ request: PushRequest) async throws -> PushResponse
    func pull(after cursor: Int64, limit: Int, count: Bool) async throws -> PullResponse
    func devices() async throws -> DeviceDirectory
    func registerKey(publicKey: [UInt8]) async throws -> KeyRegistered
}

