import Foundation
import Testing
import SunsyncModel
@testable import SunsyncStore
import SunsyncTestSupport

func temporaryPath(_ name: String = "store.sqlite") -> String {
    let dir = Scratch.url("sunsync-store")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}

@Suite struct StoreTests {
    static let vectors: [URL] = {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("protocol/vectors")
        return ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
    }()

    /// The ops of a vector that the model accepts.
    static func acceptedOps(_ url: URL) throws -> [Op] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (json["ops"] as! [Any]).compactMap { raw -> Op? in
            guard let data = try? JSONSerialization.data(withJSONObject: raw),
                  let op = try? JSONDecoder().decode(Op.self, from: data), (try? Schema.validate(op)) != nil else { return nil }
            return op
        }
    }

    /// What a merged state shows: every field's current values.
    static func currentValues(_ state: MergedState) -> [RecordKey: [String: [FieldState.Entry]]] {
        state.records.mapValues { record in
            Dictionary(uniqueKeysWithValues: record.fields.map { ($0.name, $0.state.current) })
        }
    }

    @Test(arguments: vectors)
    func storeMergesEveryVectorLikeTheModel(_ url: URL) throws {
        // Given a vector's ops, when the store applies them in batches in several orders,
        // then its merged state is the model's, every time.
        let ops = try Self.acceptedOps(url)
        let expected = MergedState(ops)
        var rng = SystemRandomNumberGenerator()
        for order in [ops, ops.reversed(), ops.shuffled(using: &rng) + ops.shuffled(using: &rng)] {
            let store = try Store.create(at: temporaryPath(), replica: ReplicaID(1))
            var rest = order[...]
            while !rest.isEmpty {
                let n = Int.random(in: 1...3)
                try store.apply(Array(rest.prefix(n)))
                rest = rest.dropFirst(n)
            }
            #expect(Self.currentValues(try store.mergedState()) == Self.currentValues(expected), "\(url.lastPathComponent)")
            #expect(try store.counts().ops == Set(ops.map(\.id)).count)
            // The day entries kept batch by batch are the model's entries of the whole merged state.
            #expect(Set(try store.dayEntries()) == Set(DayEntry.all(in: expected)), "\(url.lastPathComponent)")
        }
    }

    @Test func dayEntriesFollowLocalWritesAndDecisions() throws {
        // Given a laptop's own writes mixed with ops from elsewhere, each transaction keeps its records'
        // entries: a new day, an edit, a concurrent value arriving (a conflict), a decision, a deletion.
        let store = try Store.create(at: temporaryPath(), replica: ReplicaID(0xa1), metadata: ["org": "MH-SB-001"])
        let day = RecordKey(collection: .hours, id: "MH-SB-001/00000000000000000001/2024-03-04")
        let lunch = RecordKey(collection: .lunches, id: "MH-SB-001/00000000000000000001/2024-03-04")
        func check(_ step: String) throws {
            #expect(Set(try store.dayEntries()) == Set(DayEntry.all(in: try store.mergedState())), "\(step)")
        }
        let first = try store.write { tx in
            try tx.set(day, "minutes", .integer(240))
            try tx.set(lunch, "amount", .integer(1500))
        }
        try check("new records")
        try store.write { tx in try tx.set(day, "project", .text("包装")) }
        try check("an edit")
        let other = OpID(timestamp: Timestamp(rawValue: first[0].id.timestamp.rawValue + 1), replica: ReplicaID(0xb2))
        try store.apply([Op(id: other, collection: .hours, record: day.id, field: "minutes", value: .integer(180), pred: [])])
        #expect(try store.dayEntries().first { $0.key == day }?.conflictFields == ["minutes"])
        try check("a concurrent value")
        try store.write { tx in _ = try tx.decide(.rejected, [(lunch, nil)], note: "超标准") }
        let rejected = try store.dayEntries().first { $0.key == lunch }
        #expect(rejected?.review == .rejected && rejected?.reviewNote == "超标准")
        try check("a decision")
        try store.write { tx in try tx.set(lunch, "deleted", .bool(true)) }
        #expect(try store.dayEntries().first { $0.key == lunch }?.deleted == true)
        try check("a deletion")
        // In the weeks asked for, and only those.
        #expect(try store.dayEntries(days: CivilDate("2024-03-05")!...CivilDate("2024-03-31")!).isEmpty)
        #expect(try store.dayEntries(days: CivilDate("2024-03-04")!...CivilDate("2024-03-04")!).count == 2)
    }

    @Test func aStoreFromBeforeDayEntriesIsMigrated() throws {
        // Given a laptop's store made before it kept day entries, when this version opens it, it makes
        // them once from the merged records, and keeps them from then on.
        let path = temporaryPath()
        let store = try Store.create(at: path, replica: ReplicaID(0xa1), metadata: ["org": "MH-SB-001"])
        var keys = [RecordKey]()
        try store.write { tx in
            for n in 1...40 {
                let key = RecordKey(collection: n % 2 == 0 ? .hours : .lunches,
                                    id: "MH-SB-001/0000000000000000000\(n % 7)/\(CivilDate("2023-12-01")!.adding(days: n * 3))")
                try tx.set(key, key.collection == .hours ? "minutes" : "amount", .integer(Int64(100 + n)))
                keys.append(key)
            }
        }
        try store.queue.write { db in
            try db.execute(sql: "DROP TABLE day_entries")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'laptop-v1-day-entries'")
        }
        var upgraded = 0
        let reopened = try Store.open(at: path) { upgraded += 1 }
        #expect(upgraded == 1)
        let entries = try reopened.dayEntries()
        #expect(entries.count == 40)
        #expect(Set(entries) == Set(DayEntry.all(in: try reopened.mergedState())))
        try reopened.write { tx in try tx.set(keys[1], "minutes", .integer(5)) }
        #expect(try reopened.dayEntries().first { $0.key == keys[1] }?.quantity == 5)
    }

    @Test func aLaptopDoesNotOpenAServersDatabase() throws {
        let path = temporaryPath()
        // (a server's file from before it had a schema of its own was shaped like a laptop's, with this role)
        _ = try Store.create(at: path, replica: ReplicaID(0x5e), metadata: ["role": "server"])
        #expect { try Store.open(at: path) } throws: { ($0 as? StoreError)?.code == .notAStore }
    }

    @Test func localWritesReplaceWhatIsCurrentAndQueueForSync() throws {
        let store = try Store.create(at: temporaryPath(), replica: ReplicaID(0xa1), metadata: ["org": "MH-SB-001"])
        let key = RecordKey(collection: .hours, id: "MH-SB-001/00000000000000000001/2024-03-04")
        let first = try store.write(now: Date(timeIntervalSince1970: 1_709_510_400)) { tx in try tx.set(key, "minutes", .integer(240)) }
        // The wall clock goes back an hour: ids still grow.
        let second = try store.write(now: Date(timeIntervalSince1970: 1_709_506_800)) { tx in try tx.set(key, "minutes", .integer(210)) }
        #expect(second[0].id > first[0].id)
        #expect(second[0].pred == [first[0].id])
        #expect(try store.record(key)?.displayed("minutes") == .integer(210))
        #expect(try store.counts() == (ops: 2, pending: 2, rejected: 0))
        // Writing the value already shown is no change at all.
        #expect(try store.write { tx in try tx.set(key, "minutes", .integer(210)) }.isEmpty)
        #expect(try store.meta("org") == "MH-SB-001")
    }

    @Test func aFailedWriteChangesNothing() throws {
        let store = try Store.create(at: temporaryPath(), replica: ReplicaID(0xa1))
        let key = RecordKey(collection: .hours, id: "MH-SB-001/00000000000000000001/2024-03-04")
        #expect(throws: StoreError.self) {
            try store.write { tx in
                try tx.set(key, "minutes", .integer(240))
                try tx.set(key, "minutes", .integer(1500)) // 25 h: refused, and the first write goes with it
            }
        }
        #expect(try store.counts() == (ops: 0, pending: 0, rejected: 0))
        #expect(try store.record(key) == nil)
    }

    @Test func anIdReusedWithOtherContentIsKeptOutNotFatal() throws {
        // Given a store that holds an op
        let store = try Store.create(at: temporaryPath(), replica: ReplicaID(1))
        let id = OpID(timestamp: Timestamp(milliseconds: 5, counter: 0), replica: ReplicaID(9))
        let key = "MH-SB-001/00000000000000000001/2024-03-04"
        try store.apply([Op(id: id, collection: .hours, record: key, field: "minutes", value: .integer(60))])
        // When the same op comes again, then another under its id, beside an honest one
        #expect(try store.apply([Op(id: id, collection: .hours, record: key, field: "minutes", value: .integer(60))]).clashed.isEmpty)
        let other = OpID(timestamp: Timestamp(milliseconds: 6, counter: 0), replica: ReplicaID(9))
        let applied = try store.apply([Op(id: id, collection: .hours, record: key, field: "minutes", value: .integer(90)),
                                       Op(id: other, collection: .hours, record: key, field: "note", value: .text("ok"))])
        // Then the clash is named and left out, the store keeps its own, and the rest applies
        #expect(applied.clashed == [id] && applied.new == 1)
        #expect(try store.record(RecordKey(collection: .hours, id: key))?.displayed("minutes") == .integer(60))
        #expect(try store.record(RecordKey(collection: .hours, id: key))?.displayed("note") == .text("ok"))
    }

    @Test func aLaptopMovesToAFreshReplicaAndWritesItsRefusedChangesAgain() throws {
        // Given a laptop with two local changes, one later replaced by a third
        let store = try Store.create(at: temporaryPath(), replica: ReplicaID(0x77))
        let key = RecordKey(collection: .hours, id: "MH-SB-001/00000000000000000001/2024-03-04")
        let first = try store.write { tx in try tx.set(key, "minutes", .integer(60)) }
        let note = try store.write { tx in try tx.set(key, "note", .text("a")) }
        let replaced = try store.write { tx in try tx.set(key, "note", .text("b")) }
        // When the server refuses all three for their ids, and the laptop moves on
        let refused = (first + note + replaced).map(\.id)
        try store.acknowledge(accepted: [], rejected: refused.map { ($0, "replica_taken", "another device's") }, at: "now")
        let moved = try store.moveToFreshReplica(reissuing: refused)
        // Then it writes as a new replica, the changes that still stand wait to be sent again under new ids,
        // and what the laptop shows is unchanged
        #expect(moved.replica != ReplicaID(0x77) && store.replica == moved.replica)
        #expect(moved.reissued == 2)
        let pending = try store.pending(limit: 10).map(\.op)
        #expect(pending.count == 2 && pending.allSatisfy { $0.id.replica == moved.replica })
        #expect(Set(pending.map(\.field)) == ["minutes", "note"])
        let record = try #require(try store.record(key))
        #expect(record.displayed("minutes") == .integer(60) && record.displayed("note") == .text("b") && !record.hasConflict)
        // and the new replica is kept across opening the store again; a restored server gets all of it again
        #expect(try Store.open(at: store.path).replica == moved.replica)
        try store.acknowledge(accepted: pending.map(\.id), rejected: [], at: "now")
        #expect(try store.startOver(epoch: nil, epochKey: "e", cursorKey: "c") == 2)
    }

    @Test func opsOfANewerSchemaAreHeldAndMalformedOnesRefused() throws {
        // Given a page from a server that knows a field this version does not
        let store = try Store.create(at: temporaryPath(), replica: ReplicaID(1))
        let key = "MH-SB-001/00000000000000000001/2024-03-04"
        func op(_ ms: UInt64, _ record: String, _ field: String, _ value: Value, pred: [OpID] = []) -> Op {
            Op(id: OpID(timestamp: Timestamp(milliseconds: ms, counter: 0), replica: ReplicaID(9)), collection: .hours,
               record: record, field: field, value: value, pred: pred)
        }
        let known = op(5, key, "minutes", .integer(60)), newer = op(6, key, "overtime_minutes", .integer(30))
        // Then both are held and merged, and the newer one is counted; applying again adds nothing
        #expect(try store.applyPage([known, newer], cursorKey: "c", cursor: 2) == Applied(new: 2, unrecognized: 1))
        let again = try store.applyPage([known, newer], cursorKey: "c", cursor: 2)
        #expect(again.new == 0 && again.unrecognized == 0 && again.held == [0, 1])
        #expect(try store.record(RecordKey(collection: .hours, id: key))?.displayed("overtime_minutes") == .integer(30))
        // But an op no replica could hold (a malformed record id, a pred not earlier) refuses the page, which changes nothing
        for bad in [op(7, "MH-SB-001/not-a-person/2024-03-04", "minutes", .integer(60)),
                    op(8, key, "minutes", .integer(90), pred: [OpID(timestamp: Timestamp(milliseconds: 9, counter: 0), replica: ReplicaID(9))])] {
            #expect(throws: StoreError.self) { try store.applyPage([op(10, key, "note", .text("x")), bad], cursorKey: "c", cursor: 4) }
        }
        #expect(try store.counts().ops == 2 && store.meta("c") == "2")
    }

    @Test func filesThatAreNotStoresAreRefused() throws {
        let missing = temporaryPath()
        #expect { try Store.open(at: missing) } throws: { ($0 as? StoreError)?.code == .notInitialized }
        let text = temporaryPath("notes.txt")
        try Data("这不是数据库 — just some notes\n".utf8).write(to: URL(fileURLWithPath: text))
        #expect { try Store.open(at: text) } throws: { ($0 as? StoreError)?.code == .notAStore }
        let other = temporaryPath("other.sqlite")
        let created = try Store.create(at: other, replica: ReplicaID(3))
        #expect(try created.integrityCheck() == "ok")
        #expect(try Store.open(at: other).replica == ReplicaID(3))
        #expect { try Store.create(at: other, replica: ReplicaID(4)) } throws: { ($0 as? StoreError)?.code == .alreadyInitialized }
    }

    @Test func recordKeysOfDayRecordsFollowTheirDays() {
        // Records arrive roughly day by day, so their index keys are ordered by day first, whoever they are for.
        let late = OpLog.recordHash(.hours, "MH-SB-001/00000000000000000001/2024-03-05")
        let early = OpLog.recordHash(.hours, "MH-SB-999/ffffffffffffffffffff/2024-03-04")
        #expect(early < late)
        #expect(OpLog.collectionRange(.hours).contains(early) && OpLog.collectionRange(.hours).contains(late))
        #expect(OpLog.collectionRange(.lunches).contains(OpLog.recordHash(.lunches, "MH-SB-001/00000000000000000001/1969-12-31")))
        #expect(OpLog.collectionRange(.orgs).contains(OpLog.recordHash(.orgs, "MH-SB-001")))
    }

    @Test func aSpanOfDaysReadsAtLeastThoseDays() throws {
        let store = try Store.create(at: temporaryPath(), replica: ReplicaID(0xa1))
        let person = "MH-SB-001/00000000000000000001"
        let days = ["1969-12-31", "2024-02-29", "2024-03-01", "2024-03-31", "2024-04-01"]
        try store.write { tx in
            for day in days { try tx.set(RecordKey(collection: .hours, id: person + "/" + day), "minutes", .integer(60)) }
            try tx.set(RecordKey(collection: .orgs, id: "MH-SB-001"), "name", .text("闵行阳光基地"))
        }
        func read(_ from: String, _ to: String) throws -> Set<String> {
            let state = try store.mergedState(days: CivilDate(from)!...CivilDate(to)!)
            #expect(state[RecordKey(collection: .orgs, id: "MH-SB-001")] != nil) // other collections whole
            return Set(state.records(in: .hours).map { String($0.key.id.suffix(10)) })
        }
        #expect(try read("2024-03-01", "2024-03-31") == ["2024-03-01", "2024-03-31"])
        #expect(try read("2024-02-29", "2024-02-29") == ["2024-02-29"])
        // Days before 1970 have no place in the key's order: such a span reads every day.
        #expect(try read("1969-12-29", "1970-01-04") == Set(days))
    }

    @Test func aStoreFromBeforeDayOrderedKeysIsMigrated() throws {
        // A store written by a sunsync that hashed whole ids: its keys are recomputed when it is opened.
        let path = temporaryPath()
        let store = try Store.create(at: path, replica: ReplicaID(0xa1))
        let hours = RecordKey(collection: .hours, id: "MH-SB-001/00000000000000000001/2024-03-04")
        let org = RecordKey(collection: .orgs, id: "MH-SB-001")
        try store.write { tx in
            try tx.set(hours, "minutes", .integer(240))
            try tx.set(org, "name", .text("闵行阳光基地"))
        }
        try store.queue.write { db in
            try db.execute(sql: "UPDATE ops SET rkey = (rkey & ~1099511627775) + seq") // any other keys
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v2-day-ordered-record-keys'")
        }
        var upgraded = 0
        let reopened = try Store.open(at: path) { upgraded += 1 }
        _ = try Store.open(at: path) { upgraded += 1 }
        #expect(upgraded == 1, "said once, when the migration runs")
        #expect(try reopened.record(hours)?.displayed("minutes") == .integer(240))
        #expect(try reopened.record(org)?.displayed("name") == .text("闵行阳光基地"))
        #expect(try reopened.mergedState([.hours]).records.keys.sorted() == [hours])
    }

    @Test func aStoreUpgradedByANewerSunsyncIsRefused() throws {
        let path = temporaryPath()
        let store = try Store.create(at: path, replica: ReplicaID(0xa1))
        try store.queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v9-from-the-future')") }
        #expect { try Store.open(at: path) } throws: { ($0 as? StoreError)?.code == .newerFormat }
    }
}

