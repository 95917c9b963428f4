import Foundation
import GRDB
import SunsyncModel

extension OpLog {
    /// The deployment's secret for person keys, as a file keeps it in `meta` (`person_secret`); nil in a
    /// file from before secrets.
    public static func personKeys(_ db: Database) throws -> PersonKeys? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'person_secret'").flatMap(PersonKeys.init(hex:))
    }

    static func savePersonKeys(_ keys: PersonKeys, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('person_secret', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [keys.hex])
    }

    /// What rewriting a file's person keys did.
    public struct Rekeyed: Sendable, Hashable {
        /// Ops whose record id (or reveal's `participants`) changed.
        public var ops = 0
        /// The people whose keys changed.
        public var people = 0
    }

    /// Rewrites every person key the file holds under `new` and keeps `new` as the file's secret, inside
    /// the caller's transaction (`PersonKeyRewrite`: the old key from each participant's id, the new one
    /// from its certificate). `old`: how the ids were made, where known. Batches that held a rewritten op
    /// are let go. A laptop's `replaced` rows are rewritten too (where the table exists); its day entries
    /// are the caller's to rebuild.
    /// `starting` is called before a rewrite begins (not when nothing needs one): it can take seconds.
    public static func rekeyPeople(to new: PersonKeys, old: ((ResidentID) -> String)?, _ db: Database, starting: (Int) -> Void = { _ in }) throws -> Rekeyed {
        var certificates = [(record: String, cert: String)]()
        for row in try Row.fetchAll(db, sql: "SELECT record, value FROM ops WHERE collection = 'participants' AND field = 'cert' AND kind = 3") {
            certificates.append((row[0], row[1]))
        }
        let rewrite = PersonKeyRewrite(certificates: certificates, to: new, old: old)
        var done = Rekeyed(people: rewrite.keys.count)
        try savePersonKeys(new, db)
        guard !rewrite.isEmpty else { return done }
        starting(rewrite.keys.count)
        let update = try db.makeStatement(sql: "UPDATE ops SET record = ?, rkey = ?, value = ? WHERE seq = ?")
        var batches = Set<Int64>()
        var after: Int64 = 0
        while true {
            let rows = try Row.fetchAll(db, sql: """
                SELECT seq, collection, record, field, kind, value, batch FROM ops
                WHERE seq > ? AND collection IN ('participants', 'hours', 'lunches', 'reveals') ORDER BY seq LIMIT 20000
                """, arguments: [after])
            guard let last = rows.last else { break }
            for row in rows {
                guard let collection = CollectionName(rawValue: row[1]) else { continue }
                let record: String = row[2], field: String = row[3]
                let value = StoredValue.value(kind: row[4], column: row[5])
                let newRecord = rewrite.record(collection, record)
                let newValue = rewrite.value(collection, field, value)
                guard newRecord != nil || newValue != nil else { continue }
                let id = newRecord ?? record
                let stored: DatabaseValue = newValue?.text?.databaseValue ?? row[5]
                try update.execute(arguments: [id, recordHash(collection, id), stored, row[0] as Int64])
                done.ops += 1
                if let batch = row[6] as Int64? { batches.insert(batch) }
            }
            after = last[0]
        }
        if try db.tableExists("replaced") {
            for row in try Row.fetchAll(db, sql: "SELECT op_id, collection, record, field FROM replaced") {
                guard let collection = CollectionName(rawValue: row[1]), let record = rewrite.record(collection, row[2]) else { continue }
                try db.execute(sql: "UPDATE replaced SET record = ? WHERE op_id = ? AND collection = ? AND record = ? AND field = ?",
                               arguments: [record, row[0] as Data, row[1] as String, row[2] as String, row[3] as String])
            }
        }
        for chunk in Array(batches).chunked(500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            try db.execute(sql: "UPDATE ops SET batch = NULL WHERE batch IN (\(marks))", arguments: StatementArguments(Array(chunk)))
            try db.execute(sql: "DELETE FROM batches WHERE id IN (\(marks))", arguments: StatementArguments(Array(chunk)))
        }
        return done
    }
}
