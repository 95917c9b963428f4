import Foundation
import SunsyncClient
import Testing
import SunsyncModel
import SunsyncProtocol
import SunsyncStore
@testable import SunsyncCLI

/// A clock that moves only when a sync waits on it or a fake server spends time: a whole minute of
/// retries takes no time, and every wait is exact.
final class FakeClock: SyncClock, @unchecked Sendable {
    private let lock = NSLock()
    private let base = ContinuousClock.now
    private var passed = Duration.zero

    var now: ContinuousClock.Instant { lock.withLock { base + passed } }
    var elapsed: Duration { lock.withLock { passed } }
    func advance(_ duration: Duration) { lock.withLock { passed += duration } }
    func sleep(for duration: Duration) async throws { advance(duration) }
}

/// A server in memory that takes pushes (idempotently, by op id), serves three signed pages of another
/// laptop's changes, and fails where a test says: the `n`th call of a kind (counting tries again) is
/// dropped, cut or left silent, spending on `clock` the time a real try would.
final class ScriptedServer: SyncTransport, @unchecked Sendable {
    enum Call: Hashable { case session, registerKey, push, devices, pull }
    enum Fault {
        /// The connection is cut after the request arrived: a push is taken, its answer lost.
        case cut
        /// The server accepts the connection and never answers: the try waits out its read bound.
        case silent
        /// Nothing listens: refused at once.
        case refusedAtOnce
        /// Connecting hangs: the try waits out its connect bound.
        case connectHangs
        case error(SyncError)
    }

    let clock: FakeClock
    let pages: [PullResponse]
    let directory: DeviceDirectory
    private let lock = NSLock()
    private var calls = [Call: Int]()
    private var faults = [Call: [Int: Fault]]()
    private var always = [Call: Fault]()
    private var heldOps = [String: Op]()
    var epoch = "e1"
    /// Pushes answered with every op refused under this code, by push call number.
    var refuseAll = [Int: String]()

    init(clock: FakeClock) throws {
        self.clock = clock
        (pages, directory) = try Self.otherLaptop(pages: 3, perPage: 2)
    }

    var held: [String: Op] { lock.withLock { heldOps } }
    func forget() { lock.withLock { heldOps = [:] } }
    func fail(_ call: Call, at n: Int, with fault: Fault) { lock.withLock { faults[call, default: [:]][n] = fault } }
    func failAlways(_ call: Call, with fault: Fault) { lock.withLock { always[call] = fault } }
    func count(_ call: Call) -> Int { lock.withLock { calls[call] ?? 0 } }
    var othersOps: Int { pages.reduce(0) { $0 + $1.ops.count } }

    /// Counts the call; returns the fault to act out, if any.
    private func next(_ call: Call) -> Fault? {
        lock.withLock {
            let n = calls[call] ?? 0
            calls[call] = n + 1
            return always[call] ?? faults[call]?[n]
        }
    }

    /// Acts out a fault that happens before the server has the request.
    private func before(_ fault: Fault?) throws {
        switch fault {
        case .silent:
            clock.advance(RequestDeadline.bounded(.seconds(30), now: clock.now))
            throw SyncError.network("no answer", kind: .silent)
        case .connectHangs:
            clock.advance(RequestDeadline.bounded(.seconds(10), now: clock.now))
            throw SyncError.network("could not connect", kind: .cannotConnect)
        case .refusedAtOnce: throw SyncError.network("connection refused", kind: .cannotConnect)
        case .error(let error): throw error
        case .cut, nil: return
        }
    }

    private func after(_ fault: Fault?) throws {
        if case .cut = fault { throw SyncError.network("the connection was cut", kind: .cut) }
    }

    func session() async throws -> SessionInfo {
        let fault = next(.session)
        try before(fault)
        try after(fault)
        return SessionInfo(deviceId: "d-0", deviceName: "laptop-0", role: "staff", org: "MH-SB-001", district: nil, orgs: ["MH-SB-001"],
                           serverTime: Int64(Date().timeIntervalSince1970 * 1000), protocolVersion: 2, epoch: epoch)
    }

    func registerKey(publicKey: [UInt8]) async throws -> KeyRegistered {
        let fault = next(.registerKey)
        try before(fault)
        try after(fault)
        return KeyRegistered(key: Signing.keyID(publicKey: publicKey))
    }

