import Foundation
import SunsyncClient
import SunsyncModel
import SunsyncProtocol
import Testing

/// The sync's state machine alone: events given by hand at given times, the actions it answers with read
/// back. No store, no transport, no clock: every decision of a sync (its order, its tries and their bounds,
/// what ends it, what it writes before it ends) is checked here in microseconds.
@Suite struct SunsyncClientMachineTests {
    typealias Client = SunsyncClient
    static let t0 = ContinuousClock.now
    static let serverTime: Int64 = 1_800_000_000_000
    static let replica = ReplicaID(0xa1)

    static func local(epoch: String? = nil, registered: String? = nil, cursor: Int64 = 0) -> SyncLocal {
        SyncLocal(replica: replica, epoch: epoch, registeredKey: registered, keyID: "k1", publicKey: [1, 2, 3], cursor: cursor)
    }

    static func session(org: String = "MH-SB-001", epoch: String? = "e1") -> SessionInfo {
        SessionInfo(deviceId: "d-0", deviceName: "laptop-0", role: "staff", org: org, district: nil, orgs: [org],
                    serverTime: serverTime, protocolVersion: 2, epoch: epoch)
    }

    static func op(_ ms: UInt64, replica: ReplicaID = replica) -> Op {
        Op(id: OpID(timestamp: Timestamp(milliseconds: ms, counter: 0), replica: replica), collection: .hours,
           record: "MH-SB-001:p1:2026-11-02", field: "minutes", value: .integer(240))
    }

    static func page(_ ops: [Op] = [], cursor: Int64, more: Bool) -> PullResponse {
        PullResponse(ops: ops, cursor: cursor, more: more, remaining: nil, batches: ops.isEmpty ? [] : nil)
    }

    static func refusal(_ code: String, status: Int) -> SyncError {
        .refused(Problem(type: Problem.typeURI(code), title: "Refused", status: status, detail: code))
    }

    /// One word or two for an action, for a trace.
    static func label(_ action: Client.Action) -> String {
        switch action {
        case .send(let request, _):
            switch request {
            case .session: "send session"
            case .registerKey: "send key"
            case .push: "send push"
            case .devices: "send devices"
            case .pull(let after, _, let count): "send pull \(after)\(count ? " counted" : "")"
            }
        case .wait(let wait, _): "wait \(wait)"
        case .store(let step):
            switch step {
            case .keepSession: "store session"
            case .keepEpoch(let epoch): "store epoch \(epoch)"
            case .startOver(let epoch): "store start over \(epoch ?? "-")"
            case .keyRegistered(let mark): "store key \(mark)"
            case .stampedAhead: "store stamped ahead"
            case .moveToFreshReplica(let ids, let resetting): "store move \(ids.count)\(resetting ? " reset" : "")"
            case .pending: "store pending"
            case .sign(let ops): "store sign \(ops.count)"
            case .acknowledge(_, _, let accepted, let rejected): "store ack \(accepted.count)/\(rejected.count)"
            case .keepDirectory: "store directory"
            case .apply(let page, _, let ahead): "store apply \(page.cursor)\(ahead.map { " ahead \($0.after)" } ?? "")"
            case .finish: "store finish"
            }
        case .progress: "progress"
        case .finished: "finished"
        case .failed(let error): "failed \(error)"
        }
    }

    /// The answers of a server and a store where all goes well; a test overrides what it needs.
    static func ordinary(_ action: Client.Action, pending: inout [[Op]]) -> Client.Event? {
        switch action {
        case .send(let request, _):
            switch request {
            case .session: return .answered(.session(session(), localTime: serverTime))
            case .registerKey: return .answered(.keyRegistered)
            case .push(let push): return .answered(.pushed(PushResponse(accepted: push.ops.map(\.id), rejected: [])))
            case .devices: return .answered(.devices(DeviceDirectory(devices: [])))
            case .pull(let after, _, _): return .answered(.page(page(cursor: after + 10, more: false), checked: nil))
            }
        case .wait: return .waited
        case .store(let step):
            switch step {
            case .keepSession: return .stored(.rekeyed(people: 0))
            case .startOver: return .stored(.startedOver(resent: 0))
            case .stampedAhead: return .stored(.stampedAhead([], clock: 0))
            case .moveToFreshReplica(let ids, _): return .stored(.moved(ReplicaID(0xb2), reissued: ids.count))
            case .pending: return .stored(.pending(pending.isEmpty ? [] : pending.removeFirst()))
            case .sign(let ops): return .stored(.signed(PushRequest(ops: ops)))
            case .apply: return .stored(.applied(SyncApplied(new: 0, unrecognized: 0, clashed: [])))
            case .keepEpoch, .keyRegistered, .acknowledge, .keepDirectory, .finish: return .stored(.done)
            }
        case .progress: return .resumed
        case .finished, .failed: return nil
        }
    }

