import SunsyncModel
import SunsyncProtocol

/// One sync as a state machine, with no IO inside (DESIGN: SunsyncClient). Given the laptop's facts, it
/// answers each event (an answer from the server, a failure, a store step done, a wait over) with the one
/// action to take next: a request to send, a wait before trying again, a step for the store, a progress
/// report, or the end. `SyncDriver` carries the actions out over `SyncTransport`, `SyncStore` and
/// `SyncClock`; tests can feed it events by hand.
///
/// The order (SPEC §9): the session (the org checked, the clock compared, what it says kept; a changed epoch
/// sends everything again), the signing key registered once per key and server database, a clock that had run
/// ahead and is right again healed, then the outbox pushed one org's batch at a time (changes refused for
/// their id or their time written again under a fresh replica), the directory read, and pages pulled and
/// checked against it until caught up. A network failure is tried again (`Retries`); a refusal ends the sync,
/// except `cursor-ahead`, which starts over once.
public struct SunsyncClient: Sendable {
    public struct Settings: Sendable {
        public var pushBatch = 1_000
        public var pageSize = Wire.defaultPage
        /// Waits between tries on a network error; a refusal is never retried.
        public var backoff: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8)]
        /// How long to keep trying one request again after network failures (each try is bounded on its own).
        public var retryLimit: Duration = .seconds(60)
        /// The org this laptop records for (nil: a reviewer's, any).
        public var expectOrg: String?
        /// How far ahead of the server's clock a change may be stamped, in ms (the store's rule).
        public var clockAllowance: UInt64 = 5 * 60_000

        public init() {}
    }

    public enum Request: Sendable {
        case session
        case registerKey(publicKey: [UInt8])
        case push(PushRequest)
        case devices
        case pull(after: Int64, limit: Int, count: Bool)
    }

    public enum Answer: Sendable {
        /// `localTime`: the laptop's wall clock when the answer came, ms since 1970.
        case session(SessionInfo, localTime: Int64)
        case keyRegistered
        case pushed(PushResponse)
        case devices(DeviceDirectory)
        /// `checked`: the page checked already (the driver reads the next page ahead while one is applied).
        case page(PullResponse, checked: Checked?)
    }

    /// A page checked against the directory of `generation` (`ReadAhead`).
    public struct Checked: Sendable {
        public let generation: Int
        public let result: Result<CheckedBatches, SyncError>

        public init(generation: Int, result: Result<CheckedBatches, SyncError>) {
            self.generation = generation
            self.result = result
        }
    }

    /// The next page, which the driver may fetch and check while a page is applied.
    public struct ReadAhead: Sendable {
        public let after: Int64
        public let limit: Int
        public let directory: DeviceDirectory
        public let generation: Int
    }

    public enum StoreStep: Sendable {
        case keepSession(SessionInfo)
        case keepEpoch(String)
        case startOver(epoch: String?)
        case keyRegistered(String)
        case stampedAhead(of: UInt64)
        case moveToFreshReplica(reissuing: [OpID], resettingClock: Bool)
        case pending(limit: Int)
        case sign([Op])
        case acknowledge(PushRequest, ops: [Op], accepted: [OpID], rejected: [SyncRejection])
        case keepDirectory(DeviceDirectory)
        case apply(PullResponse, batches: CheckedBatches, readAhead: ReadAhead?)
        case finish
    }

    public enum Stored: Sendable {
        case done
        case rekeyed(people: Int)
        case startedOver(resent: Int)
        case stampedAhead([OpID], clock: UInt64)
        case moved(ReplicaID, reissued: Int)
        case pending([Op])
        case signed(PushRequest)
        case applied(SyncApplied)
    }

    public enum Event: Sendable {
        case answered(Answer)
        case failed(SyncError)
        case waited
        case stored(Stored)
        case resumed
    }

    public enum Action: Sendable {
        /// Send it; a try again must have ended by `deadline` (nil: the first try, bounded by its own bounds).
        case send(Request, deadline: ContinuousClock.Instant?)
        /// Wait, then say `.waited`: the request is tried again.
        case wait(Duration, SyncRetry)
        case store(StoreStep)
        /// Show it, then say `.resumed`.
        case progress(SyncReport)
        case finished(SyncReport)
        case failed(SyncError)
    }

    /// What the machine waits for.
    enum State {
        case idle
        /// A request is out: its answer or its failure comes next.
        case asked(Request)
        /// A wait before trying the request again.
        case retrying(Request)
        /// A store step is out; then this.
        case storing(Then)
        /// A progress report is out; then this.
        case reporting(Next)
        case over
    }

    /// What follows a store step.
    enum Then {
        case sessionKept(SessionInfo)
        case epochKept(String, SessionInfo)
        case startedOver(epoch: String?, then: Next)
        case keyMarked(String)
        case stampedAhead(bound: UInt64, after: Healing)
        case movedForClock(after: Healing)
        case pending
        case signed([Op])
        case acknowledged(Pushed)
        case movedForID(Pushed, count: Int)
        case directoryKept(Next)
        case applied(PullResponse)
        case movedForClash(PullResponse)
        case finished
    }

    /// What comes next in the sync's order.
    enum Next {
        case afterEpoch(SessionInfo)
        case push
        case pull(after: Int64, count: Bool)
        case check(PullResponse)
        case finish
    }

    /// Where a heal of the clock was asked: before the first push, or after a push refused as stamped ahead.
    enum Healing {
        case atStart
        case inPush(Pushed, ahead: Int)
    }

    /// A push's answer, read.
    struct Pushed {
        let accepted: [OpID]
        let rejected: [SyncRejection]
    }

    public let settings: Settings
    public private(set) var report = SyncReport()
    private(set) var local: SyncLocal
    private(set) var state = State.idle
    private var retries: Retries
    private var clockCheck: ClockCheck?
    /// The server database the session named (nil: a server from before epochs); the key is registered per it.
    private var sessionEpoch: String?
    private var directory: DeviceDirectory?
    private var generation = 0
    private var pushing: [Op] = []
    /// Moves to a fresh replica in this exchange: a fresh random replica is never taken, so a server that
    /// keeps saying so is not believed forever.
    private var moves = 0
    private var startedOverForCursor = false
    /// The page being checked against the directory read again.
    private var rechecking: PullResponse?

    public init(_ settings: Settings, local: SyncLocal) {
        self.settings = settings
        self.local = local
        retries = Retries(backoff: settings.backoff, limit: settings.retryLimit)
    }

    /// The first action.
    public mutating func start(at now: ContinuousClock.Instant) -> Action {
        send(.session, at: now)
    }

    /// The next action, after `event` at `now` (the sync clock's).
    public mutating func handle(_ event: Event, at now: ContinuousClock.Instant) -> Action {
        switch (state, event) {
        case (.asked(let request), .answered(let answer)):
            return answered(request, answer, at: now)
        case (.asked(let request), .failed(let error)):
            if case .pull = request, case .refused(let problem) = error, problem.code == "cursor-ahead", !startedOverForCursor {
                // The same epoch, but a database holding fewer changes than this laptop received: restored from
                // a copy taken outside `sunsync-server backup`. Everything goes again, once.
                startedOverForCursor = true
                return store(.startOver(epoch: nil), then: .startedOver(epoch: nil, then: .push))
            }
            switch retries.failed(error, at: now) {
            case .wait(let wait, let attempt, let of):
                state = .retrying(request)
                return .wait(wait, SyncRetry(attempt: attempt, of: of, wait: wait, error: error))
            case .stop:
                return fail(error)
            }
        case (.retrying(let request), .waited):
            state = .asked(request)
            return .send(request, deadline: retries.begin(at: now))
        case (.storing(let then), .stored(let stored)):
            return storedStep(then, stored, at: now)
        case (.reporting(let next), .resumed):
            return go(next, at: now)
        default:
            // A driver's mistake, never a peer's: said without the payloads (a page can hold 20,000 ops).
            return fail(.network("the sync was given an event it was not waiting for; nothing more was done", kind: .failed))
        }
    }

    // MARK: - Answers

    private mutating func answered(_ request: Request, _ answer: Answer, at now: ContinuousClock.Instant) -> Action {
        switch answer {
        case .session(let info, let localTime):
            if let expected = settings.expectOrg, info.org != expected {
                return fail(.refused(Problem(type: Problem.typeURI("wrong-org"), title: "Forbidden", status: 403,
                                             detail: "the token is for \(info.org ?? "district " + (info.district ?? "?")), but this laptop records for \(expected)")))
            }
            // How far this laptop's clock is from the server's (the request's own time is within the minute).
            let offset = localTime - info.serverTime
            if abs(offset) > Int64(settings.clockAllowance) { report.clockOffsetMinutes = offset / 60_000 }
            clockCheck = ClockCheck(right: abs(offset) <= 60_000, serverTime: info.serverTime, asked: now)
            sessionEpoch = info.epoch
            return store(.keepSession(info), then: .sessionKept(info))
        case .keyRegistered:
            return store(.keyRegistered(keyMark), then: .keyMarked(keyMark))
        case .pushed(let answer):
            let pushed = Pushed(accepted: answer.accepted.compactMap(OpID.init),
                                rejected: answer.rejected.compactMap { r in OpID(r.id).map { SyncRejection(id: $0, code: r.code, reason: r.reason) } })
            guard case .push(let request) = request else { return unexpected(.pushed(answer)) }
            // Anything the answer does not mention stays in the outbox, to be sent again next time.
            return store(.acknowledge(request, ops: pushing, accepted: pushed.accepted, rejected: pushed.rejected), then: .acknowledged(pushed))
        case .devices(let fresh):
            directory = fresh
            generation += 1
            return store(.keepDirectory(fresh), then: .directoryKept(rechecking.map(Next.check) ?? .pull(after: local.cursor, count: true)))
        case .page(let page, let checked):
            if let checked, checked.generation == generation {
                return checkedPage(page, checked.result, at: now)
            }
            return go(.check(page), at: now)
        }
    }

    private mutating func checkedPage(_ page: PullResponse, _ result: Result<CheckedBatches, SyncError>, at now: ContinuousClock.Instant) -> Action {
        switch result {
        case .success(let batches):
            rechecking = nil
            if let remaining = page.remaining, report.toReceive == nil { report.toReceive = remaining }
            report.received += Int64(page.ops.count)
            let ahead = page.more ? ReadAhead(after: page.cursor, limit: settings.pageSize, directory: directory ?? DeviceDirectory(devices: []),
                                              generation: generation) : nil
            return store(.apply(page, batches: batches, readAhead: ahead), then: .applied(page))
        case .failure(.untrusted) where rechecking == nil:
            // A device may have bound its replica or registered its key after the directory was read: read
            // it again, and check the page once more against it.
            rechecking = page
            return send(.devices, at: now)
        case .failure(let error):
            return fail(error)
        }
    }

    // MARK: - Store steps done

    private mutating func storedStep(_ then: Then, _ stored: Stored, at now: ContinuousClock.Instant) -> Action {
        switch (then, stored) {
        case (.sessionKept(let info), .rekeyed(let people)):
            report.rekeyedPeople = people
            // A server whose database changed under it (restored from a backup) may lack what it had
            // acknowledged, and numbers its changes anew: send everything made here again, pull from the start.
            guard let epoch = info.epoch else { return go(.afterEpoch(info), at: now) }
            switch local.epoch {
            case nil: return store(.keepEpoch(epoch), then: .epochKept(epoch, info))
            case epoch: return go(.afterEpoch(info), at: now)
            default: return store(.startOver(epoch: epoch), then: .startedOver(epoch: epoch, then: .afterEpoch(info)))
            }
        case (.epochKept(let epoch, let info), .done):
            local.epoch = epoch
            return go(.afterEpoch(info), at: now)
        case (.startedOver(let epoch, let next), .startedOver(let resent)):
            report.resent += resent
            if let epoch { local.epoch = epoch }
            local.cursor = 0
            moves = 0
            return go(next, at: now)
        case (.keyMarked(let mark), .done):
            local.registeredKey = mark
            return heal(.atStart, at: now)
        case (.stampedAhead(let bound, let after), .stampedAhead(let ahead, let reading)):
            guard !ahead.isEmpty || reading > bound else { return healed(after, moved: false, at: now) }
            return store(.moveToFreshReplica(reissuing: ahead, resettingClock: true), then: .movedForClock(after: after))
        case (.movedForClock(let after), .moved(let replica, let reissued)):
            local.replica = replica
            report.newReplica = replica.description
            report.movedFor = "clock-ahead"
            report.restamped += reissued
            return healed(after, moved: true, at: now)
        case (.pending, .pending(let pending)):
            // One org's changes a push (a signed batch never spans orgs), oldest first.
            let org = pending.first.map { MergedState.org(of: $0.key) }
            let ops = Self.batch(pending.filter { MergedState.org(of: $0.key) == org }, limit: settings.pushBatch)
            guard !ops.isEmpty else { return send(.devices, at: now) }
            return store(.sign(ops), then: .signed(ops))
        case (.signed(let ops), .signed(let request)):
            pushing = ops
            return send(.push(request), at: now)
        case (.acknowledged(let pushed), .done):
            report.pushed += pushed.accepted.count
            report.rejected += pushed.rejected.count
            // Refused for the id alone (another device writes under this replica, or holds the id): move to a
            // new replica and write those changes again under new ids; the next batch sends them.
            let atFault = pushed.rejected.filter { ProblemCode.idAtFault.contains(ProblemCode(rawValue: $0.code)) && $0.id.replica == local.replica }
            if !atFault.isEmpty, moves < 3 {
                moves += 1
                return store(.moveToFreshReplica(reissuing: atFault.map(\.id), resettingClock: false), then: .movedForID(pushed, count: atFault.count))
            }
            return afterIDMoves(pushed, at: now)
        case (.movedForID(let pushed, let count), .moved(let replica, let reissued)):
            local.replica = replica
            report.newReplica = replica.description
            report.movedFor = "id-in-use"
            report.reissued += reissued
            report.rejected -= count
            return afterIDMoves(pushed, at: now)
        case (.directoryKept(let next), .done):
            return go(next, at: now)
        case (.applied(let page), .applied(let applied)):
            report.pulled += applied.new
            report.unrecognized += applied.unrecognized
            report.clashed += applied.clashed.count
            if applied.clashed.contains(where: { $0.replica == local.replica }) {
                // Someone else writes under this laptop's replica: its next ids would clash again.
                return store(.moveToFreshReplica(reissuing: [], resettingClock: false), then: .movedForClash(page))
            }
            return pageDone(page)
        case (.movedForClash(let page), .moved(let replica, _)):
            local.replica = replica
            report.newReplica = replica.description
            report.movedFor = "id-in-use"
            return pageDone(page)
        case (.finished, .done):
            state = .over
            return .finished(report)
        default:
            return fail(.network("the store answered a step the sync had not asked for; nothing more was done", kind: .failed))
        }
    }

    private mutating func afterIDMoves(_ pushed: Pushed, at now: ContinuousClock.Instant) -> Action {
        // Refused as stamped ahead though this laptop's clock is right now (it was put right while changes
        // waited, or the server allows less ahead than most): sent again under the right time.
        let ahead = pushed.rejected.filter { $0.code == ProblemCode.clockAhead.rawValue && $0.id.replica == local.replica }
        if !ahead.isEmpty, moves < 3 { return heal(.inPush(pushed, ahead: ahead.count), at: now) }
        return afterPush(pushed, at: now)
    }

    private mutating func afterPush(_ pushed: Pushed, at now: ContinuousClock.Instant) -> Action {
        if pushed.accepted.count + pushed.rejected.count == 0 { return send(.devices, at: now) }
        return progress(then: .push)
    }

    private mutating func pageDone(_ page: PullResponse) -> Action {
        local.cursor = page.cursor
        report.pages += 1
        report.cursor = page.cursor
        return progress(then: page.more ? .pull(after: page.cursor, count: false) : .finish)
    }

    // MARK: - The clock

    /// A clock that had run ahead and is right again (SPEC §9, clocks): this laptop moves to a fresh replica
    /// whose clock starts from now, and its changes stamped ahead (refused as `clock_ahead`, or waiting) go
    /// again under new ids. Nothing is done while the clock is still wrong.
    private mutating func heal(_ after: Healing, at now: ContinuousClock.Instant) -> Action {
        guard let check = clockCheck, check.right else { return healed(after, moved: false, at: now) }
        let bound = check.serverNow(at: now) + settings.clockAllowance
        return store(.stampedAhead(of: bound), then: .stampedAhead(bound: bound, after: after))
    }

    private mutating func healed(_ after: Healing, moved: Bool, at now: ContinuousClock.Instant) -> Action {
        switch after {
        case .atStart: return go(.push, at: now)
        case .inPush(let pushed, let ahead):
            if moved {
                moves += 1
                report.rejected -= ahead
            }
            return afterPush(pushed, at: now)
        }
    }

    // MARK: - Steps

    private var keyMark: String { "\(sessionEpoch ?? ""):\(local.keyID)" }

    private mutating func go(_ next: Next, at now: ContinuousClock.Instant) -> Action {
        switch next {
        case .afterEpoch:
            if local.registeredKey == keyMark { return heal(.atStart, at: now) }
            return send(.registerKey(publicKey: local.publicKey), at: now)
        case .push:
            return store(.pending(limit: settings.pushBatch + 1), then: .pending)
        case .pull(let after, let count):
            return send(.pull(after: after, limit: settings.pageSize, count: count), at: now)
        case .check(let page):
            return checkedPage(page, Result { () throws(SyncError) in try Self.check(page, directory ?? DeviceDirectory(devices: [])) }, at: now)
        case .finish:
            return store(.finish, then: .finished)
        }
    }

    /// A new request: its tries begin now (a try again asked from a read-ahead begins when asked).
    private mutating func send(_ request: Request, at now: ContinuousClock.Instant) -> Action {
        retries = Retries(backoff: settings.backoff, limit: settings.retryLimit)
        state = .asked(request)
        return .send(request, deadline: retries.begin(at: now))
    }

    private mutating func store(_ step: StoreStep, then: Then) -> Action {
        state = .storing(then)
        return .store(step)
    }

    private mutating func progress(then next: Next) -> Action {
        state = .reporting(next)
        return .progress(report)
    }

    private mutating func fail(_ error: SyncError) -> Action {
        state = .over
        return .failed(error)
    }

    private mutating func unexpected(_: Answer) -> Action {
        fail(.network("the sync got an answer to another request; nothing more was done", kind: .failed))
    }

    // MARK: - Pure rules

    /// Checks a pulled page against the directory (SPEC §9): every op is in a signed batch whose signature
    /// verifies, by a key the directory lists for the replicas its ops are written under.
    public static func check(_ page: PullResponse, _ directory: DeviceDirectory) throws(SyncError) -> CheckedBatches {
        var covered = [Bool](repeating: false, count: page.ops.count)
        var batches = CheckedBatches()
        let labels = directory.labels
        for pageBatch in page.batches ?? [] {
            let places = pageBatch.places
            guard let signed = pageBatch.signed, places.allSatisfy({ $0 >= 0 && $0 < page.ops.count }) else {
                throw SyncError.untrusted("a signature of the page cannot be read")
            }
            let ops = places.map { page.ops[$0] }
            if let why = directory.refusal(signed, ops: ops) {
                let first = ops.first.map { "op \($0.id) (\($0.key)) and \(ops.count - 1) more, from \(labels[$0.id.replica.description] ?? "replica " + $0.id.replica.description)" } ?? "a batch"
                throw SyncError.untrusted("\(first): \(why)")
            }
            for p in places { covered[p] = true }
            batches.append((signed, places))
        }
        if let i = covered.firstIndex(of: false) {
            let op = page.ops[i]
            throw SyncError.untrusted("op \(op.id) (\(op.key)) came with no signature\(page.batches == nil ? " (the server does not sign: update sunsync-server)" : "")")
        }
        return batches
    }

    /// The next push of `pending` (at most `limit + 1` ops, oldest first): at most `limit`, never cutting a
    /// participant's ops from the next one. A participant is held only whole (name, certificate, contract
    /// and start in one push, SPEC §6), and `participant add` writes them one after another.
    public static func batch(_ pending: [Op], limit: Int) -> [Op] {
        guard pending.count > limit else { return pending }
        var batch = Array(pending.prefix(limit))
        let next = pending[limit]
        guard next.collection == .participants else { return batch }
        let cut = batch.lastIndex { !($0.collection == .participants && $0.record == next.record) }.map { $0 + 1 } ?? 0
        if cut > 0 { batch.removeSubrange(cut...) }
        return batch
    }
}

/// The laptop's clock against the server's, read at the session.
struct ClockCheck: Sendable {
    /// Within a minute of the server's.
    let right: Bool
    let serverTime: Int64
    let asked: ContinuousClock.Instant

    /// The server's time at `now`, in milliseconds since 1970.
    func serverNow(at now: ContinuousClock.Instant) -> UInt64 {
        let since = now - asked
        return UInt64(max(0, serverTime + since.components.seconds * 1000 + since.components.attoseconds / 1_000_000_000_000_000))
    }
}
