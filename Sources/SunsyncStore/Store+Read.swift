import Foundation
import GRDB
import GRDBSQLite
import SunsyncModel

/// An op as the log holds it: the op and its local arrival number.
public struct LoggedOp: Hashable, Sendable {
    public let seq: Int64
    public let op: Op
    /// The signed batch it is held under (its id in this database), where the query read it.
    public var batch: Int64?

    public init(seq: Int64, op: Op, batch: Int64? = nil) {
        self.seq = seq
        self.op = op
        self.batch = batch
    }
}

extension Store {
    /// The merged state of the whole store, or of some collections. With `days`, hours and lunch
    /// records are read for those days only (at least those: a caller filters by date itself), which
    /// is what keeps a month's report quick on a reviewer's laptop holding a district's year. Without,
    /// the days the store holds are read the same way, in two halves at once (`mergedState(_:days:)`).
    public func mergedState(_ collections: [CollectionName]? = nil, days: ClosedRange<CivilDate>? = nil) throws(StoreError) -> MergedState {
        let wanted = collections ?? CollectionName.allCases
        if days == nil, wanted.contains(.hours) || wanted.contains(.lunches), let span = try daySpan() {
            return try mergedState(wanted, days: span)
        }
        return try Self.run {
            try queue.read { db in
                var state = MergedState()
                try Self.read(wanted, days: days, db, into: &state)
                return state
            }
        }
    }

    /// Reads the current values of `collections` by their record keys: for `days` only, where they are
    /// hours or lunches and `days` is given, else whole.
    static func read(_ collections: [CollectionName], days: ClosedRange<CivilDate>?, _ db: Database, into state: inout MergedState) throws {
        for collection in collections {
            let keys = days.map { OpLog.dayKeys(collection, $0) } ?? OpLog.collectionRange(collection)
            try readCurrent(db, "ops.rkey BETWEEN ? AND ? AND ops.collection = ?",
                            [keys.lowerBound, keys.upperBound, collection.rawValue], into: &state)
        }
    }

    /// The days the store's hours and lunch records span, read from their record keys (nil for none).
    public func daySpan() throws(StoreError) -> ClosedRange<CivilDate>? {
        try Self.run { try queue.read { db in try OpLog.daySpan(db) } }
    }

    /// A span of days is read in two halves at once (`inHalves`). A month's read on a district's laptop
    /// takes half the time.
    public func mergedState(_ collections: [CollectionName]? = nil, days: ClosedRange<CivilDate>) throws(StoreError) -> MergedState {
        let wanted = collections ?? CollectionName.allCases
        let dayCollections = wanted.filter { $0 == .hours || $0 == .lunches }
        guard !dayCollections.isEmpty else { return try mergedState(wanted, days: Optional(days)) }
        let (earlier, later) = try inHalves(days) { half, db, first in
            var state = MergedState()
            try Self.read(first ? wanted : dayCollections, days: half, db, into: &state)
            return state
        }
        var state = earlier
        if let later { state.absorb(disjoint: later) }
        return state
    }

    /// Reads a span of days in two halves at once: the earlier on the store's connection (`first` true),
    /// the later on a second, read-only one (the store is in WAL mode: readers do not wait for each
    /// other). Hours and lunch keys carry their day, so the halves hold no record in common. A span
    /// under two weeks is read whole (no second half).
    func inHalves<T: Sendable>(_ days: ClosedRange<CivilDate>,
                               _ read: @Sendable (ClosedRange<CivilDate>, Database, _ first: Bool) throws -> T) throws(StoreError) -> (T, T?) {
        let span = Int(days.upperBound.dayNumber) - Int(days.lowerBound.dayNumber)
        guard span >= 14 else { return (try Self.run { try queue.read { db in try read(days, db, true) } }, nil) }
        let middle = CivilDate(dayNumber: days.lowerBound.dayNumber + Int32(span / 2))
        let path = self.path, store = self.queue, key = self.key
        let halves = Concurrently.run(2) { half -> Result<T, StoreError> in
            do {
                if half == 0 { return .success(try store.read { db in try read(days.lowerBound...middle, db, true) }) }
                var configuration = Configuration()
                configuration.use(key)
                configuration.readonly = true
                let later = try DatabaseQueue(path: path, configuration: configuration)
                defer { try? later.close() }
                return .success(try later.read { db in try read(middle.adding(days: 1)...days.upperBound, db, false) })
            } catch {
                return .failure(Self.storeError(error))
            }
        }
        return (try halves[0].get(), try halves[1].get())
    }