    /// Runs `client` to its end: each action answered by `respond` (nil: `ordinary`); `now` moves only as
    /// `respond` moves it. Returns the trace and the last action.
    static func run(_ client: inout Client, now: inout ContinuousClock.Instant, pending: [[Op]] = [],
                    _ respond: (Client.Action, inout ContinuousClock.Instant) -> Client.Event? = { _, _ in nil })
        -> (trace: [String], last: Client.Action) {
        var pending = pending
        var action = client.start(at: now)
        var trace = [String]()
        for _ in 0..<200 {
            trace.append(label(action))
            guard let event = respond(action, &now) ?? ordinary(action, pending: &pending) else { return (trace, action) }
            action = client.handle(event, at: now)
        }
        Issue.record("the sync did not end in 200 steps: \(trace.suffix(10))")
        return (trace, action)
    }

    @Test func aFirstSyncGoesInTheProtocolsOrder() {
        var client = Client(Client.Settings(), local: Self.local())
        var now = Self.t0
        let (trace, last) = Self.run(&client, now: &now, pending: [[Self.op(1), Self.op(2)]])
        #expect(trace == ["send session", "store session", "store epoch e1", "send key", "store key e1:k1", "store stamped ahead",
                          "store pending", "store sign 2", "send push", "store ack 2/0", "progress", "store pending",
                          "send devices", "store directory", "send pull 0 counted", "store apply 10", "progress",
                          "store finish", "finished"])
        guard case .finished(let report) = last else { Issue.record("ended with \(Self.label(last))"); return }
        #expect(report.pushed == 2 && report.pages == 1 && report.cursor == 10)
    }

    @Test func aLaterSyncSkipsWhatIsDoneAndPullsFromItsCursor() {
        var client = Client(Client.Settings(), local: Self.local(epoch: "e1", registered: "e1:k1", cursor: 500))
        var now = Self.t0
        let (trace, _) = Self.run(&client, now: &now)
        #expect(trace == ["send session", "store session", "store stamped ahead", "store pending", "send devices", "store directory",
                          "send pull 500 counted", "store apply 510", "progress", "store finish", "finished"])
    }

    @Test func aSilentServerIsTriedOnTheBackoffAndLeftAtExactlySixtySeconds() {
        var client = Client(Client.Settings(), local: Self.local())
        var now = Self.t0
        var deadlines = [ContinuousClock.Instant?]()
        let (trace, last) = Self.run(&client, now: &now) { action, now in
            switch action {
            case .send(.session, let deadline):
                deadlines.append(deadline)
                // A silent server: the try waits out its 30 s of silence, or what is left before the deadline.
                now += min(.seconds(30), deadline.map { $0 - now } ?? .seconds(30))
                return .failed(.network("no answer", kind: .silent))
            case .wait(let wait, _):
                now += wait
                return .waited
            default: return nil
            }
        }
        #expect(trace == ["send session", "wait 0.5 seconds", "send session", "failed \(SyncError.network("no answer", kind: .silent))"])
        #expect(deadlines == [nil, Self.t0 + .seconds(60)])
        #expect(now - Self.t0 == .seconds(60))
        guard case .failed(.network(_, kind: .silent)) = last else { Issue.record("ended with \(Self.label(last))"); return }
    }

    @Test func aRefusedConnectionIsTriedOnEveryWaitOfTheBackoff() {
        var client = Client(Client.Settings(), local: Self.local(epoch: "e1", registered: "e1:k1"))
        var now = Self.t0
        var waits = [Duration]()
        var attempts = [String]()
        let (_, last) = Self.run(&client, now: &now) { action, now in
            switch action {
            case .send(.devices, _): return .failed(.network("refused", kind: .cannotConnect))
            case .wait(let wait, let retry):
                waits.append(wait)
                attempts.append("\(retry.attempt)/\(retry.of)")
                now += wait
                return .waited
            default: return nil
            }
        }
        #expect(waits == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        #expect(attempts == ["1/5", "2/5", "3/5", "4/5", "5/5"])
        guard case .failed(.network(_, kind: .cannotConnect)) = last else { Issue.record("ended with \(Self.label(last))"); return }
    }

    @Test func aTokenForAnotherOrgEndsTheSyncBeforeAnythingIsWritten() {
        var client = Client({ var s = Client.Settings(); s.expectOrg = "MH-SB-001"; return s }(), local: Self.local())
        var now = Self.t0
        let (trace, last) = Self.run(&client, now: &now) { action, _ in
            if case .send(.session, _) = action { return .answered(.session(Self.session(org: "MH-SB-002"), localTime: Self.serverTime)) }
            return nil
        }
        #expect(trace.count == 2 && !trace.contains { $0.hasPrefix("store") })
        guard case .failed(.refused(let problem)) = last else { Issue.record("ended with \(Self.label(last))"); return }
        #expect(problem.code == "wrong-org" && problem.detail.contains("MH-SB-002"))
    }

    @Test func aRefusalIsFinalAtOnce() {
        var client = Client(Client.Settings(), local: Self.local(epoch: "e1", registered: "e1:k1"))
        var now = Self.t0
        let (trace, last) = Self.run(&client, now: &now, pending: [[Self.op(1)]]) { action, _ in
            if case .send(.push, _) = action { return .failed(Self.refusal("token-revoked", status: 401)) }
            return nil
        }
        #expect(!trace.contains { $0.hasPrefix("wait") } && !trace.contains("store ack 0/0"))
        guard case .failed(.refused(let problem)) = last else { Issue.record("ended with \(Self.label(last))"); return }
        #expect(problem.code == "token-revoked")
    }

    @Test func aCursorAheadStartsOverOnceThenStops() {
        var client = Client(Client.Settings(), local: Self.local(epoch: "e1", registered: "e1:k1", cursor: 900))
        var now = Self.t0
        let (trace, last) = Self.run(&client, now: &now) { action, _ in
            switch action {
            case .send(.pull, _): return .failed(Self.refusal("cursor-ahead", status: 409))
            case .store(.startOver): return .stored(.startedOver(resent: 3))
            default: return nil
            }
        }
        #expect(trace.filter { $0.hasPrefix("send pull") } == ["send pull 900 counted", "send pull 0 counted"])
        #expect(trace.filter { $0.hasPrefix("store start over") } == ["store start over -"])
        #expect(client.report.resent == 3)
        guard case .failed(.refused(let problem)) = last else { Issue.record("ended with \(Self.label(last))"); return }
        #expect(problem.code == "cursor-ahead")
    }

    @Test func aChangedEpochSendsEverythingAgainAndPullsFromTheStart() {
        var client = Client(Client.Settings(), local: Self.local(epoch: "e0", registered: "e0:k1", cursor: 900))
        var now = Self.t0
        let (trace, _) = Self.run(&client, now: &now) { action, _ in
            if case .store(.startOver) = action { return .stored(.startedOver(resent: 7)) }
            return nil
        }
        #expect(trace.prefix(4) == ["send session", "store session", "store start over e1", "send key"])
        #expect(trace.contains("send pull 0 counted"))
        #expect(client.report.resent == 7)
    }

    @Test func aClockAYearAheadIsNamedAndNothingIsHealedWhileItIsWrong() {
        var client = Client(Client.Settings(), local: Self.local(epoch: "e1", registered: "e1:k1"))
        var now = Self.t0
        let year: Int64 = 365 * 24 * 60 * 60_000
        let (trace, last) = Self.run(&client, now: &now) { action, _ in
            if case .send(.session, _) = action { return .answered(.session(Self.session(), localTime: Self.serverTime + year)) }
            return nil
        }
        #expect(!trace.contains("store stamped ahead"))
        guard case .finished(let report) = last else { Issue.record("ended with \(Self.label(last))"); return }
        #expect(report.clockOffsetMinutes == 525_600)
    }

    @Test func aClockRightAgainMovesToAFreshReplicaAndRestampsWhatRanAhead() {
        var client = Client(Client.Settings(), local: Self.local(epoch: "e1", registered: "e1:k1"))
        var now = Self.t0
        var bound: UInt64?
        let ahead = [Self.op(UInt64(Self.serverTime) + 1_000_000_000).id]
        let (trace, last) = Self.run(&client, now: &now) { action, now in
            switch action {
            case .send(.session, _):
                now += .seconds(2)
                return nil
            case .store(.stampedAhead(let b)):
                bound = b
                return .stored(.stampedAhead(ahead, clock: UInt64(Self.serverTime) + 1_000_000_000))
            default: return nil
            }
        }
        // The server's time when asked, moved on by the laptop's own (monotonic) clock, plus the allowance.
        #expect(bound == UInt64(Self.serverTime) + 5 * 60_000)
        #expect(trace.contains("store move 1 reset"))
        guard case .finished(let report) = last else { Issue.record("ended with \(Self.label(last))"); return }
        #expect(report.movedFor == "clock-ahead" && report.restamped == 1 && report.newReplica == ReplicaID(0xb2).description)
    }

    @Test func changesRefusedForTheirIdAreWrittenAgainUnderAFreshReplica() {
        var client = Client(Client.Settings(), local: Self.local(epoch: "e1", registered: "e1:k1"))
        var now = Self.t0
        let ops = [Self.op(1), Self.op(2)]
        let (trace, last) = Self.run(&client, now: &now, pending: [ops]) { action, _ in
            if case .send(.push, _) = action {
                return .answered(.pushed(PushResponse(accepted: [ops[0].id.description],
                                                      rejected: [.init(id: ops[1].id.description, code: "op_id_reused", reason: "held")])))
            }
            return nil
        }
        #expect(trace.contains("store move 1"))
        guard case .finished(let report) = last else { Issue.record("ended with \(Self.label(last))"); return }
        #expect(report.pushed == 1 && report.rejected == 0 && report.reissued == 1 && report.movedFor == "id-in-use")
    }

    @Test func theNextPageIsReadAheadAndAStaleCheckIsDoneAgain() {
        var client = Client(Client.Settings(), local: Self.local(epoch: "e1", registered: "e1:k1"))
        var now = Self.t0
        var aheads = [Client.ReadAhead]()
        let (trace, last) = Self.run(&client, now: &now) { action, _ in
            switch action {
            case .send(.pull(0, _, _), _): return .answered(.page(Self.page(cursor: 10, more: true), checked: nil))
            case .send(.pull(10, _, _), _):
                // Checked against a directory the machine has since replaced: not believed, checked again (and passes).
                let stale = Client.Checked(generation: aheads[0].generation + 1, result: .failure(.untrusted("stale")))
                return .answered(.page(Self.page(cursor: 20, more: false), checked: stale))
            case .store(.apply(_, _, let ahead)):
                if let ahead { aheads.append(ahead) }
                return nil
            default: return nil
            }
        }
        #expect(aheads.map(\.after) == [10])
        #expect(trace.contains("store apply 10 ahead 10") && trace.contains("store apply 20"))
        guard case .finished = last else { Issue.record("ended with \(Self.label(last))"); return }
    }

    @Test func aPageThatFailsItsSignaturesIsCheckedAgainstAFreshDirectoryThenRefused() {
        var client = Client(Client.Settings(), local: Self.local(epoch: "e1", registered: "e1:k1"))
        var now = Self.t0
        let (trace, last) = Self.run(&client, now: &now) { action, _ in
            if case .send(.pull, _) = action { return .answered(.page(Self.page([Self.op(5, replica: ReplicaID(0xc3))], cursor: 10, more: false), checked: nil)) }
            return nil
        }
        #expect(trace.suffix(4).dropLast() == ["send pull 0 counted", "send devices", "store directory"])
        #expect(!trace.contains { $0.hasPrefix("store apply") })
        guard case .failed(.untrusted(let why)) = last else { Issue.record("ended with \(Self.label(last))"); return }
        #expect(why.contains("no signature"))
    }

    @Test func anEventOutOfTurnEndsTheSyncInsteadOfCrashing() {
        var client = Client(Client.Settings(), local: Self.local())
        _ = client.start(at: Self.t0)
        guard case .failed = client.handle(.stored(.done), at: Self.t0) else { Issue.record("went on"); return }
        guard case .failed = client.handle(.resumed, at: Self.t0) else { Issue.record("went on after failing"); return }
    }
}
