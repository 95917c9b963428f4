// store: applying remote ops to SunsyncStore, against raw SQLite inserting the same rows into the
// same op-log table, one transaction each, side by side in one run.
import Foundation
import GRDBSQLite
import SunsyncModel
import SunsyncStore

func runStore(count: Int) throws {
    let ops = makeOps(count: count, conflictHeavy: false)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sunsync-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }

    // The laptop's store is encrypted (SQLCipher); the same store in the clear, in the same run, shows its cost.
    let key = StoreKey.random()
    var rawBest = Double.infinity, storeBest = Double.infinity, plainBest = Double.infinity
    for run in 0..<3 {
        rawBest = min(rawBest, try rawInsert(ops, path: dir.appendingPathComponent("raw\(run).sqlite").path))
        let plain = try Store.create(at: dir.appendingPathComponent("plain\(run).sqlite").path, replica: ReplicaID(1))
        plainBest = min(plainBest, try seconds { try plain.apply(ops) })
        let store = try Store.create(at: dir.appendingPathComponent("store\(run).sqlite").path, replica: ReplicaID(1), key: key)
        storeBest = min(storeBest, try seconds { try store.apply(ops) })
    }
    let raw = Double(ops.count) / rawBest, applied = Double(ops.count) / storeBest, plain = Double(ops.count) / plainBest
    print("sunsync-bench store: \(ops.count) ops, one transaction each, best of 3 (SQLite \(Cipher.version.map { "with SQLCipher " + $0 } ?? "without SQLCipher"))")
    print(String(format: "raw SQLite insert into the op log  %10.0f rows/s", raw))
    print(String(format: "SunsyncStore.apply, in the clear   %10.0f ops/s", plain))
    print(String(format: "SunsyncStore.apply, encrypted      %10.0f ops/s", applied))
    print(String(format: "ratio store / raw                  %10.2f", applied / raw))
    print(String(format: "ratio encrypted / in the clear     %10.2f", applied / plain))

    // As a sync applies them: 20,000-op pages, each its own transaction with its cursor.
    for (name, key) in [("in the clear", nil), ("encrypted", key)] as [(String, StoreKey?)] {
        let paged = try applyInPages(ops, path: dir.appendingPathComponent("pages-\(name.count).sqlite").path, key: key)
        print(String(format: "in 20,000-op pages, \(name)%@ %10.0f ops/s", String(repeating: " ", count: max(0, 14 - name.count)), Double(ops.count) / paged))
    }
}

/// Seconds for a fresh store at `path` to apply `ops` as a sync does, with nothing else to do: 20,000-op
/// pages (`Wire.defaultPage`), each its own transaction with its cursor.
func applyInPages(_ ops: [Op], path: String, key: StoreKey?) throws -> Double {
    let store = try Store.create(at: path, replica: ReplicaID(1), key: key)
    try store.expectLargeWrites()
    return try seconds {
        for start in stride(from: 0, to: ops.count, by: 20_000) {
            try store.applyPage(Array(ops[start..<min(start + 20_000, ops.count)]), cursorKey: "bench", cursor: Int64(start))
        }
    }
}

/// The C API, prepared statement, the rows `Store` writes to its `ops` table (same schema and index).
func rawInsert(_ ops: [Op], path: String) throws -> Double {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { throw BenchError("cannot open \(path)") }
    defer { sqlite3_close(db) }
    let schema = """
        PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
        CREATE TABLE ops (seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, rkey INTEGER NOT NULL, org TEXT NOT NULL,
                          collection TEXT NOT NULL, record TEXT NOT NULL, field TEXT NOT NULL, kind INTEGER NOT NULL, value, pred BLOB NOT NULL);
        CREATE INDEX ops_by_record ON ops(rkey);
        """
    guard sqlite3_exec(db, schema, nil, nil, nil) == SQLITE_OK else { throw BenchError("schema") }
    var statement: OpaquePointer?
    sqlite3_prepare_v2(db, "INSERT INTO ops(id, collection, record, field, kind, value, pred, org, rkey) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       -1, &statement, nil)
    defer { sqlite3_finalize(statement) }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    return try seconds {
        sqlite3_exec(db, "BEGIN", nil, nil, nil)
        for op in ops {
            let id = op.id.bytes, pred = op.pred.flatMap(\.bytes)
            sqlite3_bind_blob(statement, 1, id, Int32(id.count), transient)
            sqlite3_bind_text(statement, 2, op.collection.rawValue, -1, transient)
            sqlite3_bind_text(statement, 3, op.record, -1, transient)
            sqlite3_bind_text(statement, 4, op.field, -1, transient)
            switch op.value {
            case .integer(let i): sqlite3_bind_int64(statement, 5, 2); sqlite3_bind_int64(statement, 6, i)
            case .bool(let b): sqlite3_bind_int64(statement, 5, 1); sqlite3_bind_int64(statement, 6, b ? 1 : 0)
            case .text(let t): sqlite3_bind_int64(statement, 5, 3); sqlite3_bind_text(statement, 6, t, -1, transient)
            case .date(let d): sqlite3_bind_int64(statement, 5, 4); sqlite3_bind_text(statement, 6, d.description, -1, transient)
            case .null: sqlite3_bind_int64(statement, 5, 0); sqlite3_bind_null(statement, 6)
            }
            sqlite3_bind_blob(statement, 7, pred, Int32(pred.count), transient)
            sqlite3_bind_text(statement, 8, String(op.record.prefix { $0 != "/" }), -1, transient)
            sqlite3_bind_int64(statement, 9, OpLog.recordHash(op.collection, op.record))
            guard sqlite3_step(statement) == SQLITE_DONE else { throw BenchError(String(cString: sqlite3_errmsg(db))) }
            sqlite3_reset(statement)
        }
        sqlite3_exec(db, "COMMIT", nil, nil, nil)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
