import Foundation

/// Work split into independent jobs run at once on the cores there are (flags, a listing's lines, a
/// span of days read in halves): the one place such results are handed back from their threads.
public enum Concurrently {
    /// Runs jobs `0..<count` at once and returns their results in job order.
    public static func run<T: Sendable>(_ count: Int, _ job: @Sendable (Int) -> T) -> [T] {
        let results = Results<T>(count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let value = job(i)
            results.lock.withLock { results.values[i] = value }
        }
        return results.values.map { $0! }   // concurrentPerform returns once every job has
    }

    private final class Results<T>: @unchecked Sendable {
        let lock = NSLock()
        var values: [T?]
        init(_ count: Int) { values = Array(repeating: nil, count: count) }
    }
}
