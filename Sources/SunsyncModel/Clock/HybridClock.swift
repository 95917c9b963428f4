/// A hybrid logical clock (Kulkarni et al.): physical milliseconds plus a counter.
///
/// The wall clock is passed in, never read: `next(wallMilliseconds:)` for a local write,
/// `observe(_:)` for every id received from elsewhere. The clock never goes backwards, even when the
/// wall clock does: a reading is always greater than every reading issued and every id observed.
///
/// ```swift
/// var clock = HybridClock()
/// let a = clock.next(wallMilliseconds: 1_000)   // 1000.0
/// let b = clock.next(wallMilliseconds: 900)     // 1000.1 — the wall clock went back; the HLC did not
/// ```
public struct HybridClock: Hashable, Sendable, Codable {
    /// The greatest timestamp issued or observed.
    public private(set) var last: Timestamp

    public init(last: Timestamp = Timestamp(rawValue: 0)) { self.last = last }

    /// The timestamp for a new local op.
    public mutating func next(wallMilliseconds: UInt64) -> Timestamp {
        let wall = min(wallMilliseconds, Timestamp.maxMilliseconds)
        if wall > last.milliseconds {
            last = Timestamp(milliseconds: wall, counter: 0)
        } else {
            last = Self.successor(of: last)
        }
        return last
    }

    /// Folds in a timestamp seen on a received op, so later local ops order after it.
    public mutating func observe(_ timestamp: Timestamp) {
        if timestamp > last { last = timestamp }
    }

    /// The next reading after `t`: the counter, or the millisecond when the counter is spent.
    static func successor(of t: Timestamp) -> Timestamp {
        t.counter == UInt16.max
            ? Timestamp(milliseconds: t.milliseconds + 1, counter: 0)
            : Timestamp(rawValue: t.rawValue + 1)
    }

    enum CodingKeys: String, CodingKey { case last }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.last = Timestamp(rawValue: try container.decode(UInt64.self, forKey: .last))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(last.rawValue, forKey: .last)
    }
}
