import Foundation
import GRDB
import SunsyncModel
import SunsyncServerStore
import SunsyncStore
import Testing
import SunsyncTestSupport

/// The server's SQLite file as an op log of its own (`SQLiteServerStore`), and the upgrade of the files
/// before it, which were shaped like a laptop's store.
///
/// `Fixtures/server-before-op-log.sqlite` was written by sunsync-server 2a3c727 (the last version with the
/// laptop-shaped file): org MH-SB-001 added, then edited (lunch rate from 2024-04-01); a weekly-limit
/// setting; staff laptop 莘庄-笔记本1 pushed 张三 with hours on 2024-03-04…07 and 08 and a lunch on 03-04,
/// then was revoked; reviewer 闵行残联-审核2 approved March on its laptop, and rejected 03-08 on the review
/// page (its web replica); staff 莘庄-笔记本2 added but never used. 24 ops.
@Suite struct SQLiteServerStoreTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A copy of the fixture in a new directory; its path.
    static func oldServerFile() throws -> String {
        let dir = Scratch.path("server")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/server.sqlite"
        try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("server-before-op-log.sqlite").path, toPath: path)
        return path
    }

    @Test func aServerFileFromBeforeIsUpgradedOnceAndKeepsEverything() async throws {
        let path = try Self.oldServerFile()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        var upgrades = 0
        let store = try SQLiteServerStore.open(path: path) { upgrades += 1 }
        #expect(upgrades == 1)

        // Every op is there, each under the signature it came with.
        let verified = try await store.verify { _, _ in }
        #expect(verified.ops == 24 && verified.failures.isEmpty, "\(verified.failures)")
        // The devices, their replicas and keys, the settings.
        let devices = try await store.devices()
        #expect(devices.map(\.name).sorted() == ["莘庄-笔记本1", "莘庄-笔记本2", "闵行残联-审核1", "闵行残联-审核2"].sorted())
        let revoked = try #require(devices.first { $0.name == "莘庄-笔记本1" })
        #expect(revoked.revokedAt != nil && revoked.replicas.count == 1)
        #expect(devices.first { $0.name == "闵行残联-审核2" }?.webReplica != nil)
        #expect(try await store.rules() != Rules())

        // The merged state, now made by the model from the ops: 5 days, the page's rejection, the laptop's approvals.
        let state = try await store.mergedState(nil, days: nil)
        let hours = state.records(in: .hours)
        #expect(hours.count == 5)
        for entry in hours {
            #expect(entry.record.reviewStatus == (entry.key.id.hasSuffix("2024-03-08") ? .rejected : .approved), "\(entry.key)")
        }
        #expect(state.records(in: .lunches).count == 1 && state.records(in: .participants).count == 1)
        #expect(try await store.orgs(inDistrict: "310112") == ["MH-SB-001"])

        // Replicas stay bound to their devices: the revoked laptop's cannot be taken by another device.
        let staffReplica = try #require(ReplicaID(hex: revoked.replicas[0]))
        #expect(try await store.bindReplicas([staffReplica], to: "dev_other", at: "now") == [staffReplica])

        // The server's own writes go on after everything it wrote before, and are signed.
        let org = RecordKey(collection: .orgs, id: "MH-SB-001")
        let before = try await store.history(of: [org]).map(\.op.id)
        let (_, written) = try await store.edit([org], by: .server) { tx in try tx.set(org, "name", .text("莘庄镇阳光之家")) }
        let newest = try #require(written.first)
        #expect(before.allSatisfy { $0 < newest.id })
        #expect(try await store.record(org)?.displayed("name") == .text("莘庄镇阳光之家"))
        #expect(try await store.verify { _, _ in }.failures.isEmpty)
        await store.close()

        // The file is the server's own now: the laptop's tables are gone, and it is not upgraded again.
        let queue = try DatabaseQueue(path: path)
        let (tables, format) = try await queue.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"),
             try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'"))
        }
        try queue.close()
        #expect(Set(tables).isDisjoint(with: ["current", "replaced", "outbox", "rejected"]))
        #expect(format == SQLiteServerStore.format)
        let again = try SQLiteServerStore.open(path: path) { upgrades += 1 }
        #expect(upgrades == 1)
        #expect(try await again.lastSeq() == 25)
        await again.close()
    }

    @Test func aFileHalfWayThroughTheOldMigrationsIsRefusedUntouched() async throws {
        let path = try Self.oldServerFile()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'server-v5-signatures'") }
        try queue.close()
        #expect { try SQLiteServerStore.open(path: path) } throws: { error in
            (error as? StoreError)?.code == .newerFormat && (error as? StoreError)?.message.contains("server-v5-signatures") == true
        }
        let reread = try DatabaseQueue(path: path)
        #expect(try await reread.read { db in try db.tableExists("current") })
        try reread.close()
    }

    @Test func aFileANewerServerMigratedIsRefused() async throws {
        let dir = Scratch.path("server")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteServerStore.open(path: dir + "/server.sqlite")
        await store.close()
        let queue = try DatabaseQueue(path: dir + "/server.sqlite")
        try await queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('server-store-v9')") }
        try queue.close()
        #expect { try SQLiteServerStore.open(path: dir + "/server.sqlite") } throws: { ($0 as? StoreError)?.code == .newerFormat }
    }

    @Test func aLaptopsStoreIsNotAServersDatabaseNorTheOtherWayRound() async throws {
        let dir = Scratch.path("server")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Store.create(at: dir + "/laptop.sqlite", replica: ReplicaID(0xa1), metadata: ["org": "MH-SB-001"])
        #expect { try SQLiteServerStore.open(path: dir + "/laptop.sqlite") } throws: { ($0 as? StoreError)?.code == .notAStore }
        let server = try SQLiteServerStore.open(path: dir + "/server.sqlite")
        await server.close()
        #expect { try Store.open(at: dir + "/server.sqlite") } throws: { ($0 as? StoreError)?.code == .notAStore }
    }
}
