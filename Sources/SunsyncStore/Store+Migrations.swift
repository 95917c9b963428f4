import Foundation
import GRDB
import SunsyncModel

extension Store {
    /// A laptop's migrations: the shared ones, then its own. Append-only: never edit a shipped
    /// migration; add the next one.
    static var migrator: DatabaseMigrator {
        var migrator = sharedMigrator
        migrator.registerMigration("laptop-v1-day-entries") { db in
            // The read model (`DayEntries`): one row per hours or lunch record, kept as ops arrive.
            try db.execute(sql: DayEntries.schema)
            try DayEntries.rebuild(db)
        }
        migrator.registerMigration("laptop-v2-signatures") { db in
            // Signed batches (SPEC §9): what was received before is held under none (`sunsync verify` says so).
            try db.execute(sql: batchesSchema)
        }
        return migrator
    }

    /// The migrations of every store, laptop's and server's alike.
    static var sharedMigrator: DatabaseMigrator {
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
                    try update.execute(arguments: [recordHash(collection, row[2]), row[0]])
                }
                after = last[0]
            }
        }
        return migrator
    }

    /// The shared migrations, then the server's own: indexes a laptop does not need and should not pay for.
    static var serverMigrator: DatabaseMigrator {
        var migrator = sharedMigrator
        migrator.registerMigration("server-v1-indexes") { db in
            try db.execute(sql: """
                CREATE INDEX ops_by_org ON ops(org, seq);
                CREATE INDEX ops_org_districts ON ops(field, value) WHERE collection = 'orgs';
                """)
        }
        migrator.registerMigration("server-v2-device-replicas") { db in
            // Which replica each device pushes from: laptops show devices by name, and a token used from two
            // replicas (a copied home, a stolen token) is seen.
            try db.execute(sql: """
                CREATE TABLE device_replicas (
                    device_id TEXT NOT NULL,
                    replica TEXT NOT NULL,
                    first_seen TEXT NOT NULL,
                    last_seen TEXT NOT NULL,
                    PRIMARY KEY (device_id, replica)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("server-v3-review-sessions") { db in
            // The review page (SPEC §10): signed-in reviewers' sessions, kept as SHA-256 hashes of their ids
            // so that a copy of the database signs no one in; and the replica each reviewer's decisions made
            // on the page are written from (one per device, never one of its laptops').
            try db.execute(sql: """
                CREATE TABLE review_sessions (
                    id_hash TEXT PRIMARY KEY,
                    device_id TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    expires_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX review_sessions_by_device ON review_sessions(device_id);
                CREATE TABLE device_web_replicas (
                    device_id TEXT PRIMARY KEY,
                    replica TEXT NOT NULL UNIQUE
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("server-v4-replica-owners") { db in
            // A replica id belongs to the device that first pushed from it, for good (SPEC §9); the server's
            // own replica and its devices' web replicas are the server's (owner 'server'). Bound from what was
            // seen before: the first device to push from each replica, and the server's replicas. The server's
            // clock moves past any op held under its replicas, so an op planted there before can never collide.
            try db.execute(sql: """
                CREATE TABLE replica_owners (
                    replica TEXT PRIMARY KEY,
                    owner TEXT NOT NULL,
                    bound_at TEXT NOT NULL
                ) WITHOUT ROWID;
                INSERT OR IGNORE INTO replica_owners(replica, owner, bound_at) SELECT value, 'server', '' FROM meta WHERE key = 'replica';
                INSERT OR IGNORE INTO replica_owners(replica, owner, bound_at) SELECT replica, 'server', '' FROM device_web_replicas;
                INSERT OR IGNORE INTO replica_owners(replica, owner, bound_at)
                    SELECT replica, device_id, first_seen FROM device_replicas ORDER BY first_seen, device_id;
                """)
            try observeOwnOps(db)
        }
        migrator.registerMigration("server-v5-signatures") { db in
            // Signed batches and the keys that sign them (SPEC §9). The server makes its key, and signs what it
            // held before as its own: from now on a change made to the file by hand fails `verify` and every
            // laptop's pull.
            try db.execute(sql: batchesSchema + serverKeysSchema)
            _ = try serverKey(db)
            try signUnsigned(db)
        }
        return migrator
    }

    /// Moves the server's clock past every op held under one of its own replicas (its own, web replicas).
    static func observeOwnOps(_ db: Database) throws {
        let own = try String.fetchAll(db, sql: "SELECT replica FROM replica_owners WHERE owner = 'server'").compactMap { ReplicaID(hex: $0) }
        guard !own.isEmpty else { return }
        let blobs = own.map { Data($0.bytes) }
        let marks = Array(repeating: "?", count: blobs.count).joined(separator: ",")
        guard let newest = try Data.fetchOne(db, sql: "SELECT max(id) FROM ops WHERE substr(id, 9, 8) IN (\(marks))",
                                             arguments: StatementArguments(blobs)),
              let id = OpID(bytes: [UInt8](newest)) else { return }
        var clock = try loadClock(db)
        clock.observe(id.timestamp)
        try saveClock(clock, db)
    }
}