    public func record(_ key: RecordKey) throws(StoreError) -> RecordState? {
        try Self.run { try queue.read { db in try Self.records(db, collection: key.collection, id: key.id)[key] } }
    }

    /// The hours and lunch records of a participant (its id, `ORG/PERSONKEY`), in key order.
    public func dayRecords(of participant: String) throws(StoreError) -> [RecordKey] {
        try Self.run {
            try queue.read { db in
                // One pass in file order: cheaper than the record index for a scan of most of the store.
                let rows = try Row.fetchAll(db, sql: """
                    SELECT DISTINCT collection, record FROM ops NOT INDEXED
                    WHERE collection IN ('hours', 'lunches') AND substr(record, 1, ?) = ?
                    """, arguments: [participant.unicodeScalars.count + 1, participant + "/"]) // substr counts code points
                return rows.compactMap { row in CollectionName(rawValue: row[0]).map { RecordKey(collection: $0, id: row[1]) } }.sorted()
            }
        }
    }

    /// Every op that touched the records, oldest first (by id).
    public func history(of keys: [RecordKey]) throws(StoreError) -> [LoggedOp] {
        try Self.run {
            try queue.read { db in
                try keys.flatMap { key in
                    try OpLog.read(db, sql: """
                        SELECT seq, id, collection, record, field, kind, value, pred FROM ops
                        WHERE rkey = ? AND collection = ? AND record = ?
                        """, arguments: [OpLog.recordHash(key.collection, key.id), key.collection.rawValue, key.id])
                }.sorted { $0.op.id < $1.op.id }
            }
        }
    }

    static func records(_ db: Database, collection: CollectionName, id: String) throws -> [RecordKey: RecordState] {
        var state = MergedState()
        try readCurrent(db, "ops.rkey = ? AND ops.collection = ? AND ops.record = ?",
                        [OpLog.recordHash(collection, id), collection.rawValue, id], into: &state)
        return state.records
    }

    /// Applies the current values of the ops `condition` selects to `state`, read through the C API.
    static func readCurrent(_ db: Database, _ condition: String,
                            _ arguments: StatementArguments, into state: inout MergedState) throws {
        let statement = try db.cachedStatement(sql: """
            SELECT ops.collection, ops.record, ops.field, ops.id, ops.kind, ops.value FROM ops JOIN current ON current.op_id = ops.id
            WHERE \(condition)
            """)
        try statement.setArguments(arguments)
        let s = statement.sqliteStatement
        defer { sqlite3_reset(s) }
        // Rows of one record usually come together (the record index orders them): its ops are applied as
        // one run, and its id is read once, instead of a string and a dictionary lookup for every row.
        var run = [Op](), runKey: RecordKey?
        func flush() {
            if let runKey, !run.isEmpty { state.apply(run, toRecord: runKey) }
            run.removeAll(keepingCapacity: true)
        }
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            guard let id = columnID(s, 3) else { continue }
            if runKey == nil || !columnEquals(s, 1, runKey!.id) || !columnEquals(s, 0, runKey!.collection.rawValue) {
                flush()
                guard let collection = CollectionName(rawValue: columnText(s, 0)) else { runKey = nil; continue }
                runKey = RecordKey(collection: collection, id: columnText(s, 1))
            }
            guard let key = runKey else { continue }
            run.append(Op(id: id, collection: key.collection, record: key.id, field: columnText(s, 2), value: columnValue(s, kind: 4, value: 5)))
        }
        flush()
    }
}