    func push(_ request: PushRequest) async throws -> PushResponse {
        let n = count(.push)
        let fault = next(.push)
        try before(fault)
        let ops = request.ops.compactMap { try? $0.result.get() }
        if let code = lock.withLock({ refuseAll[n] }) {
            return PushResponse(accepted: [], rejected: ops.map { .init(id: $0.id.description, code: code, reason: "refused by the script") })
        }
        lock.withLock { for op in ops { heldOps[op.id.description] = op } }
        try after(fault)
        return PushResponse(accepted: ops.map(\.id.description), rejected: [])
    }

    func devices() async throws -> DeviceDirectory {
        let fault = next(.devices)
        try before(fault)
        try after(fault)
        return directory
    }

    func pull(after cursor: Int64, limit: Int, count: Bool) async throws -> PullResponse {
        let fault = next(.pull)
        try before(fault)
        try after(fault)
        guard cursor <= Int64(othersOps) else {
            throw SyncError.refused(Problem(type: Problem.typeURI("cursor-ahead"), title: "Conflict", status: 409,
                                            detail: "the cursor is beyond every change held"))
        }
        guard let index = pages.firstIndex(where: { $0.cursor > cursor }) else {
            return PullResponse(ops: [], cursor: cursor, more: false, remaining: 0, batches: [])
        }
        let page = pages[index]
        return PullResponse(ops: page.ops, cursor: page.cursor, more: page.more, remaining: count ? Int64(othersOps) - cursor : nil, batches: page.batches)
    }

    /// Another laptop's changes in `pages` pages, each a batch its key signed, and the directory that lists it.
    static func otherLaptop(pages: Int, perPage: Int) throws -> ([PullResponse], DeviceDirectory) {
        let replica = ReplicaID(0x222a_1511_0c16_24d9)
        let privateKey = [UInt8](repeating: 7, count: 32)
        let publicKey = try Signing.publicKey(privateKey: privateKey)
        let keyID = Signing.keyID(publicKey: publicKey)
        var result = [PullResponse]()
        for p in 0..<pages {
            let ops = (0..<perPage).map { i in
                let n = p * perPage + i
                return Op(id: OpID(timestamp: Timestamp(milliseconds: 1_700_000_000_000 + UInt64(n), counter: 0), replica: replica),
                          collection: .hours, record: "MH-SB-001/bd70a1271ab25a67e712/2026-10-\(String(format: "%02d", n + 1))",
                          field: "minutes", value: .integer(60 + Int64(n)))
            }
            let signature = try Signing.sign(Signing.message(keyID: keyID, digests: ops.map(Signing.digest)), privateKey: privateKey)
            let batch = PageBatch(SignedBatch(key: keyID, signature: signature, count: ops.count, holes: [:]), runs: PageBatch.runs(Array(ops.indices)))
            result.append(PullResponse(ops: ops, cursor: Int64((p + 1) * perPage), more: p < pages - 1, batches: [batch]))
        }
        let key = DeviceDirectory.Key(key: keyID, publicKey: Hex.encode(publicKey), signer: "laptop-2")
        let entry = DeviceDirectory.Entry(replica: replica.description, device: "laptop-2", role: "staff", org: "MH-SB-001", district: nil, signer: "laptop-2")
        return (result, DeviceDirectory(devices: [entry], keys: [key]))
    }
}

/// The sync client without a network (issue 21): a fake server that fails at every step, a fake clock, the
/// laptop's real store in a temporary folder. Deterministic: no socket, no sleep, every wait exact.
@Suite struct SyncClientTests {
    init() { Say.language = .en }

    static let written = 25

    /// A laptop holding 25 changes not yet sent (three pushes of at most 10).
    static func laptop() throws -> (Store, String) {
        let (store, dir) = try SyncEngineTests.laptop()
        for day in 1...written {
            let key = RecordKey(collection: .hours, id: "MH-SB-001/ad70a1271ab25a67e712/2026-11-\(String(format: "%02d", day))")
            _ = try store.write { tx in try tx.set(key, "minutes", .integer(Int64(day))) }
        }
        return (store, dir)
    }

    static func engine(_ store: Store, _ server: ScriptedServer, retries: Retried) -> SyncEngine {
        var engine = SyncEngine(store: store, transport: server)
        engine.pushBatch = 10
        engine.clock = server.clock
        engine.onRetry = { retry in retries.add(retry) }
        return engine
    }

