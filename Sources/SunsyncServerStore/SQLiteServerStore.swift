import Foundation
import GRDB
import SunsyncModel
import SunsyncStore

/// The embedded default: the server's own SQLite file, an op log as PostgreSQL keeps it (`PostgresStore`).
/// The server never merges in SQL: where it needs merged state, it reads the ops of that range and
/// `SunsyncModel`'s merge makes the state, as every laptop's pull does. The file holds the op log (`ops`,
/// `batches`: the rows every Sunsync file shares, `OpLog`), and what is the server's alone: devices and
/// their replicas and keys, the review page's sessions, settings, its epoch and its own replica and clock.
///
/// WAL mode, a pool of readers beside one writer. One server process per file: `serve` holds a lock on
/// its data dir.
public final class SQLiteServerStore: ServerStore {
    public static let format = "sunsync-server-1"

    public let path: String
    /// The server's own replica (administrators' writes).
    let replica: ReplicaID
    let pool: DatabasePool
    /// Pushes that arrive while one is written go together in the next transaction.
    let batcher: GroupCommit
    /// Changes to devices and orgs, this process's and (by the stamp file beside the database) others'.
    let access: AccessWatch

    private init(path: String, pool: DatabasePool, replica: ReplicaID) {
        self.path = path
        self.pool = pool
        self.replica = replica
        batcher = GroupCommit { pushes in await SQLiteServerStore.commit(pushes, pool) }
        access = AccessWatch(file: path + "-access")
    }

    public func accessStamp() -> AccessStamp? { access.stamp }

