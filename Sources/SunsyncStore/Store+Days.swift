import Foundation
import GRDB
import GRDBSQLite
import SunsyncModel

/// A laptop's read model: one row per hours or lunch record, the model's `DayEntry` of its merged
/// record, kept in the transaction that changes the record (`Applier.finish`). Listings, reports and
/// flags read a month as these rows instead of merging its records' current values again: on a
/// district's laptop that is 70,000 small rows instead of 350,000 values. A server keeps none.
enum DayEntries {
    static let table = "day_entries"

    static let schema = """
        CREATE TABLE day_entries (
            rkey INTEGER NOT NULL,            -- the record's key (OpLog.recordHash): its collection and day
            record TEXT NOT NULL,
            quantity INTEGER,                 -- minutes or fen; NULL if not set
            deleted INTEGER NOT NULL,
            review INTEGER NOT NULL,          -- 0 needs review, 1 approved, 2 rejected
            decision INTEGER,                 -- the verdict the review field shows: NULL none, 1 approved, 2 rejected
            review_note TEXT,
            project TEXT,
            note TEXT,
            conflict TEXT,                    -- the fields in conflict, one per line; NULL for none
            replicas BLOB NOT NULL,           -- who wrote the quantity or deletion: 8 bytes each
            conflict_replicas BLOB NOT NULL,  -- who wrote the values in conflict
            PRIMARY KEY (rkey, record)
        ) WITHOUT ROWID
        """

    static let columns = "rkey, record, quantity, deleted, review, decision, review_note, project, note, conflict, replicas, conflict_replicas"

    /// A record's integer key (`OpLog.recordHash`), its key, and its entry (nil if it has none).
    typealias Made = (rkey: Int64, key: RecordKey, entry: DayEntry?)

    /// The entries of `merged`'s records, in key order: the rows then go into the table's pages one after another.
    static func made(_ merged: MergedState) -> [Made] {
        merged.records.map { (OpLog.recordHash($0.key.collection, $0.key.id), $0.key, DayEntry(key: $0.key, record: $0.value)) }
            .sorted { $0.rkey < $1.rkey }
    }

    /// Writes `entry` for the record `key` (with key `rkey`), or removes its row if there is no entry.
    static func save(_ entry: DayEntry?, key: RecordKey, rkey: Int64, _ db: Database) throws {
        guard let entry else {
            let s = try db.cachedStatement(sql: "DELETE FROM day_entries WHERE rkey = ? AND record = ?").sqliteStatement
            sqlite3_bind_int64(s, 1, rkey)
            bind(s, 2, key.id)
            return try step(s, db)
        }
        try step(bound(try db.cachedStatement(sql: "INSERT OR REPLACE INTO day_entries(\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").sqliteStatement,
                       entry, rkey), db)
    }

    /// Writes the entry of a record that had no row; false (writing nothing) if it had one.
    static func insertNew(_ entry: DayEntry, rkey: Int64, _ db: Database) throws -> Bool {
        try step(bound(try db.cachedStatement(sql: "INSERT OR IGNORE INTO day_entries(\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").sqliteStatement,
                       entry, rkey), db)
        return sqlite3_changes(db.sqliteConnection) == 1
    }

    private static func bound(_ s: SQLiteStatement, _ entry: DayEntry, _ rkey: Int64) -> SQLiteStatement {
        sqlite3_bind_int64(s, 1, rkey)
        bind(s, 2, entry.key.id)
        if let q = entry.quantity { sqlite3_bind_int64(s, 3, q) } else { sqlite3_bind_null(s, 3) }
        sqlite3_bind_int64(s, 4, entry.deleted ? 1 : 0)
        sqlite3_bind_int64(s, 5, code(entry.review))
        if let d = entry.decision { sqlite3_bind_int64(s, 6, d == .approved ? 1 : 2) } else { sqlite3_bind_null(s, 6) }
        func text(_ i: Int32, _ text: String?) { if let text { bind(s, i, text) } else { sqlite3_bind_null(s, i) } }
        text(7, entry.reviewNote)
        text(8, entry.project)
        text(9, entry.note)
        text(10, entry.conflictFields.isEmpty ? nil : entry.conflictFields.joined(separator: "\n"))
        bindReplicas(s, 11, entry.replicas)
        bindReplicas(s, 12, entry.conflictReplicas)
        return s
    }

