import Foundation
import GRDB
import SunsyncModel

// MARK: Server side: the review page's sessions, and decisions written on the page

extension Store {
    /// Keeps a new review-page session (only the hash of its id), and forgets expired ones.
    /// Times are milliseconds since 1970.
    public func startReviewSession(idHash: String, device: String, at time: String, expires: Int64, now: Int64) async throws(StoreError) {
        try await Self.run {
            try await queue.write { db in
                try db.execute(sql: "DELETE FROM review_sessions WHERE expires_at <= ?", arguments: [now])
                try db.execute(sql: "INSERT INTO review_sessions(id_hash, device_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                               arguments: [idHash, device, time, expires])
            }
        }
    }

    /// The device signed in by the session whose id hashes to `idHash`: nil when there is no such
    /// session, it has expired, or the device was revoked since.
    public func reviewSession(idHash: String, now: Int64) async throws(StoreError) -> Device? {
        try await Self.run {
            try await queue.read { db in
                try Row.fetchOne(db, sql: """
                    SELECT devices.* FROM review_sessions JOIN devices ON devices.id = review_sessions.device_id
                    WHERE review_sessions.id_hash = ? AND review_sessions.expires_at > ? AND devices.revoked_at IS NULL
                    """, arguments: [idHash, now]).flatMap(Self.device)
            }
        }
    }

    public func endReviewSession(idHash: String) async throws(StoreError) {
        try await Self.run {
            try await queue.write { db in try db.execute(sql: "DELETE FROM review_sessions WHERE id_hash = ?", arguments: [idHash]) }
        }
    }

    /// The server's own write (an administrator's, or a reviewer's decision on the review page), in one
    /// transaction: `body` writes over the current state of `keys` (and throws to write nothing); its ops
    /// are applied as the server's own (no outbox). A device writes from its own web replica, made on its
    /// first use, so that its decisions sync to every laptop like any other ops and show the device's name.
    public func edit<T>(_ keys: [RecordKey], by writer: EditWriter, now: Date = Date(), _ body: (inout Edit) throws -> T) throws(StoreError)
        -> (result: T, ops: [Op]) {
        try Self.run {
            try queue.write { db in
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
                var state = MergedState()
                for key in Set(keys) { for (k, record) in try Self.records(db, collection: key.collection, id: key.id) { state.replace(k, with: record) } }
                var edit = Edit(state: state, replica: replica, clock: try Self.loadClock(db),
                                wallMilliseconds: UInt64(max(0, now.timeIntervalSince1970 * 1000)))
                let result = try body(&edit)
                let applier = try Applier(db)
                for op in edit.written { try applier.apply(op, local: true, outbox: false) }
                try applier.finish()
                try Self.signOwn(edit.written, db)   // the server's own writes, signed with its key
                try Self.saveClock(edit.clock, db)
                return (result, edit.written)
            }
        }
    }
}

/// Who makes a server's own write: the server itself (an administrator's command), or a device (a
/// reviewer on the review page, from the device's web replica).
public enum EditWriter: Hashable, Sendable {
    case server
    case device(String)

    /// A new random replica id (never 0).
    public static func newReplica() -> ReplicaID {
        var rng = SystemRandomNumberGenerator()
        return ReplicaID(rng.next() | 1)
    }
}

extension Store {
    /// The arrival number of the last op held (0 for none).
    public func lastSeq() async throws(StoreError) -> Int64 {
        try await Self.run { try await queue.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ops") ?? 0 } }
    }

    /// Whether an op that arrived after `seq` could change what is read for `days`: one of those days'
    /// hours or lunches, or any org or participant. Reads only the ops that arrived since: what keeps a
    /// cached month fresh at the cost of a look at the newest rows.
    public func changed(after seq: Int64, days: ClosedRange<CivilDate>) async throws(StoreError) -> Bool {
        let hours = Self.dayKeys(.hours, days), lunches = Self.dayKeys(.lunches, days)
        return try await Self.run {
            try await queue.read { db in
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM ops WHERE seq > ? AND \(Self.touching))",
                                  arguments: [seq, hours.lowerBound, hours.upperBound, lunches.lowerBound, lunches.upperBound]) ?? true
            }
        }
    }

    /// What changed for `days` since `seq`, in one read: the last seq now, and each record that an op
    /// arrived since touched (those days' hours and lunches, any org or participant) as the store has
    /// merged it now. Nil if more than `limit` records were touched: then read the days again whole.
    public func changes(after seq: Int64, days: ClosedRange<CivilDate>, limit: Int) async throws(StoreError)
        -> (seq: Int64, records: [RecordKey: RecordState])? {
        let hours = Self.dayKeys(.hours, days), lunches = Self.dayKeys(.lunches, days)
        return try await Self.run {
            try await queue.read { db in
                let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ops") ?? 0
                let rows = try Row.fetchAll(db, sql: "SELECT DISTINCT collection, record FROM ops WHERE seq > ? AND seq <= ? AND \(Self.touching) LIMIT ?",
                                            arguments: [seq, last, hours.lowerBound, hours.upperBound, lunches.lowerBound, lunches.upperBound, limit + 1])
                guard rows.count <= limit else { return nil }
                var records = [RecordKey: RecordState]()
                for row in rows {
                    guard let collection = CollectionName(rawValue: row[0]) else { continue }
                    let id: String = row[1]
                    records.merge(try Self.records(db, collection: collection, id: id)) { _, new in new }
                }
                return (last, records)
            }
        }
    }

    /// The ops (of `ops`) that can change a reading of some days: binds the hours' then the lunches' key range.
    static let touching = "(collection IN ('orgs', 'participants') OR rkey BETWEEN ? AND ? OR rkey BETWEEN ? AND ?)"
}