    /// The waits a sync announced, with why.
    final class Retried: @unchecked Sendable {
        private let lock = NSLock()
        private var list = [SyncEngine.Retry]()
        func add(_ retry: SyncEngine.Retry) { lock.withLock { list.append(retry) } }
        var all: [SyncEngine.Retry] { lock.withLock { list } }
        var waits: [Duration] { all.map(\.wait) }
        var reasons: [String] { all.map(\.error.shortReason) }
    }

    static let steps: [(ScriptedServer.Call, Int)] = [(.session, 0), (.registerKey, 0), (.push, 0), (.push, 1), (.push, 2),
                                                      (.devices, 0), (.pull, 0), (.pull, 1), (.pull, 2)]

    /// A connection cut, or a server gone silent, at any one step: the sync tries that step again after the
    /// first wait and ends with every change sent once (a push whose answer was lost is sent again and taken
    /// as the same ops), every change of the other laptop received, nothing left waiting.
    @Test(arguments: [true, false])
    func aDropAtEveryStepLosesAndDoublesNothing(silent: Bool) async throws {
        for (call, n) in Self.steps {
            let (store, dir) = try Self.laptop()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let clock = FakeClock()
            let server = try ScriptedServer(clock: clock)
            server.fail(call, at: n, with: silent ? .silent : .cut)
            let retries = Retried()
            let report = try await Self.engine(store, server, retries: retries).run(expectOrg: "MH-SB-001")
            let place = "\(call) #\(n)"
            #expect(report.pushed == Self.written && report.rejected == 0, "\(place)")
            #expect(server.held.count == Self.written, "\(place): each change held once")
            #expect(try store.counts().pending == 0, "\(place)")
            #expect(report.pulled == server.othersOps && report.cursor == Int64(server.othersOps), "\(place)")
            #expect(retries.all.count == 1 && retries.waits == [.milliseconds(500)], "\(place)")
            #expect(retries.reasons == [silent ? "the server is not answering" : "the server cut the connection"], "\(place): \(retries.reasons)")
            #expect(clock.elapsed == .milliseconds(500) + (silent ? .seconds(30) : .zero), "\(place): \(clock.elapsed)")
        }
    }

    /// Faults at random calls of every kind (cut after the server took the request, silence, refused, a connect
    /// that hangs), the laptop writing on between tries, and the person running `sunsync sync` again until it
    /// ends well: every change is held once, nothing waits, everything of the other laptop is received, and
    /// every ended sync's report matches what its store holds. 40 seeded histories; the seed is named on failure.
    @Test func randomFaultsAndRetriesLoseAndDoubleNothing() async throws {
        let kinds: [ScriptedServer.Call] = [.session, .registerKey, .push, .devices, .pull]
        var ranAgain = 0
        for seed in UInt64(1)...40 {
            var random = SplitMix(seed)
            let (store, dir) = try Self.laptop()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let clock = FakeClock()
            let server = try ScriptedServer(clock: clock)
            // Single faults here and there, and bursts of two to six in a row (which end a sync: 60 s of tries).
            let faults: [ScriptedServer.Fault] = [.cut, .silent, .refusedAtOnce, .connectHangs]
            for kind in kinds {
                for n in 0..<14 where Int.random(in: 0..<10, using: &random) < 2 {
                    server.fail(kind, at: n, with: faults[Int.random(in: 0..<faults.count, using: &random)])
                }
                if Bool.random(using: &random) {
                    let start = Int.random(in: 0..<8, using: &random)
                    for n in start..<(start + Int.random(in: 2...6, using: &random)) {
                        server.fail(kind, at: n, with: faults[Int.random(in: 0..<faults.count, using: &random)])
                    }
                }
            }
            var written = Self.written, runs = 0, ended = false
            while !ended && runs < 30 {
                runs += 1
                do {
                    _ = try await Self.engine(store, server, retries: Retried()).run(expectOrg: "MH-SB-001")
                    ended = true
                } catch is SyncError {
                    // The person writes a day more, and syncs again.
                    let key = RecordKey(collection: .hours, id: "MH-SB-001/ad70a1271ab25a67e712/2026-12-\(String(format: "%02d", runs))")
                    _ = try store.write { tx in try tx.set(key, "minutes", .integer(Int64(runs))) }
                    written += 1
                }
            }
            #expect(ended, "seed \(seed): still failing after \(runs) runs")
            if runs > 1 { ranAgain += 1 }
            #expect(server.held.count == written, "seed \(seed): each change held once (\(server.held.count) of \(written))")
            #expect(try store.counts().pending == 0, "seed \(seed): nothing waits")
            #expect(try store.counts().ops == written + server.othersOps, "seed \(seed): the other laptop's changes, each once")
            #expect(try store.meta(SyncEngine.cursorKey) == String(server.othersOps), "seed \(seed)")
        }
        #expect(ranAgain >= 10, "the faults ended few syncs (\(ranAgain) of 40 histories were run again): the test would prove little")
    }

