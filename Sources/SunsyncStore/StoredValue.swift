import GRDB
import SunsyncModel

/// How a `Value` sits in two columns: `kind` (0 null, 1 bool, 2 integer, 3 text, 4 date) and `value`
/// (SQLite's own integer or text; dates as `YYYY-MM-DD`). No JSON in the hot path.
enum StoredValue {
    static func kind(_ value: Value) -> Int64 {
        switch value {
        case .null: 0
        case .bool: 1
        case .integer: 2
        case .text: 3
        case .date: 4
        }
    }

    static func value(kind: Int64, column: DatabaseValue) -> Value {
        switch kind {
        case 1: .bool((Int64.fromDatabaseValue(column) ?? 0) != 0)
        case 2: .integer(Int64.fromDatabaseValue(column) ?? 0)
        case 3: .text(String.fromDatabaseValue(column) ?? "")
        case 4: String.fromDatabaseValue(column).flatMap { CivilDate($0) }.map(Value.date) ?? .null
        default: .null
        }
    }

    static func ids(_ data: Data) -> [OpID] {
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count - 15, by: 16).compactMap { OpID(bytes: bytes[$0..<$0 + 16]) }
    }
}

import Foundation
