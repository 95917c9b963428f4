import Foundation
import Logging
import NIOCore
import PostgresNIO
import SunsyncModel
import SunsyncServerStore
import SunsyncStore

// The deployment's secret for person keys (SPEC §1) on PostgreSQL: made once, in the migration's
// transaction; what a database from before held is rewritten under it then.
extension PostgresStore {
    public func personKeys() async throws -> PersonKeys {
        guard let keys = try await meta("person_secret").flatMap(PersonKeys.init(hex:)) else {
            throw StoreError(.notAStore, "\(location) has no person-key secret; run `sunsync-server migrate`")
        }
        return keys
    }

    /// Makes the secret if the database has none, and rewrites the person keys it holds (made unkeyed,
    /// before secrets) under it: record ids, reveals' `participants`. The batches that held a rewritten op
    /// are let go (`signUnsigned` attests their ops again after the migrations) and the epoch is renewed,
    /// so laptops send and pull again. Inside the migration's transaction, under its lock.
    func makePersonKeys(_ conn: PostgresConnection) async throws {
        guard try await Self.first(conn.query("SELECT value FROM meta WHERE key = 'person_secret'", logger: logger), String.self) == nil else { return }
        let keys = PersonKeys.random()
        try await conn.query("INSERT INTO meta(key, value) VALUES ('person_secret', \(keys.hex))", logger: logger)
        var certificates = [(record: String, cert: String)]()
        for try await (record, cert) in try await conn.query(
            "SELECT record, txt FROM ops WHERE collection = 'participants' AND field = 'cert' AND kind = 3", logger: logger).decode((String, String).self) {
            certificates.append((record, cert))
        }
        let rewrite = PersonKeyRewrite(certificates: certificates, to: keys, old: PersonKeys.unkeyed)
        guard !rewrite.isEmpty else { return }
        var batches = Set<Int64>()
        var after: Int64 = 0
        while true {
            var rows = [(seq: Int64, collection: String, record: String, field: String, kind: Int16, txt: String, batch: Int64?)]()
            for try await row in try await conn.query("""
                SELECT seq, collection, record, field, kind, txt, batch FROM ops
                WHERE seq > \(after) AND collection IN ('participants', 'hours', 'lunches', 'reveals') ORDER BY seq LIMIT 20000
                """, logger: logger).decode((Int64, String, String, String, Int16, String, Int64?).self) {
                rows.append(row)
            }
            guard let last = rows.last else { break }
            for row in rows {
                guard let collection = CollectionName(rawValue: row.collection) else { continue }
                let record = rewrite.record(collection, row.record)
                let value = row.kind == 3 ? rewrite.value(collection, row.field, .text(row.txt))?.text : nil
                guard record != nil || value != nil else { continue }
                try await conn.query("UPDATE ops SET record = \(record ?? row.record), txt = \(value ?? row.txt) WHERE seq = \(row.seq)", logger: logger)
                if let batch = row.batch { batches.insert(batch) }
            }
            after = last.seq
        }
        if !batches.isEmpty {
            try await conn.query("UPDATE ops SET batch = NULL WHERE batch = ANY(\(Array(batches)))", logger: logger)
            try await conn.query("DELETE FROM batches WHERE id = ANY(\(Array(batches)))", logger: logger)
        }
        try await conn.query("UPDATE meta SET value = \(EditWriter.newReplica().description) WHERE key = 'epoch'", logger: logger)
    }
}