    /// A server that accepts and never answers: given up exactly 60 s after the first try began (README), the
    /// first try waiting out its 30 s, the second cut short at the bound.
    @Test func aSilentServerIsGivenUpAtSixtySeconds() async throws {
        let (store, dir) = try Self.laptop()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = FakeClock()
        let server = try ScriptedServer(clock: clock)
        server.failAlways(.session, with: .silent)
        let retries = Retried()
        await #expect(throws: SyncError.self) { try await Self.engine(store, server, retries: retries).run(expectOrg: "MH-SB-001") }
        #expect(clock.elapsed == .seconds(60), "\(clock.elapsed)")
        #expect(server.count(.session) == 2 && retries.reasons == ["the server is not answering"])
        #expect(try store.counts().pending == Self.written, "nothing sent, nothing lost")
    }

    /// Connecting that hangs: each try gives up after 10 s, the waits follow the backoff, and the sync ends
    /// before the 60 s bound (the next wait would pass it).
    @Test func aServerThatCannotBeReachedIsTriedOnTheBackoffWithinTheBound() async throws {
        let (store, dir) = try Self.laptop()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = FakeClock()
        let server = try ScriptedServer(clock: clock)
        server.failAlways(.session, with: .connectHangs)
        let retries = Retried()
        await #expect(throws: SyncError.self) { try await Self.engine(store, server, retries: retries).run(expectOrg: "MH-SB-001") }
        #expect(retries.waits == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4)])
        #expect(server.count(.session) == 5 && clock.elapsed == .milliseconds(57_500), "\(clock.elapsed)")
        #expect(retries.reasons.allSatisfy { $0 == "cannot connect to the server" }, "\(retries.reasons)")

        // Refused at once (nothing listens): the whole backoff, then stop.
        let quick = try ScriptedServer(clock: FakeClock())
        quick.failAlways(.session, with: .refusedAtOnce)
        let quickRetries = Retried()
        await #expect(throws: SyncError.self) { try await Self.engine(store, quick, retries: quickRetries).run(expectOrg: "MH-SB-001") }
        #expect(quick.count(.session) == 6 && quick.clock.elapsed == .milliseconds(15_500))
    }

    /// A wait the server names (a full disk: 507 with Retry-After) is waited, not the shorter backoff.
    @Test func aFullDiskIsWaitedOutAsTheServerAsks() async throws {
        let (store, dir) = try Self.laptop()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = FakeClock()
        let server = try ScriptedServer(clock: clock)
        let full = Problem(type: Problem.typeURI("disk-full"), title: "Insufficient Storage", status: 507, detail: "the server's disk is full")
        server.fail(.push, at: 1, with: .error(.refusedForNow(full, retryAfter: .seconds(5))))
        let retries = Retried()
        let report = try await Self.engine(store, server, retries: retries).run(expectOrg: "MH-SB-001")
        #expect(report.pushed == Self.written && retries.waits == [.seconds(5)] && clock.elapsed == .seconds(5))
        #expect(retries.reasons.first?.contains("507") == true, "\(retries.reasons)")
    }

    /// The server's database restored from a backup (a new epoch, its changes lost): everything made here
    /// is sent again, and pulled from the start.
    @Test func anEpochChangeSendsEverythingAgain() async throws {
        let (store, dir) = try Self.laptop()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try ScriptedServer(clock: FakeClock())
        _ = try await Self.engine(store, server, retries: Retried()).run(expectOrg: "MH-SB-001")
        server.forget()
        server.epoch = "e2"
        let report = try await Self.engine(store, server, retries: Retried()).run(expectOrg: "MH-SB-001")
        #expect(report.resent == Self.written && report.pushed == Self.written && server.held.count == Self.written)
        #expect(report.cursor == Int64(server.othersOps) && report.pulled == 0, "pulled from the start, nothing new")
    }

