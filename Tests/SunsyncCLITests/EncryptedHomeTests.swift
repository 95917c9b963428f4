import Foundation
import GRDB
import SunsyncModel
import SunsyncStore
import Testing
@testable import SunsyncCLI
import SunsyncTestSupport

/// A laptop lost on the way to a rural site gives nothing away: its store, WAL and backups are encrypted
/// (SQLCipher), opened with a passphrase typed once a working session, through the real `sunsync`.
@Suite struct EncryptedHomeTests {
    /// Every byte of every file in `folder`.
    static func bytes(_ folder: String) throws -> Data {
        var all = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            all += (try? Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))) ?? Data()
        }
        return all
    }

    static let secrets = ["张三", "李四", People.zhang, People.li, String(People.zhang.prefix(18)), "MH-SB-001", "包装", "participants"]

    static func leaked(_ data: Data) -> [String] { secrets.filter { data.range(of: Data($0.utf8)) != nil } }

    @Test func nothingOfADaysWorkIsReadableInTheHomeOrItsBackup() throws {
        // Given a day's work on a laptop: participants, hours, a lunch, a backup
        let cli = try CLI.withParticipants()
        #expect(try cli.run("hours", "set", "张三", "2024-03-04", "4", "--project", "包装").status == 0)
        #expect(try cli.run("lunch", "set", "李四", "2024-03-04").status == 0)
        let backup = cli.home + "/backup.sqlite"
        #expect(try cli.run("backup", backup).status == 0)
        #expect(FileManager.default.fileExists(atPath: backup + ".keys"))

        // Then no name, number, org code or even table name is in any byte of the home (store, WAL, keys, backup)
        let leaked = Self.leaked(try Self.bytes(cli.home))
        #expect(leaked.isEmpty, "\(leaked)")
        #expect(!Store.isPlaintext(cli.storePath) && !Store.isPlaintext(backup))
        // and status says so
        let status = try #require(try cli.run("status", "--json").json() as? [String: Any])
        #expect((status["encryption"] as? String)?.hasPrefix("SQLCipher 4") == true, "\(status)")
        // and the keys file is its owner's alone
        #expect((try FileManager.default.attributesOfItem(atPath: cli.home + "/store.keys")[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aWrongPassphraseOpensNothingAndLockForgetsTheKey() throws {
        // Given a laptop, unlocked since its passphrase was chosen
        let cli = try CLI.withParticipants()
        let unlocked = try cli.run("participant", "list", environment: ["SUNSYNC_PASSPHRASE": ""])
        #expect(unlocked.status == 0 && unlocked.out.contains("张三"), "the key is kept for the working session: \(unlocked.err)")

        // When it is locked
        let locked = try cli.run("lock")
        #expect(locked.status == 0 && locked.out.contains("Locked"))

        // Then a wrong passphrase opens nothing and changes nothing
        let wrong = try cli.run("hours", "set", "张三", "2024-03-04", "4", environment: ["SUNSYNC_PASSPHRASE": "not the passphrase"])
        #expect(wrong.status != 0 && wrong.err.contains("wrong passphrase"), "\(wrong.err)")
        #expect(!wrong.out.contains("张三"))
        // and with no passphrase and no terminal, it says how to unlock
        let none = try cli.run("participant", "list", environment: ["SUNSYNC_PASSPHRASE": ""])
        #expect(none.status != 0 && none.err.contains("sunsync unlock"), "\(none.err)")
        // and the right one unlocks it for the session: later commands need none
        let unlock = try cli.run("unlock")
        #expect(unlock.status == 0 && unlock.out.contains("Unlocked"), "\(unlock.err)")
        #expect(try cli.run("hours", "set", "张三", "2024-03-04", "4", environment: ["SUNSYNC_PASSPHRASE": ""]).status == 0)
        #expect(try cli.opCount() > 0)
    }

    @Test func thePassphraseChangesAndTheOldOneNoLongerOpens() throws {
        let cli = try CLI.withParticipants()
        let short = try cli.run("passphrase", environment: ["SUNSYNC_NEW_PASSPHRASE": "短"])
        #expect(short.status != 0 && short.err.contains("at least 8"))
        let changed = try cli.run("passphrase", environment: ["SUNSYNC_NEW_PASSPHRASE": "新的口令 new passphrase"])
        #expect(changed.status == 0, "\(changed.err)")
        try cli.run("lock")
        #expect(try cli.run("participant", "list").err.contains("wrong passphrase"))
        let opened = try cli.run("participant", "list", environment: ["SUNSYNC_PASSPHRASE": "新的口令 new passphrase"])
        #expect(opened.status == 0 && opened.out.contains("张三"))
        // A passphrase file works as well (its first line)
        try cli.run("lock")
        let file = cli.home + "/passphrase.txt"
        try "新的口令 new passphrase\r\nsecond line\r\n".write(toFile: file, atomically: true, encoding: .utf8)   // as a Windows editor saves it
        #expect(try cli.run("status", "--passphrase-file", file, environment: ["SUNSYNC_PASSPHRASE": ""]).status == 0)
    }

    @Test func aStoreFromBeforeEncryptionIsEncryptedOnceAndKeepsEverything() throws {
        // Given a home made by an earlier sunsync: its store in the clear, a change not yet synced
        let cli = CLI()
        try FileManager.default.createDirectory(atPath: cli.home, withIntermediateDirectories: true)
        let plain = try Store.create(at: cli.storePath, replica: ReplicaID(0xa1), metadata: ["org": "MH-SB-001"])
        let person = RecordKey(collection: .participants, id: try plain.personKeys().participant(org: "MH-SB-001", certificate: try CertificateNumber(validating: People.zhang)))
        try plain.write { tx in
            for (field, value) in [("name", Value.text("张三")), ("cert", .text(People.zhang)), ("contract", .text("part-time")),
                                   ("contract_start", .date(CivilDate("2024-01-01")!))] { try tx.set(person, field, value) }
        }
        #expect(!Self.leaked(try Self.bytes(cli.home)).isEmpty)

        // When the new sunsync first opens it
        let first = try cli.run("participant", "list")

        // Then it says it encrypts the store, once, and everything is there, still waiting to be sent
        #expect(first.status == 0 && first.err.contains("Encrypting the store") && first.out.contains("张三"), "\(first.err)")
        #expect(Self.leaked(try Self.bytes(cli.home)).isEmpty)
        let status = try #require(try cli.run("status", "--json").json() as? [String: Any])
        #expect(status["pending_ops"] as? Int == 4 && status["participants"] as? Int == 1)
        #expect(!(try cli.run("participant", "list").err.contains("Encrypting")))
    }

    @Test func aBackupRestoresOnANewLaptopWithItsKeysAndPassphrase() throws {
        // Given a laptop's backup and its keys file
        let cli = try CLI.withParticipants()
        try cli.run("hours", "set", "张三", "2024-03-04", "4")
        let folder = Scratch.path("sunsync-usb")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(try cli.run("backup", folder + "/laptop.sqlite").status == 0)

        // When a new laptop restores it without the keys file, with a wrong passphrase, and then as it should
        let fresh = CLI()
        try FileManager.default.moveItem(atPath: folder + "/laptop.sqlite.keys", toPath: folder + "/keys")
        let noKeys = try fresh.run("restore", folder + "/laptop.sqlite")
        #expect(noKeys.status != 0 && noKeys.err.contains(".keys"))
        try FileManager.default.moveItem(atPath: folder + "/keys", toPath: folder + "/laptop.sqlite.keys")
        try cli.run("lock")   // the new laptop has no key in its keyring (here: the same machine's)
        let wrong = try fresh.run("restore", folder + "/laptop.sqlite", environment: ["SUNSYNC_PASSPHRASE": "not the passphrase"])
        #expect(wrong.status != 0 && wrong.err.contains("wrong passphrase"))
        let restored = try fresh.run("restore", folder + "/laptop.sqlite")

        // Then it holds the laptop's days, opens with the same passphrase, and shows nothing in the clear
        #expect(restored.status == 0, "\(restored.err)")
        try fresh.run("lock")
        let days = try #require(try fresh.run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(days.map { $0["date"] as? String } == ["2024-03-04"])
        #expect(Self.leaked(try Self.bytes(fresh.home)).isEmpty)
    }

    @Test func aBackupMadeBeforeEncryptionIsRestoredAndEncrypted() throws {
        // Given a laptop's backup from before encryption (in the clear, no keys file), and an encrypted home
        let old = CLI()
        try FileManager.default.createDirectory(atPath: old.home, withIntermediateDirectories: true)
        let plain = try Store.create(at: old.storePath, replica: ReplicaID(0xa1), metadata: ["org": "MH-SB-001"])
        let person = RecordKey(collection: .participants, id: try plain.personKeys().participant(org: "MH-SB-001", certificate: try CertificateNumber(validating: People.zhang)))
        try plain.write { tx in
            for (field, value) in [("name", Value.text("张三")), ("cert", .text(People.zhang)), ("contract", .text("part-time")),
                                   ("contract_start", .date(CivilDate("2024-01-01")!))] { try tx.set(person, field, value) }
        }
        let backup = old.home + "/old-backup.sqlite"
        try plain.backup(to: backup)
        let cli = try CLI.withParticipants()

        // When it is restored
        let restored = try cli.run("restore", backup)

        // Then it holds the backup's records, encrypted with the home's key
        #expect(restored.status == 0 && restored.out.contains("encrypted now"), "\(restored.err)")
        let listed = try #require(try cli.run("participant", "list", "--json").json() as? [[String: Any]])
        #expect(listed.map { $0["name"] as? String } == ["张三"])
        #expect(!Store.isPlaintext(cli.storePath))
    }

    @Test func scryptCostsWhatItSaysAndAKeysFileIsBoundToItsStore() throws {
        // The real cost (2^17, r 8: 128 MiB), unwrapped only by the passphrase it was made with
        let key = StoreKey.random()
        let keys = try KeysFile.wrap(key, passphrase: "口令 passphrase", store: "0123456789abcdef")
        #expect(keys.scrypt.logN == (ProcessInfo.processInfo.environment["SUNSYNC_KDF_LOGN"].flatMap(Int.init) ?? KeysFile.defaultLogN))
        #expect(try keys.unwrap(passphrase: "口令 passphrase") == key)
        #expect(throws: StoreError.self) { try keys.unwrap(passphrase: "口令 passphrasf") }
        // Sealed to its store's id: the same sealed key under another id does not open
        var moved = keys
        moved.store = "fedcba9876543210"
        #expect(throws: StoreError.self) { try moved.unwrap(passphrase: "口令 passphrase") }
        // and a file asking for absurd parameters is refused before any work
        var absurd = keys
        absurd.scrypt.logN = 40
        #expect(throws: StoreError.self) { try absurd.unwrap(passphrase: "口令 passphrase") }
    }
}
