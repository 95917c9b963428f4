import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A request's context with the client's address, for sign-in throttling and the request log.
struct SunsyncRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// The address of the client whose request is being answered (set by `ProblemMiddleware`).
enum ClientAddress {
    @TaskLocal static var current: String?
}

/// Sign-in that cannot be ground: refused tokens (on the API and the review page) are counted per client
/// address over 5 minutes. From the 5th, each refusal is answered a little later (0.25 s more each, at
/// most 2 s); from the 20th, the address is answered 429 with `Retry-After` until its 5 minutes are over,
/// whatever token it sends.
final class SignInGuard: Sendable {
    static let window: Duration = .seconds(300)
    static let slowFrom = 5
    static let blockFrom = 20
    private let failures = Mutex<[String: (count: Int, since: ContinuousClock.Instant)]>([:])

    /// Refuses at once (429) an address that has had too many tokens refused.
    func check(_ address: String?) throws {
        guard let address else { return }
        let wait: Duration? = failures.withLock { all in
            guard let f = all[address] else { return nil }
            let left = Self.window - (ContinuousClock.now - f.since)
            if left <= .zero { all[address] = nil; return nil }
            return f.count >= Self.blockFrom ? left : nil
        }
        if let wait {
            let seconds = max(1, Int(wait.components.seconds))
            throw ServerError(.tooManyRequests, "too-many-attempts",
                              "too many refused tokens from this address; try again in \(seconds) s", retryAfter: seconds)
        }
    }

    /// Counts a refused token from `address`, and waits before the refusal is answered.
    func failed(_ address: String?) async {
        guard let address else { return }
        let count = failures.withLock { all -> Int in
            var f = all[address] ?? (0, .now)
            if ContinuousClock.now - f.since > Self.window { f = (0, .now) }
            f.count += 1
            all[address] = f
            if all.count > 100_000 { all = all.filter { ContinuousClock.now - $0.value.since <= Self.window } }
            return f.count
        }
        if count >= Self.slowFrom {
            try? await Task.sleep(for: min(.seconds(2), .milliseconds(250 * (count - Self.slowFrom + 1))))
        }
    }
}
