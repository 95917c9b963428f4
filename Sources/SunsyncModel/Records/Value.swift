/// A field's value. No binary floating point: hours are integer minutes and money is integer fen.
///
/// JSON: a string is `text`, an integer `integer`, `true`/`false` `bool`, `null` `null`, and a date is
/// the object `{"date": "YYYY-MM-DD"}`.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case text(String)
    case date(CivilDate)

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .integer(let i): String(i)
        case .text(let s): s
        case .date(let d): d.description
        }
    }

    /// The name of the value's type, as error messages and the SPEC say it.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .integer: "integer"
        case .text: "text"
        case .date: "date"
        }
    }

    public var text: String? { if case .text(let s) = self { s } else { nil } }
    public var integer: Int64? { if case .integer(let i) = self { i } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var date: CivilDate? { if case .date(let d) = self { d } else { nil } }
}

extension Value: Codable {
    private enum DateKey: String, CodingKey { case date }

    public init(from decoder: any Decoder) throws {
        // Plain JSON values first: they are nearly all of them (this runs for every op pulled).
        if let single = try? decoder.singleValueContainer() {
            if single.decodeNil() { self = .null; return }
            if let i = try? single.decode(Int64.self) { self = .integer(i); return }
            if let s = try? single.decode(String.self) { self = .text(s); return }
            if let b = try? single.decode(Bool.self) { self = .bool(b); return }
        }
        if let keyed = try? decoder.container(keyedBy: DateKey.self), let text = try? keyed.decode(String.self, forKey: .date) {
            guard let date = CivilDate(text) else {
                throw ModelError(.invalidDate, "\(text) is not a real calendar date (use YYYY-MM-DD)")
            }
            self = .date(date)
            return
        }
        throw ModelError(.wrongType, "a value must be a string, an integer, true/false, null or {\"date\": \"YYYY-MM-DD\"}")
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .date(let d):
            var keyed = encoder.container(keyedBy: DateKey.self)
            try keyed.encode(d.description, forKey: .date)
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let b):
            var single = encoder.singleValueContainer()
            try single.encode(b)
        case .integer(let i):
            var single = encoder.singleValueContainer()
            try single.encode(i)
        case .text(let s):
            var single = encoder.singleValueContainer()
            try single.encode(s)
        }
    }
}
