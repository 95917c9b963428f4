/// SplitMix64: a small deterministic random number generator, so that a seeded history, test round or
/// benchmark is the same every run (a failing seed fails again). Not for anything secret.
public struct SplitMix: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(_ seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n` (0 if `n` is not positive).
    public mutating func int(below n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}
