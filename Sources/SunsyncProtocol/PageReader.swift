import Foundation
import SunsyncModel

/// Reads a pull page in exactly the layout `PageWriter` writes, and a push in exactly the layout `Wire.encoder`
/// gives a `PushRequest`, several times faster than JSONDecoder (the client decodes every op of a first sync,
/// the server every push). Anything else — other key order, white space, an unknown value, an op JSONDecoder
/// would refuse — returns nil, and the caller falls back to JSONDecoder, so nothing valid is refused and every
/// refusal is JSONDecoder's.
public enum PageReader {
    public static func pullResponse(_ data: Data) -> PullResponse? {
        data.withUnsafeBytes { raw in
            var r = Reader(bytes: raw.bindMemory(to: UInt8.self))
            return r.page()
        }
    }

    public static func pushRequest(_ data: Data) -> PushRequest? {
        data.withUnsafeBytes { raw in
            var r = Reader(bytes: raw.bindMemory(to: UInt8.self))
            return r.push()
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func page() -> PullResponse? {
            guard literal("{") else { return nil }
            var batches: [PageBatch]?
            if literal("\"batches\":[") {
                guard let read = elements({ $0.batch() }), literal(",") else { return nil }
                batches = read
            }
            guard literal("\"cursor\":"), let cursor = integer(), literal(",\"more\":"), let more = boolean(),
                  literal(",\"ops\":["), let ops = elements({ $0.op() }) else { return nil }
            var remaining: Int64?
            if literal(",\"remaining\":") {
                guard let n = integer() else { return nil }
                remaining = n
            }
            guard literal("}"), i == bytes.count else { return nil }
            return PullResponse(ops: ops, cursor: cursor, more: more, remaining: remaining, batches: batches)
        }

        /// `{"batch":{"key":…,"signature":…},"ops":[…]}`, the batch absent when unsigned.
        mutating func push() -> PushRequest? {
            guard literal("{") else { return nil }
            var batch: BatchSignature?
            if literal("\"batch\":{\"key\":") {
                guard let key = string(), literal(",\"signature\":"), let signature = string(), literal("},") else { return nil }
                batch = BatchSignature(key: key, signature: signature)
            }
            guard literal("\"ops\":["), let ops = elements({ $0.op() }), literal("}"), i == bytes.count else { return nil }
            return PushRequest(ops: ops, batch: batch)
        }

        /// The elements of an array whose `[` was read, through its `]`; nil if one cannot be read.
        mutating func elements<T>(_ element: (inout Reader) -> T?) -> [T]? {
            var read = [T]()
            if literal("]") { return read }
            repeat {
                guard let next = element(&self) else { return nil }
                read.append(next)
            } while literal(",")
            return literal("]") ? read : nil
        }

        mutating func batch() -> PageBatch? {
            guard literal("{\"count\":"), let count = integer(), literal(",\"holes\":[") else { return nil }
            var holes = [PageBatch.Hole]()
            if !literal("]") {
                repeat {
                    guard literal("["), let place = integer(), literal(","), let digest = string(), literal("]") else { return nil }
                    holes.append(PageBatch.Hole(place: Int(place), digest: digest))
                } while literal(",")
                guard literal("]") else { return nil }
            }
            guard literal(",\"key\":"), let key = string(), literal(",\"runs\":[") else { return nil }
            var runs = [[Int]]()
            if !literal("]") {
                repeat {
                    guard literal("["), let start = integer(), literal(","), let length = integer(), literal("]") else { return nil }
                    runs.append([Int(start), Int(length)])
                } while literal(",")
                guard literal("]") else { return nil }
            }
            guard literal(",\"signature\":"), let signature = string(), literal("}") else { return nil }
            return PageBatch(count: Int(count), holes: holes, key: key, runs: runs, signature: signature)
        }

        mutating func op() -> Op? {
            guard literal("{\"collection\":"), let c = string(), let collection = CollectionName(rawValue: c),
                  literal(",\"field\":"), let field = string(),
                  literal(",\"id\":"), let idText = string(), let id = OpID(idText),
                  literal(",\"pred\":[") else { return nil }
            var pred = [OpID]()
            if !literal("]") {
                repeat {
                    guard let text = string(), let p = OpID(text) else { return nil }
                    pred.append(p)
                } while literal(",")
                guard literal("]") else { return nil }
            }
            guard literal(",\"record\":"), let record = string(), literal(",\"value\":"), let value = value(), literal("}") else { return nil }
            return Op(id: id, collection: collection, record: record, field: field, value: value, pred: pred)
        }

        mutating func value() -> Value? {
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "\""): return string().map(Value.text)
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "t"), UInt8(ascii: "f"): return boolean().map(Value.bool)
            case UInt8(ascii: "{"):
                guard literal("{\"date\":"), let text = string(), let date = CivilDate(text), literal("}") else { return nil }
                return .date(date)
            default: return integer().map(Value.integer)
            }
        }

        mutating func literal(_ text: StaticString) -> Bool {
            let n = text.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            let matches = text.withUTF8Buffer { expected in
                (0..<n).allSatisfy { bytes[i + $0] == expected[$0] }
            }
            if matches { i += n }
            return matches
        }

        mutating func boolean() -> Bool? {
            if literal("true") { return true }
            if literal("false") { return false }
            return nil
        }

        mutating func integer() -> Int64? {
            let negative = i < bytes.count && bytes[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            let start = i
            // The magnitude, so that Int64.min (one more than Int64.max) is read too.
            var magnitude: UInt64 = 0
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(bytes[i] - 48))
                guard !o1, !o2 else { return nil }
                magnitude = a
                i += 1
            }
            guard i > start, i - start == 1 || bytes[start] != 48 else { return nil }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { return nil }
            if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(bitPattern: 0 &- magnitude) : nil }
            return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
        }

        mutating func string() -> String? {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "\"") {
                defer { i += 1 }
                return String(validating: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            }
            // Escapes: slower path.
            var out = Array(bytes[start..<i])
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return String(validating: out, as: UTF8.self)
                }
                guard c >= 0x20 else { return nil }
                if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
                guard i + 1 < bytes.count else { return nil }
                let e = bytes[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard literal("\\u"), let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: return nil
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case 48...57: d = UInt32(c - 48)
                case 97...102: d = UInt32(c - 87)
                case 65...70: d = UInt32(c - 55)
                default: return nil
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }
    }
}
