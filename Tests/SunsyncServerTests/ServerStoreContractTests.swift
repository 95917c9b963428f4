import Foundation
import PostgresNIO
import SunsyncModel
import SunsyncReports
@testable import SunsyncServer
@testable import SunsyncServerStore
import SunsyncStore
import Testing
@testable import SunsyncPostgres

/// What every `ServerStore` must do, run against each implementation (SQLite always; PostgreSQL when
/// `SUNSYNC_TEST_POSTGRES` is set, as in `.ci/run`).
struct ServerStoreContractTests {
    static let t0: UInt64 = 1_709_510_400_000

    static func op(_ ms: UInt64, replica: UInt64 = 1, _ record: String, collection: CollectionName = .hours, field: String = "minutes",
                   value: Value = .integer(60), pred: [OpID] = []) -> Op {
        Op(id: OpID(timestamp: Timestamp(milliseconds: t0 + ms, counter: 0), replica: ReplicaID(replica)),
           collection: collection, record: record, field: field, value: value, pred: pred)
    }

    static func day(_ org: String, _ n: Int) -> String { "\(org)/\(String(format: "%020x", n))/2024-03-0\(n % 9 + 1)" }

    @Test(arguments: Backend.available) func appendingTwiceChangesNothingAndAReusedIdIsRefusedAlone(backend: Backend) async throws {
        try await backend.with { store in
            let ops = (1...5).map { Self.op(UInt64($0), Self.day("MH-SB-001", $0)) }
            let first = try await store.push(ops, device: nil, at: "")
            #expect(first.new == 5 && first.reused.isEmpty)
            let last = try await store.lastSeq()
            let again = try await store.push(ops + ops, device: nil, at: "")
            #expect(again.new == 0 && again.reused.isEmpty)
            #expect(try await store.lastSeq() == last, "a duplicate takes no place in the log")
            var changed = ops[2]
            changed.value = .integer(999)
            let fresh = Self.op(9, Self.day("MH-SB-001", 7))
            let mixed = try await store.push([changed, fresh], device: nil, at: "")
            #expect(mixed.reused == [changed.id])
            #expect(mixed.new == 1, "the rest of the batch is held")
            #expect(try await store.history(of: [ops[2].key]).map(\.op) == [ops[2]], "the held op is unchanged")
        }
    }

    @Test(arguments: Backend.available) func aReplicaBelongsToItsFirstDeviceAndTheServersToTheServer(backend: Backend) async throws {
        try await backend.with { store in
            // Given a replica a device wrote under first, and the server's own writes (an admin's, a reviewer's on the page)
            #expect(try await store.bindReplicas([ReplicaID(0xa1), ReplicaID(0xa2)], to: "dev_a", at: "t1").isEmpty)
            let org = RecordKey(collection: .orgs, id: "MH-SB-001")
            let own = try await store.edit([org], by: .server) { tx in try tx.set(org, "name", .text("基地")) }.ops[0].id.replica
            let day = RecordKey(collection: .hours, id: Self.day("MH-SB-001", 1))
            _ = try await store.push([Self.op(1, replica: 0xa1, day.id)], device: "dev_a", at: "t1")
            let web = try await store.edit([day], by: .device("dev_r")) { tx in try tx.set(day, "review_note", .text("已核对")) }.ops[0].id.replica
            // Then the first device keeps its replica, and nobody else may take it or the server's
            #expect(try await store.bindReplicas([ReplicaID(0xa1)], to: "dev_a", at: "t2").isEmpty)
            #expect(try await store.bindReplicas([ReplicaID(0xa1), ReplicaID(0xb1), own, web], to: "dev_b", at: "t2") == [ReplicaID(0xa1), own, web])
            #expect(try await store.bindReplicas([ReplicaID(0xb1)], to: "dev_a", at: "t3") == [ReplicaID(0xb1)], "dev_b holds it now")
        }
    }

