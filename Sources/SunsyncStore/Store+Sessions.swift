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

    /// Writes on the server as `device` (a reviewer deciding on the review page), in one transaction:
    /// from the device's own web replica, made on its first use, so that its decisions sync to every
    /// laptop like any other ops and show the device's name. `body` throws to write nothing.
    public func write(asDevice device: String, now: Date = Date(), _ body: @escaping @Sendable (inout Transaction) throws -> Void) async throws(StoreError) -> [Op] {
        try await Self.run {
            try await queue.write { db in
                let replica: ReplicaID
                if let text = try String.fetchOne(db, sql: "SELECT replica FROM device_web_replicas WHERE device_id = ?", arguments: [device]),
                   let known = ReplicaID(hex: text) {
                    replica = known
                } else {
                    var rng = SystemRandomNumberGenerator()
                    replica = ReplicaID(rng.next() | 1)
                    try db.execute(sql: "INSERT INTO device_web_replicas(device_id, replica) VALUES (?, ?)", arguments: [device, replica.description])
                }
                return try Self.write(db, replica: replica, outbox: false, now: now, body)
            }
        }
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
                try Bool.fetchOne(db, sql: """
                    SELECT EXISTS (SELECT 1 FROM ops WHERE seq > ? AND (collection IN ('orgs', 'participants')
                        OR rkey BETWEEN ? AND ? OR rkey BETWEEN ? AND ?))
                    """, arguments: [seq, hours.lowerBound, hours.upperBound, lunches.lowerBound, lunches.upperBound]) ?? true
            }
        }
    }
}
