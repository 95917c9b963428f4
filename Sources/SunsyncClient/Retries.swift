import Foundation

/// The clock a sync waits on: the machine's, or a test's that moves only when told (SyncClientTests).
public protocol SyncClock: Sendable {
    var now: ContinuousClock.Instant { get }
    func sleep(for duration: Duration) async throws
}

/// The machine's own clock.
public struct SystemSyncClock: SyncClock {
    public init() {}
    public var now: ContinuousClock.Instant { .now }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// The tries of one request, as a state machine with no IO and no clock of its own: the times are given.
/// A network failure (or a refusal for now, SPEC §11: 5xx, 408, 429 with Retry-After) is tried again after
/// the next wait of `backoff`, or the wait the server asked for where longer, until `limit` after the first
/// try began; a try again is bounded by that end (`deadline`), so a sync gives up `limit` after it began to
/// wait (README: connect 10 s, silence 30 s, 60 s in all). A refusal is final.
public struct Retries: Sendable {
    /// What to do after a failed try.
    public enum Decision: Equatable, Sendable {
        /// Wait this long, then try again (the `attempt`-th try again of `of`).
        case wait(Duration, attempt: Int, of: Int)
        /// Give up: the failure is final, the backoff is spent, or the wait would end past the deadline.
        case stop
    }

    public let backoff: [Duration]
    public let limit: Duration
    private var waits: ArraySlice<Duration>
    private var started: ContinuousClock.Instant?

    public init(backoff: [Duration], limit: Duration) {
        self.backoff = backoff
        self.limit = limit
        waits = backoff[...]
    }

    /// The end of the tries, once the first has begun.
    public var deadline: ContinuousClock.Instant? { started.map { $0 + limit } }

    /// A try begins at `now`: returns the instant it must have ended by (nil for the first: it is bounded
    /// by its own connect and read bounds only).
    public mutating func begin(at now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard started != nil else {
            started = now
            return nil
        }
        return deadline
    }

    /// The try failed with `error` at `now`.
    public mutating func failed(_ error: SyncError, at now: ContinuousClock.Instant) -> Decision {
        guard error.isRetryable, let next = waits.first, let deadline else { return .stop }
        let wait = max(next, error.retryAfter ?? .zero)
        guard now + wait < deadline else { return .stop }
        waits.removeFirst()
        return .wait(wait, attempt: backoff.count - waits.count, of: backoff.count)
    }
}

/// When the request being made (and any try of it again) must have ended: a try waits to connect or for a
/// silent server only until then.
public enum RequestDeadline {
    @TaskLocal public static var current: ContinuousClock.Instant?

    /// `bound`, or less when the deadline comes first (zero when it has passed); `now` from the sync's clock.
    public static func bounded(_ bound: Duration, now: ContinuousClock.Instant = .now) -> Duration {
        guard let current else { return bound }
        return max(.zero, min(bound, current - now))
    }
}