    /// Pushes that arrive together (PostgreSQL commits them in one batch) each get their own answer.
    @Test(arguments: Backend.available) func concurrentPushesEachGetTheirOwnOutcome(backend: Backend) async throws {
        try await backend.with { store in
            let held = Self.op(1, Self.day("MH-SB-001", 1))
            _ = try await store.push([held], device: nil, at: "")
            var other = held
            other.value = .integer(5)
            // 24 pushes at once: each sends 3 ops of its own and the op all of them share; every fourth also
            // sends the held op again, and every sixth the held op's id with other content.
            let shared = Self.op(2, replica: 99, Self.day("MH-SB-002", 2))
            let outcomes = try await withThrowingTaskGroup(of: (Int, PushOutcome).self) { group in
                for n in 0..<24 {
                    var ops = (0..<3).map { Self.op(UInt64(100 + n * 3 + $0), replica: UInt64(10 + n), Self.day("MH-SB-003", n * 3 + $0)) }
                    ops.append(shared)
                    if n % 4 == 0 { ops.append(held) }
                    if n % 6 == 0 { ops.append(other) }
                    let batch = ops
                    group.addTask { (n, try await store.push(batch, device: "dev_\(n % 3)", at: "t\(n)")) }
                }
                return try await group.reduce(into: [Int: PushOutcome]()) { $0[$1.0] = $1.1 }
            }
            let newOps: Int = outcomes.values.map(\.new).reduce(0, +)
            #expect(newOps == 73, "each op is new to exactly one push: 24 × 3 of their own, and the shared one")
            for (n, outcome) in outcomes {
                #expect(outcome.new == 3 || outcome.new == 4, "push \(n): its own three, and perhaps the shared op")
                #expect(outcome.reused == (n % 6 == 0 ? [held.id] : []), "push \(n)")
                #expect(outcome.deviceReplicas >= 1)
            }
            let all = try await store.pull(after: 0, orgs: nil, limit: 1_000)
            #expect(all.ops.count == 74, "every op once: those pushed and the one held before")
            #expect(Set(all.ops.map(\.op.id)).count == all.ops.count)
            #expect(try await store.history(of: [held.key]).map(\.op) == [held], "the held op is unchanged")
        }
    }

    @Test(arguments: Backend.available) func pullsPageByCursorWithinScope(backend: Backend) async throws {
        try await backend.with { store in
            var ops = [Op]()
            for n in 0..<90 { ops.append(Self.op(UInt64(n + 1), Self.day(["MH-SB-001", "MH-SB-002", "XH-SB-001"][n % 3], n))) }
            for chunk in stride(from: 0, to: ops.count, by: 25) { _ = try await store.push(Array(ops[chunk..<min(chunk + 25, ops.count)]), device: nil, at: "") }
            for scope in [nil, ["MH-SB-001"], ["MH-SB-001", "MH-SB-002"], ["NONE"]] as [[String]?] {
                var cursor: Int64 = 0, seen = [Op](), pages = 0
                #expect(try await store.remaining(after: 0, orgs: scope) == Int64(ops.filter { scope?.contains(MergedState.org(of: $0.key)) ?? true }.count))
                while true {
                    let page = try await store.pull(after: cursor, orgs: scope, limit: 7)
                    #expect(page.cursor >= cursor)
                    seen += page.ops.map(\.op)
                    cursor = page.cursor
                    pages += 1
                    if !page.more { break }
                    #expect(pages < 100)
                }
                let wanted = ops.filter { scope?.contains(MergedState.org(of: $0.key)) ?? true }
                #expect(seen == wanted, "every op in scope once, in arrival order (scope \(scope ?? ["all"]))")
                let lastSeq = try await store.lastSeq()
                #expect(cursor == lastSeq, "the cursor moves past other orgs' ops")
                #expect(try await store.pull(after: cursor, orgs: scope, limit: 7).ops.isEmpty)
            }
            await #expect(throws: StoreError.self) { try await store.pull(after: 10_000, orgs: nil, limit: 10) }
        }
    }