    /// The entries whose record keys lie in `keys`, in key order.
    static func read(_ keys: ClosedRange<Int64>, _ db: Database, into entries: inout [DayEntry]) throws {
        let s = try db.cachedStatement(sql: "SELECT \(columns) FROM day_entries WHERE rkey BETWEEN ? AND ?").sqliteStatement
        defer { sqlite3_reset(s) }
        sqlite3_bind_int64(s, 1, keys.lowerBound)
        sqlite3_bind_int64(s, 2, keys.upperBound)
        var people = DayEntry.People()
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error(rc, db) }
            let collection: CollectionName = sqlite3_column_int64(s, 0) >> 60 == 3 ? .lunches : .hours
            func text(_ i: Int32) -> String? { sqlite3_column_type(s, i) == SQLITE_NULL ? nil : columnText(s, i) }
            let decision = sqlite3_column_int64(s, 5)
            guard let entry = DayEntry(key: RecordKey(collection: collection, id: columnText(s, 1)), people: &people,
                                       quantity: sqlite3_column_type(s, 2) == SQLITE_NULL ? nil : sqlite3_column_int64(s, 2),
                                       deleted: sqlite3_column_int64(s, 3) != 0, review: status(sqlite3_column_int64(s, 4)),
                                       decision: decision == 1 ? .approved : decision == 2 ? .rejected : nil,
                                       reviewNote: text(6), project: text(7), note: text(8),
                                       conflictFields: text(9).map { $0.split(separator: "\n").map(String.init) } ?? [],
                                       replicas: columnReplicas(s, 10), conflictReplicas: columnReplicas(s, 11))
            else { continue }
            entries.append(entry)
        }
    }

    /// Makes every row again from the merged records, a stretch of keys at a time (the migration that
    /// brings the table to a store made before it).
    static func rebuild(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM day_entries")
        for collection in [CollectionName.hours, .lunches] {
            let all = OpLog.collectionRange(collection)
            var lower = all.lowerBound
            while lower <= all.upperBound {
                // 32 days of keys at a time (the day is bits 40-59); past the last key, stop.
                guard let next = try Int64.fetchOne(db, sql: "SELECT min(rkey) FROM ops WHERE rkey BETWEEN ? AND ?",
                                                    arguments: [lower, all.upperBound]) else { break }
                let upper = min(all.upperBound, next | ((1 << 45) - 1))
                var state = MergedState()
                try Store.readCurrent(db, "ops.rkey BETWEEN ? AND ? AND ops.collection = ?",
                                      [next, upper, collection.rawValue], into: &state)
                for (key, record) in state.records {
                    try save(DayEntry(key: key, record: record), key: key, rkey: OpLog.recordHash(key.collection, key.id), db)
                }
                guard upper < all.upperBound else { break }
                lower = upper + 1
            }
        }
    }

    static func code(_ status: ReviewStatus) -> Int64 {
        switch status {
        case .needsReview: 0
        case .approved: 1
        case .rejected: 2
        }
    }

    static func status(_ code: Int64) -> ReviewStatus { code == 1 ? .approved : code == 2 ? .rejected : .needsReview }

    static func bindReplicas(_ s: SQLiteStatement, _ i: Int32, _ replicas: [ReplicaID]) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(replicas.count * 8)
        for r in replicas { withUnsafeBytes(of: r.rawValue.bigEndian) { bytes.append(contentsOf: $0) } }
        sqlite3_bind_blob(s, i, bytes, Int32(bytes.count), transient)
    }

    static func columnReplicas(_ s: SQLiteStatement, _ i: Int32) -> [ReplicaID] {
        let count = Int(sqlite3_column_bytes(s, i)) / 8
        guard count > 0, let pointer = sqlite3_column_blob(s, i) else { return [] }
        let buffer = UnsafeRawBufferPointer(start: pointer, count: count * 8)
        return (0..<count).map { n in
            ReplicaID(buffer[n * 8..<n * 8 + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
    }

    private static func step(_ s: SQLiteStatement, _ db: Database) throws {
        let rc = sqlite3_step(s)
        defer { sqlite3_reset(s) }
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw error(rc, db) }
    }

    private static func error(_ rc: Int32, _ db: Database) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }
}

extension Store {
    /// The hours and lunch records dated `days` (all the store holds, if nil) as the laptop keeps them,
    /// read in two halves at once (`inHalves`). A server's store keeps none: read `mergedState` there.
    public func dayEntries(days: ClosedRange<CivilDate>? = nil) throws(StoreError) -> [DayEntry] {
        let span: ClosedRange<CivilDate>? = if let days { days } else { try daySpan() }
        guard let days = span else { return [] }
        let (earlier, later) = try inHalves(days) { half, db, _ in
            var entries = [DayEntry]()
            for collection in [CollectionName.hours, .lunches] { try DayEntries.read(OpLog.dayKeys(collection, half), db, into: &entries) }
            return entries
        }
        return earlier + (later ?? [])
    }
}
