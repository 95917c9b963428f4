import Foundation
import GRDB
import GRDBSQLite
import SunsyncModel

/// The op log as every Sunsync database file holds it, a laptop's store and the server's SQLite database
/// alike: the `ops` table's rows and record keys, the signed batches they are held under, and the reads and
/// inserts of the hot paths, through SQLite's C API. Each kind of file has its own schema and code around
/// it (`Store`, the laptop's; `SQLiteServerStore`, the server's); this is what they share.
public enum OpLog {
    /// The `batches` table (SPEC §9): a signed batch, its key, its signature, how many ops it signed, and
    /// (place u32, digest 32 bytes) for each place no op held under it fills. The ops whose `batch` is its
    /// id fill the rest, in seq order.
    public static let batchesTable = """
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY,
            key_id TEXT NOT NULL,
            signature BLOB NOT NULL UNIQUE,
            count INTEGER NOT NULL,
            holes BLOB NOT NULL,
            org TEXT NOT NULL
        );
        """

    /// WAL, a busy timeout, and `synchronous = FULL`: a change that was acknowledged is on disk, even if the
    /// power fails a moment later.
    public static var configuration: Configuration { configuration(key: nil) }

    /// Runs database work, turning SQLite's errors into ones that say what to do.
    public static func run<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw storeError(error) }
    }

    /// The same for async work (the server's requests).
    public static func run<T>(_ body: () async throws -> T) async throws(StoreError) -> T {
        do { return try await body() } catch { throw storeError(error) }
    }

    public static func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? ModelError { return StoreError(error) }
        guard let error = error as? DatabaseError else { return StoreError(.database, "\(error)") }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.locked, "the store is in use by another sunsync command; try again when it has finished")
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return StoreError(.notAStore, "the file is not a Sunsync store (not an SQLite database, or damaged)")
        // A write that finds the disk full says SQLITE_FULL; the WAL's shared-memory index (`-shm`) that cannot
        // grow, as a store is opened or a transaction begun on a full disk, says SQLITE_IOERR_SHMSIZE.
        case .SQLITE_FULL,
             .SQLITE_IOERR where error.extendedResultCode == .SQLITE_IOERR_SHMSIZE:
            return StoreError(.diskFull, "the disk holding the database is full: nothing of this change was written; free some space and do it again")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return StoreError(.readOnly, "cannot open the store for writing: \(error.message ?? "permission denied")")
        default:
            return StoreError(.database, "database error: \(error.message ?? error.description)")
        }
    }

    // MARK: Record keys

    /// The integer key of a record, `rkey`: the collection's number in bits 60-62; for hours and lunches
    /// the day (days since 1970, 20 bits) in bits 40-59 and 40 bits of FNV-1a over the UTF-8 of
    /// `collection/record` below; for the other collections 60 bits of that hash. One index then finds a
    /// record's ops, and (as a range) a collection's. Days come first because records
    /// arrive roughly day by day, in syncs and imports alike: their index entries then land in a few
    /// neighbouring pages instead of all over the index (a first sync of 1,000,000 ops wrote the whole
    /// index again with every page it applied).
    public static func recordHash(_ collection: CollectionName, _ record: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in collection.rawValue.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ UInt64(UInt8(ascii: "/"))) &* 0x100_0000_01b3
        for byte in record.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let base = OpLog.collectionRange(collection).lowerBound
        guard collection == .hours || collection == .lunches else { return base | Int64(hash & 0x0FFF_FFFF_FFFF_FFFF) }
        // An id that does not end in a date is refused by validation; it still gets a key (day 0).
        let day = CivilDate(Substring(record.utf8.suffix(10))).map { UInt64(UInt32(bitPattern: $0.dayNumber)) & 0xF_FFFF } ?? 0
        return base | Int64(day << 40) | Int64(hash & 0xFF_FFFF_FFFF)
    }

    /// The record keys of a collection's records dated `days` (hours and lunches), or of all its
    /// records (other collections, and days the key cannot order: before 1970 or after 4840).
    public static func dayKeys(_ collection: CollectionName, _ days: ClosedRange<CivilDate>) -> ClosedRange<Int64> {
        let all = OpLog.collectionRange(collection)
        guard collection == .hours || collection == .lunches, days.lowerBound.dayNumber >= 0, days.upperBound.dayNumber <= 0xF_FFFF
        else { return all }
        return (all.lowerBound | Int64(days.lowerBound.dayNumber) << 40)...(all.lowerBound | Int64(days.upperBound.dayNumber) << 40 | 0xFF_FFFF_FFFF)
    }

    /// Every record key of a collection.
    public static func collectionRange(_ collection: CollectionName) -> ClosedRange<Int64> {
        let number: Int64 = switch collection {
        case .orgs: 0
        case .participants: 1
        case .hours: 2
        case .lunches: 3
        case .reveals: 4
        }
        return (number << 60)...(number << 60 | 0x0FFF_FFFF_FFFF_FFFF)
    }

    /// The days the file's hours and lunch records span, read from their record keys (nil for none).
    public static func daySpan(_ db: Database) throws -> ClosedRange<CivilDate>? {
        var lower = Int32.max, upper = Int32.min
        for collection in [CollectionName.hours, .lunches] {
            let r = collectionRange(collection)
            let row = try Row.fetchOne(db, sql: "SELECT min(rkey), max(rkey) FROM ops WHERE rkey BETWEEN ? AND ?", arguments: [r.lowerBound, r.upperBound])
            guard let lo: Int64 = row?[0], let hi: Int64 = row?[1] else { continue }
            lower = min(lower, Int32((lo >> 40) & 0xF_FFFF))
            upper = max(upper, Int32((hi >> 40) & 0xF_FFFF))
        }
        return lower <= upper ? CivilDate(dayNumber: lower)...CivilDate(dayNumber: upper) : nil
    }

    // MARK: Reading ops

    /// Ops of a query selecting `seq, id, collection, record, field, kind, value, pred` (and `batch`, if a
    /// ninth column), read through the C API: a pull reads thousands of rows per request.
    public static func read(_ db: Database, sql: String, arguments: StatementArguments) throws -> [LoggedOp] {
        let statement = try db.cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        let s = statement.sqliteStatement
        defer { sqlite3_reset(s) }
        let withBatch = sqlite3_column_count(s) > 8
        var out = [LoggedOp]()
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            guard let id = columnID(s, 1), let collection = CollectionName(rawValue: columnText(s, 2)) else { continue }
            out.append(LoggedOp(seq: sqlite3_column_int64(s, 0),
                                op: Op(id: id, collection: collection, record: columnText(s, 3), field: columnText(s, 4),
                                       value: columnValue(s, kind: 5, value: 6), pred: columnIDs(s, 7)),
                                batch: withBatch && sqlite3_column_type(s, 8) != SQLITE_NULL ? sqlite3_column_int64(s, 8) : nil))
        }
        return out
    }

    /// A row of `seq, id, collection, record, field, kind, value, pred`.
    public static func row(_ row: Row) -> LoggedOp? {
        guard let id = OpID(bytes: [UInt8](row[1] as Data)), let c = CollectionName(rawValue: row[2]) else { return nil }
        return LoggedOp(seq: row[0], op: Op(id: id, collection: c, record: row[3], field: row[4],
                                            value: StoredValue.value(kind: row[5], column: row[6]), pred: StoredValue.ids(row[7])))
    }

    // MARK: Signed batches

    /// Keeps a batch (once: a signature already held returns the batch it is), returning its id.
    public static func insertBatch(_ batch: SignedBatch, org: String, _ db: Database) throws -> Int64 {
        try db.execute(sql: "INSERT OR IGNORE INTO batches(key_id, signature, count, holes, org) VALUES (?, ?, ?, ?, ?)",
                       arguments: [batch.key, Data(batch.signature), batch.count, Data(batch.holeBytes), org])
        return try Int64.fetchOne(db, sql: "SELECT id FROM batches WHERE signature = ?", arguments: [Data(batch.signature)]) ?? 0
    }

    public static func batch(_ row: Row) -> StoredBatch {
        StoredBatch(id: row["id"], batch: SignedBatch(key: row["key_id"], signature: [UInt8](row["signature"] as Data), count: row["count"],
                                                      holes: SignedBatch.holes([UInt8](row["holes"] as Data))), org: row["org"])
    }

    /// The batches of these ids.
    public static func batches(_ ids: Set<Int64>, _ db: Database) throws -> [Int64: StoredBatch] {
        var out = [Int64: StoredBatch]()
        for chunk in Array(ids).chunked(500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            for row in try Row.fetchAll(db, sql: "SELECT * FROM batches WHERE id IN (\(marks))", arguments: StatementArguments(chunk)) {
                let b = batch(row)
                out[b.id] = b
            }
        }
        return out
    }

    // MARK: Inserting ops

    /// Inserts ops into `ops` inside one transaction, idempotently, through statements prepared once.
    public final class Inserter {
        let db: Database
        let insertOp: SQLiteStatement, selectOp: SQLiteStatement
        /// The signed batch (`batches.id`) new ops are held under; nil for none (yet).
        public var batch: Int64?

        public init(_ db: Database) throws {
            self.db = db
            insertOp = try db.cachedStatement(sql: """
                INSERT INTO ops(id, collection, record, field, kind, value, pred, org, rkey, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO NOTHING
                """).sqliteStatement
            selectOp = try db.cachedStatement(sql: "SELECT collection, record, field, kind, value, pred FROM ops WHERE id = ?").sqliteStatement
        }

        /// Inserts `op`: true if it is new; false if it is held already with the same content; throws
        /// `opIDReused` if its id is held with other content (nothing is written then).
        public func insert(_ op: Op) throws -> Bool {
            bind(insertOp, 1, op.id)
            bind(insertOp, 2, op.collection.rawValue)
            bind(insertOp, 3, op.record)
            bind(insertOp, 4, op.field)
            bind(insertOp, op.value, kindAt: 5)
            bindPred(insertOp, 7, op.pred)
            bindOrg(insertOp, 8, op.record)
            sqlite3_bind_int64(insertOp, 9, OpLog.recordHash(op.collection, op.record))
            if let batch { sqlite3_bind_int64(insertOp, 10, batch) } else { sqlite3_bind_null(insertOp, 10) }
            let rc = sqlite3_step(insertOp)
            sqlite3_reset(insertOp)
            guard rc == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            guard sqlite3_changes(db.sqliteConnection) == 1 else {
                try checkSame(op)
                return false
            }
            return true
        }

        /// The seq of the op inserted last.
        public var lastSeq: Int64 { sqlite3_last_insert_rowid(db.sqliteConnection) }

        private func checkSame(_ op: Op) throws {
            bind(selectOp, 1, op.id)
            defer { sqlite3_reset(selectOp) }
            guard sqlite3_step(selectOp) == SQLITE_ROW else { return }
            let same = columnText(selectOp, 0) == op.collection.rawValue && columnText(selectOp, 1) == op.record
                && columnText(selectOp, 2) == op.field && columnValue(selectOp, kind: 3, value: 4) == op.value
                && columnIDs(selectOp, 5) == op.pred
            if !same {
                throw StoreError(.opIDReused, "op \(op.id) was seen before with different content; a replica reused an id")
            }
        }
    }

    // MARK: Verifying

    /// Checks every batch against the ops held under it, and names each op that fails: its batch's signature
    /// does not verify (an op changed, one added or taken away), its key is not known, the key is not the
    /// writer's, or it is held under no batch where every op should be. `owner`: whose each replica is.
    /// `unsigned`: the SQL condition of the ops that should be signed and are not; `unsignedMeans`: what such
    /// an op means (a failure, with this reason), or nil where they are expected: they are then only counted.
    public static func verify(_ db: Database, keys: [String: SigningKey], owner: (ReplicaID) -> String?, unsigned: String, unsignedMeans: String?,
                              progress: (Int, Int) -> Void) throws -> (ops: Int, batches: Int, failures: [VerifyFailure], unsigned: Int) {
        var failures = [VerifyFailure]()
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM batches") ?? 0
        var checked = 0, opsChecked = 0
        var after: Int64 = 0
        let columns = "SELECT seq, id, collection, record, field, kind, value, pred, batch FROM ops"
        while true {
            // 100 batches at a time, their ops read in one pass: a laptop's store has no index on `batch`
            // (it would slow every first sync), and a query per batch read the whole log each time.
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM batches WHERE id > ? ORDER BY id LIMIT 100", arguments: [after])
            guard let first = rows.first, let last = rows.last else { break }
            var held = [Int64: [Op]]()
            for op in try OpLog.read(db, sql: "\(columns) WHERE batch BETWEEN ? AND ? ORDER BY batch, seq",
                                     arguments: [first["id"] as Int64, last["id"] as Int64]) {
                if let batch = op.batch { held[batch, default: []].append(op.op) }
            }
            for row in rows {
                let stored = OpLog.batch(row)
                let ops = held[stored.id] ?? []
                opsChecked += ops.count
                failures += stored.failures(ops, keys: keys, owner: owner)
            }
            checked += rows.count
            progress(checked, total)
            after = last["id"]
        }
        let loose = try OpLog.read(db, sql: "\(columns) WHERE \(unsigned) LIMIT 10001", arguments: [])
        if let unsignedMeans {
            failures += loose.map { VerifyFailure(op: $0.op.id, record: $0.op.key.description, reason: unsignedMeans) }
        }
        // All of them counted (the failures above name the first 10,001).
        let looseCount = loose.count <= 10_000 ? loose.count : try Int.fetchOne(db, sql: "SELECT count(*) FROM ops WHERE \(unsigned)") ?? loose.count
        return (opsChecked + looseCount, checked, failures, looseCount)
    }
}
