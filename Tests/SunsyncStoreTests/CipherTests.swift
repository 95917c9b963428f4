import Foundation
import Testing
import SunsyncModel
@testable import SunsyncStore

/// The laptop's store encrypted with SQLCipher: nothing readable in its bytes, opened only with its key,
/// a plaintext store encrypted in place, backups encrypted with it.
@Suite struct CipherTests {
    static let secretName = "欧阳秀兰"
    static let cert = "31011219900315123X52"

    static func filled(_ path: String, key: StoreKey?) throws -> Store {
        let store = try Store.create(at: path, replica: ReplicaID(0xa1), metadata: ["org": "MH-SB-001"], key: key)
        let person = RecordKey(collection: .participants, id: try store.personKeys().participant(org: "MH-SB-001", certificate: try CertificateNumber(validating: cert)))
        try store.write { tx in
            try tx.set(person, "name", .text(secretName))
            try tx.set(person, "cert", .text(cert))
        }
        return store
    }

    /// Every byte of the store's files.
    static func bytes(_ path: String) -> Data {
        ["", "-wal", "-shm"].reduce(into: Data()) { all, suffix in all += (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data() }
    }

    static func holdsSecrets(_ data: Data) -> Bool {
        [secretName, cert, "MH-SB-001", "participants"].contains { data.range(of: Data($0.utf8)) != nil }
    }

    @Test func thisBuildIsSQLCipher() {
        #expect(Cipher.version != nil, "sunsync must be linked with SQLCipher (sqlcipher/libsqlite3.a)")
    }

    @Test func anEncryptedStoreHoldsNothingReadableAndOpensOnlyWithItsKey() throws {
        // Given a store encrypted with a key, holding a participant
        let path = temporaryPath(), key = StoreKey.random()
        let store = try Self.filled(path, key: key)
        #expect(try store.mergedState().records.count == 1)

        // Then neither the file nor its WAL shows a name, a number or even a table name
        #expect(!Self.holdsSecrets(Self.bytes(path)))
        #expect(!Store.isPlaintext(path))
        // and it opens with its key, not with another or none
        #expect(try Store.open(at: path, key: key).mergedState().records.count == 1)
        #expect(throws: StoreError.self) { try Store.open(at: path, key: .random()) }
        do { _ = try Store.open(at: path, key: .random()) } catch { #expect(error.code == .wrongKey) }
        do { _ = try Store.open(at: path) } catch { #expect(error.code == .notAStore && error.message.contains("encrypted")) }
    }

    @Test func aPlaintextStoreIsEncryptedInPlaceAndLosesNothing() throws {
        // Given a store from before encryption, in the clear
        let path = temporaryPath()
        let store = try Self.filled(path, key: nil)
        let before = try store.mergedState()
        let pending = try store.counts().pending
        #expect(Self.holdsSecrets(Self.bytes(path)))

        // When it is encrypted in place
        let key = StoreKey.random()
        #expect(try Store.encrypt(path, with: key) > 0)

        // Then it holds what it held, its changes still waiting to be sent, and nothing in the clear
        let reopened = try Store.open(at: path, key: key)
        #expect(try reopened.mergedState() == before)
        #expect(try reopened.counts().pending == pending)
        #expect(!Self.holdsSecrets(Self.bytes(path)))
        #expect(!FileManager.default.fileExists(atPath: path + ".encrypting"))
        // and it takes writes as before
        try reopened.write { tx in try tx.set(RecordKey(collection: .orgs, id: "MH-SB-001"), "name", .text("莘庄")) }
        #expect(try Store.open(at: path, key: key).mergedState().records.count == 2)
    }

    @Test func backupsAreEncryptedWithTheStoresKey() throws {
        // Given an encrypted store and its backup
        let path = temporaryPath(), key = StoreKey.random()
        let store = try Self.filled(path, key: key)
        let backup = temporaryPath("backup.sqlite")
        let copy = try store.backup(to: backup)
        #expect(copy.ops == 2 && copy.pending == 2)

        // Then the backup shows nothing in the clear, and restores with the key only
        #expect(!Self.holdsSecrets(Self.bytes(backup)))
        let other = temporaryPath()
        #expect(throws: StoreError.self) { try Store.restore(from: backup, to: other, key: .random()) }
        _ = try Store.restore(from: backup, to: other, key: key)
        #expect(try Store.open(at: other, key: key).mergedState() == store.mergedState())
    }
}
