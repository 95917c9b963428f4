/// The identity of an op: a hybrid-logical-clock timestamp plus the replica that wrote it.
///
/// Ids are unique (a replica never issues the same timestamp twice) and totally ordered: by
/// timestamp, then by replica. Both encodings keep that order:
/// - text, 34 characters: `TTTTTTTTTTTT-CCCC-RRRRRRRRRRRRRRRR` — 12 hex digits of milliseconds since
///   1970, 4 of counter, 16 of replica, lowercase; string order is id order.
/// - binary, 16 bytes: the 64-bit timestamp then the 64-bit replica, both big-endian; byte order is id order.
///
/// ```swift
/// let id = OpID(timestamp: Timestamp(milliseconds: 1_709_510_400_000, counter: 1), replica: ReplicaID(0xa1))
/// id.description // "018e06c29800-0001-00000000000000a1"
/// ```
public struct OpID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let timestamp: Timestamp
    public let replica: ReplicaID

    public init(timestamp: Timestamp, replica: ReplicaID) {
        self.timestamp = timestamp
        self.replica = replica
    }

    /// Parses the 34-character text form. Returns nil for anything else.
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 34, utf8[12] == UInt8(ascii: "-"), utf8[17] == UInt8(ascii: "-"),
              let ms = Self.hexValue(utf8[0..<12]),
              let counter = Self.hexValue(utf8[13..<17]),
              let replica = Self.hexValue(utf8[18..<34])
        else { return nil }
        self.timestamp = Timestamp(rawValue: ms << 16 | counter)
        self.replica = ReplicaID(replica)
    }

    /// Parses the 16-byte binary form.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
        self.timestamp = Timestamp(rawValue: high)
        self.replica = ReplicaID(low)
    }

    public init?(bytes: [UInt8]) {
        guard let id = bytes.withUnsafeBytes({ OpID(bytes: $0) }) else { return nil }
        self = id
    }

    public init?(bytes: ArraySlice<UInt8>) {
        guard let id = bytes.withUnsafeBytes({ OpID(bytes: $0) }) else { return nil }
        self = id
    }

    public var description: String {
        Hex.fixed(timestamp.milliseconds, digits: 12) + "-" + Hex.fixed(UInt64(timestamp.counter), digits: 4)
            + "-" + replica.description
    }

    /// The 16-byte big-endian encoding.
    public var bytes: [UInt8] {
        var bigEndian = (timestamp.rawValue.bigEndian, replica.rawValue.bigEndian)
        return withUnsafeBytes(of: &bigEndian) { Array($0) }
    }

    public static func < (lhs: OpID, rhs: OpID) -> Bool {
        (lhs.timestamp.rawValue, lhs.replica.rawValue) < (rhs.timestamp.rawValue, rhs.replica.rawValue)
    }

    private static func hexValue(_ digits: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for c in digits {
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            default: return nil // uppercase is refused: one spelling per id keeps string order = id order
            }
            value = value << 4 | UInt64(d)
        }
        return value
    }
}

/// A hybrid-logical-clock reading: 48 bits of milliseconds since 1970-01-01T00:00Z, 16 bits of counter.
public struct Timestamp: Hashable, Comparable, Sendable {
    public let rawValue: UInt64

    public static let maxMilliseconds: UInt64 = (1 << 48) - 1

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(milliseconds: UInt64, counter: UInt16) {
        self.rawValue = (milliseconds & Self.maxMilliseconds) << 16 | UInt64(counter)
    }

    public var milliseconds: UInt64 { rawValue >> 16 }
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.rawValue < rhs.rawValue }
}
