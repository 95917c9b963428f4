import Foundation
import SunsyncModel
import SunsyncStore
import Testing
@testable import SunsyncCLI
import SunsyncTestSupport

/// A laptop whose passphrase was forgotten is opened with the district's recovery key, and nothing it had
/// not synced is lost: through the real server and laptops.
@Suite(.serialized) struct RecoveryTests {
    @Test(arguments: ServerBackend.available) func theDistrictOpensALaptopWhosePassphraseWasForgotten(backend: ServerBackend) throws {
        // Given a laptop that logged in before the district made its recovery key, and one after
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let early = try CLI.linked(server, "early", "--role", "staff", "--org", "MH-SB-002")
        let usb = Scratch.path("sunsync-recovery")
        try FileManager.default.createDirectory(atPath: usb, withIntermediateDirectories: true)
        let made = try server.admin("recovery", "init", "--out", usb + "/recovery.key")
        #expect(made.status == 0 && made.out.contains("offline"), "\(made.err)")
        #expect((try FileManager.default.attributesOfItem(atPath: usb + "/recovery.key")[.posixPermissions] as? Int) == 0o600)
        let again = try server.admin("recovery", "init", "--out", usb + "/second.key")
        #expect(again.status != 0 && again.err.contains("--replace"))
        let laptop = try CLI.linked(server, "laptop-a", "--role", "staff", "--org", "MH-SB-001")
        #expect(try KeysFile.read(laptop.home + "/store.keys").recovery != nil, "sealed at login")
        #expect(try KeysFile.read(early.home + "/store.keys").recovery == nil)
        _ = try early.sync()
        #expect(try KeysFile.read(early.home + "/store.keys").recovery != nil, "sealed at its next sync")

        // and a day recorded on it and never synced, then its passphrase forgotten
        #expect(try laptop.run("participant", "add", "--name", "张三", "--cert", People.zhang, "--start", "2024-01-01").status == 0)
        #expect(try laptop.run("hours", "set", "张三", "2024-03-04", "4").status == 0)
        try laptop.run("lock")
        #expect(try laptop.run("hours", "list", environment: ["SUNSYNC_PASSPHRASE": "忘了 forgotten"]).status != 0)

        // When the administrator opens its keys file with the recovery key (another file does not)
        let wrongKey = try server.admin("recovery", "open", "--key", laptop.home + "/store.keys", "--keys", laptop.home + "/store.keys", "--out", usb + "/x.keys")
        #expect(wrongKey.status != 0 && wrongKey.err.contains("not a recovery key file"))
        let opened = try server.admin("recovery", "open", "--key", usb + "/recovery.key", "--keys", laptop.home + "/store.keys", "--out", usb + "/new.keys")
        #expect(opened.status == 0, "\(opened.err)")
        let oneTime = try #require(opened.out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.count == 23 && $0.filter { $0 == "-" }.count == 3 })

        // Then the laptop opens with the one-time passphrase, its unsynced day there, and takes a new passphrase
        try FileManager.default.removeItem(atPath: laptop.home + "/store.keys")
        try FileManager.default.copyItem(atPath: usb + "/new.keys", toPath: laptop.home + "/store.keys")
        let days = try laptop.run("hours", "list", "--json", environment: ["SUNSYNC_PASSPHRASE": oneTime])
        #expect(days.status == 0 && days.out.contains("2024-03-04"), "\(days.err)")
        #expect(try laptop.run("passphrase", environment: ["SUNSYNC_PASSPHRASE": oneTime, "SUNSYNC_NEW_PASSPHRASE": "新口令 2026 新的"]).status == 0)
        try laptop.run("lock")
        #expect(try laptop.run("status", environment: ["SUNSYNC_PASSPHRASE": oneTime]).status != 0)
        // and it syncs what it had never sent
        let synced = try laptop.run("sync", environment: ["SUNSYNC_PASSPHRASE": "新口令 2026 新的"])
        #expect(synced.status == 0, "\(synced.err)")
        let reviewer = try CLI.linked(server, "mh-review", "--role", "reviewer", "--district", "310112")
        _ = try reviewer.sync()
        #expect(try reviewer.run("review", "list", "--month", "2024-03").out.contains("张三"))
        // and its keys file is still sealed for the district
        #expect(try KeysFile.read(laptop.home + "/store.keys").recovery != nil)
    }
}