    /// Random histories (concurrent writes, late arrivals, duplicates) in random batches: what the store
    /// merges equals the model's merge of every op, whole, by days, and record by record.
    @Test(arguments: Backend.available, [11, 12] as [UInt64]) func mergedReadsEqualTheModel(backend: Backend, seed: UInt64) async throws {
        try await backend.with { store in
            var rng = SplitMix(seed)
            var all = [Op](), ms: UInt64 = 0
            let keys = (0..<20).map { RecordKey(collection: $0 % 3 == 0 ? .lunches : .hours, id: Self.day($0 % 2 == 0 ? "MH-SB-001" : "MH-SB-002", $0)) }
                + [RecordKey(collection: .orgs, id: "MH-SB-001")]
            for _ in 0..<300 {
                let key = keys[Int(rng.next() % UInt64(keys.count))]
                let field = key.collection == .orgs ? "name" : ["minutes", "note", "deleted"][Int(rng.next() % 3)]
                let earlier = all.filter { $0.key == key && $0.field == field }
                let pred = earlier.isEmpty || rng.next() % 3 == 0 ? [] : [earlier[Int(rng.next() % UInt64(earlier.count))].id]
                ms += 1
                let value: Value = field == "minutes" ? .integer(Int64(rng.next() % 600)) : field == "deleted" ? .bool(rng.next() % 2 == 0) : .text("v\(ms)")
                all.append(Self.op(ms, replica: 1 + rng.next() % 4, key.id, collection: key.collection, field: field, value: value, pred: pred))
            }
            var shuffled = all
            shuffled.shuffle(using: &rng)
            shuffled += shuffled.prefix(40)   // duplicates
            var i = 0
            while i < shuffled.count {
                let n = Int(rng.next() % 50) + 1
                _ = try await store.push(Array(shuffled[i..<min(i + n, shuffled.count)]), device: nil, at: "")
                i += n
            }
            let model = MergedState(all)
            // What a reader sees: each field's current values (the SQLite store keeps no more than those).
            func shown(_ records: [RecordKey: RecordState]) -> [RecordKey: [String: [FieldState.Entry]]] {
                records.mapValues { record in Dictionary(uniqueKeysWithValues: record.fields.map { ($0.name, $0.state.current) }) }
            }
            #expect(shown(try await store.mergedState(nil, days: nil).records) == shown(model.records))
            let days = CivilDate(year: 2024, month: 3, day: 2)!...CivilDate(year: 2024, month: 3, day: 5)!
            let byDays = try await store.mergedState([.hours, .orgs], days: days)
            #expect(byDays.records.keys.allSatisfy { $0.collection == .orgs || ($0.collection == .hours && days.contains(CivilDate(Substring($0.id.suffix(10)))!)) })
            #expect(shown(byDays.records) == shown(model.records.filter { byDays.records[$0.key] != nil }))
            #expect(byDays.records.count == model.records.filter { $0.key.collection == .orgs || ($0.key.collection == .hours && days.contains(CivilDate(Substring($0.key.id.suffix(10)))!)) }.count)
            #expect(shown(try await store.records(keys)) == shown(model.records))
            // Some fields only (the review page's chart): those fields exactly as in the whole records, and the
            // chart's minutes by org the same as from the whole month.
            let chart = try await store.mergedState([.hours], days: days, fields: ReviewBooks.chartFields)
            let whole = try await store.mergedState([.hours], days: days)
            #expect(shown(chart.records) == shown(whole.records).compactMapValues { fields in
                let kept = fields.filter { ReviewBooks.chartFields.contains($0.key) }
                return kept.isEmpty ? nil : kept
            })
            #expect(Ledger(state: chart, settings: FlagSettings(today: "")).minutesByOrg(month: "2024-03")
                    == Ledger(state: whole, settings: FlagSettings(today: "")).minutesByOrg(month: "2024-03"))
            #expect(try await store.mergedState(nil, days: nil, fields: ["name"]).records.keys.allSatisfy { $0.collection == .orgs })
            #expect(try await store.history(of: [keys[0]]).map(\.op) == all.filter { $0.key == keys[0] }.sorted { $0.id < $1.id })
            #expect(try await store.daySpan() == CivilDate(year: 2024, month: 3, day: 1)!...CivilDate(year: 2024, month: 3, day: 9)!)
        }
    }

    @Test(arguments: Backend.available) func editsWriteOverTheMergedStateAndChangesFindThem(backend: Backend) async throws {
        try await backend.with { store in
            let org = RecordKey(collection: .orgs, id: "MH-SB-001")
            _ = try await store.edit([org], by: .server) { tx in
                try tx.set(org, "name", .text("莘庄镇阳光基地"))
                try tx.set(org, "district", .text("310112"))
            }
            let seq = try await store.lastSeq()
            #expect(try await store.orgs(inDistrict: "310112") == ["MH-SB-001"])
            let (_, ops) = try await store.edit([org], by: .server) { tx in try tx.set(org, "name", .text("新名字")) }
            #expect(ops.count == 1 && ops[0].pred.count == 1, "the new name replaces the one it saw")
            #expect(try await store.record(org)?.displayed("name") == .text("新名字"))
            #expect(try await store.record(org)?.hasConflict == false)
            let (_, none) = try await store.edit([org], by: .server) { tx in try tx.set(org, "name", .text("新名字")) }
            #expect(none.isEmpty, "a value already shown is not written again")
            // A refused edit writes nothing.
            await #expect(throws: (any Error).self) {
                _ = try await store.edit([org], by: .server) { tx in
                    try tx.set(org, "name", .text("x"))
                    throw StoreError(.invalid, "no")
                }
            }
            #expect(try await store.record(org)?.displayed("name") == .text("新名字"))
            let days = CivilDate(year: 2024, month: 3, day: 1)!...CivilDate(year: 2024, month: 3, day: 31)!
            #expect(try await store.changed(after: seq, days: days))
            let changes = try #require(try await store.changes(after: seq, days: days, limit: 10))
            let lastSeq = try await store.lastSeq()
            #expect(changes.records.keys.contains(org) && changes.seq == lastSeq)
            #expect(try await !store.changed(after: changes.seq, days: days))
        }
    }

    @Test(arguments: Backend.available) func devicesSessionsRulesAndEpoch(backend: Backend) async throws {
        try await backend.with { store in
            let device = Device(id: "dev_1", name: "审核1", role: .reviewer, org: nil, district: "310112", createdAt: "2026-11-23T00:00:00Z", revokedAt: nil)
            try await store.addDevice(device, tokenHash: "hash1")
            await #expect(throws: StoreError.self) { try await store.addDevice(device, tokenHash: "hash2") }
            #expect(try await store.device(tokenHash: "hash1")?.name == "审核1")
            #expect(try await store.device(tokenHash: "nope") == nil)
            _ = try await store.push([Self.op(1, replica: 7, Self.day("MH-SB-001", 1))], device: "dev_1", at: "t1")
            let two = try await store.push([Self.op(2, replica: 8, Self.day("MH-SB-001", 2))], device: "dev_1", at: "t2")
            #expect(two.deviceReplicas == 2)
            let key = RecordKey(collection: .hours, id: Self.day("MH-SB-001", 1))
            _ = try await store.edit([key], by: .device("dev_1")) { tx in try tx.set(key, "review_note", .text("ok")) }
            let listed = try #require(try await store.devices().first)
            #expect(listed.replicas == [ReplicaID(7).description, ReplicaID(8).description])
            #expect(listed.webReplica != nil)

            try await store.startReviewSession(idHash: "s1", device: "dev_1", at: "t", expires: 2_000, now: 1_000)
            #expect(try await store.reviewSession(idHash: "s1", now: 1_500)?.id == "dev_1")
            #expect(try await store.reviewSession(idHash: "s1", now: 2_500) == nil, "expired")
            try await store.endReviewSession(idHash: "s1")
            #expect(try await store.reviewSession(idHash: "s1", now: 1_500) == nil)
            try await store.startReviewSession(idHash: "s2", device: "dev_1", at: "t", expires: 2_000, now: 1_000)
            #expect(try await store.revokeDevice("审核1", at: "t3")?.revokedAt == "t3")
            #expect(try await store.reviewSession(idHash: "s2", now: 1_500) == nil, "revoking ends its sessions")
            #expect(try await store.revokeDevice("nobody", at: "t3") == nil)

            #expect(try await store.rules() == Rules())
            let saved = try await store.updateRules { $0.lunchRates["MH-SB-001"] = [.init(from: "2024-01-01", value: 1500)] }
            #expect(try await store.rules() == saved && saved.lunchRates["MH-SB-001"]?.first?.value == 1500)
            // Twelve administrators at once, each adding a rate of their own: none of the changes is lost.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<12 {
                    group.addTask { try await store.updateRules { $0.lunchRates["ORG-\(n)"] = [.init(from: "2024-01-01", value: Int64(n))] } }
                }
                try await group.waitForAll()
            }
            #expect(try await store.rules().lunchRates.count == 13, "every change kept")
            // A change that throws writes nothing.
            await #expect(throws: StoreError.self) {
                try await store.updateRules { rules in
                    rules.lunchRates = [:]
                    throw StoreError(.invalid, "changed my mind")
                }
            }
            #expect(try await store.rules().lunchRates.count == 13)

            let epoch = try await store.epoch()
            #expect(!epoch.isEmpty)
            #expect(try await store.epoch() == epoch)

            // A kept view: none at first, then the last one kept, by key (bodies as written, Chinese included).
            #expect(try await store.keptView("310112|2024-03") == nil)
            try await store.keepView("310112|2024-03", #"{"seq":1,"名":"闵行"}"#)
            try await store.keepView("310112|2024-03", #"{"seq":2,"名":"闵行"}"#)
            try await store.keepView("310104|2024-03", "{}")
            #expect(try await store.keptView("310112|2024-03") == #"{"seq":2,"名":"闵行"}"#)
            #expect(try await store.keptView("310104|2024-03") == "{}")
        }
    }
}

