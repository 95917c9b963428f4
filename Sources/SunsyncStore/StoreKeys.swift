import Crypto
import _CryptoExtras
import Foundation
import SunsyncModel

/// `store.keys` beside the store (0600): the store's random key wrapped by the passphrase (scrypt, then
/// AES-256-GCM bound to the store's id). Without the passphrase it gives nothing away; without it (or the
/// district's recovery), the store cannot be read. `sunsync backup` copies it beside the backup.
public struct KeysFile: Codable, Equatable, Sendable {
    public static let currentFormat = "sunsync-keys-1"

    public var format = Self.currentFormat
    /// 16 hex digits naming this store's key (in the keyring while unlocked); the same in its backups.
    public var store: String
    public var scrypt: Scrypt
    /// The store key sealed with the passphrase's key: AES-GCM nonce, ciphertext and tag, in hex.
    public var sealed: String
    /// The store key sealed to the district's recovery key (HPKE), once the server has given laptops one.
    public var recovery: Recovery?

    public struct Scrypt: Codable, Equatable, Sendable {
        /// log2 of scrypt's N (its cost in time and memory: 2^N × r × 128 bytes).
        public var logN: Int
        public var r: Int
        public var p: Int
        public var salt: String
    }

    /// HPKE (X25519, HKDF-SHA256, ChaCha20-Poly1305) to the district's recovery key, bound to the store's id.
    public struct Recovery: Codable, Equatable, Sendable {
        /// The recovery key's public half (hex): a new one on the server means a new wrap.
        public var publicKey: String
        public var encapsulated: String
        public var sealed: String

        enum CodingKeys: String, CodingKey { case publicKey = "public_key", encapsulated, sealed }
    }

    /// scrypt with N = 2^17, r = 8: 128 MiB and about half a second here, once per working session.
    public static let defaultLogN = 17

    /// The key under `passphrase`, with a new salt. `SUNSYNC_KDF_LOGN` lowers the cost for tests only
    /// (10 to 20; a file keeps the cost it was made with).
    public static func wrap(_ key: StoreKey, passphrase: String, store: String) throws -> KeysFile {
        let logN = ProcessInfo.processInfo.environment["SUNSYNC_KDF_LOGN"].flatMap(Int.init).map { min(20, max(10, $0)) } ?? defaultLogN
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let parameters = Scrypt(logN: logN, r: 8, p: 1, salt: Hex.encode(salt))
        let wrapping = try derive(passphrase, parameters)
        let box = try AES.GCM.seal(key.bytes, using: wrapping, authenticating: Array(store.utf8))
        guard let combined = box.combined else { throw StoreError(.invalid, "cannot seal the store's key") }
        return KeysFile(store: store, scrypt: parameters, sealed: Hex.encode(Array(combined)))
    }

    /// The store key, or a refusal that says the passphrase is wrong.
    public func unwrap(passphrase: String) throws -> StoreKey {
        guard format == Self.currentFormat else { throw StoreError(.newerFormat, "the keys file is of format \(format); this sunsync reads \(Self.currentFormat): install a newer sunsync") }
        guard let sealed = Hex.decode(sealed), let box = try? AES.GCM.SealedBox(combined: sealed) else {
            throw StoreError(.invalid, "the keys file is damaged (its sealed key cannot be read); restore store.keys from a backup")
        }
        let wrapping = try Self.derive(passphrase, scrypt)
        guard let bytes = try? AES.GCM.open(box, using: wrapping, authenticating: Array(store.utf8)), let key = StoreKey(bytes: Array(bytes)) else {
            throw StoreError(.wrongPassphrase, "wrong passphrase: this home's store does not open with it (try again; if it is forgotten, the district's administrator can recover the store)")
        }
        return key
    }

    static func derive(_ passphrase: String, _ parameters: Scrypt) throws -> SymmetricKey {
        guard (10...20).contains(parameters.logN), (1...32).contains(parameters.r), (1...16).contains(parameters.p),
              let salt = Hex.decode(parameters.salt) else {
            throw StoreError(.invalid, "the keys file names scrypt parameters this sunsync does not accept (N = 2^\(parameters.logN), r = \(parameters.r), p = \(parameters.p))")
        }
        let memory = (1 << parameters.logN) * parameters.r * 128 * parameters.p
        do {
            return try KDF.Scrypt.deriveKey(from: Array(passphrase.precomposedStringWithCanonicalMapping.utf8), salt: salt, outputByteCount: 32,
                                            rounds: 1 << parameters.logN, blockSize: parameters.r, parallelism: parameters.p,
                                            maxMemory: memory + (16 << 20))
        } catch {
            throw StoreError(.invalid, "cannot derive the key from the passphrase (scrypt needs \(memory >> 20) MiB): \(error)")
        }
    }

    public static func read(_ path: String) throws -> KeysFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw StoreError(.invalid, "cannot read \(path)") }
        do { return try JSONDecoder().decode(KeysFile.self, from: data) } catch {
            throw StoreError(.invalid, "\(path) is not a Sunsync keys file (\(error)); restore it from a backup (`sunsync backup` writes FILE.keys)")
        }
    }

    /// Written whole or not at all (a new file renamed over the old one), owner-only.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o600]),
              rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw StoreError(.invalid, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    public static func newStoreID() -> String {
        var rng = SystemRandomNumberGenerator()
        return Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }
}


extension KeysFile {
    static let recoverySuite = HPKE.Ciphersuite.Curve25519_SHA256_ChachaPoly
    var recoveryInfo: Data { Data("sunsync-store-key:\(store)".utf8) }

    /// The file with the store's key also sealed to the district's recovery key (its public half, 32 bytes).
    public func sealed(_ key: StoreKey, toRecovery publicKey: [UInt8]) throws -> KeysFile {
        guard let recipient = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: publicKey) else {
            throw StoreError(.invalid, "the district's recovery key is not an X25519 public key")
        }
        var sender = try HPKE.Sender(recipientKey: recipient, ciphersuite: Self.recoverySuite, info: recoveryInfo)
        let sealed = try sender.seal(key.bytes, authenticating: Data(store.utf8))
        var file = self
        file.recovery = Recovery(publicKey: Hex.encode(publicKey), encapsulated: Hex.encode(Array(sender.encapsulatedKey)), sealed: Hex.encode(Array(sealed)))
        return file
    }

    /// The store's key, unsealed with the district's recovery key (its private half).
    public func unsealed(withRecovery privateKey: Curve25519.KeyAgreement.PrivateKey) throws -> StoreKey {
        guard let recovery else {
            throw StoreError(.invalid, "this keys file holds no copy for the district's recovery key: its laptop never synced after the district made one")
        }
        guard recovery.publicKey == Hex.encode(Array(privateKey.publicKey.rawRepresentation)) else {
            throw StoreError(.wrongKey, "this keys file was sealed to another recovery key (\(recovery.publicKey.prefix(16))…), not this one")
        }
        guard let encapsulated = Hex.decode(recovery.encapsulated), let sealed = Hex.decode(recovery.sealed),
              var recipient = try? HPKE.Recipient(privateKey: privateKey, ciphersuite: Self.recoverySuite, info: recoveryInfo, encapsulatedKey: Data(encapsulated)),
              let bytes = try? recipient.open(sealed, authenticating: Data(store.utf8)), let key = StoreKey(bytes: Array(bytes)) else {
            throw StoreError(.wrongKey, "the recovery copy in this keys file does not open with this recovery key (damaged?)")
        }
        return key
    }
}
