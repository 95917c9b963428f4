import CKeyring
import Crypto
import _CryptoExtras
import Foundation
import SunsyncModel
import SunsyncStore

/// `store.keys` beside the store (0600): the store's random key wrapped by the passphrase (scrypt, then
/// AES-256-GCM bound to the store's id). Without the passphrase it gives nothing away; without it (or the
/// district's recovery), the store cannot be read. `sunsync backup` copies it beside the backup.
struct KeysFile: Codable, Equatable {
    static let currentFormat = "sunsync-keys-1"

    var format = Self.currentFormat
    /// 16 hex digits naming this store's key (in the keyring while unlocked); the same in its backups.
    var store: String
    var scrypt: Scrypt
    /// The store key sealed with the passphrase's key: AES-GCM nonce, ciphertext and tag, in hex.
    var sealed: String

    struct Scrypt: Codable, Equatable {
        /// log2 of scrypt's N (its cost in time and memory: 2^N × r × 128 bytes).
        var logN: Int
        var r: Int
        var p: Int
        var salt: String
    }

    /// scrypt with N = 2^17, r = 8: 128 MiB and about half a second here, once per working session.
    static let defaultLogN = 17

    /// The key under `passphrase`, with a new salt. `SUNSYNC_KDF_LOGN` lowers the cost for tests only
    /// (10 to 20; a file keeps the cost it was made with).
    static func wrap(_ key: StoreKey, passphrase: String, store: String) throws -> KeysFile {
        let logN = ProcessInfo.processInfo.environment["SUNSYNC_KDF_LOGN"].flatMap(Int.init).map { min(20, max(10, $0)) } ?? defaultLogN
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let parameters = Scrypt(logN: logN, r: 8, p: 1, salt: Hex.encode(salt))
        let wrapping = try derive(passphrase, parameters)
        let box = try AES.GCM.seal(key.bytes, using: wrapping, authenticating: Array(store.utf8))
        guard let combined = box.combined else { throw CLIError("cannot seal the store's key") }
        return KeysFile(store: store, scrypt: parameters, sealed: Hex.encode(Array(combined)))
    }

    /// The store key, or a refusal that says the passphrase is wrong.
    func unwrap(passphrase: String) throws -> StoreKey {
        guard format == Self.currentFormat else { throw CLIError("the keys file is of format \(format); this sunsync reads \(Self.currentFormat): install a newer sunsync") }
        guard let sealed = Hex.decode(sealed), let box = try? AES.GCM.SealedBox(combined: sealed) else {
            throw CLIError("the keys file is damaged (its sealed key cannot be read); restore store.keys from a backup")
        }
        let wrapping = try Self.derive(passphrase, scrypt)
        guard let bytes = try? AES.GCM.open(box, using: wrapping, authenticating: Array(store.utf8)), let key = StoreKey(bytes: Array(bytes)) else {
            throw CLIError("wrong passphrase: this home's store does not open with it (try again; if it is forgotten, the district's administrator can recover the store)")
        }
        return key
    }

    static func derive(_ passphrase: String, _ parameters: Scrypt) throws -> SymmetricKey {
        guard (10...20).contains(parameters.logN), (1...32).contains(parameters.r), (1...16).contains(parameters.p),
              let salt = Hex.decode(parameters.salt) else {
            throw CLIError("the keys file names scrypt parameters this sunsync does not accept (N = 2^\(parameters.logN), r = \(parameters.r), p = \(parameters.p))")
        }
        let memory = (1 << parameters.logN) * parameters.r * 128 * parameters.p
        do {
            return try KDF.Scrypt.deriveKey(from: Array(passphrase.precomposedStringWithCanonicalMapping.utf8), salt: salt, outputByteCount: 32,
                                            rounds: 1 << parameters.logN, blockSize: parameters.r, parallelism: parameters.p,
                                            maxMemory: memory + (16 << 20))
        } catch {
            throw CLIError("cannot derive the key from the passphrase (scrypt needs \(memory >> 20) MiB): \(error)")
        }
    }

