import Foundation
import GRDB
import SunsyncModel
import SunsyncStore

// Merged reads, made by the model from the ops of a range (as PostgreSQL's are), and the server's own writes.
extension SQLiteServerStore {
    /// The ops of `collections`, hours and lunches of `days` only where given, in one read.
    static func ops(_ collections: [CollectionName], days: ClosedRange<CivilDate>?, fields: [String]? = nil, _ db: Database) throws -> [LoggedOp] {
        try collections.flatMap { collection in
            let keys = days.map { OpLog.dayKeys(collection, $0) } ?? OpLog.collectionRange(collection)
            let only = fields.map { " AND field IN (\(Array(repeating: "?", count: $0.count).joined(separator: ",")))" } ?? ""
            return try OpLog.read(db, sql: "\(columns) WHERE rkey BETWEEN ? AND ? AND collection = ?" + only,
                                  arguments: StatementArguments([keys.lowerBound, keys.upperBound, collection.rawValue] as [any DatabaseValueConvertible])
                                      + StatementArguments(fields ?? []))
        }
    }

    /// Read on a dispatch thread: a month of a district takes a good part of a second, which a request
    /// thread of the server must not spend.
    public func mergedState(_ collections: [CollectionName]?, days: ClosedRange<CivilDate>?) async throws -> MergedState {
        try await read(collections, days: days, fields: nil)
    }

    public func mergedState(_ collections: [CollectionName]?, days: ClosedRange<CivilDate>?, fields: [String]) async throws -> MergedState {
        try await read(collections, days: days, fields: fields)
    }

    private func read(_ collections: [CollectionName]?, days: ClosedRange<CivilDate>?, fields: [String]?) async throws -> MergedState {
        let pool = self.pool
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { () throws(StoreError) -> MergedState in
                    try OpLog.run {
                        try pool.read { db in MergedState(try Self.ops(collections ?? CollectionName.allCases, days: days, fields: fields, db).lazy.map(\.op)) }
                    }
                })
            }
        }
    }

    /// The ops of these records, read by their record keys.
    static func history(_ keys: some Collection<RecordKey>, _ db: Database) throws -> [LoggedOp] {
        try Set(keys).flatMap { key in
            try OpLog.read(db, sql: "\(columns) WHERE rkey = ? AND collection = ? AND record = ?",
                           arguments: [OpLog.recordHash(key.collection, key.id), key.collection.rawValue, key.id])
        }
    }

    public func records(_ keys: [RecordKey]) async throws -> [RecordKey: RecordState] {
        try await OpLog.run { try await pool.read { db in MergedState(try Self.history(keys, db).map(\.op)).records } }
    }

    public func history(of keys: [RecordKey]) async throws -> [LoggedOp] {
        try await OpLog.run { try await pool.read { db in try Self.history(keys, db).sorted { $0.op.id < $1.op.id } } }
    }

    /// The ops (of `ops`) that can change a reading of some days: binds the hours' then the lunches' key range.
    static let touching = "(collection IN ('orgs', 'participants') OR rkey BETWEEN ? AND ? OR rkey BETWEEN ? AND ?)"

    static func touchingArguments(_ days: ClosedRange<CivilDate>) -> [Int64] {
        let hours = OpLog.dayKeys(.hours, days), lunches = OpLog.dayKeys(.lunches, days)
        return [hours.lowerBound, hours.upperBound, lunches.lowerBound, lunches.upperBound]
    }

    public func changed(after seq: Int64, days: ClosedRange<CivilDate>) async throws -> Bool {
        try await OpLog.run {
            try await pool.read { db in
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM ops WHERE seq > ? AND \(Self.touching))",
                                  arguments: StatementArguments([seq] + Self.touchingArguments(days))) ?? true
            }
        }
    }

    public func changes(after seq: Int64, days: ClosedRange<CivilDate>, limit: Int) async throws -> (seq: Int64, records: [RecordKey: RecordState])? {
        try await OpLog.run {
            try await pool.read { db in
                let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ops") ?? 0
                let rows = try Row.fetchAll(db, sql: "SELECT DISTINCT collection, record FROM ops WHERE seq > ? AND seq <= ? AND \(Self.touching) LIMIT ?",
                                            arguments: StatementArguments([seq, last] + Self.touchingArguments(days) + [Int64(limit + 1)]))
                guard rows.count <= limit else { return nil }
                let keys = rows.compactMap { row in CollectionName(rawValue: row[0]).map { RecordKey(collection: $0, id: row[1]) } }
                return (last, MergedState(try Self.history(keys, db).map(\.op)).records)
            }
        }
    }

    public func daySpan() async throws -> ClosedRange<CivilDate>? {
        try await OpLog.run { try await pool.read { db in try OpLog.daySpan(db) } }
    }

    public func orgs(inDistrict district: String) async throws -> [String] {
        try await mergedState([.orgs], days: nil).records(in: .orgs)
            .filter { $0.record.displayed("district")?.text == district }.map(\.key.id).sorted()
    }

    /// The server's own write (an administrator's, or a reviewer's decision on the review page), in one
    /// transaction: `body` writes over the merged state of `keys` (and throws to write nothing); its ops are
    /// appended to the log and signed with the server's key. A device writes from its own web replica, made
    /// on its first use, so that its decisions sync to every laptop like any other ops and show its name.
    public func edit<T: Sendable>(_ keys: [RecordKey], by writer: EditWriter, now: Date,
                                  _ body: @escaping @Sendable (inout Edit) throws -> T) async throws -> (result: T, ops: [Op]) {
        let edited: (result: T, ops: [Op]) = try await OpLog.run {
            try await pool.write { db in
                let replica: ReplicaID
                switch writer {
                case .server: replica = self.replica
                case .device(let device):
                    if let text = try String.fetchOne(db, sql: "SELECT replica FROM device_web_replicas WHERE device_id = ?", arguments: [device]),
                       let known = ReplicaID(hex: text) {
                        replica = known
                    } else {
                        replica = EditWriter.newReplica()
                        try db.execute(sql: "INSERT INTO device_web_replicas(device_id, replica) VALUES (?, ?)", arguments: [device, replica.description])
                        // The server's from now on: no device can push under it (fails if one already did).
                        try db.execute(sql: "INSERT INTO replica_owners(replica, owner, bound_at) VALUES (?, 'server', '')",
                                       arguments: [replica.description])
                    }
                }
                // One clock for every replica the server writes from; it has moved past every op held under them
                // (`server-v4-replica-owners`), and only this process writes under them.
                let last = try self.meta("clock", db).flatMap { UInt64($0) } ?? 0
                var edit = Edit(state: MergedState(try Self.history(keys, db).map(\.op)), replica: replica,
                                clock: HybridClock(last: Timestamp(rawValue: last)), wallMilliseconds: UInt64(max(0, now.timeIntervalSince1970 * 1000)))
                let result = try body(&edit)
                let inserter = try OpLog.Inserter(db)
                var held = [LoggedOp]()
                for op in edit.written where try inserter.insert(op) { held.append(LoggedOp(seq: inserter.lastSeq, op: op)) }
                _ = try Self.sign(held, key: try Self.serverKey(db), db)
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'clock'", arguments: [String(edit.clock.last.rawValue)])
                return (result, edit.written)
            }
        }
        if edited.ops.contains(where: { $0.collection == .orgs }) { access.changed() }
        return edited
    }
}