    /// The same epoch but fewer changes than this laptop received (restored outside `sunsync-server backup`):
    /// refused `cursor-ahead`, started over once.
    @Test func aCursorAheadStartsOverOnce() async throws {
        let (store, dir) = try Self.laptop()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try ScriptedServer(clock: FakeClock())
        try store.setMeta(SyncEngine.epochKey, "e1")
        try store.setMeta(SyncEngine.cursorKey, "100")
        let report = try await Self.engine(store, server, retries: Retried()).run(expectOrg: "MH-SB-001")
        #expect(report.resent == Self.written && report.pulled == server.othersOps && report.cursor == Int64(server.othersOps))
        #expect(server.held.count == Self.written)
    }

    /// The token revoked between two pushes: the sync stops, what was taken is acknowledged, the rest waits.
    @Test func aTokenRevokedMidSyncStopsAndKeepsTheRest() async throws {
        let (store, dir) = try Self.laptop()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try ScriptedServer(clock: FakeClock())
        let revoked = Problem(type: Problem.typeURI("token-revoked"), title: "Unauthorized", status: 401, detail: "revoked")
        server.fail(.push, at: 1, with: .error(.refused(revoked)))
        let retries = Retried()
        await #expect(throws: SyncError.self) { try await Self.engine(store, server, retries: retries).run(expectOrg: "MH-SB-001") }
        #expect(server.held.count == 10 && retries.all.isEmpty, "a refusal is not tried again")
        #expect(try store.counts().pending == Self.written - 10)
        let cursor = try store.meta(SyncEngine.cursorKey)
        #expect(server.count(.pull) == 0 && cursor == nil)
    }

    /// Ids another device holds (`op_id_reused`): the laptop moves to a fresh replica and writes those
    /// changes again under new ids; nothing is lost.
    @Test func opIDsReusedMoveTheLaptopToAFreshReplica() async throws {
        let (store, dir) = try Self.laptop()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let old = store.replica
        let server = try ScriptedServer(clock: FakeClock())
        server.refuseAll[0] = ProblemCode.opIDReused.rawValue
        let report = try await Self.engine(store, server, retries: Retried()).run(expectOrg: "MH-SB-001")
        #expect(report.movedFor == "id-in-use" && report.reissued == 10 && report.rejected == 0)
        #expect(store.replica != old && server.held.count == Self.written)
        #expect(server.held.values.filter { $0.id.replica == store.replica }.count == 10)
        #expect(try store.counts().pending == 0)
    }
}

/// `Retries` alone: the decisions, from given times.
@Suite struct RetriesTests {
    static let t0 = ContinuousClock.now
    static let network = SyncError.network("cut", kind: .cut)

    @Test func theBackoffThenStop() {
        var retries = Retries(backoff: [.seconds(1), .seconds(2)], limit: .seconds(60))
        #expect(retries.begin(at: Self.t0) == nil, "the first try is bounded by its own bounds")
        #expect(retries.failed(Self.network, at: Self.t0) == .wait(.seconds(1), attempt: 1, of: 2))
        #expect(retries.begin(at: Self.t0 + .seconds(1)) == Self.t0 + .seconds(60))
        #expect(retries.failed(Self.network, at: Self.t0 + .seconds(1)) == .wait(.seconds(2), attempt: 2, of: 2))
        #expect(retries.failed(Self.network, at: Self.t0 + .seconds(3)) == .stop, "the backoff is spent")
    }

    @Test func aRefusalIsFinalAndAWaitPastTheBoundIsNotWaited() {
        var retries = Retries(backoff: [.seconds(1)], limit: .seconds(60))
        _ = retries.begin(at: Self.t0)
        let refused = SyncError.refused(Problem(type: Problem.typeURI("forbidden"), title: "Forbidden", status: 403, detail: "no"))
        #expect(retries.failed(refused, at: Self.t0) == .stop)
        #expect(retries.failed(Self.network, at: Self.t0 + .milliseconds(59_500)) == .stop, "1 s would end past 60 s")
    }
}