/// PostgreSQL's own: the cursor never skips an op whose commit is late, and a restored database gets a new epoch.
@Suite(.enabled(if: Backend.postgresURL != nil, "set SUNSYNC_TEST_POSTGRES to a PostgreSQL server"))
struct PostgresCursorTests {
    /// One push's transaction holds its ops uncommitted while others push through the same database:
    /// no pull may hand out a cursor past the held ops, and once they commit, a laptop that kept pulling
    /// from its cursor has every op exactly once.
    @Test func aPullNeverMovesPastAnOpWhoseCommitIsLate() async throws {
        let url = try #require(Backend.postgresURL)
        let database = try await Backend.newDatabase(url)
        defer { Task { await Backend.dropDatabase(url, database.name) } }
        let store = try await PostgresStore.connect(url: database.url, maximumConnections: 8)
        let other = try await PostgresStore.connect(url: database.url, maximumConnections: 8)   // a second server process's pool
        let early = (1...3).map { ServerStoreContractTests.op(UInt64($0), ServerStoreContractTests.day("MH-SB-001", $0)) }
        _ = try await store.push(early, device: nil, at: "")

        let held = (10...12).map { ServerStoreContractTests.op(UInt64($0), replica: 2, ServerStoreContractTests.day("MH-SB-001", $0)) }
        let later = (20...22).map { ServerStoreContractTests.op(UInt64($0), replica: 3, ServerStoreContractTests.day("MH-SB-001", $0)) }
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let holding = Task {
            try await store.client.withTransaction(logger: store.logger) { conn in
                _ = try await store.append(held, conn)
                for await _ in release { break }   // the commit waits for the test
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let pushing = Task { try await other.push(later, device: nil, at: "") }   // a later push, through the other process
        try await Task.sleep(for: .milliseconds(300))

        var cursor: Int64 = 0, received = [Op]()
        for _ in 0..<3 {   // pulls while the held transaction is open
            let page = try await other.pull(after: cursor, orgs: ["MH-SB-001"], limit: 100)
            received += page.ops.map(\.op)
            cursor = page.cursor
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(received == early, "only what committed before the held push")
        releaser.yield()
        releaser.finish()
        try await holding.value
        _ = try await pushing.value
        while true {
            let page = try await other.pull(after: cursor, orgs: ["MH-SB-001"], limit: 2)
            received += page.ops.map(\.op)
            cursor = page.cursor
            if !page.more { break }
        }
        #expect(Set(received.map(\.id)) == Set((early + held + later).map(\.id)))
        #expect(received.count == 9, "no op skipped, none twice")
        await store.close()
        await other.close()
    }

    /// The hazard the append lock removes, shown on the same database: two transactions take sequence
    /// numbers without it, the later one commits first, and a reader then sees a gap it would skip.
    @Test func withoutTheLockALateCommitWouldBeSkipped() async throws {
        let url = try #require(Backend.postgresURL)
        let database = try await Backend.newDatabase(url)
        defer { Task { await Backend.dropDatabase(url, database.name) } }
        let store = try await PostgresStore.connect(url: database.url, maximumConnections: 8)
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let slow = Task {
            try await store.client.withTransaction(logger: store.logger) { conn in
                try await conn.query("""
                    INSERT INTO ops (seq, id, collection, record, field, kind, num, txt, pred, org)
                    VALUES (nextval('ops_seq'), '\\x01'::bytea, 'hours', 'A/1/2024-03-01', 'minutes', 2, 1, '', ''::bytea, 'A')
                    """, logger: store.logger)
                for await _ in release { break }
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        try await store.client.withTransaction(logger: store.logger) { conn in
            try await conn.query("""
                INSERT INTO ops (seq, id, collection, record, field, kind, num, txt, pred, org)
                VALUES (nextval('ops_seq'), '\\x02'::bytea, 'hours', 'A/2/2024-03-01', 'minutes', 2, 1, '', ''::bytea, 'A')
                """, logger: store.logger)
        }
        let visible = try await store.lastSeq()
        releaser.yield()
        releaser.finish()
        try await slow.value
        #expect(visible == 2, "seq 2 committed while seq 1 was still open: a pull at that moment would hand out cursor 2 and never send seq 1")
        await store.close()
    }

    /// One batch of pushes (group commit): each answered as if it had gone alone; one push the database
    /// refuses fails on its own and the rest are held (PostgreSQL: its text cannot hold a NUL character).
    @Test(arguments: Backend.available, [false, true]) func aBatchAnswersEachPushAsIfAlone(backend: Backend, withARefusedPush: Bool) async throws {
        guard backend == .postgres || !withARefusedPush else { return }
        try await backend.with { store in
            typealias C = ServerStoreContractTests
            let o = (1...5).map { C.op(UInt64($0), replica: UInt64($0 % 2 + 1), C.day("MH-SB-001", $0)) }
            var o1b = o[0]
            o1b.value = .integer(7)
            var pushes: [GroupCommit.Push] = [
                .init(ops: [o[0], o[1], o[2]], device: "dev_a", time: "t1"),
                .init(ops: [o[1], o[2], o[3], o[3]], device: "dev_a", time: "t2"),
                .init(ops: [o1b, o[4]], device: "dev_b", time: "t3"),
                .init(ops: [], device: "dev_b", time: "t4"),
            ]
            if withARefusedPush { pushes.insert(.init(ops: [C.op(9, C.day("MH-SB-001", 9), value: .text("a\u{0}b"))], device: nil, time: "t5"), at: 1) }
            var outcomes = switch store {
            case let postgres as PostgresStore: await postgres.commit(pushes)
            default: await SQLiteServerStore.commit(pushes, try #require(store as? SQLiteServerStore).pool)
            }
            if withARefusedPush {
                #expect(throws: StoreError.self) { try outcomes.remove(at: 1).get() }
            }
            let answers = try outcomes.map { try $0.get() }
            #expect(answers.map(\.new) == [3, 1, 1, 0])
            #expect(answers.map(\.reused) == [[], [], [o[0].id], []])
            #expect(answers.map(\.deviceReplicas) == [2, 2, 1, 1])
            #expect(try await store.pull(after: 0, orgs: nil, limit: 100).ops.map(\.op) == Array(o[0...4]))
        }
    }

    /// A database that is not there, or a port nobody listens on, is said in words (the pool alone would
    /// retry for a minute and then say neither).
    @Test func aWrongURLIsSaidAtOnce() async throws {
        let url = try #require(Backend.postgresURL)
        var parts = try #require(URLComponents(string: url))
        parts.path = "/sunsync_no_such_database"
        let missing = await #expect(throws: StoreError.self) { try await PostgresStore.connect(url: parts.string!) }
        #expect(missing?.message.contains("\"sunsync_no_such_database\" does not exist") == true, "\(missing?.message ?? "")")
        parts.path = "/sunsync"
        parts.port = 9   // discard: nothing listens on loopback
        let refused = await #expect(throws: StoreError.self) { try await PostgresStore.connect(url: parts.string!) }
        #expect(refused?.message.contains("cannot reach PostgreSQL at postgres://") == true, "\(refused?.message ?? "")")
    }

    @Test func aNewEpochAfterARestore() async throws {
        let url = try #require(Backend.postgresURL)
        let database = try await Backend.newDatabase(url)
        defer { Task { await Backend.dropDatabase(url, database.name) } }
        let store = try await PostgresStore.connect(url: database.url)
        let before = try await store.epoch()
        await store.close()
        let again = try await PostgresStore.connect(url: database.url)   // migrations run again: nothing changes
        #expect(try await again.epoch() == before)
        let renewed = try await again.renewEpoch()
        let now = try await again.epoch()
        #expect(renewed != before && now == renewed)
        await again.close()
    }
}

/// Pull pages are whole in their signed batches (SPEC §9), on each backend, whatever the page size and scope.
struct WholeBatchPageTests {
    static func signed(_ ops: [Op], key: String, privateKey: [UInt8]) throws -> PushSignature {
        let digests = ops.map(Signing.digest)
        let signature = try Signing.sign(Signing.message(keyID: key, digests: digests), privateKey: privateKey)
        return PushSignature(key: key, signature: signature, digests: digests, places: Array(ops.indices))
    }

    /// Signed pushes committed together: the same push twice in one batch (a retry that overtook its first
    /// try), one held before, one that shares an op with another. Each signature is held once, with holes
    /// where its ops are held under another, and everything verifies (PostgreSQL inserts the batch's
    /// signatures and fills their holes in one statement each).
    @Test(arguments: Backend.available) func signedPushesCommittedTogetherKeepEachSignatureOnce(backend: Backend) async throws {
        try await backend.with { store in
            typealias C = ServerStoreContractTests
            let privateKey = Hex.decode(NaturalKey.digest("contract-key")) ?? []
            let key = try await store.registerKey(try Signing.publicKey(privateKey: privateKey), owner: "dev_a", at: "t")
            _ = try await store.bindReplicas([ReplicaID(0xa1)], to: "dev_a", at: "t")
            let o = (1...8).map { C.op(UInt64($0), replica: 0xa1, C.day("MH-SB-001", $0)) }
            let before = [o[6], o[7]]
            _ = try await store.push(before, device: "dev_a", at: "t0", signed: try Self.signed(before, key: key, privateKey: privateKey))
            let first = [o[0], o[1], o[2]], shares = [o[2], o[3]], last = [o[4], o[5]]
            func push(_ ops: [Op], _ time: String) throws -> GroupCommit.Push {
                GroupCommit.Push(ops: ops, device: "dev_a", time: time, signed: try Self.signed(ops, key: key, privateKey: privateKey))
            }
            let pushes = [try push(first, "t1"), try push(first, "t2"), try push(before, "t3"), try push(shares, "t4"), try push(last, "t5")]
            let outcomes = switch store {
            case let postgres as PostgresStore: await postgres.commit(pushes)
            default: await SQLiteServerStore.commit(pushes, try #require(store as? SQLiteServerStore).pool)
            }
            #expect(try outcomes.map { try $0.get().new } == [3, 0, 0, 1, 2])
            let page = try await store.pull(after: 0, orgs: nil, limit: 100)
            #expect(Set(page.ops.map(\.op.id)) == Set(o.map(\.id)) && page.ops.count == 8)
            #expect(page.batches.count == 4, "the held batch, the first push's, the one sharing an op, the last: each once")
            let verified = try await store.verify { _, _ in }
            #expect(verified.failures.isEmpty && verified.batches == 4)
        }
    }

    /// PostgreSQL commits the usual batch (all new, each push's batch its own and filled) in one statement;
    /// one that holds an op or a batch already writes nothing and says so, so that the transaction does it.
    @Test(.enabled(if: Backend.postgresURL != nil, "set SUNSYNC_TEST_POSTGRES to a PostgreSQL server"))
    func postgresCommitsTheUsualBatchInOneStatementAndNothingElse() async throws {
        try await Backend.postgres.with { store in
            let postgres = try #require(store as? PostgresStore)
            typealias C = ServerStoreContractTests
            let privateKey = Hex.decode(NaturalKey.digest("contract-key")) ?? []
            let key = try await store.registerKey(try Signing.publicKey(privateKey: privateKey), owner: "dev_a", at: "t")
            _ = try await store.bindReplicas([ReplicaID(0xa1)], to: "dev_a", at: "t")
            let o = (1...6).map { C.op(UInt64($0), replica: 0xa1, C.day("MH-SB-001", $0)) }
            func push(_ ops: [Op]) throws -> GroupCommit.Push {
                GroupCommit.Push(ops: ops, device: "dev_a", time: "t", signed: try Self.signed(ops, key: key, privateKey: privateKey))
            }
            let pushes = [try push([o[0], o[1]]), try push([o[2], o[3]]), try push([o[4]])]
            let signatures = pushes.map { $0.signed.map { ByteBuffer(bytes: $0.signature) } }
            #expect(await postgres.commitAtOnce(pushes, signatures: signatures))
            // Again (a retry), and a batch with one new op beside one held: refused whole, nothing written.
            #expect(!(await postgres.commitAtOnce(pushes, signatures: signatures)))
            let mixed = [try push([o[5], o[0]])]
            #expect(!(await postgres.commitAtOnce(mixed, signatures: mixed.map { $0.signed.map { ByteBuffer(bytes: $0.signature) } })))
            var page = try await store.pull(after: 0, orgs: nil, limit: 100)
            #expect(page.ops.map(\.op.id) == [o[0], o[1], o[2], o[3], o[4]].map(\.id), "in order, each once")
            #expect(page.batches.count == 3 && page.ops.allSatisfy { $0.batch != nil }, "each push's ops under its batch")
            // The transaction takes the mixed one: its batch with a hole where the held op is.
            #expect(try await postgres.commit(mixed).map { try $0.get().new } == [1])
            page = try await store.pull(after: 0, orgs: nil, limit: 100)
            #expect(page.ops.count == 6 && page.batches.count == 4)
            let verified = try await store.verify { _, _ in }
            #expect(verified.failures.isEmpty && verified.batches == 4, "\(verified)")
        }
    }

    @Test(arguments: Backend.available) func everyPageHoldsWholeBatchesThatVerify(backend: Backend) async throws {
        try await backend.with { store in
            let privateKey = Hex.decode(NaturalKey.digest("contract-key")) ?? []
            let key = try await store.registerKey(try Signing.publicKey(privateKey: privateKey), owner: "dev_a", at: "t")
            _ = try await store.bindReplicas([ReplicaID(0xa1)], to: "dev_a", at: "t")
            // Batches of 7 ops, alternating between two orgs, and the server's own write between them
            var all = [Op]()
            for n in 0..<6 {
                let org = n % 2 == 0 ? "MH-SB-001" : "MH-SB-002"
                let ops = (0..<7).map { i in ServerStoreContractTests.op(UInt64(n * 10 + i), replica: 0xa1, "\(org)/\(String(format: "%020x", i))/2024-03-0\(n + 1)") }
                _ = try await store.push(ops, device: "dev_a", at: "t", signed: try Self.signed(ops, key: key, privateKey: privateKey))
                all += ops
                if n == 2 {
                    let org = RecordKey(collection: .orgs, id: "MH-SB-001")
                    all += try await store.edit([org], by: .server) { tx in try tx.set(org, "name", .text("基地")) }.ops
                }
            }
            let keys = Dictionary(uniqueKeysWithValues: try await store.signingKeys().map { ($0.id, $0) })
            for scope in [nil, ["MH-SB-001"], ["MH-SB-001", "MH-SB-002"]] as [[String]?] {
                for limit in [1, 3, 5, 8, 100] {
                    var cursor: Int64 = 0, received = Set<OpID>(), pages = 0
                    while true {
                        let page = try await store.pull(after: cursor, orgs: scope, limit: limit)
                        var covered = [Int](repeating: 0, count: page.ops.count)
                        for (stored, places) in page.batches {
                            for p in places { covered[p] += 1 }
                            let key = try #require(keys[stored.batch.key])
                            #expect(stored.batch.verifies(places.map { page.ops[$0].op }, publicKey: key.publicKey),
                                    "scope \(String(describing: scope)), limit \(limit): a batch that does not verify")
                        }
                        #expect(covered.allSatisfy { $0 == 1 }, "every op in exactly one batch")
                        received.formUnion(page.ops.map(\.op.id))
                        cursor = page.cursor
                        pages += 1
                        if !page.more || pages > 100 { break }
                    }
                    let wanted = Set(all.filter { op in scope.map { $0.contains(MergedState.org(of: op.key)) } ?? true }.map(\.id))
                    #expect(received == wanted, "scope \(String(describing: scope)), limit \(limit): every op in scope, once the pages end")
                }
            }
            #expect(try await store.verify { _, _ in }.failures.isEmpty)
        }
    }
}