/// A laptop upgraded to signatures holds what it received before under no batch; the server's attested
/// batch brings those ops again with new ones. The store keeps the batch so that it still verifies.
struct SignedPageTests {
    @Test func aBatchBringingOpsHeldBeforeIsKeptSoThatItVerifies() throws {
        let store = try Store.create(at: temporaryPath(), replica: ReplicaID(1))
        let key = "MH-SB-001/00000000000000000001/2024-03-04"
        func op(_ ms: UInt64, _ field: String, _ value: Value) -> Op {
            Op(id: OpID(timestamp: Timestamp(milliseconds: ms, counter: 0), replica: ReplicaID(9)), collection: .hours, record: key, field: field, value: value)
        }
        // Given ops received before signatures (held under no batch)
        let old = [op(5, "minutes", .integer(60)), op(6, "note", .text("a"))]
        try store.apply(old)
        // When a page brings a signed batch of them and a new one, in the server's order
        let privateKey = Hex.decode(NaturalKey.digest("attest")) ?? []
        let publicKey = try Signing.publicKey(privateKey: privateKey)
        let id = Signing.keyID(publicKey: publicKey)
        let ops = [old[1], op(7, "project", .text("包装")), old[0]]
        let signature = try Signing.sign(Signing.message(keyID: id, digests: ops.map(Signing.digest)), privateKey: privateKey)
        let batch = SignedBatch(key: id, signature: signature, count: 3, holes: [:])
        try store.applyPage(ops, batches: [(batch, [0, 1, 2])], cursorKey: "c", cursor: 3)
        // Then the store verifies: the new op under the batch, the earlier ones as its holes
        let keys = [id: SigningKey(id: id, owner: "attested", publicKey: publicKey)]
        let result = try store.verify(keys: keys, owner: { _ in nil }, unsignedMeans: nil)
        #expect(result.failures.isEmpty && result.batches == 1 && result.unsigned == 2)
        // and the same page applied again (a sync cut off and resumed) leaves it so
        _ = try store.applyPage(ops, batches: [(batch, [0, 1, 2])], cursorKey: "c", cursor: 3)
        #expect(try store.verify(keys: keys, owner: { _ in nil }, unsignedMeans: nil).failures.isEmpty, "applied twice: the same")
    }
}
