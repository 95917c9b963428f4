import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncServerStore
import SunsyncStore
import Testing
@testable import SunsyncServer

/// The review page keeps a district's month and takes in only the records that ops arriving since have
/// touched. Whatever arrives — edits, concurrent writes, an op after the op that replaced it, another
/// district's records — the kept month must equal a fresh read of the store.
struct ReviewBooksTests {
    static let orgs = ["MH-SB-001", "MH-SB-002"]

    @Test(arguments: Backend.available, [1, 2, 3] as [UInt64]) func aKeptMonthEqualsAFreshRead(backend: Backend, seed: UInt64) async throws {
        try await backend.with { store in try await Self.rounds(store, seed: seed) }
    }

    static func rounds(_ store: any ServerStore, seed: UInt64) async throws {
        var rng = SplitMix(seed)
        var clock: UInt64 = 1_709_510_400_000
        func id(_ replica: UInt64) -> OpID {
            clock += 1 + rng.next() % 3
            return OpID(timestamp: Timestamp(milliseconds: clock, counter: 0), replica: ReplicaID(replica))
        }
        var ops = [Op]()
        for (org, district) in [("MH-SB-001", "310112"), ("MH-SB-002", "310112"), ("XH-SB-001", "310104")] {
            ops.append(Op(id: id(1), collection: .orgs, record: org, field: "name", value: .text("基地 \(org)")))
            ops.append(Op(id: id(1), collection: .orgs, record: org, field: "district", value: .text(district)))
        }
        // Four of the seven persons registered at both orgs, part-time from the 10th: their days before it are
        // outside the contract, their weeks may pass the limit, and they are active at two orgs.
        for person in 0..<4 {
            for org in ["MH-SB-001", "MH-SB-002"] {
                let record = "\(org)/\(String(format: "%020x", person))"
                for (field, value) in [("name", Value.text("人员\(person)")), ("cert", .text("31011219900315123X52")), ("contract", .text("part-time")),
                                       ("contract_start", .date(CivilDate("2024-03-10")!))] {
                    ops.append(Op(id: id(1), collection: .participants, record: record, field: field, value: value))
                }
            }
        }
        _ = try await store.push(ops, device: nil, at: "")
        let books = ReviewBooks(store: store, patchLimit: 40)
        var kinds = Set<SunsyncModel.Flag.Kind>()
        let records = (0..<60).map { n -> RecordKey in
            let org = ["MH-SB-001", "MH-SB-002", "XH-SB-001"][n % 3]
            let day = [3, 4, 15, 29, 31, 40][(n / 3) % 6]   // March's weeks, and a day of April outside them
            let date = CivilDate(year: 2024, month: 3, day: 1)!.adding(days: day)
            return RecordKey(collection: n % 4 == 0 ? .lunches : .hours, id: "\(org)/\(String(format: "%020x", n % 7))/\(date)")
        }
        var withheld = [Op]()
        for round in 0..<12 {
            var batch = [Op]()
            let count = round == 5 ? 120 : Int(rng.next() % 12) + 1   // once more than the patch limit
            for _ in 0..<count {
                let key = records[Int(rng.next() % UInt64(records.count))]
                let field = ["minutes", "deleted", "note"][Int(rng.next() % 3)]
                let current = try await store.record(key)?.field(field)?.current.map(\.id) ?? []
                let pred = rng.next() % 4 == 0 ? [] : current   // sometimes a concurrent write
                let value: Value = field == "minutes" ? .integer(Int64(rng.next() % 480)) : field == "deleted" ? .bool(rng.next() % 5 == 0) : .text("n\(round)")
                let op = Op(id: id(2 + rng.next() % 3), collection: key.collection, record: key.id, field: field, value: value, pred: pred)
                if rng.next() % 6 == 0 {
                    // Held back: a later op replaces it first, then it arrives.
                    withheld.append(op)
                    batch.append(Op(id: id(9), collection: key.collection, record: key.id, field: field, value: value, pred: [op.id]))
                } else {
                    batch.append(op)
                }
            }
            if round % 3 == 2 { batch += withheld; withheld = [] }
            _ = try await store.push(batch, device: nil, at: "")
            let kept = try await books.ledger(district: "310112", orgs: orgs, month: "2024-03")
            let fresh = try await store.mergedState(nil, days: Ledger.weeks(ofMonth: "2024-03")!).restricted(toOrgs: Set(orgs))
            #expect(kept.ledger.state == fresh, "round \(round)")
            // The ledger patched from the kept one (its entries, and its flags but for the persons whose days
            // changed) equals one made whole from the fresh state.
            let whole = Ledger(state: fresh, settings: kept.ledger.settings)
            #expect(Dictionary(uniqueKeysWithValues: kept.ledger.entries.map { ($0.key, $0) }) == Dictionary(uniqueKeysWithValues: whole.entries.map { ($0.key, $0) }),
                    "round \(round)")
            #expect(kept.ledger.flags.count == whole.flags.count && Set(kept.ledger.flags) == Set(whole.flags), "round \(round)")
            kinds.formUnion(whole.flags.map(\.kind))
            #expect(kept.ledger.orgs.keys.sorted() == whole.orgs.keys.sorted() && kept.ledger.participants.count == whole.participants.count, "round \(round)")
            // The ledger's indexes (taken over from the kept ledger by a patch, the changed parts made again) are
            // its entries' and flags' own.
            var byRecord = [RecordKey: [SunsyncModel.Flag]](), byOrg = [String: [SunsyncModel.Flag]]()
            for flag in kept.ledger.flags {
                for key in flag.records { byRecord[key, default: []].append(flag) }
                for org in Set(flag.records.map(MergedState.org(of:))).sorted() { byOrg[org, default: []].append(flag) }
            }
            #expect(kept.ledger.flagsByRecord == byRecord, "round \(round)")
            #expect(kept.ledger.flagsByOrg == byOrg, "round \(round)")
            #expect(kept.ledger.entriesByOrg.mapValues { $0.map(\.key) } == Dictionary(grouping: kept.ledger.entries, by: \.org).mapValues { $0.map(\.key) },
                    "round \(round)")
            // A base's page reads its org's entries and flags from the ledger's indexes (taken over from the kept
            // ledger by a patch): its report, days and flags are the district's, cut to the org.
            let all = kept.ledger.monthly(month: "2024-03", reveal: false)
            for org in orgs {
                #expect(Set(kept.ledger.entriesByOrg[org, default: []].map(\.key)) == Set(whole.entries.filter { $0.org == org }.map(\.key)), "round \(round)")
                let report = kept.ledger.monthly(month: "2024-03", org: org, reveal: false)
                #expect(try Self.json(report.participants) == Self.json(all.participants.filter { $0.org == org }), "round \(round), \(org)")
                #expect(try Self.json(report.orgs) == Self.json(all.orgs.filter { $0.org == org }), "round \(round), \(org)")
                #expect(try Self.json(kept.ledger.reviewList(.init(month: "2024-03", org: org), reveal: false))
                        == Self.json(kept.ledger.reviewList(.init(month: "2024-03"), reveal: false).filter { $0.org == org }), "round \(round), \(org)")
                #expect(try Self.json(kept.ledger.flagLines(month: "2024-03", org: org, names: DeviceNames()))
                        == Self.json(kept.ledger.flagLines(month: "2024-03", names: DeviceNames()).filter { $0.org.contains(org) }), "round \(round), \(org)")
            }
            // The chart's minutes (counted from the kept ledger, or read from the minutes and deleted fields alone)
            // equal the whole month's, for March and for February, which no round writes.
            let chart = try await books.minutesByOrg(district: "310112", orgs: orgs, months: ["2024-02", "2024-03"])
            #expect(chart["2024-03"] == whole.minutesByOrg(month: "2024-03"), "round \(round)")
            #expect(chart["2024-02"] == [:], "round \(round)")
            #expect(!kept.ledger.state.records.keys.contains { $0.id.hasPrefix("XH-") }, "another district's records stay out")
        }
        // The flags a patch makes again were there to be made.
        #expect(kinds.isSuperset(of: [.incompleteRecord, .outsideContract, .activeAtSeveralOrgs, .lunchWithoutHours, .conflict]), "\(kinds)")
    }

    /// The district's month page after a restart: shown from the view kept in the store, without reading the
    /// month, while nothing it counts has changed; made again from the month when something has. A view
    /// planted with another org name shows that it is the view that is read.
    @Test(arguments: Backend.available) func aKeptViewShowsTheMonthAfterARestartWhileNothingItCountsChanged(backend: Backend) async throws {
        try await backend.with { store in
            var clock: UInt64 = 1_709_510_400_000
            func op(_ collection: CollectionName, _ record: String, _ field: String, _ value: Value) -> Op {
                clock += 1
                return Op(id: OpID(timestamp: Timestamp(milliseconds: clock, counter: 0), replica: ReplicaID(1)),
                          collection: collection, record: record, field: field, value: value)
            }
            var ops = [Op]()
            for org in Self.orgs { ops += [op(.orgs, org, "name", .text("基地 \(org)")), op(.orgs, org, "district", .text("310112"))] }
            let day = "MH-SB-001/" + String(format: "%020x", 1) + "/2024-03-04"
            ops.append(op(.hours, day, "minutes", .integer(240)))
            _ = try await store.push(ops, device: nil, at: "")
            let key = "310112|2024-03"
            /// The month's page as a server started now shows it, once what that server kept is written.
            func shown(_ scope: [String] = Self.orgs) async throws -> ReviewBooks.DistrictMonth {
                let books = ReviewBooks(store: store)
                let shown = try await books.districtMonth(district: "310112", orgs: scope, month: "2024-03")
                await books.viewsWritten()
                return shown
            }
            /// The view kept in the store, its org renamed.
            func plant() async throws {
                let kept = try #require(try await store.keptView(key))
                #expect(kept.contains("基地 MH-SB-001"))
                try await store.keepView(key, kept.replacingOccurrences(of: "基地 MH-SB-001", with: "存 MH-SB-001"))
            }

            let first = try await shown()
            #expect(first.report.total.minutes == 240)
            try await plant()
            let restarted = try await shown()
            #expect(restarted.orgs["MH-SB-001"]?.name == "存 MH-SB-001", "the kept view is shown")
            #expect(try Self.json(restarted.report) == Self.json(first.report).replacingOccurrences(of: "基地 MH-SB-001", with: "存 MH-SB-001"),
                    "the report as it was made (its org renamed by the plant)")
            let chart = try await ReviewBooks(store: store).minutesByOrg(district: "310112", orgs: Self.orgs, months: ["2024-03"])
            #expect(chart["2024-03"] == ["MH-SB-001": 240])

            // A day in a later month changes nothing the view counts; a day of its weeks does.
            _ = try await store.push([op(.hours, "MH-SB-001/" + String(format: "%020x", 1) + "/2024-04-10", "minutes", .integer(60))], device: nil, at: "")
            #expect(try await shown().orgs["MH-SB-001"]?.name == "存 MH-SB-001")
            _ = try await store.push([op(.hours, day, "minutes", .integer(300))], device: nil, at: "")
            let changed = try await shown()
            #expect(changed.orgs["MH-SB-001"]?.name == "基地 MH-SB-001" && changed.report.total.minutes == 300, "a change in its weeks: made again")

            // New rules: made again. A view that does not decode: made again.
            try await plant()
            #expect(try await shown().orgs["MH-SB-001"]?.name == "存 MH-SB-001")
            try await store.updateRules { $0.lunchRates["MH-SB-001"] = [.init(from: "2024-01-01", value: 1500)] }
            #expect(try await shown().orgs["MH-SB-001"]?.name == "基地 MH-SB-001", "new rules: made again")
            try await store.keepView(key, "{\"seq\": 9999")
            #expect(try await shown().report.total.minutes == 300, "a cut view: made again")
            try await plant()
            #expect(try await shown(["MH-SB-001"]).orgs["MH-SB-001"]?.name == "基地 MH-SB-001", "the district's orgs are others: made again")
        }
    }

    @Test func aViewsFlagsHoldWhileTodayStaysAfterItsMonth() {
        let march = Ledger.weeks(ofMonth: "2024-03")!   // 2024-02-26 … 2024-03-31
        #expect(ReviewBooks.sameFlags("2024-04-01", CivilDate("2026-12-07")!, days: march))
        #expect(ReviewBooks.sameFlags("2024-03-20", CivilDate("2024-03-20")!, days: march))
        #expect(!ReviewBooks.sameFlags("2024-03-20", CivilDate("2024-03-21")!, days: march), "a day of the month may turn from future to past")
        #expect(!ReviewBooks.sameFlags("2024-03-31", CivilDate("2024-04-01")!, days: march))
        #expect(!ReviewBooks.sameFlags("not a day", CivilDate("2024-04-01")!, days: march))
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
