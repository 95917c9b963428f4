import Foundation
import GRDB
import SunsyncModel

extension Store {
    /// A laptop's migrations. Append-only: never edit a shipped migration; add the next one. (The first two
    /// were once shared with the server's file, which has its own schema now: `SQLiteServerStore`.)
    static var migrator: DatabaseMigrator {
        var migrator = firstMigrations
        migrator.registerMigration("laptop-v1-day-entries") { db in
            // The read model (`DayEntries`): one row per hours or lunch record, kept as ops arrive.
            try db.execute(sql: DayEntries.schema)
            try DayEntries.rebuild(db)
        }
        migrator.registerMigration("laptop-v2-signatures") { db in
            // Signed batches (SPEC §9): what was received before is held under none (`sunsync verify` says so).
            try db.execute(sql: batchesSchema)
        }
        migrator.registerMigration("laptop-v3-person-keys") { db in
            // Person keys under a secret (HMAC, SPEC §1): a store of its own until a server gives the
            // deployment's (`adoptPersonKeys`); what was keyed before (unkeyed SHA-256) is rewritten under it.
            _ = try Store.rekey(to: PersonKeys.random(), old: PersonKeys.unkeyed, db)
        }
        return migrator
    }

    /// The first migrations, from when the server's file was shaped like a laptop's store.
    static var firstMigrations: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-op-log") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                -- Every op ever seen: the audit trail. seq is the local arrival order.
                -- org is the record id's org code (its text up to the first '/'), for scoped pulls; rkey a
                -- 64-bit FNV-1a hash of "collection/record", so finding a record's ops is an integer lookup.
                CREATE TABLE ops (
                    seq INTEGER PRIMARY KEY,
                    id BLOB NOT NULL UNIQUE,
                    rkey INTEGER NOT NULL,
                    org TEXT NOT NULL,
                    collection TEXT NOT NULL,
                    record TEXT NOT NULL,
                    field TEXT NOT NULL,
                    kind INTEGER NOT NULL,
                    value,
                    pred BLOB NOT NULL
                );
                CREATE INDEX ops_by_record ON ops(rkey);
                -- The merged state: the ids of the ops that are a current value of their field.
                -- Values are read from `ops`; a 16-byte key keeps this table cheap to maintain.
                CREATE TABLE current (op_id BLOB PRIMARY KEY) WITHOUT ROWID;
                -- Ids named in a pred before the op they name arrived: when it does, it is not made current.
                -- (An id named after its op arrived simply leaves `current`.) Nearly always empty.
                CREATE TABLE replaced (
                    op_id BLOB NOT NULL,
                    collection TEXT NOT NULL,
                    record TEXT NOT NULL,
                    field TEXT NOT NULL,
                    PRIMARY KEY (op_id, collection, record, field)
                ) WITHOUT ROWID;
                -- Local ops no server has acknowledged yet.
                CREATE TABLE outbox (seq INTEGER PRIMARY KEY REFERENCES ops(seq));
                -- Local ops a server refused: kept (they stay in the log and the merged state) and shown, never resent.
                CREATE TABLE rejected (
                    seq INTEGER PRIMARY KEY REFERENCES ops(seq),
                    code TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    rejected_at TEXT NOT NULL
                );
                -- Server side: the devices that may sync, each with its own token (stored only as a SHA-256 hash).
                CREATE TABLE devices (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL,
                    org TEXT,
                    district TEXT,
                    token_hash TEXT NOT NULL UNIQUE,
                    created_at TEXT NOT NULL,
                    revoked_at TEXT
                );
                """)
        }
        migrator.registerMigration("v2-day-ordered-record-keys") { db in
            // `rkey` puts an hours or lunch record's day before its hash now (see `recordHash`): recompute it.
            let update = try db.makeStatement(sql: "UPDATE ops SET rkey = ? WHERE seq = ?")
            var after: Int64 = 0
            while true {
                let rows = try Row.fetchAll(db, sql: "SELECT seq, collection, record FROM ops WHERE seq > ? ORDER BY seq LIMIT 10000",
                                            arguments: [after])
                guard let last = rows.last else { break }
                for row in rows {
                    guard let collection = CollectionName(rawValue: row[1]) else { continue }
                    try update.execute(arguments: [OpLog.recordHash(collection, row[2]), row[0]])
                }
                after = last[0]
            }
        }
        return migrator
    }
}
