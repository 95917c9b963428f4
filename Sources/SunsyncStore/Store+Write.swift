import Foundation
import GRDB
import GRDBSQLite
import SunsyncModel

extension Store {
    /// Applies ops received from elsewhere, in one transaction. Duplicates change nothing; an id seen
    /// before with other content is refused, and so is an op whose record id or preds are malformed.
    @discardableResult
    public func apply(_ ops: [Op]) throws(StoreError) -> Applied {
        try Self.run { try queue.write { db in try Self.applyReceived(ops, db) } }
    }

    /// Applies ops from elsewhere inside a transaction, and moves the clock past them. An op needs a
    /// well-formed record id and preds to be held at all; its field and value are checked against this
    /// version's schema only to be counted: a server that accepted them under a newer schema (a field
    /// added since) is the judge, and every replica must hold every op to converge.
    static func applyReceived(_ ops: [Op], _ db: Database, batchOf: ((Int) -> Int64?)? = nil) throws -> Applied {
        var clock = try loadClock(db)
        let applier = try Applier(db)
        // What needs no database (each op's checks, the day entries its records make) is worked out on
        // another thread while this one writes the log; nothing is committed before both are done and
        // every op passed.
        let pure = PageWork(ops, days: applier.keepsDays)
        var applied = Applied()
        var fresh = [Int](), clashed = [Int]()
        fresh.reserveCapacity(ops.count)
        for (index, op) in ops.enumerated() {
            if let batchOf { applier.batch = batchOf(index) }
            do {
                if try applier.hold(op) { fresh.append(index) } else { applied.held.append(index) }
            } catch let error as StoreError where error.code == .opIDReused {
                // Another change under an id this store holds (a copied home wrote under the same replica):
                // this store keeps its own, and says so; it is never stuck on it.
                applied.clashed.append(op.id)
                clashed.append(index)
            }
            clock.observe(op.id.timestamp)
        }
        let work = try pure.result()
        applied.new = fresh.count
        applied.unrecognized = fresh.count { !work.recognized[$0] }
        try applier.merge(received: ops, new: fresh)
        // A record one of whose ops clashed is read back: the page's own merge of it holds an op this store did not take.
        try applier.finish(work.days, readingBack: Set(clashed.map { ops[$0].key }))
        try saveClock(clock, db)
        return applied
    }

    /// Makes local changes in one transaction: everything `body` writes lands, or nothing does.
    /// Returns the ops written.
    @discardableResult
    public func write(now: Date = Date(), _ body: (inout Transaction) throws -> Void) throws(StoreError) -> [Op] {
        try Self.run {
            try queue.write { db in
                try Self.write(db, replica: replica, outbox: true, now: now, body)
            }
        }
    }

    /// A local write from `replica` inside `db`'s transaction; its ops go to the outbox if `outbox`.
    static func write(_ db: Database, replica: ReplicaID, outbox: Bool, now: Date, _ body: (inout Transaction) throws -> Void) throws -> [Op] {
        var tx = Transaction(db: db, replica: replica, outbox: outbox, clock: try loadClock(db), personKeys: try OpLog.personKeys(db),
                             wallMilliseconds: UInt64(max(0, now.timeIntervalSince1970 * 1000)), applier: try Applier(db))
        try body(&tx)
        try tx.applier.finish()
        try saveClock(tx.clock, db)
        return tx.written
    }

    static func loadClock(_ db: Database) throws -> HybridClock {
        let raw = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'clock'").flatMap { UInt64($0) } ?? 0
        return HybridClock(last: Timestamp(rawValue: raw))
    }

    static func saveClock(_ clock: HybridClock, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('clock', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [String(clock.last.rawValue)])
    }
}

/// What applying received ops did.
public struct Applied: Hashable, Sendable {
    /// Ops not held before.
    public var new = 0
    /// Of those, ops this version's schema does not know (a field added since, a value its rules refuse):
    /// held and merged all the same, shown once this sunsync is updated.
    public var unrecognized = 0
    /// Received ops whose id this store holds with other content: not applied (this store keeps its own).
    public var clashed: [OpID] = []
    /// The places (in the ops given) of those held already, the same.
    public var held: [Int] = []

