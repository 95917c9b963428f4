import Foundation
import GRDB
import GRDBSQLite
import SunsyncModel

/// A local op a server refused, as `sunsync rejected` shows it.
public struct RejectedOp: Hashable, Sendable {
    public let op: LoggedOp
    public let code: String
    public let reason: String
    public let rejectedAt: String
}

// MARK: Client side: the outbox and pulled pages

extension Store {
    /// Local ops waiting to be pushed, oldest first.
    public func pending(limit: Int) throws(StoreError) -> [LoggedOp] {
        try Self.run {
            try queue.read { db in
                try OpLog.read(db, sql: """
                    SELECT ops.seq, ops.id, ops.collection, ops.record, ops.field, ops.kind, ops.value, ops.pred
                    FROM outbox JOIN ops ON ops.seq = outbox.seq ORDER BY outbox.seq LIMIT ?
                    """, arguments: [limit])
            }
        }
    }

    /// Records a server's answer to a push, in one transaction: accepted ops leave the outbox; refused
    /// ones leave it too and are kept, with the reason, in `rejected`.
    public func acknowledge(accepted: [OpID], rejected: [(id: OpID, code: String, reason: String)], at time: String) throws(StoreError) {
        try Self.run {
            try queue.write { db in
                for id in accepted {
                    try db.execute(sql: "DELETE FROM outbox WHERE seq = (SELECT seq FROM ops WHERE id = ?)", arguments: [Data(id.bytes)])
                }
                for r in rejected {
                    guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM ops WHERE id = ?", arguments: [Data(r.id.bytes)]) else { continue }
                    try db.execute(sql: "DELETE FROM outbox WHERE seq = ?", arguments: [seq])
                    try db.execute(sql: "INSERT OR REPLACE INTO rejected(seq, code, reason, rejected_at) VALUES (?, ?, ?, ?)",
                                   arguments: [seq, r.code, r.reason, time])
                }
            }
        }
    }

    /// Applies a pulled page and saves the cursor it ends at, in one transaction: a sync cut off at any
    /// point resumes after the last page it saved, and a page applied twice changes nothing.
    @discardableResult
    public func applyPage(_ ops: [Op], batches: [(batch: SignedBatch, places: [Int])] = [], cursorKey: String, cursor: Int64) throws(StoreError) -> Applied {
        try Self.run {
            try queue.write { db in
                let new = try Self.applyReceived(ops, batches: batches, db)
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [cursorKey, String(cursor)])
                return new
            }
        }
    }

    /// Starts over with a server whose database is not the one this laptop synced with (its epoch
    /// changed: restored from a backup, or replaced): every change made here goes back in the outbox
    /// (the server may lack the later ones; those it holds change nothing), the cursor goes back to the
    /// start, and the new epoch (if given) is saved, in one transaction. Changes the server refused stay refused.
    /// Returns how many changes were queued again.
    public func startOver(epoch: String?, epochKey: String, cursorKey: String) throws(StoreError) -> Int {
        try Self.run {
            try queue.write { db in
                // An op id's last 8 bytes are its replica: this one's, and those it wrote as before.
                let own = try Self.ownReplicas(db, current: self.replica).map { Data($0.bytes) }
                try db.execute(sql: """
                    INSERT OR IGNORE INTO outbox(seq)
                    SELECT seq FROM ops WHERE substr(id, 9, 8) IN (\(Array(repeating: "?", count: own.count).joined(separator: ",")))
                    AND seq NOT IN (SELECT seq FROM rejected)
                    """, arguments: StatementArguments(own))
                let queued = db.changesCount
                try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [cursorKey])
                if let epoch {
                    try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                   arguments: [epochKey, epoch])
                }
                return queued
            }
        }
    }

    public func rejectedOps() throws(StoreError) -> [RejectedOp] {
        try Self.run {
            try queue.read { db in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT ops.seq, ops.id, ops.collection, ops.record, ops.field, ops.kind, ops.value, ops.pred,
                           rejected.code, rejected.reason, rejected.rejected_at
                    FROM rejected JOIN ops ON ops.seq = rejected.seq ORDER BY rejected.seq
                    """)
                return rows.compactMap { row in
                    OpLog.row(row).map { RejectedOp(op: $0, code: row[8], reason: row[9], rejectedAt: row[10]) }
                }
            }
        }
    }
}
