import Foundation
import GRDB
import SunsyncModel
import Synchronization

/// A replica's SQLite store (WAL mode): the op log, the materialized current values, the outbox of
/// local ops not yet acknowledged, and metadata (replica id, clock, org). Every change is one transaction.
///
/// ```swift
/// let store = try Store.create(at: path, replica: ReplicaID(UInt64.random(in: 1...UInt64.max)), metadata: ["org": "MH-SB-001"])
/// try store.write { tx in try tx.set(key, "minutes", .integer(240)) }
/// let state = try store.mergedState()
/// ```
public final class Store: Sendable {
    public static let format = "sunsync-store-1"

    public let path: String
    /// The replica this store writes as. A laptop moves to a new one when the server says its id was
    /// someone else's (`moveToFreshReplica`), so it is read at each write.
    public var replica: ReplicaID { currentReplica.withLock { $0 } }
    let currentReplica: Mutex<ReplicaID>
    let queue: any DatabaseWriter
    /// The key the file is encrypted with (nil: in the clear); its backups are encrypted with it too.
    public let key: StoreKey?

    private init(path: String, queue: any DatabaseWriter, replica: ReplicaID, key: StoreKey?) {
        self.path = path
        self.queue = queue
        self.currentReplica = Mutex(replica)
        self.key = key
    }

