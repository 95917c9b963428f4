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

    /// The 8-byte big-endian encoding: an op id's last 8 bytes.
    public var bytes: [UInt8] { withUnsafeBytes(of: rawValue.bigEndian) { Array($0) } }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Lowercase hexadecimal.
public enum Hex {
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

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = ""
        for byte in bytes {
            out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
            out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0xF)]))
        }
        return out
    }

    /// The bytes of an even number of hex digits (either case); nil for anything else.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        for i in stride(from: 0, to: utf8.count, by: 2) {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }
}