    public init(new: Int = 0, unrecognized: Int = 0) {
        self.new = new
        self.unrecognized = unrecognized
    }
}

/// A local write in progress. Reads see the transaction's own earlier writes. `set` and `decide` are
/// `RecordWriter`'s, shared with the server's own `Edit`.
public struct Transaction: RecordWriter {
    let db: Database
    let replica: ReplicaID
    /// Whether written ops wait in the outbox for a server (a laptop's), or are the server's own.
    let outbox: Bool
    var clock: HybridClock
    /// The file's person-key secret: a certificate written to a participant must be that person's.
    let personKeys: PersonKeys?
    let wallMilliseconds: UInt64
    let applier: Applier
    public private(set) var written: [Op] = []

    /// The current values of one field, greatest id first.
    public func current(_ key: RecordKey, _ field: String) throws -> [FieldState.Entry] {
        try applier.current(key, field)
    }

    /// The merged record as it stands in this transaction.
    public func record(_ key: RecordKey) throws -> RecordState? {
        try Store.records(db, collection: key.collection, id: key.id)[key]
    }

    /// Writes `value` replacing exactly `pred` (for `resolve`, which keeps one of the shown values).
    public mutating func write(_ key: RecordKey, _ field: String, _ value: Value, pred: [OpID]) throws {
        let id = OpID(timestamp: clock.next(wallMilliseconds: wallMilliseconds), replica: replica)
        let op = Op(id: id, collection: key.collection, record: key.id, field: field, value: value, pred: pred.sorted())
        try Schema.validate(op)
        try personKeys?.check(op)
        try applier.apply(local: op, outbox: outbox)
        written.append(op)
    }
}

/// The merge rule of SPEC.md §3 carried out in SQL. The hot path of sync and import, so it binds
/// values through SQLite's C API on GRDB's cached statements. Lives for one transaction.
final class Applier {
    let db: Database
    let inserter: OpLog.Inserter
    let insertOutbox: SQLiteStatement, deleteCurrent: SQLiteStatement, opExists: SQLiteStatement
    let insertReplaced: SQLiteStatement, takeReplaced: SQLiteStatement, insertCurrent: SQLiteStatement
    let selectCurrent: SQLiteStatement
    /// Whether `replaced` may hold rows; it is nearly always empty, and then arrivals need not look in it.
    private var mayHaveReplaced: Bool
    /// The signed batch (`batches.id`) new ops are held under; nil for a local op not yet pushed.
    var batch: Int64? {
        get { inserter.batch }
        set { inserter.batch = newValue }
    }
    /// The hours and lunch records new ops touched, merged from those ops alone, where the store keeps
    /// day entries (a laptop's); nil where it keeps none (a server's).
    private var touched: MergedState?