    static func read(_ path: String) throws -> KeysFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        do { return try JSONDecoder().decode(KeysFile.self, from: data) } catch {
            throw CLIError("\(path) is not a Sunsync keys file (\(error)); restore it from a backup (`sunsync backup` writes FILE.keys)")
        }
    }

    /// Written whole or not at all (a new file renamed over the old one), owner-only.
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o600]),
              rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func newStoreID() -> String {
        var rng = SystemRandomNumberGenerator()
        return Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }
}

/// A store's key kept for a working session in the user's kernel keyring (keyrings(7)), so that the
/// passphrase is typed at most once a day: gone after `seconds`, at `sunsync lock`, or at reboot. Where
/// the keyring is not available (a container without it), every command asks again.
enum KeyCache {
    static let seconds: UInt32 = 10 * 3600

    static func name(_ store: String) -> String { "sunsync:store:\(store)" }

    static func get(_ store: String) -> StoreKey? {
        var buffer = [UInt8](repeating: 0, count: 64)
        let length = sunsync_keyring_read(name(store), &buffer, buffer.count)
        defer { buffer.withUnsafeMutableBytes { for i in $0.indices { $0[i] = 0 } } }
        guard length == 32 else { return nil }
        return StoreKey(bytes: Array(buffer[0..<32]))
    }

    static func put(_ key: StoreKey, _ store: String) {
        _ = key.bytes.withUnsafeBytes { sunsync_keyring_add(name(store), $0.baseAddress, 32, seconds) }
    }

    /// Whether a key was held.
    @discardableResult
    static func drop(_ store: String) -> Bool { sunsync_keyring_remove(name(store)) == 0 }
}

/// Where a passphrase comes from: `--passphrase-file`, else `SUNSYNC_PASSPHRASE` (scripts, tests), else
/// the person at the terminal (typed without echo).
enum Passphrase {
    static let minimumLength = 8

    static func given(_ options: GlobalOptions) throws -> String? {
        if let file = options.passphraseFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw CLIError("cannot read the passphrase file \(file)") }
            return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        return ProcessInfo.processInfo.environment["SUNSYNC_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The passphrase of an existing store.
    static func existing(_ options: GlobalOptions, for home: String) throws -> String {
        if let given = try given(options) { return given }
        guard let typed = ask("口令 Passphrase for \(home): ") else {
            throw CLIError("this laptop's store is locked and there is no terminal to ask for its passphrase: "
                + "run `sunsync unlock` first, or give it with SUNSYNC_PASSPHRASE or --passphrase-file")
        }
        return typed
    }

    /// A new passphrase: given (`SUNSYNC_PASSPHRASE`, `--passphrase-file`), or typed twice.
    static func new(_ options: GlobalOptions, why: String) throws -> String {
        try new(given: given(options), why: why)
    }

    /// A new passphrase: `given`, or typed twice.
    static func new(given: String?, why: String) throws -> String {
        let passphrase: String
        if let given {
            passphrase = given
        } else {
            FileHandle.standardError.write(Data("\(why)\n".utf8))
            guard let first = ask("新口令 New passphrase (at least \(minimumLength) characters): ") else {
                throw CLIError("\(why) There is no terminal to ask for one: give it with SUNSYNC_PASSPHRASE or --passphrase-file")
            }
            guard ask("再输一次 Again: ") == first else { throw CLIError("the two passphrases differ; nothing was changed. Run the command again") }
            passphrase = first
        }
        guard passphrase.count >= minimumLength else {
            throw CLIError("a passphrase needs at least \(minimumLength) characters (Chinese characters count one each); nothing was changed")
        }
        return passphrase
    }

    /// Asks on the terminal, without echo; nil where standard input is not a terminal (a script, a pipe).
    static func ask(_ prompt: String) -> String? {
        guard isatty(STDIN_FILENO) == 1 else { return nil }
        let fd = Foundation.open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var saved = termios()
        let isTerminal = tcgetattr(fd, &saved) == 0
        if isTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(fd, TCSAFLUSH, &quiet)
        }
        defer { if isTerminal { tcsetattr(fd, TCSAFLUSH, &saved); _ = Foundation.write(fd, "\n", 1) } }
        _ = prompt.withCString { Foundation.write(fd, $0, strlen($0)) }
        var bytes = [UInt8]()
        var byte: UInt8 = 0
        while Foundation.read(fd, &byte, 1) == 1, byte != 10 { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
