// merge: throughput and memory of SunsyncModel's MergedState.
//
// Each mix builds its ops first (not timed), then times MergedState.apply over all of them, three runs,
// and prints the best. "merged state" is the resident memory the first merge added; "peak RSS" is the
// whole process's high-water mark so far, input ops included (run one mix per process to read it per mix).
import Foundation
import SunsyncModel

/// Hours records of 50 bases × 40 participants over as many days as needed; 8 replicas.
/// typical: each record gets minutes, project, note, review_note, deleted; one op in five is a later edit
///          (pred = the value it replaces).
/// conflict: every field is written concurrently by two or three replicas, then one write resolves it.
func makeOps(count: Int, conflictHeavy: Bool) -> [Op] {
    var rng = SplitMix(42)
    var ops = [Op]()
    ops.reserveCapacity(count)
    var clock: UInt64 = 1_700_000_000_000
    func nextID(_ replica: UInt64) -> OpID {
        clock += 1
        return OpID(timestamp: Timestamp(milliseconds: clock, counter: 0), replica: ReplicaID(replica))
    }
    let fields = ["minutes", "project", "note", "review_note", "deleted"]
    func value(_ field: String) -> Value {
        switch field {
        case "minutes": .integer(Int64.random(in: 60...480, using: &rng))
        case "deleted": .bool(false)
        case "project": .text(["包装", "手工", "园艺", "烘焙"].randomElement(using: &rng)!)
        default: .text("备注 \(Int.random(in: 0..<1000, using: &rng))")
        }
    }
    var recordNumber = 0
    while ops.count < count {
        let org = "MH-SB-\(String(format: "%03d", recordNumber % 50))"
        let person = BenchPeople.personKeys[recordNumber % BenchPeople.count]
        let date = CivilDate(dayNumber: 19_000 + Int32(recordNumber / 2000))
        let record = "\(org)/\(person)/\(date)"
        recordNumber += 1
        for field in fields where ops.count < count {
            if conflictHeavy {
                let writers = Int.random(in: 2...3, using: &rng)
                var heads = [OpID]()
                for w in 0..<writers where ops.count < count {
                    let id = nextID(UInt64(w + 1))
                    heads.append(id)
                    ops.append(Op(id: id, collection: .hours, record: record, field: field, value: value(field)))
                }
                if ops.count < count {
                    ops.append(Op(id: nextID(UInt64(Int.random(in: 1...8, using: &rng))), collection: .hours,
                                  record: record, field: field, value: value(field), pred: heads))
                }
            } else {
                let first = nextID(UInt64(Int.random(in: 1...8, using: &rng)))
                ops.append(Op(id: first, collection: .hours, record: record, field: field, value: value(field)))
                if Int.random(in: 0..<4, using: &rng) == 0, ops.count < count {
                    ops.append(Op(id: nextID(UInt64(Int.random(in: 1...8, using: &rng))), collection: .hours,
                                  record: record, field: field, value: value(field), pred: [first]))
                }
            }
        }
    }
    // Arrival order is not write order: shuffle within windows of 64 ops, as batches from several laptops interleave.
    for start in stride(from: 0, to: ops.count, by: 64) {
        ops[start..<min(start + 64, ops.count)].shuffle(using: &rng)
    }
    return ops
}

/// The bench's 2,000 participants (40 per base, person `n` at base `n % 50`): valid certificate numbers
/// of people born 1957-1999, one in ten part-time, so that a district's flags have real work to do
/// (weekly limits, working ages). Their person keys derive from the numbers, as the schema requires.
enum BenchPeople {
    static let count = 2000

    static let certificates: [String] = (0..<count).map { n in
        let birth = CivilDate(year: 1957, month: 1, day: 1)!.adding(days: n * 7)
        let (y, m, d) = birth.parts
        let body = "310112" + String(format: "%04d%02d%02d%03d", y, m, d, n % 1000)
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(body, weights).reduce(0) { $0 + ($1.0.wholeNumberValue ?? 0) * $1.1 }
        return body + String(Array("10X98765432")[sum % 11]) + "\(n % 7 + 1)\(n % 4 + 1)"
    }

    /// The bench's person keys, under a secret of its own: the servers it fills hold its ids as written (their
    /// own secret checks only certificates pushed to them, and the bench pushes none).
    static let secret = PersonKeys(secret: Array(repeating: 0x5e, count: PersonKeys.secretBytes))!
    static let personKeys: [String] = certificates.map { secret.key(try! CertificateNumber(validating: $0).residentID) }

    /// The participant records' writes: name, certificate, contract.
    static func fields(_ n: Int) -> [(String, Value)] {
        [("name", .text("参与者\(n)")), ("cert", .text(certificates[n])),
         ("contract", .text(n % 10 == 0 ? "part-time" : "full-time")), ("contract_start", .date(CivilDate("2021-01-01")!))]
    }
}

func runMerge(mix: String, count: Int) {
    let ops = makeOps(count: count, conflictHeavy: mix == "conflict")
    var best = Double.infinity
    var stateMemory = 0.0
    var conflicts = 0
    for run in 0..<3 {
        let before = residentMemoryMB()
        let start = DispatchTime.now().uptimeNanoseconds
        var state = MergedState()
        for op in ops { state.apply(op) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if run == 0 { stateMemory = residentMemoryMB() - before } // later runs reuse freed pages
        best = min(best, seconds)
        conflicts = state.conflicts.count
        withExtendedLifetime(state) {}
    }
    print(String(format: "merge %-8@ %9d field ops  %6.3f s  %10.0f field-ops/s  merged state %6.1f MB  peak RSS %6.1f MB  conflicts left %d",
                 mix as NSString, ops.count, best, Double(ops.count) / best, stateMemory, peakMemoryMB(), conflicts))
}