    init(_ db: Database) throws {
        self.db = db
        mayHaveReplaced = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM replaced)") ?? true
        touched = try db.tableExists(DayEntries.table) ? MergedState() : nil
        func prepare(_ sql: String) throws -> SQLiteStatement { try db.cachedStatement(sql: sql).sqliteStatement }
        inserter = try OpLog.Inserter(db)
        insertOutbox = try prepare("INSERT INTO outbox(seq) VALUES (?)")
        // A pred only replaces an op of the same field.
        deleteCurrent = try prepare("""
            DELETE FROM current WHERE op_id = ?4
            AND EXISTS (SELECT 1 FROM ops WHERE id = ?4 AND collection = ?1 AND record = ?2 AND field = ?3)
            """)
        opExists = try prepare("SELECT 1 FROM ops WHERE id = ?")
        insertReplaced = try prepare("INSERT OR IGNORE INTO replaced(op_id, collection, record, field) VALUES (?, ?, ?, ?)")
        takeReplaced = try prepare("DELETE FROM replaced WHERE op_id = ? AND collection = ? AND record = ? AND field = ?")
        insertCurrent = try prepare("INSERT OR IGNORE INTO current(op_id) VALUES (?)")
        selectCurrent = try prepare("""
            SELECT ops.id, ops.kind, ops.value FROM ops JOIN current ON current.op_id = ops.id
            WHERE ops.rkey = ?4 AND ops.collection = ?1 AND ops.record = ?2 AND ops.field = ?3
            """)
    }

    func current(_ key: RecordKey, _ field: String) throws -> [FieldState.Entry] {
        let s = selectCurrent
        bind(s, 1, key.collection.rawValue)
        bind(s, 2, key.id)
        bind(s, 3, field)
        sqlite3_bind_int64(s, 4, OpLog.recordHash(key.collection, key.id))
        var entries = [FieldState.Entry]()
        while try step(s) == SQLITE_ROW {
            guard let id = columnID(s, 0) else { continue }
            entries.append(FieldState.Entry(id: id, value: columnValue(s, kind: 1, value: 2)))
        }
        sqlite3_reset(s)
        return entries.sorted { $0.id > $1.id }
    }

    /// Applies one local op. Its id is fresh, so nothing can name it yet, and what it names is held here
    /// (its writer saw it).
    func apply(local op: Op, outbox: Bool) throws {
        guard try inserter.insert(op) else { return }
        if outbox {
            sqlite3_bind_int64(insertOutbox, 1, sqlite3_last_insert_rowid(db.sqliteConnection))
            try run(insertOutbox)
        }
        for p in op.pred { try unseat(p, by: op) }
        bind(insertCurrent, 1, op.id)
        try run(insertCurrent)
        touch(op)
    }

    /// Holds a received op in the log: true if it is new (then `merge(received:)` must follow for it), false
    /// if held already with the same content; throws `opIDReused` for an id held with other content.
    func hold(_ op: Op) throws -> Bool { try inserter.insert(op) }

    /// Merges the received ops `hold` found new (`all[new]`: a page, say) as one set, with the outcome of
    /// merging them one by one in any order (SPEC §3): an op is current unless an op of the same field names
    /// it in its pred, here or among the ops held before, or did before it arrived (`replaced`). A pred
    /// naming an op of the set is settled in memory; one naming an op held before leaves the database's
    /// `current`, and one naming an op not held yet is remembered in `replaced`. The current ones are then
    /// inserted in id order. On a first sync nearly every pred names an op of its own page (a writer's edits
    /// are near each other in the log), so `replaced` stays empty and the page's arrivals need not look in it.
    func merge(received all: [Op], new: [Int]) throws {
        let ops = new.lazy.map { all[$0] }
        var place = [OpID: Int](minimumCapacity: new.count)
        for (i, op) in ops.enumerated() { place[op.id] = i }
        var current = [Bool](repeating: true, count: new.count)
        if mayHaveReplaced {
            for (i, op) in ops.enumerated() {
                bind(takeReplaced, 1, op.id)
                bind(takeReplaced, 2, op.collection.rawValue)
                bind(takeReplaced, 3, op.record)
                bind(takeReplaced, 4, op.field)
                try run(takeReplaced)
                if sqlite3_changes(db.sqliteConnection) > 0 { current[i] = false }  // named before it arrived
            }
        }
        for op in ops {
            for p in op.pred {
                guard let i = place[p] else { try unseat(p, by: op); continue }
                // Held and not yet current: a pred naming an op of another field changes nothing, as in `unseat`.
                let named = all[new[i]]
                if named.record == op.record, named.field == op.field, named.collection == op.collection { current[i] = false }
            }
        }
        for id in new.indices.lazy.filter({ current[$0] }).map({ all[new[$0]].id }).sorted() {
            bind(insertCurrent, 1, id)
            try run(insertCurrent)
        }
    }

    /// Whether this store keeps day entries (a laptop's).
    var keepsDays: Bool { touched != nil }

    /// The day entries' side of an op: the record it touched, merged in memory until `finish`.
    private func touch(_ op: Op) {
        if touched != nil, op.collection == .hours || op.collection == .lunches { _ = touched!.apply(op) }
    }

    /// Brings the day entries (`DayEntries`) of the records this transaction's new ops touched up to
    /// date: called by every transaction that writes ops (received ones: `finish(_:readingBack:)`, with
    /// the entries a page's `PageWork` made), before it commits. Most records a sync
    /// brings are new: the ops this transaction brought are then all of it, and the entry is made from
    /// them (the model's merge, as when it is read back) and inserted. Where a row was there already,
    /// the record had ops before: its merged record is read back and the row replaced. A first sync
    /// then never reads back what it wrote.
    func finish() throws {
        guard let merged = touched, !merged.records.isEmpty else { return }
        touched = MergedState()
        try finish(DayEntries.made(merged), readingBack: [])
    }

    /// The same with the entries made already (`DayEntries.made`, in key order) of the records the new ops
    /// touched, merged from those ops alone; those of `readingBack` are read back whatever they were made.
    func finish(_ made: [DayEntries.Made], readingBack: Set<RecordKey>) throws {
        guard touched != nil else { return }
        for (rkey, key, entry) in made {
            if !readingBack.contains(key), let entry, try DayEntries.insertNew(entry, rkey: rkey, db) { continue }
            let record = try Store.records(db, collection: key.collection, id: key.id)[key]
            try DayEntries.save(record.flatMap { DayEntry(key: key, record: $0) }, key: key, rkey: rkey, db)
        }
    }

    /// What `op`'s pred naming `p` does: `p` leaves `current` if it is a value of the same field; if it is
    /// not held yet, it is remembered in `replaced`, so that it is not made current when it arrives.
    private func unseat(_ p: OpID, by op: Op) throws {
        try bindField(deleteCurrent, op.collection.rawValue, op, id: p)
        try run(deleteCurrent)
        guard sqlite3_changes(db.sqliteConnection) == 0 else { return }
        // Not current here: either already replaced, or not arrived yet — then remember it.
        bind(opExists, 1, p)
        let exists = try step(opExists) == SQLITE_ROW
        sqlite3_reset(opExists)
        guard !exists else { return }
        bind(insertReplaced, 1, p)
        bind(insertReplaced, 2, op.collection.rawValue)
        bind(insertReplaced, 3, op.record)
        bind(insertReplaced, 4, op.field)
        try run(insertReplaced)
        mayHaveReplaced = true
    }

    // MARK: C API helpers

    private func bindField(_ s: SQLiteStatement, _ collection: String, _ op: Op, id: OpID) throws {
        bind(s, 1, collection)
        bind(s, 2, op.record)
        bind(s, 3, op.field)
        bind(s, 4, id)
    }

    private func run(_ s: SQLiteStatement) throws {
        _ = try step(s)
        sqlite3_reset(s)
    }

    private func step(_ s: SQLiteStatement) throws -> Int32 {
        let rc = sqlite3_step(s)
        guard rc == SQLITE_ROW || rc == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            sqlite3_reset(s)
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message)
        }
        return rc
    }
}

