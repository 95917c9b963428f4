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

    private init(path: String, queue: any DatabaseWriter, replica: ReplicaID) {
        self.path = path
        self.queue = queue
        self.currentReplica = Mutex(replica)
    }

    /// Creates a new store at `path` (the file must not exist).
    public static func create(at path: String, replica: ReplicaID, metadata: [String: String] = [:]) throws(StoreError) -> Store {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.alreadyInitialized, "\(path) already exists; it is already initialized")
        }
        let queue = try openQueue(path)
        try run {
            try (metadata["role"] == "server" ? serverMigrator : migrator).migrate(queue)
            try queue.write { db in
                var all = metadata
                all["format"] = format
                all["replica"] = replica.description
                all["clock"] = "0"
                for (key, value) in all {
                    try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
                }
                if metadata["role"] == "server" {   // the server's own replica is its own from the start
                    try db.execute(sql: "INSERT INTO replica_owners(replica, owner, bound_at) VALUES (?, 'server', '')",
                                   arguments: [replica.description])
                }
            }
        }
        return Store(path: path, queue: queue, replica: replica)
    }

    /// Opens an existing store, refusing a file that is not one. `server` opens a pool of connections
    /// so reads run beside the one writer, and adds the server's own indexes.
    /// `upgrading` is called before migrations that this version brings run on the file (once; they can
    /// take seconds on a large store), so that a command can say why it is slow this time.
    public static func open(at path: String, server: Bool = false, upgrading: () -> Void = {}) throws(StoreError) -> Store {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.notInitialized, "no Sunsync store at \(path)")
        }
        let queue: any DatabaseWriter = server ? try openPool(path) : try openQueue(path)
        let migrations = server ? serverMigrator : migrator
        let (replicaText, upToDate, role): (String?, Bool, String?) = try run {
            try queue.read { db in
                try checkFormat(db, path)
                return (try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'replica'"), try migrations.hasCompletedMigrations(db),
                        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'role'"))
            }
        }
        // A laptop's migrations must never run on a server's database (it keeps no day entries).
        guard server || role != "server" else {
            throw StoreError(.notAStore, "\(path) is a sunsync-server database, not a laptop's store")
        }
        guard let replicaText, let replica = ReplicaID(hex: replicaText) else {
            throw StoreError(.notAStore, "\(path) has no valid replica id; it is damaged")
        }
        if !upToDate { upgrading() }
        try run { try migrations.migrate(queue) }
        return Store(path: path, queue: queue, replica: replica)
    }

    /// Refuses a file that is not a Sunsync store this version can use: one without the `meta` table or a
    /// `sunsync-store-` format, one of a newer format, or one a newer sunsync has migrated (it may have
    /// changed what the rows mean, as `v2-day-ordered-record-keys` did: writing with an older one could do harm).
    private static func checkFormat(_ db: Database, _ path: String) throws {
        guard try db.tableExists("meta"),
              let format = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'"), format.hasPrefix("sunsync-store-")
        else { throw StoreError(.notAStore, "\(path) is an SQLite database but not a Sunsync store") }
        guard format == Self.format else {
            throw StoreError(.newerFormat, "\(path) is a \(format) store; this sunsync reads \(Self.format): install a newer sunsync")
        }
        let server = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'role'") == "server"
        if try (server ? serverMigrator : migrator).hasBeenSuperseded(db) {
            throw StoreError(.newerFormat, "\(path) was upgraded by a newer sunsync; install that version (or newer) to use it")
        }
    }

    /// The integer key of a record, `rkey`: the collection's number in bits 60-62; for hours and lunches
    /// the day (days since 1970, 20 bits) in bits 40-59 and 40 bits of FNV-1a over the UTF-8 of
    /// `collection/record` below; for the other collections 60 bits of that hash. One index then finds a
    /// record's ops, and (as a range) a collection's. Days come first because records
    /// arrive roughly day by day, in syncs and imports alike: their index entries then land in a few
    /// neighbouring pages instead of all over the index (a first sync of 1,000,000 ops wrote the whole
    /// index again with every page it applied).
    public static func recordHash(_ collection: CollectionName, _ record: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in collection.rawValue.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ UInt64(UInt8(ascii: "/"))) &* 0x100_0000_01b3
        for byte in record.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let base = collectionRange(collection).lowerBound
        guard collection == .hours || collection == .lunches else { return base | Int64(hash & 0x0FFF_FFFF_FFFF_FFFF) }
        // An id that does not end in a date is refused by validation; it still gets a key (day 0).
        let day = CivilDate(Substring(record.utf8.suffix(10))).map { UInt64(UInt32(bitPattern: $0.dayNumber)) & 0xF_FFFF } ?? 0
        return base | Int64(day << 40) | Int64(hash & 0xFF_FFFF_FFFF)
    }

    /// The record keys of a collection's records dated `days` (hours and lunches), or of all its
    /// records (other collections, and days the key cannot order: before 1970 or after 4840).
    static func dayKeys(_ collection: CollectionName, _ days: ClosedRange<CivilDate>) -> ClosedRange<Int64> {
        let all = collectionRange(collection)
        guard collection == .hours || collection == .lunches, days.lowerBound.dayNumber >= 0, days.upperBound.dayNumber <= 0xF_FFFF
        else { return all }
        return (all.lowerBound | Int64(days.lowerBound.dayNumber) << 40)...(all.lowerBound | Int64(days.upperBound.dayNumber) << 40 | 0xFF_FFFF_FFFF)
    }

    /// Every record key of a collection.
    static func collectionRange(_ collection: CollectionName) -> ClosedRange<Int64> {
        let number: Int64 = switch collection {
        case .orgs: 0
        case .participants: 1
        case .hours: 2
        case .lunches: 3
        }
        return (number << 60)...(number << 60 | 0x0FFF_FFFF_FFFF_FFFF)
    }

    private static var configuration: Configuration {
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(3)
        config.prepareDatabase { db in
            // FULL: a change that was acknowledged is on disk, even if the power fails a moment later.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return config
    }

    private static func openQueue(_ path: String) throws(StoreError) -> DatabaseQueue {
        try run { try DatabaseQueue(path: path, configuration: configuration) }
    }

    private static func openPool(_ path: String) throws(StoreError) -> DatabasePool {
        try run { try DatabasePool(path: path, configuration: configuration) }
    }

    /// Runs database work, turning SQLite's errors into ones that say what to do.
    static func run<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            throw storeError(error)
        }
    }

    /// The same for async work (the server's requests).
    static func run<T>(_ body: () async throws -> T) async throws(StoreError) -> T {
        do {
            return try await body()
        } catch {
            throw storeError(error)
        }
    }

    static func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? ModelError { return StoreError(error) }
        guard let error = error as? DatabaseError else { return StoreError(.database, "\(error)") }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.locked, "the store is in use by another sunsync command; try again when it has finished")
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return StoreError(.notAStore, "the file is not a Sunsync store (not an SQLite database, or damaged)")
        case .SQLITE_FULL:
            return StoreError(.diskFull, "the disk holding the database is full: nothing of this change was written; free some space and do it again")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return StoreError(.database, "cannot open the store for writing: \(error.message ?? "permission denied")")
        default:
            return StoreError(.database, "database error: \(error.message ?? error.description)")
        }
    }

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

    /// Writes a consistent copy of the store to `destination`, a new file readable by its owner only,
    /// while the store stays in use (SQLite's `VACUUM INTO`, which reads one snapshot). Returns its size
    /// and what it holds, counted in the copy.
    @discardableResult
    public func backup(to destination: String) throws(StoreError) -> (bytes: Int64, ops: Int, pending: Int) {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError(.invalid, "\(destination) already exists; a backup never overwrites a file: give a new name")
        }
        // Created empty first, so that it is never readable by others, not even for a moment.
        guard FileManager.default.createFile(atPath: destination, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError(.invalid, "cannot create \(destination): check that its directory exists and is writable")
        }
        let counts: (ops: Int, pending: Int)
        do {
            counts = try Self.run {
                try queue.unsafeRead { db in try db.execute(sql: "VACUUM INTO ?", arguments: [destination]) }
                // A server's copy, restored, is another database than the one laptops synced with: it gets its
                // own epoch (SPEC §9). A laptop's store has none.
                let copy = try DatabaseQueue(path: destination)
                defer { try? copy.close() }
                return try copy.write { db in
                    try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'epoch'", arguments: [Self.newEpoch()])
                    return (try Int.fetchOne(db, sql: "SELECT count(*) FROM ops") ?? 0, try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox") ?? 0)
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int64) ?? 0
        return (bytes, counts.ops, counts.pending)
    }

    /// Puts a backup in place of the store at `path`: copies it beside `path`, checks the copy (a sound
    /// Sunsync store, a server's if `server`, a laptop's if not, no newer than this version), then moves
    /// the file now at `path` and its `-wal` and `-shm` aside, to `path.before-restore-<time>`, and the copy
    /// in. Nothing is deleted. No process may have `path` open meanwhile. Returns where the old files went.
    public static func restore(from backup: String, to path: String, server: Bool) throws(StoreError) -> String? {
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
            try check(copy, asBackupOf: backup, server: server)
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
    private static func check(_ copy: String, asBackupOf backup: String, server: Bool) throws(StoreError) {
        try run {
            let queue = try DatabaseQueue(path: copy)
            defer { try? queue.close() }
            try queue.inDatabase { db in
                try checkFormat(db, backup)
                let role = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'role'")
                guard (role == "server") == server else {
                    throw StoreError(.invalid, server ? "\(backup) is a laptop's store, not a server's database"
                                                      : "\(backup) is a server's database, not a laptop's store")
                }
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
