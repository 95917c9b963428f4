import Foundation
import SunsyncModel

/// Writes a pull page as JSON by hand: the same bytes `Wire.encoder()` writes for a `PullResponse`
/// (sorted keys, unescaped slashes), several times faster, because a pull writes thousands of ops.
/// `WireTests` holds the two to the same output.
public enum PageWriter {
    public static func pullResponse(ops: [Op], cursor: Int64, more: Bool, remaining: Int64? = nil, batches: [PageBatch]? = nil) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(ops.count * 180 + (batches?.count ?? 0) * 300 + 64)
        append(&out, "{")
        if let batches {
            append(&out, "\"batches\":[")
            for (i, b) in batches.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(&out, "{\"count\":\(b.count),\"holes\":[")
                for (j, hole) in b.holes.enumerated() {
                    if j > 0 { out.append(UInt8(ascii: ",")) }
                    append(&out, "[\(hole.place),")
                    string(&out, hole.digest)
                    append(&out, "]")
                }
                append(&out, "],\"key\":")
                string(&out, b.key)
                append(&out, ",\"runs\":[")
                for (j, run) in b.runs.enumerated() {
                    if j > 0 { out.append(UInt8(ascii: ",")) }
                    append(&out, "[" + run.map(String.init).joined(separator: ",") + "]")
                }
                append(&out, "],\"signature\":")
                string(&out, b.signature)
                append(&out, "}")
            }
            append(&out, "],")
        }
        append(&out, "\"cursor\":\(cursor),\"more\":\(more ? "true" : "false"),\"ops\":[")
        for (i, op) in ops.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            append(&out, "{\"collection\":\"")
            append(&out, op.collection.rawValue)
            append(&out, "\",\"field\":")
            string(&out, op.field)
            append(&out, ",\"id\":\"")
            append(&out, op.id.description)
            append(&out, "\",\"pred\":[")
            for (j, p) in op.pred.enumerated() {
                if j > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\""))
                append(&out, p.description)
                out.append(UInt8(ascii: "\""))
            }
            append(&out, "],\"record\":")
            string(&out, op.record)
            append(&out, ",\"value\":")
            switch op.value {
            case .null: append(&out, "null")
            case .bool(let b): append(&out, b ? "true" : "false")
            case .integer(let n): append(&out, String(n))
            case .text(let t): string(&out, t)
            case .date(let d): append(&out, "{\"date\":\"\(d)\"}")
            }
            out.append(UInt8(ascii: "}"))
        }
        append(&out, "]")
        if let remaining { append(&out, ",\"remaining\":\(remaining)") }
        append(&out, "}")
        return Data(out)
    }

    @inline(__always)
    private static func append(_ out: inout [UInt8], _ text: String) {
        out.append(contentsOf: text.utf8)
    }

    /// A JSON string as JSONEncoder writes it: `"` and `\` escaped, control characters as \b \f \n \r \t
    /// or \u00XX, everything else (Chinese included) as UTF-8.
    private static func string(_ out: inout [UInt8], _ text: String) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
