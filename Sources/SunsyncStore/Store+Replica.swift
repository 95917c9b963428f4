import Foundation
import GRDB
import SunsyncModel

// MARK: A laptop's replica: moving to a fresh one when the server finds its id in another device's hands

extension Store {
    /// This store's replica and those it wrote as before it moved (`former_replicas`, comma-separated).
    static func ownReplicas(_ db: Database, current: ReplicaID) throws -> [ReplicaID] {
        let former = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'former_replicas'") ?? ""
        return [current] + former.split(separator: ",").compactMap { ReplicaID(hex: String($0)) }
    }

    /// Moves this laptop to a new replica id, in one transaction, because the server refused ops under the
    /// old one as another device's (`replica_taken`) or an id of it as held already with other content
    /// (`op_id_reused`): a copied home, or a replica someone else wrote under first. The refused ops named
    /// in `reissuing` go to the server again under the new replica:
    /// - one that no later op names (nearly always) is given a new id in place, leaves `rejected` and waits
    ///   in the outbox: the server never held it, so nothing else knows its old id, and the change the server
    ///   holds under that id can then arrive here and merge like any other;
    /// - one that a later op names keeps its id (renaming it would make that op's pred wrong); where it still
    ///   stands, its content is written again: same record, field, value and pred, a new id.
    /// Returns the new replica and how many changes go again.
    ///
    /// `resettingClock`: the move heals a clock that ran ahead (SPEC §9, clocks). The new replica's clock
    /// starts from now and the greatest id held that is not ahead of now (plus `Store.clockAllowance`),
    /// not from the readings the wrong clock gave; `reissuing` are the changes stamped ahead, and one of
    /// them that keeps its id (a later change names it) leaves the outbox, marked `rewritten`.
    public func moveToFreshReplica(reissuing ids: [OpID], now: Date = Date(), resettingClock: Bool = false) throws(StoreError) -> (replica: ReplicaID, reissued: Int) {
        let moved = try Self.run {
            try queue.write { db in
                let old = self.replica
                var rng = SystemRandomNumberGenerator()
                var fresh = ReplicaID(rng.next() | 1)
                while fresh == old { fresh = ReplicaID(rng.next() | 1) }
                let former = try Self.ownReplicas(db, current: old).map(\.description).joined(separator: ",")
                for (key, value) in [("replica", fresh.description), ("former_replicas", former)] {
                    try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                   arguments: [key, value])
                }
                let refused = try ids.compactMap { id in
                    try OpLog.read(db, sql: "SELECT seq, id, collection, record, field, kind, value, pred FROM ops WHERE id = ?",
                                       arguments: [Data(id.bytes)]).first
                }
                // The ids later ops name (only ops after the first refused one can).
                var named = Set<OpID>()
                if let first = refused.map(\.seq).min() {
                    for pred in try Data.fetchAll(db, sql: "SELECT pred FROM ops WHERE seq > ? AND length(pred) > 0", arguments: [first]) {
                        named.formUnion(StoredValue.ids(pred))
                    }
                }
                let wall = UInt64(max(0, now.timeIntervalSince1970 * 1000))
                var clock = try Self.loadClock(db)
                if resettingClock {
                    let bound = Data(OpID(timestamp: Timestamp(milliseconds: wall + Self.clockAllowance, counter: .max), replica: ReplicaID(.max)).bytes)
                    // The greatest id held, the changes going again aside (a server allowing less ahead refused them).
                    let going = Set(ids)
                    let held = try Data.fetchAll(db, sql: "SELECT id FROM ops WHERE id <= ? ORDER BY id DESC LIMIT ?", arguments: [bound, going.count + 1])
                        .lazy.compactMap { OpID(bytes: [UInt8]($0)) }.first { !going.contains($0) }
                    clock = HybridClock(last: held?.timestamp ?? Timestamp(rawValue: 0))
                }
                var standing = [Op](), renamed = Set<RecordKey>(), renamedCount = 0
                for logged in refused {
                    let old = Data(logged.op.id.bytes)
                    if named.contains(logged.op.id) {
                        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM current WHERE op_id = ?)", arguments: [old]) == true {
                            standing.append(logged.op)
                        }
                        if resettingClock {
                            try db.execute(sql: "DELETE FROM outbox WHERE seq = ?", arguments: [logged.seq])
                            try db.execute(sql: "INSERT OR REPLACE INTO rejected(seq, code, reason, rejected_at) VALUES (?, 'rewritten', ?, ?)",
                                           arguments: [logged.seq, "stamped by a clock that ran ahead; written again under a new id", now.formatted(.iso8601)])
                        }
                        continue
                    }
                    let new = Data(OpID(timestamp: clock.next(wallMilliseconds: wall), replica: fresh).bytes)
                    try db.execute(sql: "UPDATE ops SET id = ? WHERE seq = ?", arguments: [new, logged.seq])
                    try db.execute(sql: "UPDATE current SET op_id = ? WHERE op_id = ?", arguments: [new, old])
                    try db.execute(sql: "DELETE FROM rejected WHERE seq = ?", arguments: [logged.seq])
                    try db.execute(sql: "INSERT OR IGNORE INTO outbox(seq) VALUES (?)", arguments: [logged.seq])
                    renamed.insert(logged.op.key)
                    renamedCount += 1
                }
                try Self.saveClock(clock, db)
                // The day entries name their writers' replicas: those of renamed records are read again.
                if try db.tableExists(DayEntries.table) {
                    for key in renamed where key.collection == .hours || key.collection == .lunches {
                        let record = try Self.records(db, collection: key.collection, id: key.id)[key]
                        try DayEntries.save(record.flatMap { DayEntry(key: key, record: $0) }, key: key,
                                            rkey: OpLog.recordHash(key.collection, key.id), db)
                    }
                }
                let written = try Self.write(db, replica: fresh, outbox: true, now: now) { tx in
                    for op in standing { try tx.write(op.key, op.field, op.value, pred: op.pred) }
                }
                return (replica: fresh, reissued: renamedCount + written.count)
            }
        }
        currentReplica.withLock { $0 = moved.replica }   // once committed
        return moved
    }
}

