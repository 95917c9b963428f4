import Foundation
import GRDB
import SunsyncModel
import SunsyncServerStore
import SunsyncStore
import Testing
@testable import SunsyncPostgres
import SunsyncTestSupport

/// Person keys under the deployment's secret (SPEC §1): a database from before secrets, whose ids were an
/// unkeyed SHA-256 of the resident ID, is rewritten once when this version opens it, on both backends.
struct PersonKeyTests {
    static let cert = "31011219900315123X52"
    static let org = "MH-SB-001"
    static var resident: ResidentID { try! CertificateNumber(validating: cert).residentID }
    static var legacy: String { "\(org)/\(PersonKeys.unkeyed(resident))" }
    static let orphan = "MH-SB-001/0123456789abcdef0123/2024-03-05"
    static let reveal = "MH-SB-001/0123456789abcdef"

    static func op(_ n: UInt64, _ collection: CollectionName, _ record: String, _ field: String, _ value: Value) -> Op {
        Op(id: OpID(timestamp: Timestamp(milliseconds: 1_709_510_400_000 + n * 1000, counter: 0), replica: ReplicaID(0xa1)),
           collection: collection, record: record, field: field, value: value)
    }

    /// What a server held before secrets: a participant, a day of theirs approved by a reviewer, a reveal
    /// naming them, and a day of someone no certificate names.
    static var before: [Op] {
        let day = legacy + "/2024-03-04"
        var ops = [op(1, .participants, legacy, "name", .text("张三")), op(2, .participants, legacy, "cert", .text(cert)),
                   op(3, .participants, legacy, "contract", .text("part-time")), op(4, .participants, legacy, "contract_start", .date(CivilDate("2024-01-01")!)),
                   op(5, .hours, day, "minutes", .integer(240)), op(6, .hours, orphan, "minutes", .integer(60)),
                   op(7, .reveals, reveal, "participants", .text(PersonKeys.unkeyed(resident))), op(8, .reveals, reveal, "purpose", .text("核对"))]
        let version = MergedState(ops)[RecordKey(collection: .hours, id: day)]!.contentVersion
        ops.append(op(9, .hours, day, "review", .text("approved \(version)")))
        return ops
    }

    /// The same facts under the store's secret, nothing lost, every op verifying.
    static func expectRewritten(_ store: any ServerStore) async throws {
        let keys = try await store.personKeys()
        let person = keys.participant(org: org, residentID: resident)
        let state = try await store.mergedState(nil, days: nil)
        #expect(state[RecordKey(collection: .participants, id: person)]?.displayed("cert") == .text(cert))
        let found = state[RecordKey(collection: .hours, id: person + "/2024-03-04")]
        let day = try #require(found)
        #expect(day.displayed("minutes") == .integer(240))
        #expect(day.reviewStatus == .approved, "a decision names op ids, which stay")
        #expect(state[RecordKey(collection: .hours, id: orphan)]?.displayed("minutes") == .integer(60), "no certificate names it: kept as it was")
        #expect(state[RecordKey(collection: .reveals, id: reveal)]?.displayed("participants") == .text(keys.key(resident)))
        #expect(!state.records.keys.contains { $0.id.contains(PersonKeys.unkeyed(resident)) })
        #expect(state.records.count == 4)
        let verified = try await store.verify { _, _ in }
        #expect(verified.ops == before.count && verified.failures.isEmpty, "\(verified.failures)")
    }

    @Test func anSQLiteDatabaseFromBeforeSecretsIsRewrittenOnce() async throws {
        let dir = Scratch.path("server")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/server.sqlite"
        // Given a database as it was before secrets: the ops signed (attested), no secret, the migration not run
        var store = try SQLiteServerStore.open(path: path)
        _ = try await store.push(Self.before, device: nil, at: "")
        try store.attestUnsigned()
        let epoch = try await store.epoch()
        await store.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DELETE FROM meta WHERE key = 'person_secret'")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'server-store-v3-person-keys'")
        }
        try queue.close()
        // When this version opens it, then its ids are the secret's, and laptops are told to start over
        var upgrades = 0
        store = try SQLiteServerStore.open(path: path) { upgrades += 1 }
        #expect(upgrades == 1)
        try await Self.expectRewritten(store)
        let after = try await store.epoch()
        #expect(after != epoch)
        let keys = try await store.personKeys()
        await store.close()
        // and opened again, nothing changes.
        store = try SQLiteServerStore.open(path: path)
        let (keysAgain, epochAgain) = (try await store.personKeys(), try await store.epoch())
        #expect(keysAgain == keys && epochAgain == after)
        await store.close()
    }

    @Test(.enabled(if: Backend.postgresURL != nil)) func aPostgreSQLDatabaseFromBeforeSecretsIsRewrittenOnce() async throws {
        let url = try #require(Backend.postgresURL)
        let database = try await Backend.newDatabase(url)
        defer { Task { await Backend.dropDatabase(url, database.name) } }
        var store = try await PostgresStore.connect(url: database.url, maximumConnections: 4)
        _ = try await store.push(Self.before, device: nil, at: "")
        try await store.signUnsigned()
        let epoch = try await store.epoch()
        _ = try await store.query("DELETE FROM meta WHERE key = 'person_secret'")
        await store.close()
        store = try await PostgresStore.connect(url: database.url, maximumConnections: 4)
        try await Self.expectRewritten(store)
        let after = try await store.epoch()
        #expect(after != epoch)
        let keys = try await store.personKeys()
        await store.close()
        store = try await PostgresStore.connect(url: database.url, maximumConnections: 4)
        let (keysAgain, epochAgain) = (try await store.personKeys(), try await store.epoch())
        #expect(keysAgain == keys && epochAgain == after)
        await store.close()
    }

    @Test func aFreshDatabaseMakesItsOwnSecret() async throws {
        let one = try await Backend.sqlite.with { try await $0.personKeys() }
        let two = try await Backend.sqlite.with { try await $0.personKeys() }
        #expect(one != two)
    }
}
