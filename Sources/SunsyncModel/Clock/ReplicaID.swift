/// The identity of one replica: a laptop's local store, or the server.
///
/// A 64-bit number chosen at random by the store that creates the replica (the model itself never
/// draws random numbers). Written as 16 lowercase hex digits, e.g. `00000000000000a1`.
public struct ReplicaID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// Parses 16 hex digits (either case).
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 16, let value = UInt64(hex, radix: 16) else { return nil }
        self.rawValue = value
    }

    public var description: String { Hex.fixed(rawValue, digits: 16) }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool { lhs.rawValue < rhs.rawValue }
}

enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `value` as exactly `digits` lowercase hex digits, zero-padded.
    static func fixed(_ value: UInt64, digits count: Int) -> String {
        String(unsafeUninitializedCapacity: count) { buffer in
            var v = value
            for i in stride(from: count - 1, through: 0, by: -1) {
                buffer[i] = digits[Int(v & 0xF)]
                v >>= 4
            }
            return count
        }
    }

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = ""
        for byte in bytes {
            out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
            out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0xF)]))
        }
        return out
    }
}