    /// Creates a new store at `path` (the file must not exist), encrypted with `key` if one is given.
    public static func create(at path: String, replica: ReplicaID, metadata: [String: String] = [:], key: StoreKey? = nil) throws(StoreError) -> Store {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.alreadyInitialized, "\(path) already exists; it is already initialized")
        }
        if key != nil { try Cipher.require() }
        let queue = try openQueue(path, key: key)
        try run {
            try migrator.migrate(queue)
            try queue.write { db in
                var all = metadata
                all["format"] = format
                all["replica"] = replica.description
                all["clock"] = "0"
                for (key, value) in all {
                    // (`person_secret` replaces the one the migrations made: a server's, given at login.)
                    try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                   arguments: [key, value])
                }
            }
        }
        return Store(path: path, queue: queue, replica: replica, key: key)
    }

    /// Opens an existing store, refusing a file that is not one.
    /// `upgrading` is called before migrations that this version brings run on the file (once; they can
    /// take seconds on a large store), so that a command can say why it is slow this time.
    /// An encrypted store opens only with its `key`.
    public static func open(at path: String, key: StoreKey? = nil, upgrading: () -> Void = {}) throws(StoreError) -> Store {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.notInitialized, "no Sunsync store at \(path)")
        }
        if key != nil { try Cipher.require() }
        let plaintext = isPlaintext(path)
        if plaintext, key != nil {
            throw StoreError(.wrongKey, "\(path) is not encrypted, but a key was given: encrypt it first (`Store.encrypt`)")
        }
        let migrations = migrator
        let queue: DatabaseQueue
        let (replicaText, upToDate): (String?, Bool)
        do {
            queue = try openQueue(path, key: key)
            (replicaText, upToDate) = try run {
                try queue.read { db in
                    try checkFormat(db, path)
                    return (try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'replica'"), try migrations.hasCompletedMigrations(db))
                }
            }
        } catch where error.code == .notAStore && !plaintext {
            throw key == nil
                ? StoreError(.notAStore, "\(path) is not a Sunsync store in the clear: an encrypted store (it opens only with its key), or not an SQLite database")
                : StoreError(.wrongKey, "\(path) does not open with this key: a wrong passphrase, or the store of another home")
        }
        guard let replicaText, let replica = ReplicaID(hex: replicaText) else {
            throw StoreError(.notAStore, "\(path) has no valid replica id; it is damaged")
        }
        if !upToDate { upgrading() }
        try run { try migrations.migrate(queue) }
        return Store(path: path, queue: queue, replica: replica, key: key)
    }

    /// Refuses a file that is not a Sunsync store this version can use: one without the `meta` table or a
    /// `sunsync-store-` format, one of a newer format, or one a newer sunsync has migrated (it may have
    /// changed what the rows mean, as `v2-day-ordered-record-keys` did: writing with an older one could do harm).
    static func checkFormat(_ db: Database, _ path: String) throws {
        guard try db.tableExists("meta"), let format = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'") else {
            throw StoreError(.notAStore, "\(path) is an SQLite database but not a Sunsync store")
        }
        // A laptop's migrations must never run on a server's database (an older one is shaped like a store).
        guard !format.hasPrefix("sunsync-server-"), try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'role'") != "server" else {
            throw StoreError(.notAStore, "\(path) is a sunsync-server database, not a laptop's store")
        }
        guard format.hasPrefix("sunsync-store-") else { throw StoreError(.notAStore, "\(path) is an SQLite database but not a Sunsync store") }
        guard format == Self.format else {
            throw StoreError(.newerFormat, "\(path) is a \(format) store; this sunsync reads \(Self.format): install a newer sunsync")
        }
        if try migrator.hasBeenSuperseded(db) {
            throw StoreError(.newerFormat, "\(path) was upgraded by a newer sunsync; install that version (or newer) to use it")
        }
    }

    private static func openQueue(_ path: String, key: StoreKey?) throws(StoreError) -> DatabaseQueue {
        try run { try DatabaseQueue(path: path, configuration: OpLog.configuration(key: key)) }
    }

    static func run<T>(_ body: () throws -> T) throws(StoreError) -> T { try OpLog.run(body) }
    static func run<T>(_ body: () async throws -> T) async throws(StoreError) -> T { try await OpLog.run(body) }
    static func storeError(_ error: any Error) -> StoreError { OpLog.storeError(error) }

    // MARK: Metadata

    public func meta(_ key: String) throws(StoreError) -> String? {
        try Self.run { try queue.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) } }
    }

    public func setMeta(_ key: String, _ value: String?) throws(StoreError) {
        try Self.run {
            try queue.write { db in
                if let value {
                    try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                   arguments: [key, value])
                } else {
                    try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [key])
                }
            }
        }
    }

    /// Counts for `status`.
    public func counts() throws(StoreError) -> (ops: Int, pending: Int, rejected: Int) {
        try Self.run {
            try queue.read { db in
                (try Int.fetchOne(db, sql: "SELECT count(*) FROM ops") ?? 0, try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox") ?? 0,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM rejected") ?? 0)
            }
        }
    }

    /// For a run of large writes (a sync, a server): checkpoint the write-ahead log every 32 MiB
    /// instead of every 4 MiB. A short command keeps SQLite's default, which keeps its close quick.
    public func expectLargeWrites() throws(StoreError) {
        try Self.run { try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192") } }
    }

    /// Writes a consistent copy of the store to `destination` (see the other `backup`). Returns its size
    /// and what it holds, counted in the copy.
    @discardableResult
    public func backup(to destination: String) throws(StoreError) -> (bytes: Int64, ops: Int, pending: Int) {
        let copy = try Self.backup(queue, to: destination, key: key) { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM ops") ?? 0, try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox") ?? 0)
        }
        return (copy.bytes, copy.result.0, copy.result.1)
    }

    /// Writes a consistent copy of `database` to `destination`, a new file readable by its owner only, while
    /// the database stays in use (SQLite's `VACUUM INTO`, which reads one snapshot), then runs `finish` on
    /// the copy (to count it, or to change it). Nothing is left behind when it fails. Returns the copy's size
    /// and what `finish` returned. Shared by the laptop's store and the server's SQLite database.
    /// A copy of an encrypted database is encrypted with the same `key` (SQLCipher's `VACUUM INTO`).
    public static func backup<T>(_ database: any DatabaseReader, to destination: String, key: StoreKey? = nil,
                                 finish: (Database) throws -> T) throws(StoreError) -> (bytes: Int64, result: T) {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError(.invalid, "\(destination) already exists; a backup never overwrites a file: give a new name")
        }
        // Created empty first, so that it is never readable by others, not even for a moment.
        guard FileManager.default.createFile(atPath: destination, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError(.invalid, "cannot create \(destination): check that its directory exists and is writable")
        }
        let result: T
        do {
            result = try run {
                try database.unsafeRead { db in try db.execute(sql: "VACUUM INTO ?", arguments: [destination]) }
                var configuration = Configuration()
                configuration.use(key)
                let copy = try DatabaseQueue(path: destination, configuration: configuration)
                defer { try? copy.close() }
                return try copy.inDatabase(finish)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
        return ((try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int64) ?? 0, result)
    }

    /// Puts a backup in place of the laptop's store at `path` (see the other `restore`).
    /// An encrypted backup is restored with the `key` it was made with.
    public static func restore(from backup: String, to path: String, key: StoreKey? = nil) throws(StoreError) -> String? {
        try restore(from: backup, to: path, key: key) { db throws in try checkFormat(db, backup) }
    }

    /// Puts a backup in place of the database at `path`: copies it beside `path`, checks the copy (`format`
    /// throws for a file of the wrong kind, or newer than this version; then it must be sound), then moves
    /// the file now at `path` and its `-wal` and `-shm` aside, to `path.before-restore-<time>`, and the copy
    /// in. Nothing is deleted. No process may have `path` open meanwhile. Returns where the old files went.
    /// Shared by the laptop's store and the server's SQLite database.
    public static func restore(from backup: String, to path: String, key: StoreKey? = nil,
                               format: @escaping (Database) throws -> Void) throws(StoreError) -> String? {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: backup, isDirectory: &isDirectory) else { throw StoreError(.notInitialized, "\(backup) does not exist") }
        guard !isDirectory.boolValue else { throw StoreError(.notAStore, "\(backup) is a folder; give the backup file") }
        let copy = path + ".restoring"
        for suffix in ["", "-wal", "-shm"] { try? files.removeItem(atPath: copy + suffix) }
        do {
            try files.copyItem(atPath: backup, toPath: copy)
            try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: copy)
        } catch {
            throw StoreError(.invalid, "cannot copy \(backup) beside \(path): \(error.localizedDescription)")
        }
        do {
            try check(copy, asBackupOf: backup, key: key, format: format)
        } catch {
            for suffix in ["", "-wal", "-shm"] { try? files.removeItem(atPath: copy + suffix) }
            throw error
        }
        var aside: String?
        do {
            if files.fileExists(atPath: path) {
                let stamp = Date().formatted(.iso8601).replacingOccurrences(of: ":", with: "")
                let old = path + ".before-restore-" + stamp
                aside = old
                for suffix in ["", "-wal", "-shm"] where files.fileExists(atPath: path + suffix) {
                    try files.moveItem(atPath: path + suffix, toPath: old + suffix)
                }
            }
            try files.moveItem(atPath: copy, toPath: path)
        } catch {
            throw StoreError(.invalid, "cannot put the backup in place of \(path): \(error.localizedDescription)\(aside.map { "; the old files are in \($0)" } ?? "")")
        }
        return aside
    }

    /// Refuses a file that is not a sound store of the expected kind. Leaves no -wal or -shm behind.
    private static func check(_ copy: String, asBackupOf backup: String, key: StoreKey?, format: (Database) throws -> Void) throws(StoreError) {
        if key != nil, isPlaintext(copy) { throw StoreError(.notAStore, "\(backup) is not encrypted: it is not a backup of this encrypted store") }
        if key == nil, !isPlaintext(copy) {
            throw StoreError(.notAStore, "\(backup) is not a database in the clear: it is encrypted (a laptop's store or its backup) or not an SQLite database")
        }
        try run {
            var configuration = Configuration()
            configuration.use(key)
            let queue: DatabaseQueue
            do { queue = try DatabaseQueue(path: copy, configuration: configuration) } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
                throw StoreError(.wrongKey, "\(backup) does not open with this store's key: it is the backup of another home (or damaged)")
            }
            defer { try? queue.close() }
            try queue.inDatabase { db in
                try format(db)
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
                guard integrity == "ok" else { throw StoreError(.notAStore, "\(backup) is damaged: \(integrity)") }
                // Fold any write-ahead log into the file, so that the file alone is the store.
                if try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal" {
                    try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                }
            }
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws(StoreError) -> String {
        try Self.run { try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") } }
    }
}

// MARK: Private files

extension Store {
    /// Makes a store private to its owner, whatever existed before: the file, its WAL and shared-memory
    /// files 0600, their directory 0700. Returns what it changed, in words, to be said once (nothing the
    /// next time).
    public static func tighten(_ path: String) -> [String] {
        let directory = (path as NSString).deletingLastPathComponent
        var said = [String]()
        func tighten(_ item: String, to mode: mode_t) {
            var info = stat()
            guard stat(item, &info) == 0, info.st_uid == getuid(), info.st_mode & 0o077 != 0 else { return }
            let before = info.st_mode & 0o777
            guard chmod(item, mode) == 0 else { return }
            said.append("made \(item) private to its owner (mode \(String(before, radix: 8)) → \(String(mode, radix: 8)): it holds sensitive personal information)")
        }
        tighten(directory.isEmpty ? "." : directory, to: 0o700)
        for file in [path, path + "-wal", path + "-shm"] { tighten(file, to: 0o600) }
        return said
    }
}