// MARK: A clock that ran ahead, put right

extension Store {
    /// How far ahead of the server's clock a change may be stamped and still be taken: the server's default
    /// `--max-clock-skew`, in milliseconds.
    public static let clockAllowance: UInt64 = 5 * 60 * 1000

    /// This laptop's own changes stamped by a clock that ran ahead: those the server refused as
    /// `clock_ahead`, and those waiting to be sent stamped after `bound` (milliseconds since 1970).
    public func changesStampedAhead(of bound: UInt64) throws(StoreError) -> [OpID] {
        try Self.run {
            try queue.read { db in
                let own = try Self.ownReplicas(db, current: replica).map { Data($0.bytes) }
                let marks = Array(repeating: "?", count: own.count).joined(separator: ",")
                let after = Data(OpID(timestamp: Timestamp(milliseconds: bound, counter: .max), replica: ReplicaID(.max)).bytes)
                return try Data.fetchAll(db, sql: """
                    SELECT id FROM ops WHERE substr(id, 9, 8) IN (\(marks)) AND (
                        seq IN (SELECT seq FROM rejected WHERE code = 'clock_ahead')
                        OR (seq IN (SELECT seq FROM outbox) AND id > ?))
                    ORDER BY seq
                    """, arguments: StatementArguments(own + [after])).compactMap { OpID(bytes: [UInt8]($0)) }
            }
        }
    }

    /// The clock's last reading: the next change is stamped after it.
    public func clockReading() throws(StoreError) -> Timestamp {
        try Self.run { try queue.read { db in try Self.loadClock(db).last } }
    }
}
