import Foundation
import GRDB
import Testing
import SunsyncModel
@testable import SunsyncStore

/// A store merges received ops as a set (a page at a time, `Applier.merge(received:)`); these tests hold it
/// to the op-by-op merge: the same history delivered one op per transaction, in pages of any size and
/// order, and all at once, leaves the same current values, the same day entries, the same pending
/// replacements, and the model's merged state.
@Suite struct SetMergeTests {
    /// What a store holds that a merge decides: every field's current values, the day entries, and the ids
    /// named in a pred that the store does not hold yet (with the field whose value they cannot become).
    struct Held: Equatable {
        var current: [RecordKey: [String: [FieldState.Entry]]]
        var entries: Set<DayEntry>
        var waiting: Set<String>
        var ops: Int
    }

    static func held(_ store: Store) throws -> Held {
        let waiting = try store.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT hex(op_id), collection, record, field FROM replaced WHERE op_id NOT IN (SELECT id FROM ops)")
                .map { row in "\(row[0] as String) \(row[1] as String)/\(row[2] as String) \(row[3] as String)" }
        }
        return Held(current: StoreTests.currentValues(try store.mergedState()), entries: Set(try store.dayEntries()),
                    waiting: Set(waiting), ops: try store.counts().ops)
    }

    /// Delivers `ops` to a new store in pages of `sizes` (cycled; 1 = op by op).
    static func delivered(_ ops: [Op], pages sizes: [Int]) throws -> Store {
        let store = try Store.create(at: temporaryPath(), replica: ReplicaID(1))
        var rest = ops[...], n = 0
        while !rest.isEmpty {
            let size = sizes[n % sizes.count]
            try store.applyPage(Array(rest.prefix(size)), cursorKey: "c", cursor: Int64(n))
            rest = rest.dropFirst(size)
            n += 1
        }
        return store
    }

    @Test(arguments: StoreTests.vectors)
    func everyVectorMergesAsASetAsOpByOp(_ url: URL) throws {
        let ops = try StoreTests.acceptedOps(url)
        let expected = MergedState(ops)
        var rng = SplitMix(11)
        for order in [ops, ops.reversed(), ops.shuffled(using: &rng) + ops.shuffled(using: &rng)] {
            let one = try Self.held(Self.delivered(order, pages: [1]))
            #expect(one.current == StoreTests.currentValues(expected), "\(url.lastPathComponent)")
            for sizes in [[order.count], [2, 3], [5]] {
                #expect(try Self.held(Self.delivered(order, pages: sizes)) == one, "\(url.lastPathComponent) in pages of \(sizes)")
            }
        }
    }

    @Test(arguments: 0..<40)
    func randomHistoriesMergeAsASetAsOpByOp(_ seed: Int) throws {
        // Given a history of edits by several writers to a few days' records (concurrent values, preds naming
        // stale values, ops of other fields, ops that never arrive), delivered in a shuffled order with repeats,
        var rng = SplitMix(UInt64(seed) &* 7919 &+ 1)
        // (every fourth long enough that a page's checks and day entries are worked out on another thread)
        let ops = Self.history(&rng, count: seed % 4 == 0 ? 300 + rng.int(below: 200) : 20 + rng.int(below: 60))
        var order = ops.shuffled(using: &rng)
        // some ops delivered twice, and some lost in transit
        order += (0..<rng.int(below: 6)).map { _ in ops[rng.int(below: ops.count)] }
        let lost = Set((0..<rng.int(below: 3)).map { _ in ops[rng.int(below: ops.count)].id })
        order.removeAll { lost.contains($0.id) }
        // when a store takes it op by op, and others in pages of several sizes,
        let one = try Self.held(Self.delivered(order, pages: [1]))
        #expect(one.current == StoreTests.currentValues(MergedState(order)))
        let modelEntries = Set(DayEntry.all(in: MergedState(order)))
        #expect(one.entries == modelEntries, "seed \(seed): \(Self.dumped(one.entries.subtracting(modelEntries))) vs \(Self.dumped(modelEntries.subtracting(one.entries)))")
        // then every store holds the same.
        for sizes in [[order.count], [7], [1, 16, 3], [rng.int(below: 30) + 2]] {
            #expect(try Self.held(Self.delivered(order, pages: sizes)) == one, "seed \(seed), pages \(sizes)")
        }
    }

    @Test(arguments: [10, 400])
    func aPageOpClashingWithAHeldIdLeavesItsRecordAsHeld(_ size: Int) throws {
        // Given a store holding a change, and a page (small, or large enough for its other thread) bringing
        // another change under the same id (a copied home) to a record nothing else touched,
        let store = try Store.create(at: temporaryPath(), replica: ReplicaID(1))
        func id(_ ms: UInt64) -> OpID { OpID(timestamp: Timestamp(milliseconds: ms, counter: 0), replica: ReplicaID(7)) }
        let held = Op(id: id(5), collection: .hours, record: "MH-SB-001/00000000000000000001/2024-03-04", field: "minutes", value: .integer(60))
        try store.apply([held])
        var page = (0..<size).map { n in
            Op(id: id(100 + UInt64(n)), collection: .lunches, record: "MH-SB-001/00000000000000000002/2024-03-\(String(format: "%02d", 1 + n % 28))",
               field: "amount", value: .integer(1000 + Int64(n)))
        }
        let clash = Op(id: held.id, collection: .hours, record: "MH-SB-001/00000000000000000003/2024-03-05", field: "minutes", value: .integer(120))
        page.insert(clash, at: size / 2)
        // when it is applied, the store keeps its own change and says so,
        let applied = try store.applyPage(page, cursorKey: "c", cursor: 1)
        #expect(applied.clashed == [held.id] && applied.new == size)
        // and the other record has no day entry (its only change was not taken): every entry is the merged state's.
        let entries = try store.dayEntries()
        #expect(!entries.contains { $0.key == clash.key })
        #expect(Set(entries) == Set(DayEntry.all(in: try store.mergedState())))
    }

    static func dumped(_ value: some Any) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }

    /// `count` ops by four writers to hours and lunch records of two days and two people.
    static func history(_ rng: inout SplitMix, count: Int) -> [Op] {
        let records: [(CollectionName, String, [(String, (Int) -> Value)])] = [
            (.hours, "MH-SB-001/00000000000000000001/2024-03-04", [("minutes", { .integer(Int64(60 * (1 + $0 % 6))) }),
                                                                  ("project", { .text(["包装", "手工"][$0 % 2]) }),
                                                                  ("deleted", { .bool($0 % 3 == 0) })]),
            (.hours, "MH-SB-001/00000000000000000002/2024-03-05", [("minutes", { .integer(Int64(30 * (1 + $0 % 8))) }), ("note", { .text("备注 \($0 % 4)") })]),
            (.lunches, "MH-SB-001/00000000000000000001/2024-03-04", [("amount", { .integer(Int64(1000 + $0 % 3 * 500)) }), ("deleted", { .bool($0 % 4 == 0) })]),
        ]
        var ops = [Op]()
        var ms: UInt64 = 1_700_000_000_000
        let ghosts = (0..<2).map { _ in OpID(timestamp: Timestamp(milliseconds: 1_600_000_000_000, counter: 0), replica: ReplicaID(rng.next() | 1)) }
        for _ in 0..<count {
            ms += UInt64(1 + rng.int(below: 3))
            let (collection, record, fields) = records[rng.int(below: records.count)]
            let (field, value) = fields[rng.int(below: fields.count)]
            let id = OpID(timestamp: Timestamp(milliseconds: ms, counter: 0), replica: ReplicaID(UInt64(1 + rng.int(below: 4))))
            let sameField = ops.filter { $0.record == record && $0.collection == collection && $0.field == field }.map(\.id)
            var pred = Set<OpID>()
            switch rng.int(below: 10) {
            case 0..<3: break                                                    // concurrent: saw nothing
            case 3..<7: if let last = sameField.last { pred.insert(last) }      // the value it saw
            case 7: pred.formUnion(sameField.suffix(3))                          // a conflict resolved
            case 8: if let any = ops.randomElement(using: &rng) { pred.insert(any.id) }   // maybe another field's
            default: pred.insert(ghosts[rng.int(below: ghosts.count)])          // an op that never arrives
            }
            ops.append(Op(id: id, collection: collection, record: record, field: field, value: value(rng.int(below: 1000)), pred: pred.sorted()))
        }
        return ops
    }
}
