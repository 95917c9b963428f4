import Testing
@testable import SunsyncModel

/// Property tests: random replicas edit random fields offline, exchange some of their ops (partial
/// partitions), and finally everything reaches everyone in random orders with duplicates.
@Suite struct ConvergenceTests {
    /// One simulated history: replicas writing honest ops (pred = the current values they see),
    /// plus occasional ops with arbitrary earlier preds, as a buggy or old client might send.
    struct History {
        var ops: [Op] = []
        var everCurrent: Set<OpID> = []
        var replicaStates: [MergedState]
        var replicaOps: [Set<OpID>]

        init(seed: UInt64, replicas: Int, steps: Int) {
            var rng = SplitMix(seed)
            replicaStates = Array(repeating: MergedState(), count: replicas)
            replicaOps = Array(repeating: [], count: replicas)
            var clocks = Array(repeating: HybridClock(), count: replicas)
            var byID = [OpID: Op]()
            let records = ["MH-SB-001/00000000000000000001/2024-03-04", "MH-SB-001/00000000000000000001/2024-03-05",
                           "MH-SB-001/00000000000000000002/2024-03-04"]
            let fields = ["minutes", "note", "deleted"]
            var wall: [UInt64] = (0..<replicas).map { _ in 1_000 + UInt64(rng.int(below: 50)) }

            for _ in 0..<steps {
                let r = rng.int(below: replicas)
                if rng.int(below: 4) == 0 {
                    // Exchange: r receives a random subset of another replica's ops.
                    let from = rng.int(below: replicas)
                    for id in replicaOps[from] where rng.int(below: 3) != 0 {
                        receive(byID[id]!, at: r, clocks: &clocks)
                    }
                    continue
                }
                // Wall clocks drift and sometimes jump backwards.
                wall[r] = rng.int(below: 10) == 0 ? wall[r] - min(wall[r], 30) : wall[r] + UInt64(rng.int(below: 5))
                let record = records[rng.int(below: records.count)]
                let field = fields[rng.int(below: fields.count)]
                let key = RecordKey(collection: .hours, id: record)
                var pred = replicaStates[r][key]?.field(field)?.current.map(\.id) ?? []
                if rng.int(below: 8) == 0 { pred = Array(pred.prefix(rng.int(below: pred.count + 1))) } // saw only some
                let id = OpID(timestamp: clocks[r].next(wallMilliseconds: wall[r]), replica: ReplicaID(UInt64(r + 1)))
                if rng.int(below: 10) == 0, let old = byID.keys.filter({ $0 < id }).randomElement(using: &rng) {
                    pred.append(old) // an arbitrary earlier op, possibly of another field
                }
                let value: Value = field == "deleted" ? .bool(rng.int(below: 2) == 0) : field == "minutes"
                    ? .integer(Int64(rng.int(below: 1441))) : .text("n\(rng.int(below: 5))")
                let op = Op(id: id, collection: .hours, record: record, field: field, value: value, pred: pred)
                byID[id] = op
                ops.append(op)
                receive(op, at: r, clocks: &clocks)
            }

            func receive(_ op: Op, at r: Int, clocks: inout [HybridClock]) {
                clocks[r].observe(op.id.timestamp)
                replicaOps[r].insert(op.id)
                replicaStates[r].apply(op)
                for (_, record) in replicaStates[r].records {
                    for f in record.fields { everCurrent.formUnion(f.state.current.map(\.id)) }
                }
            }
        }
    }

    /// The rule stated directly over the set of ops: current = the field's ops no op of the field names in pred.
    static func reference(_ ops: [Op]) -> [RecordKey: [String: Set<OpID>]] {
        var named = [RecordKey: [String: Set<OpID>]]()
        var all = [RecordKey: [String: Set<OpID>]]()
        for op in ops {
            named[op.key, default: [:]][op.field, default: []].formUnion(op.pred)
            all[op.key, default: [:]][op.field, default: []].insert(op.id)
        }
        return all.mapValues { fields in fields } .reduce(into: [:]) { out, entry in
            out[entry.key] = entry.value.reduce(into: [:]) { f, field in
                f[field.key] = field.value.subtracting(named[entry.key]?[field.key] ?? [])
            }
        }
    }

    @Test(arguments: 0..<40)
    func everyOrderWithDuplicatesConverges(batch: Int) {
        // 40 batches × 50 histories = 2,000 random histories.
        for seed in 0..<50 {
            var rng = SplitMix(UInt64(batch * 1_000 + seed))
            let history = History(seed: UInt64(batch * 1_000 + seed), replicas: 2 + rng.int(below: 4), steps: 10 + rng.int(below: 60))
            let reference = Self.reference(history.ops)

            var first: MergedState?
            for _ in 0..<4 {
                var delivery = history.ops + (0..<rng.int(below: 10)).map { _ in history.ops[rng.int(below: history.ops.count)] }
                delivery.shuffle(using: &rng)
                let state = MergedState(delivery)
                if let first { #expect(state == first, "seed \(seed): delivery order changed the merged state") }
                first = first ?? state
            }
            guard let state = first else { continue }

            // The merged state is exactly the rule applied to the set of ops.
            for (key, fields) in reference {
                for (field, ids) in fields {
                    #expect(Set(state[key]?.field(field)?.current.map(\.id) ?? []) == ids, "seed \(seed): \(key) \(field)")
                }
            }
            // No op that was ever current anywhere is gone unless a later op names it in pred.
            let named = Set(history.ops.flatMap(\.pred))
            let currentNow = Set(state.records.values.flatMap { $0.fields.flatMap { $0.state.current.map(\.id) } })
            for id in history.everCurrent {
                #expect(currentNow.contains(id) || named.contains(id), "seed \(seed): \(id) was lost")
            }
            // Replicas that exchange everything end identical to a fresh merge, whatever they saw before.
            for var replica in history.replicaStates {
                for op in history.ops.reversed() { replica.apply(op) }
                #expect(replica == state, "seed \(seed): a replica that caught up differs")
            }
            // The shown value is the greatest current id on every replica.
            for (_, record) in state.records {
                for f in record.fields { #expect(f.state.current.map(\.id) == f.state.current.map(\.id).sorted(by: >)) }
            }
        }
    }

    @Test func mergingPartitionsInAnyGroupingGivesOneState() {
        // Associativity: (A ∪ B) ∪ C and A ∪ (B ∪ C), applied as whole partitions.
        var rng = SplitMix(7)
        for seed in 0..<200 {
            let ops = History(seed: UInt64(10_000 + seed), replicas: 3, steps: 40).ops
            var parts: [[Op]] = [[], [], []]
            for op in ops { parts[rng.int(below: 3)].append(op) }
            let left = MergedState(parts[0] + parts[1] + parts[2])
            let right = MergedState(parts[2] + parts[0].reversed() + parts[1])
            #expect(left == right)
        }
    }
}
