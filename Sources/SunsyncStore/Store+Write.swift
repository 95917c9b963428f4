import Foundation
import GRDB
import SunsyncModel

extension Store {
    /// Applies ops received from elsewhere, in one transaction. Duplicates change nothing; an id seen
    /// before with other content is refused. Returns how many ops were new.
    @discardableResult
    public func apply(_ ops: [Op]) throws(StoreError) -> Int {
        try Self.run {
            try queue.write { db in
                var clock = try Self.loadClock(db)
                let applier = try Applier(db)
                var new = 0
                for op in ops {
                    try Schema.validate(op)
                    if try applier.apply(op, local: false) { new += 1 }
                    clock.observe(op.id.timestamp)
                }
                try Self.saveClock(clock, db)
                return new
            }
        }
    }

    /// Makes local changes in one transaction: everything `body` writes lands, or nothing does.
    /// Returns the ops written.
    @discardableResult
    public func write(now: Date = Date(), _ body: (inout Transaction) throws -> Void) throws(StoreError) -> [Op] {
        try Self.run {
            try queue.write { db in
                var tx = Transaction(db: db, replica: replica, clock: try Self.loadClock(db),
                                     wallMilliseconds: UInt64(max(0, now.timeIntervalSince1970 * 1000)), applier: try Applier(db))
                try body(&tx)
                try Self.saveClock(tx.clock, db)
                return tx.written
            }
        }
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

/// A local write in progress. Reads see the transaction's own earlier writes.
public struct Transaction {
    let db: Database
    let replica: ReplicaID
    var clock: HybridClock
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

    /// Writes `value` to a field, replacing every value now current (so it also resolves a conflict).
    /// Writing the value a clean field already shows is skipped. Throws if the op is invalid.
    public mutating func set(_ key: RecordKey, _ field: String, _ value: Value) throws {
        let current = try applier.current(key, field)
        if current.count == 1, current[0].value == value { return }
        if current.count > 1, current.allSatisfy({ $0.value == value }), current.first?.value == value { return }
        try write(key, field, value, pred: current.map(\.id))
    }

    /// Writes `value` replacing exactly `pred` (for `resolve`, which keeps one of the shown values).
    public mutating func write(_ key: RecordKey, _ field: String, _ value: Value, pred: [OpID]) throws {
        let id = OpID(timestamp: clock.next(wallMilliseconds: wallMilliseconds), replica: replica)
        let op = Op(id: id, collection: key.collection, record: key.id, field: field, value: value, pred: pred.sorted())
        try Schema.validate(op)
        try applier.apply(op, local: true)
        written.append(op)
    }
}

/// The merge rule of SPEC.md §3 carried out in SQL, with cached statements.
struct Applier {
    let db: Database
    let insertOp: Statement, insertOutbox: Statement, insertReplaced: Statement, deleteCurrent: Statement
    let isReplaced: Statement, insertCurrent: Statement, selectCurrent: Statement, selectOp: Statement

    init(_ db: Database) throws {
        self.db = db
        insertOp = try db.cachedStatement(sql: """
            INSERT INTO ops(id, collection, record, field, kind, value, pred) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO NOTHING
            """)
        insertOutbox = try db.cachedStatement(sql: "INSERT INTO outbox(seq) VALUES (?)")
        insertReplaced = try db.cachedStatement(sql: "INSERT OR IGNORE INTO replaced(op_id, collection, record, field) VALUES (?, ?, ?, ?)")
        deleteCurrent = try db.cachedStatement(sql: "DELETE FROM current WHERE collection = ? AND record = ? AND field = ? AND op_id = ?")
        isReplaced = try db.cachedStatement(sql: "SELECT 1 FROM replaced WHERE op_id = ? AND collection = ? AND record = ? AND field = ?")
        insertCurrent = try db.cachedStatement(sql: "INSERT OR IGNORE INTO current(collection, record, field, op_id, kind, value) VALUES (?, ?, ?, ?, ?, ?)")
        selectCurrent = try db.cachedStatement(sql: "SELECT op_id, kind, value FROM current WHERE collection = ? AND record = ? AND field = ?")
        selectOp = try db.cachedStatement(sql: "SELECT collection, record, field, kind, value, pred FROM ops WHERE id = ?")
    }

    func current(_ key: RecordKey, _ field: String) throws -> [FieldState.Entry] {
        selectCurrent.setUncheckedArguments([key.collection.rawValue, key.id, field])
        return try Row.fetchAll(selectCurrent).compactMap { row -> FieldState.Entry? in
            guard let id = OpID(bytes: [UInt8](row[0] as Data)) else { return nil }
            return FieldState.Entry(id: id, value: StoredValue.value(kind: row[1], column: row[2]))
        }.sorted { $0.id > $1.id }
    }

    /// Returns false for a duplicate. A local op's id is fresh, so nothing can have replaced it yet.
    @discardableResult
    func apply(_ op: Op, local: Bool) throws -> Bool {
        let id = StoredValue.blob(op.id)
        let collection = op.collection.rawValue
        let kind = StoredValue.kind(op.value), value = StoredValue.column(op.value)
        insertOp.setUncheckedArguments([id, collection, op.record, op.field, kind, value, StoredValue.blob(op.pred)])
        try insertOp.execute()
        guard db.changesCount == 1 else {
            try checkSame(op, id: id)
            return false
        }
        if local {
            insertOutbox.setUncheckedArguments([db.lastInsertedRowID])
            try insertOutbox.execute()
        }
        for p in op.pred {
            let pid = StoredValue.blob(p)
            insertReplaced.setUncheckedArguments([pid, collection, op.record, op.field])
            try insertReplaced.execute()
            deleteCurrent.setUncheckedArguments([collection, op.record, op.field, pid])
            try deleteCurrent.execute()
        }
        if !local {
            isReplaced.setUncheckedArguments([id, collection, op.record, op.field])
            if try Row.fetchOne(isReplaced) != nil { return true }
        }
        insertCurrent.setUncheckedArguments([collection, op.record, op.field, id, kind, value])
        try insertCurrent.execute()
        return true
    }

    private func checkSame(_ op: Op, id: Data) throws {
        selectOp.setUncheckedArguments([id])
        guard let row = try Row.fetchOne(selectOp) else { return }
        let same = row[0] as String == op.collection.rawValue && row[1] as String == op.record && row[2] as String == op.field
            && StoredValue.value(kind: row[3], column: row[4]) == op.value && StoredValue.ids(row[5]) == op.pred
        if !same {
            throw StoreError(.opIDReused, "op \(op.id) was seen before with different content; a replica reused an id")
        }
    }
}
