import Foundation
import Synchronization

/// Equal stamps: no device (token, revocation, role, reveal right) and no org record changed between them.
public struct AccessStamp: Hashable, Sendable {
    public let local: UInt64
    public let outside: UInt64
}

/// How a store tells that what decides access changed: a counter of this process's own changes, and a
/// signal of other processes' (administration commands, other servers): on SQLite a stamp file beside
/// the database that every such change appends a byte to after its commit (its size and time read with
/// one `stat`, no query); on PostgreSQL `NOTIFY sunsync_access` in the changing transaction, heard on a
/// connection that listens (while it does not, `stamp` is nil and nothing may be kept).
public final class AccessWatch: Sendable {
    /// The PostgreSQL channel.
    public static let channel = "sunsync_access"

    private let local = Atomic<UInt64>(0)
    private let heard = Atomic<UInt64>(0)
    private let listening: Atomic<Bool>
    /// SQLite: the stamp file.
    let file: String?
    /// This process's store, in PostgreSQL's notifications: its own are counted as it commits them.
    public let id = UUID().uuidString

    /// A watch over a stamp file (SQLite: one host, one file).
    public init(file: String) {
        self.file = file
        listening = Atomic(true)
    }

    /// A watch told of other processes' changes by `hear()` while `listening` (PostgreSQL).
    public init() {
        file = nil
        listening = Atomic(false)
    }

    /// Nil: the store cannot tell now (PostgreSQL's listening connection is down).
    public var stamp: AccessStamp? {
        guard listening.load(ordering: .acquiring) else { return nil }
        let outside = file.map(Self.signature) ?? heard.load(ordering: .acquiring)
        return AccessStamp(local: local.load(ordering: .acquiring), outside: outside)
    }

    /// A change was committed here: call after the commit.
    public func changed() {
        local.add(1, ordering: .releasing)
        if let file { Self.touch(file) }
    }

    /// Another process's change was heard (PostgreSQL's notification).
    public func hear() { heard.add(1, ordering: .releasing) }

    /// Whether changes are heard now; when listening begins, anything may have changed meanwhile.
    public func listen(_ on: Bool) {
        if on { hear() }
        listening.store(on, ordering: .releasing)
    }

    /// Appends a byte to the stamp file (made private to its owner on first use).
    static func touch(_ path: String) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = withUnsafeBytes(of: UInt8(0x2E)) { write(fd, $0.baseAddress, 1) }
        close(fd)
    }

    /// The stamp file's size, change time and inode, as one number (0 while there is none).
    static func signature(_ path: String) -> UInt64 {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        var hasher = Hasher()
        hasher.combine(info.st_size)
        hasher.combine(info.st_mtim.tv_sec)
        hasher.combine(info.st_mtim.tv_nsec)
        hasher.combine(info.st_ino)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }
}
