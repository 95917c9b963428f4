import Foundation
import GRDB
import Testing
import SunsyncModel
@testable import SunsyncStore

/// A laptop's person keys (SPEC §1): its own secret until a server gives the deployment's; a store keyed
/// before secrets, or under its own, has its ids rewritten once, keeping every change and its outbox.
@Suite struct PersonKeyStoreTests {
    static let cert = "31011219900315123X52"
    static var resident: ResidentID { try! CertificateNumber(validating: cert).residentID }

    static func received(_ n: UInt64, _ collection: CollectionName, _ record: String, _ field: String, _ value: Value) -> Op {
        Op(id: OpID(timestamp: Timestamp(milliseconds: 1_709_510_400_000 + n * 1000, counter: 0), replica: ReplicaID(0xb2)),
           collection: collection, record: record, field: field, value: value)
    }

    /// A store as a sunsync from before secrets left it: a participant from the server (keyed unkeyed), and
    /// this laptop's own day for them, still waiting to be sent.
    static func storeFromBefore() throws -> String {
        let path = temporaryPath()
        let store = try Store.create(at: path, replica: ReplicaID(0xa1), metadata: ["org": "MH-SB-001"])
        let person = "MH-SB-001/" + PersonKeys.unkeyed(resident)
        try store.apply([received(1, .participants, person, "name", .text("张三")), received(2, .participants, person, "cert", .text(cert)),
                         received(3, .participants, person, "contract", .text("part-time")),
                         received(4, .participants, person, "contract_start", .date(CivilDate("2024-01-01")!))])
        try store.write { tx in try tx.set(RecordKey(collection: .hours, id: person + "/2024-03-04"), "minutes", .integer(240)) }
        try store.queue.write { db in
            try db.execute(sql: "DELETE FROM meta WHERE key = 'person_secret'")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'laptop-v3-person-keys'")
        }
        return path
    }

    static func expectKeyed(_ store: Store, by keys: PersonKeys) throws {
        let person = keys.participant(org: "MH-SB-001", residentID: resident)
        let state = try store.mergedState()
        #expect(Set(state.records.keys.map(\.description)) == ["participants/\(person)", "hours/\(person)/2024-03-04"])
        #expect(try store.dayEntries().map(\.key.id) == [person + "/2024-03-04"], "the read model follows")
        #expect(try store.pending(limit: 10).map(\.op.record) == [person + "/2024-03-04"], "still waiting to be sent")
    }

    @Test func aStoreFromBeforeSecretsIsKeyedUnderItsOwnThenTheServers() throws {
        let path = try Self.storeFromBefore()
        // When this version opens it, then it has a secret of its own and its ids are made with it
        let store = try Store.open(at: path)
        let own = try store.personKeys()
        try Self.expectKeyed(store, by: own)
        // When a server gives the deployment's secret, then its ids move to it once, nothing else changes
        let server = PersonKeys.random()
        let moved = try #require(try store.adoptPersonKeys(server))
        #expect(moved.people == 1 && moved.ops == 5)
        try Self.expectKeyed(store, by: server)
        #expect(try store.adoptPersonKeys(server) == nil, "once")
        #expect(try store.counts() == (ops: 5, pending: 1, rejected: 0))
    }

    @Test func aCertificateOfAnotherPersonIsRefusedOnALaptop() throws {
        let store = try Store.create(at: temporaryPath(), replica: ReplicaID(0xa1), metadata: ["org": "MH-SB-001"])
        let keys = try store.personKeys()
        let person = RecordKey(collection: .participants, id: keys.participant(org: "MH-SB-001", residentID: Self.resident))
        try store.write { tx in try tx.set(person, "cert", .text(Self.cert)) }
        // The same person reissued (B1, another level) is the same record; another person is not.
        try store.write { tx in try tx.set(person, "cert", .text("31011219900315123X63B1")) }
        #expect(throws: StoreError.self) { try store.write { tx in try tx.set(person, "cert", .text("31011219850620246061")) } }
        // A record keyed unkeyed, as before secrets, takes no certificate either.
        let unkeyed = RecordKey(collection: .participants, id: "MH-SB-001/" + PersonKeys.unkeyed(Self.resident))
        #expect(throws: StoreError.self) { try store.write { tx in try tx.set(unkeyed, "cert", .text(Self.cert)) } }
    }
}

@Suite struct PersonKeyModelTests {
    @Test func keysDependOnTheSecretAndNotOnCategoryLevelOrReissue() throws {
        let a = PersonKeys.random(), b = PersonKeys.random()
        let one = try CertificateNumber(validating: "31011219900315123X52"), reissued = try CertificateNumber(validating: "31011219900315123X63B1")
        #expect(a.key(one.residentID) == a.key(reissued.residentID))
        #expect(a.key(one.residentID) != b.key(one.residentID))
        #expect(a.key(one.residentID) != PersonKeys.unkeyed(one.residentID))
        #expect(a.key(one.residentID).utf8.count == 20)
        #expect(PersonKeys(hex: a.hex) == a && PersonKeys(hex: "00") == nil && PersonKeys(hex: String(repeating: "g", count: 64)) == nil)
    }

    @Test func aRewriteMovesIdsAndRevealsAndLeavesTheUnknown() throws {
        let keys = PersonKeys.random()
        let cert = "31011219900315123X52", resident = try CertificateNumber(validating: cert).residentID
        let old = PersonKeys.unkeyed(resident), new = keys.key(resident)
        let rewrite = PersonKeyRewrite(certificates: [("MH-SB-001/" + old, cert), ("MH-RO-007/" + old, cert)], to: keys, old: PersonKeys.unkeyed)
        #expect(rewrite.keys == [old: new])
        #expect(rewrite.record(.hours, "MH-RO-007/\(old)/2024-03-04") == "MH-RO-007/\(new)/2024-03-04")
        #expect(rewrite.record(.participants, "MH-SB-001/\(old)") == "MH-SB-001/\(new)")
        #expect(rewrite.record(.hours, "MH-SB-001/0123456789abcdef0123/2024-03-04") == nil)
        #expect(rewrite.record(.orgs, "MH-SB-001") == nil)
        #expect(rewrite.value(.reveals, "participants", .text("0123456789abcdef0123 \(old)")) == .text("0123456789abcdef0123 \(new)"))
        #expect(rewrite.value(.reveals, "purpose", .text(old)) == nil)
        // Two certificates on one record that disagree on the person: the one its id was made from wins.
        let other = "31011219850620246061"
        let torn = PersonKeyRewrite(certificates: [("MH-SB-001/" + old, cert), ("MH-SB-001/" + old, other)], to: keys, old: PersonKeys.unkeyed)
        #expect(torn.keys == [old: new])
        #expect(PersonKeyRewrite(certificates: [("MH-SB-001/" + old, cert), ("MH-SB-001/" + old, other)], to: keys).unclear == [old])
    }
}