/// The part of applying a page of received ops that needs no database, started on another thread at once
/// (for pages of more than a few ops): each op's checks, and the day entries of the hours and lunch records
/// the page touches, merged from its ops alone. `result()` waits for it.
final class PageWork: @unchecked Sendable {
    struct Result {
        /// Whether this version's schema knows each op's field and accepts its value (`Schema.validateField`).
        var recognized: [Bool]
        var days: [DayEntries.Made]
    }

    /// Written once, by the thread doing the work, before `done` is signalled; read after waiting for it.
    private var outcome: Swift.Result<Result, ModelError> = .failure(ModelError(.invalidOpID, "the page's checks did not finish"))
    private let done = DispatchSemaphore(value: 0)

    init(_ ops: [Op], days: Bool) {
        guard ops.count >= 256 else {
            outcome = Self.work(ops, days: days)
            done.signal()
            return
        }
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            outcome = Self.work(ops, days: days)
            done.signal()
        }
    }

    /// The work's result (the first malformed op's error, if one is). Once.
    func result() throws(ModelError) -> Result {
        done.wait()
        return try outcome.get()
    }

    static func work(_ ops: [Op], days: Bool) -> Swift.Result<Result, ModelError> {
        Swift.Result { () throws(ModelError) -> Result in
            var recognized = [Bool](repeating: true, count: ops.count)
            for (i, op) in ops.enumerated() {
                let parts = try Schema.validateShape(op)
                do { try Schema.validateField(op, parts: parts) } catch { recognized[i] = false }
            }
            guard days else { return Result(recognized: recognized, days: []) }
            var merged = MergedState()
            for op in ops where op.collection == .hours || op.collection == .lunches { _ = merged.apply(op) }
            return Result(recognized: recognized, days: DayEntries.made(merged))
        }
    }
}
