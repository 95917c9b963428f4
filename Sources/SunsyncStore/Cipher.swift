import Foundation
import GRDB
import SunsyncModel

/// The key a laptop's store is encrypted with (SQLCipher 4: AES-256 pages, each with an HMAC): 32 random
/// bytes, given to SQLCipher raw, so opening a connection costs no key derivation. Where the key comes
/// from (a passphrase, the district's recovery key) is `KeysFile`'s business.
public struct StoreKey: Sendable, Equatable {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public static func random() -> StoreKey {
        var rng = SystemRandomNumberGenerator()
        return StoreKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })!
    }

    /// SQLCipher's raw-key literal: `"x'<64 hex digits>'"`.
    var literal: String { "\"x'\(Hex.encode(bytes))'\"" }
}

/// Whether this build's SQLite is SQLCipher. A build that linked plain SQLite (the `sqlcipher/` link missing
/// when it was built) opens no encrypted store and makes none: it fails closed rather than write in the clear.
public enum Cipher {
    /// SQLCipher's version, or nil where the SQLite linked is plain.
    public static let version: String? = {
        guard let queue = try? DatabaseQueue() else { return nil }
        return (try? queue.read { db in try String.fetchOne(db, sql: "PRAGMA cipher_version") }) ?? nil
    }()

    static func require() throws(StoreError) {
        guard version != nil else {
            throw StoreError(.noCipher, "this sunsync was built without SQLCipher, so it cannot keep the store encrypted; "
                + "it refuses to open or make one. Install sunsync from its package, or build it with libsqlcipher-dev installed")
        }
    }
}

extension StoreError.Code {
    /// The store's key is not the one it was encrypted with (a wrong passphrase), or none was given.
    public static let wrongKey = StoreError.Code(rawValue: "wrong_key")
    /// The passphrase typed does not unwrap the store's key (a kind of `wrongKey` people meet every day).
    public static let wrongPassphrase = StoreError.Code(rawValue: "wrong_passphrase")
    /// This build cannot encrypt (plain SQLite linked).
    public static let noCipher = StoreError.Code(rawValue: "no_cipher")
}

extension Configuration {
    /// Opens every connection with `key` first (SQLCipher), where one is given: call before any other
    /// `prepareDatabase`.
    mutating func use(_ key: StoreKey?) {
        guard let key else { return }
        prepareDatabase { db in try db.execute(sql: "PRAGMA key = \(key.literal)") }
    }
}

extension OpLog {
    /// `configuration`, opening the file with `key` (SQLCipher) first where one is given.
    public static func configuration(key: StoreKey?) -> Configuration {
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(3)
        config.use(key)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        return config
    }
}

extension Store {
    /// Whether the file at `path` is an SQLite database in the clear (its first 16 bytes say so); an
    /// encrypted one starts with random bytes.
    public static func isPlaintext(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 16)) == Data("SQLite format 3\u{0}".utf8)
    }

    /// Refuses a plaintext file that is not a laptop's store this version can use (before a passphrase is
    /// chosen to encrypt it).
    public static func checkPlaintext(_ path: String) throws(StoreError) {
        try run {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            try queue.read { db in try checkFormat(db, path) }
        }
    }

    /// Encrypts the plaintext store at `path` with `key`, in place: the whole database is copied into an
    /// encrypted file beside it (`sqlcipher_export`), the copy is checked, and then takes the store's place;
    /// the plaintext file, WAL and shared memory are removed. No other process may have the store open.
    /// Returns the store's size. On failure the plaintext store is left as it was.
    public static func encrypt(_ path: String, with key: StoreKey) throws(StoreError) -> Int64 {
        try Cipher.require()
        let files = FileManager.default
        let target = path + ".encrypting"
        for suffix in ["", "-wal", "-shm"] { try? files.removeItem(atPath: target + suffix) }
        do {
            try run {
                let plain = try DatabaseQueue(path: path, configuration: OpLog.configuration(key: nil))
                try plain.writeWithoutTransaction { db in
                    try checkFormat(db, path)
                    try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    try db.execute(sql: "ATTACH DATABASE ? AS encrypted KEY \(key.literal)", arguments: [target])
                    try db.execute(sql: "SELECT sqlcipher_export('encrypted')")
                    let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                    try db.execute(sql: "PRAGMA encrypted.user_version = \(version)")
                    try db.execute(sql: "DETACH DATABASE encrypted")
                }
                try plain.close()
                let copy = try DatabaseQueue(path: target, configuration: OpLog.configuration(key: key))
                try copy.inDatabase { db in
                    try checkFormat(db, target)
                    let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
                    guard integrity == "ok" else { throw StoreError(.database, "the encrypted copy of \(path) is not sound (\(integrity)); the store was left as it was") }
                    try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                }
                try copy.close()
            }
            _ = chmod(target, 0o600)
            for suffix in ["-wal", "-shm"] { try? files.removeItem(atPath: path + suffix) }
            guard rename(target, path) == 0 else {
                throw StoreError(.database, "cannot put the encrypted store in place of \(path): \(String(cString: strerror(errno)))")
            }
            for suffix in ["-wal", "-shm"] { try? files.removeItem(atPath: target + suffix) }
        } catch {
            for suffix in ["", "-wal", "-shm"] { try? files.removeItem(atPath: target + suffix) }
            throw OpLog.storeError(error)
        }
        return (try? files.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
    }
}
