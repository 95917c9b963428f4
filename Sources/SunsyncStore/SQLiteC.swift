import Foundation
import GRDB
import GRDBSQLite
import SunsyncModel

// Binding and reading through SQLite's C API, for the hot paths (applying and pulling ops), on
// statements GRDB prepared and caches.

let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Binds text from the string's own UTF-8 storage: no C-string copy is made on the way.
func bind(_ s: SQLiteStatement, _ i: Int32, _ text: some StringProtocol) {
    let bound: Int32? = text.utf8.withContiguousStorageIfAvailable { utf8 in
        UnsafeRawBufferPointer(utf8).withMemoryRebound(to: CChar.self) { chars in
            // An empty string may have no storage address; SQLite needs one to bind '' rather than NULL.
            guard let base = chars.baseAddress else { return sqlite3_bind_text(s, i, "", 0, transient) }
            return sqlite3_bind_text(s, i, base, Int32(chars.count), transient)
        }
    }
    if bound == nil { sqlite3_bind_text(s, i, String(text), -1, transient) }
}

func bind(_ s: SQLiteStatement, _ i: Int32, _ id: OpID) {
    var bigEndian = (id.timestamp.rawValue.bigEndian, id.replica.rawValue.bigEndian)
    withUnsafeBytes(of: &bigEndian) { sqlite3_bind_blob(s, i, $0.baseAddress, 16, transient) }
}

/// The org code a record id starts with (the whole id for an org record).
func bindOrg(_ s: SQLiteStatement, _ i: Int32, _ record: String) {
    bind(s, i, record.utf8.firstIndex(of: UInt8(ascii: "/")).map { record[..<$0] } ?? record[...])
}

func bindPred(_ s: SQLiteStatement, _ i: Int32, _ pred: [OpID]) {
    if pred.isEmpty {
        sqlite3_bind_zeroblob(s, i, 0)
    } else {
        let bytes = pred.flatMap(\.bytes)
        sqlite3_bind_blob(s, i, bytes, Int32(bytes.count), transient)
    }
}

/// Binds a value's kind at `kindAt` and the value itself right after it.
func bind(_ s: SQLiteStatement, _ value: Value, kindAt k: Int32) {
    sqlite3_bind_int64(s, k, StoredValue.kind(value))
    switch value {
    case .null: sqlite3_bind_null(s, k + 1)
    case .bool(let b): sqlite3_bind_int64(s, k + 1, b ? 1 : 0)
    case .integer(let i): sqlite3_bind_int64(s, k + 1, i)
    case .text(let t): bind(s, k + 1, t)
    case .date(let d): sqlite3_bind_text(s, k + 1, d.description, -1, transient)
    }
}

func columnText(_ s: SQLiteStatement, _ i: Int32) -> String {
    sqlite3_column_text(s, i).map { String(cString: $0) } ?? ""
}

/// Whether a text column holds exactly `text`'s UTF-8, compared in place (no string is made).
func columnEquals(_ s: SQLiteStatement, _ i: Int32, _ text: String) -> Bool {
    guard let pointer = sqlite3_column_text(s, i) else { return text.isEmpty }
    let count = Int(sqlite3_column_bytes(s, i))
    var text = text
    return text.withUTF8 { bytes in bytes.count == count && (count == 0 || memcmp(bytes.baseAddress!, pointer, count) == 0) }
}

func columnID(_ s: SQLiteStatement, _ i: Int32) -> OpID? {
    guard sqlite3_column_bytes(s, i) == 16, let pointer = sqlite3_column_blob(s, i) else { return nil }
    return OpID(bytes: UnsafeRawBufferPointer(start: pointer, count: 16))
}

func columnIDs(_ s: SQLiteStatement, _ i: Int32) -> [OpID] {
    let count = Int(sqlite3_column_bytes(s, i))
    guard count >= 16, let pointer = sqlite3_column_blob(s, i) else { return [] }
    let buffer = UnsafeRawBufferPointer(start: pointer, count: count)
    return stride(from: 0, to: count - 15, by: 16).compactMap { OpID(bytes: UnsafeRawBufferPointer(rebasing: buffer[$0..<$0 + 16])) }
}

func columnValue(_ s: SQLiteStatement, kind: Int32, value: Int32) -> Value {
    switch sqlite3_column_int64(s, kind) {
    case 1: .bool(sqlite3_column_int64(s, value) != 0)
    case 2: .integer(sqlite3_column_int64(s, value))
    case 3: .text(columnText(s, value))
    case 4: CivilDate(columnText(s, value)).map(Value.date) ?? .null
    default: .null
    }
}