    /// Opens the server database at `path`, creating it (and its directory, owner-only) the first time.
    /// `upgrading` is called before migrations this version brings run on an existing file.
    public static func open(path: String, upgrading: () -> Void = {}) throws(StoreError) -> SQLiteServerStore {
        let directory = (path as NSString).deletingLastPathComponent
        let fresh = !FileManager.default.fileExists(atPath: path)
        if fresh {
            do {
                try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch { throw StoreError(.database, "cannot create \(directory): \(error.localizedDescription)") }
        }
        let pool = try OpLog.run { try DatabasePool(path: path, configuration: OpLog.configuration) }
        let replicaText: String? = try OpLog.run {
            if !fresh {
                let upToDate = try pool.read { db in
                    try checkFormat(db, path)
                    return try migrator.hasCompletedMigrations(db)
                }
                if !upToDate { upgrading() }
            }
            try migrator.migrate(pool)
            return try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'replica'") }
        }
        guard let replicaText, let replica = ReplicaID(hex: replicaText) else {
            throw StoreError(.notAStore, "\(path) has no valid replica id; it is damaged")
        }
        return SQLiteServerStore(path: path, pool: pool, replica: replica)
    }

    public var location: String { path }

    public func close() async { try? pool.close() }

    // MARK: Schema

    /// The migrations of the laptop-shaped server files before this one (a `Store` with the server's tables),
    /// which `server-store-v1` turns into this store's schema.
    static let laptopShaped: Set<String> = ["v1-op-log", "v2-day-ordered-record-keys", "server-v1-indexes", "server-v2-device-replicas",
                                            "server-v3-review-sessions", "server-v4-replica-owners", "server-v5-signatures"]

    /// Append-only: never edit a shipped migration; add the next one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("server-store-v1", merging: laptopShaped) { db, applied in
            if applied.isEmpty {
                try db.execute(sql: schema)
                let replica = EditWriter.newReplica().description
                for (key, value) in ["format": format, "role": "server", "replica": replica, "clock": "0", "epoch": newEpoch()] {
                    try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
                }
                // The server's own replica is its own from the start.
                try db.execute(sql: "INSERT INTO replica_owners(replica, owner, bound_at) VALUES (?, 'server', '')", arguments: [replica])
                _ = try serverKey(db)
                return
            }
            guard applied == laptopShaped else {
                throw StoreError(.newerFormat, """
                    this database was last used by a sunsync-server from before replica binding and signatures \
                    (it lacks \(laptopShaped.subtracting(applied).sorted().joined(separator: ", "))); open it once with a sunsync-server \
                    from December 2026 before the op-log store, then with this one
                    """)
            }
            // A server file shaped like a laptop's store: the merged state it kept in SQL (`current`, `replaced`)
            // and the laptop's tables (`outbox`, `rejected`) go; the op log and the server's tables stay as they are.
            try db.execute(sql: """
                DROP TABLE current;
                DROP TABLE replaced;
                DROP TABLE outbox;
                DROP TABLE rejected;
                DROP INDEX IF EXISTS ops_org_districts;
                UPDATE meta SET value = '\(format)' WHERE key = 'format';
                """)
            try db.execute(sql: "INSERT OR IGNORE INTO meta(key, value) VALUES ('epoch', ?)", arguments: [newEpoch()])
        }
        // Revealing full certificate numbers is a permission per device (PIPL art. 51).
        migrator.registerMigration("server-store-v2-may-reveal") { db in
            try db.execute(sql: "ALTER TABLE devices ADD COLUMN may_reveal INTEGER NOT NULL DEFAULT 0")
        }
        // Person keys under the deployment's secret (HMAC, SPEC §1), made here once and handed to devices with
        // the session. What was held is rewritten under it: the batches that held it are attested again
        // (a key made for this and forgotten), and a new epoch makes laptops send and pull again (SPEC §9).
        migrator.registerMigration("server-store-v3-person-keys") { db in
            let done = try OpLog.rekeyPeople(to: PersonKeys.random(), old: PersonKeys.unkeyed, db)
            if done.ops > 0 {
                _ = try attestUnsigned(db)
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'epoch'", arguments: [newEpoch()])
            }
        }
        // The review page's months, kept across restarts (`keptView`).
        migrator.registerMigration("server-store-v4-review-views") { db in
            try db.execute(sql: "CREATE TABLE review_views (key TEXT PRIMARY KEY, body TEXT NOT NULL)")
        }
        return migrator
    }

    static let schema = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        -- The op log, in arrival order (seq): the rows every Sunsync file shares (`OpLog`). org: the record id's
        -- org code, the pull's scope; rkey: the record's key (`OpLog.recordHash`), its collection and day.
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
            pred BLOB NOT NULL,
            batch INTEGER
        );
        CREATE INDEX ops_by_record ON ops(rkey);
        CREATE INDEX ops_by_org ON ops(org, seq);
        CREATE INDEX ops_by_batch ON ops(batch) WHERE batch IS NOT NULL;
        \(OpLog.batchesTable)
        -- The devices that may sync, each with its own token (stored only as a SHA-256 hash).
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
        -- Which replica each device pushes from (a token used from two replicas is seen).
        CREATE TABLE device_replicas (
            device_id TEXT NOT NULL,
            replica TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            PRIMARY KEY (device_id, replica)
        ) WITHOUT ROWID;
        -- The review page (SPEC §10): sessions kept as SHA-256 hashes of their ids, and the replica each
        -- reviewer's decisions on the page are written from.
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
        -- A replica id belongs to the device that first pushed from it, for good (SPEC §9); the server's own
        -- replica and its devices' web replicas are the server's (owner 'server').
        CREATE TABLE replica_owners (
            replica TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            bound_at TEXT NOT NULL
        ) WITHOUT ROWID;
        -- The keys that sign ops: each device's (registered at login), and the server's own (owner 'server').
        CREATE TABLE signing_keys (
            key_id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            public_key BLOB NOT NULL,
            registered_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """

    /// Refuses a file that is not a server database this version can use.
    static func checkFormat(_ db: Database, _ path: String) throws {
        guard try db.tableExists("meta"), let format = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'") else {
            throw StoreError(.notAStore, "\(path) is an SQLite database but not a Sunsync server database")
        }
        let role = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'role'")
        switch format {
        case Self.format: break
        case "sunsync-store-1" where role == "server": break   // laptop-shaped, from before: migrated
        case "sunsync-store-1": throw StoreError(.notAStore, "\(path) is a laptop's store, not a sunsync-server database")
        default: throw StoreError(.newerFormat, "\(path) is a \(format) database; this sunsync-server reads \(Self.format): install a newer one")
        }
        let known = Set(migrator.migrations).union(laptopShaped)
        if let unknown = try migrator.appliedIdentifiers(db).subtracting(known).sorted().first {
            throw StoreError(.newerFormat, "\(path) was upgraded by a newer sunsync-server (\(unknown)); install that version (or newer) to use it")
        }
    }

    /// 64 random bits in hex.
    static func newEpoch() -> String { EditWriter.newReplica().description }

    // MARK: Metadata, settings, files

    func meta(_ key: String, _ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }

    public func recoveryKey() async throws -> String? {
        try await OpLog.run { try await pool.read { db in try self.meta("recovery_key", db) } }
    }

    public func setRecoveryKey(_ publicKey: String) async throws {
        try await OpLog.run {
            try await pool.write { db in
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('recovery_key', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [publicKey])
            }
        }
    }

    public func epoch() async throws -> String {
        try await OpLog.run { try await pool.read { db in try self.meta("epoch", db) ?? "" } }
    }

    public func personKeys() async throws -> PersonKeys {
        let keys = try await OpLog.run { try await pool.read { db in try OpLog.personKeys(db) } }
        guard let keys else { throw StoreError(.notAStore, "\(path) has no person-key secret; it is damaged") }
        return keys
    }

    public func rules() async throws -> Rules {
        let text = try await OpLog.run { try await pool.read { db in try self.meta("rules", db) } }
        return try text.map { text throws(StoreError) in try Store.rules(text) } ?? Rules()
    }

    /// Reads, changes and writes the rules in one transaction: another process changing them at the same
    /// time waits, and neither change is lost.
    public func updateRules(_ change: @escaping @Sendable (inout Rules) throws -> Void) async throws -> Rules {
        try await OpLog.run {
            try await pool.write { db in
                var rules = try self.meta("rules", db).map { text throws(StoreError) in try Store.rules(text) } ?? Rules()
                try change(&rules)
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('rules', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [try Store.text(rules)])
                return rules
            }
        }
    }

    /// The size of the database file and its write-ahead log, in bytes.
    public func databaseBytes() async -> Int64? {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64) ?? 0)
        }
    }

    /// For a server: checkpoint the write-ahead log every 32 MiB instead of every 4 MiB.
    public func expectLargeWrites() throws(StoreError) {
        try OpLog.run { try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192") } }
    }

    /// Writes a consistent copy of the database to `destination`, a new file readable by its owner only,
    /// while the server runs (SQLite's `VACUUM INTO`, one snapshot). The copy gets its own epoch: restored,
    /// it is another database than the one laptops synced with (SPEC §9). Returns its size and op count.
    @discardableResult
    public func backup(to destination: String) throws(StoreError) -> (bytes: Int64, ops: Int) {
        let copy = try Store.backup(pool, to: destination) { db in
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'epoch'", arguments: [Self.newEpoch()])
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM ops") ?? 0
        }
        return (copy.bytes, copy.result)
    }

    /// Puts a backup in place of the database at `path` (`Store.restore`), after checking it is a sound
    /// server database this version can use. Returns where the replaced files went.
    public static func restore(from backup: String, to path: String) throws(StoreError) -> String? {
        try Store.restore(from: backup, to: path) { db throws in try checkFormat(db, backup) }
    }

    // MARK: Devices

    public func addDevice(_ device: Device, tokenHash: String) async throws {
        defer { access.changed() }
        try await OpLog.run {
            try await pool.write { db in
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM devices WHERE name = ?)", arguments: [device.name]) == true {
                    throw StoreError(.invalid, "a device named '\(device.name)' already exists; choose another name")
                }
                try db.execute(sql: """
                    INSERT INTO devices(id, name, role, org, district, token_hash, created_at, may_reveal) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [device.id, device.name, device.role.rawValue, device.org, device.district, tokenHash, device.createdAt, device.mayReveal])
            }
        }
    }

    /// Every device, with the replicas it has pushed from and its web replica.
    public func devices() async throws -> [Device] {
        try await OpLog.run {
            try await pool.read { db in
                var replicas = [String: [String]]()
                for row in try Row.fetchAll(db, sql: "SELECT device_id, replica FROM device_replicas ORDER BY first_seen, replica") {
                    replicas[row[0], default: []].append(row[1])
                }
                var web = [String: String]()
                for row in try Row.fetchAll(db, sql: "SELECT device_id, replica FROM device_web_replicas") { web[row[0]] = row[1] }
                return try Row.fetchAll(db, sql: "SELECT * FROM devices ORDER BY created_at, name").compactMap(Self.device).map { device in
                    var device = device
                    device.replicas = replicas[device.id] ?? []
                    device.webReplica = web[device.id]
                    return device
                }
            }
        }
    }

    public func revokeDevice(_ idOrName: String, at time: String) async throws -> Device? {
        defer { access.changed() }
        return try await OpLog.run {
            try await pool.write { db in
                try db.execute(sql: "UPDATE devices SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? OR name = ?",
                               arguments: [time, idOrName, idOrName])
                // Its review-page sessions end with it.
                try db.execute(sql: "DELETE FROM review_sessions WHERE device_id IN (SELECT id FROM devices WHERE id = ? OR name = ?)",
                               arguments: [idOrName, idOrName])
                return try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE id = ? OR name = ?", arguments: [idOrName, idOrName])
                    .flatMap(Self.device)
            }
        }
    }

    public func setMayReveal(_ idOrName: String, _ allowed: Bool) async throws -> Device? {
        defer { access.changed() }
        return try await OpLog.run {
            try await pool.write { db in
                try db.execute(sql: "UPDATE devices SET may_reveal = ? WHERE id = ? OR name = ?", arguments: [allowed, idOrName, idOrName])
                return try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE id = ? OR name = ?", arguments: [idOrName, idOrName]).flatMap(Self.device)
            }
        }
    }

    public func device(tokenHash: String) async throws -> Device? {
        try await OpLog.run {
            try await pool.read { db in
                try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM devices WHERE token_hash = ?"), arguments: [tokenHash]).flatMap(Self.device)
            }
        }
    }

    static func device(_ row: Row) -> Device? {
        guard let role = Device.Role(rawValue: row["role"]) else { return nil }
        var device = Device(id: row["id"], name: row["name"], role: role, org: row["org"], district: row["district"],
                            createdAt: row["created_at"], revokedAt: row["revoked_at"])
        device.mayReveal = row["may_reveal"] ?? false
        return device
    }

    // MARK: Review page sessions

    public func startReviewSession(idHash: String, device: String, at time: String, expires: Int64, now: Int64) async throws {
        try await OpLog.run {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM review_sessions WHERE expires_at <= ?", arguments: [now])
                try db.execute(sql: "INSERT INTO review_sessions(id_hash, device_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                               arguments: [idHash, device, time, expires])
            }
        }
    }

    public func reviewSession(idHash: String, now: Int64) async throws -> Device? {
        try await OpLog.run {
            try await pool.read { db in
                try Row.fetchOne(db, sql: """
                    SELECT devices.* FROM review_sessions JOIN devices ON devices.id = review_sessions.device_id
                    WHERE review_sessions.id_hash = ? AND review_sessions.expires_at > ? AND devices.revoked_at IS NULL
                    """, arguments: [idHash, now]).flatMap(Self.device)
            }
        }
    }

    public func endReviewSession(idHash: String) async throws {
        try await OpLog.run {
            try await pool.write { db in try db.execute(sql: "DELETE FROM review_sessions WHERE id_hash = ?", arguments: [idHash]) }
        }
    }

    public func keptView(_ key: String) async throws -> String? {
        try await OpLog.run { try await pool.read { db in try String.fetchOne(db, sql: "SELECT body FROM review_views WHERE key = ?", arguments: [key]) } }
    }

    public func keepView(_ key: String, _ body: String) async throws {
        try await OpLog.run {
            try await pool.write { db in
                try db.execute(sql: "INSERT INTO review_views(key, body) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET body = excluded.body",
                               arguments: [key, body])
            }
        }
    }
}
