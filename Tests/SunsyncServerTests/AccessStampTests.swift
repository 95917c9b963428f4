import Foundation
import SunsyncModel
import SunsyncServerStore
import SunsyncStore
import Testing
@testable import SunsyncPostgres
import SunsyncTestSupport

/// The stamp a server keeps devices and org records in memory under (`AccessCache`): it changes with every
/// change to a device or an org, made by the store itself or by another process on the same database (an
/// administration command, another server), and not with an ordinary push, which would make keeping useless.
@Suite(.serialized) struct AccessStampTests {
    /// Two stores on one database: the server's (`here`) and a command's (`there`).
    func withTwo(_ backend: Backend, _ body: (any ServerStore, any ServerStore) async throws -> Void) async throws {
        switch backend {
        case .sqlite:
            let dir = Scratch.path("stamp")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let here = try SQLiteServerStore.open(path: dir + "/server.sqlite")
            let there = try SQLiteServerStore.open(path: dir + "/server.sqlite")
            try await body(here, there)
        case .postgres:
            guard let url = Backend.postgresURL else { return }
            let database = try await Backend.newDatabase(url)
            let here = try await PostgresStore.connect(url: database.url, maximumConnections: 4)
            let there = try await PostgresStore.connect(url: database.url, maximumConnections: 4)
            #expect(here.accessStamp() == nil, "nothing may be kept before the server listens")
            here.watchReachability()
            for _ in 0..<100 where here.accessStamp() == nil { try await Task.sleep(for: .milliseconds(50)) }
            do { try await body(here, there) } catch {
                await here.close(); await there.close(); await Backend.dropDatabase(url, database.name)
                throw error
            }
            await here.close(); await there.close(); await Backend.dropDatabase(url, database.name)
        }
    }

    /// Waits (5 s at most) for `store`'s stamp to differ from `before`; returns the new one.
    func changed(_ store: any ServerStore, from before: AccessStamp?, _ what: String) async throws -> AccessStamp? {
        for _ in 0..<100 {
            if let now = store.accessStamp(), now != before { return now }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the stamp did not change after \(what)")
        return store.accessStamp()
    }

    @Test(arguments: Backend.available) func theStampChangesWithEveryDeviceOrOrgChangeHereOrElsewhere(backend: Backend) async throws {
        try await withTwo(backend) { here, there in
            var stamp = try #require(here.accessStamp())
            try await here.addDevice(Device(id: "dev_a", name: "a", role: .staff, org: "MH-SB-001", district: nil, createdAt: "t", revokedAt: nil),
                                     tokenHash: "hash-a")
            stamp = try #require(try await changed(here, from: stamp, "a device added here"))
            // An ordinary push changes nothing that is kept.
            let day = ServerStoreContractTests.op(1, ServerStoreContractTests.day("MH-SB-001", 1))
            _ = try await here.push([day], device: "dev_a", at: "t")
            _ = try await there.push([ServerStoreContractTests.op(2, ServerStoreContractTests.day("MH-SB-001", 2))], device: "dev_a", at: "t")
            try await Task.sleep(for: .milliseconds(200))
            #expect(here.accessStamp() == stamp, "a push of hours changed the stamp")
            // Another process revokes, allows reveals, adds an org, edits one; a push of an org op.
            _ = try await there.revokeDevice("a", at: "t2")
            stamp = try #require(try await changed(here, from: stamp, "a revocation elsewhere"))
            _ = try await there.setMayReveal("a", true)
            stamp = try #require(try await changed(here, from: stamp, "reveals allowed elsewhere"))
            let org = RecordKey(collection: .orgs, id: "MH-SB-009")
            _ = try await there.edit([org], by: .server, now: Date()) { tx in try tx.set(org, "name", .text("新基地")) }
            stamp = try #require(try await changed(here, from: stamp, "an org written elsewhere"))
            let orgOp = Op(id: OpID(timestamp: Timestamp(milliseconds: 5, counter: 0), replica: ReplicaID(0xa1)), collection: .orgs,
                           record: "MH-SB-009", field: "active", value: .bool(false))
            _ = try await there.push([orgOp], device: nil, at: "t3")
            stamp = try #require(try await changed(here, from: stamp, "an org pushed elsewhere"))
            _ = try await here.edit([org], by: .server, now: Date()) { tx in try tx.set(org, "active", .bool(true)) }
            _ = try await changed(here, from: stamp, "an org written here")
        }
    }
}
