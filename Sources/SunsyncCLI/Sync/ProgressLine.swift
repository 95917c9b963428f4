import Foundation
import SunsyncClient
import SunsyncReports

/// The one line a sync keeps rewriting on a terminal's standard error: what was sent, a bar of what
/// was received out of what the server said there is, the time left, and, while the network fails,
/// which try this is and when the next one comes. Nothing when standard error is not a terminal.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var started: ContinuousClock.Instant?
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func report(_ r: SyncEngine.Report) {
        guard enabled else { return }
        lock.withLock {
            let now = ContinuousClock.now
            if started == nil, r.received > 0 { started = now }
            var line = r.pushed > 0 ? say(.progressSent(Self.count(Int64(r.pushed)))) : ""
            if let total = r.toReceive, total > 0 {
                let done = min(r.received, total)
                let fraction = Double(done) / Double(total)
                let filled = Int(fraction * 24)
                line += "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: 24 - filled) + "] "
                line += String(format: "%3d%%  ", Int(fraction * 100)) + say(.progressReceiving(done: Self.count(done), total: Self.count(total)))
                if let started, done > 0, done < total {
                    let elapsed = Double((now - started).components.seconds) + Double((now - started).components.attoseconds) / 1e18
                    let left = elapsed / Double(done) * Double(total - done)
                    if elapsed > 1 { line += say(.progressLeft(seconds: Int(left.rounded()))) }
                }
            } else {
                line += say(.progressReceived(Self.count(r.received)))
            }
            write(line)
        }
    }

    func retry(_ retry: SyncEngine.Retry) {
        guard enabled else { return }
        let seconds = retry.wait.components.seconds, ms = retry.wait.components.attoseconds / 1_000_000_000_000_000
        let wait = seconds > 0 ? seconds * 1000 : ms
        lock.withLock { write(say(.retrying(reason: retry.error.shortReason, waitMilliseconds: wait, attempt: retry.attempt, of: retry.of))) }
    }

    /// Ends the line, so that what is printed next starts on its own.
    func finish() {
        guard enabled else { return }
        lock.withLock { if shown { FileHandle.standardError.write(Data("\n".utf8)) } }
    }

    private func write(_ line: String) {
        shown = true
        FileHandle.standardError.write(Data("\r\u{1B}[K  \(line)".utf8))
    }

    static func count(_ n: Int64) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

}

extension SyncError {
    /// A few words for a progress line.
    var shortReason: String {
        switch self {
        case .network(_, let kind):
            switch kind {
            case .silent: say(.notAnswering)
            case .cut: say(.connectionCut)
            case .cannotConnect: say(.cannotConnect)
            case .failed: say(.networkFailed)
            }
        case .refused(let p): say(.serverAnswered(status: p.status, code: p.code))
        case .refusedForNow(let p, let wait): say(.serverAskedToWait(status: p.status, code: p.code, seconds: wait.components.seconds))
        case .untrusted: say(.failingSignatures)
        }
    }
}
