import Foundation
import SunsyncModel
import SunsyncProtocol
import SunsyncReports
import SunsyncStore

/// One sync: push the outbox in batches, then pull pages until caught up. Each push answer and
/// each pulled page is saved in its own transaction, so a sync cut off anywhere resumes where it stopped.
struct SyncEngine {
    struct Report: Encodable {
        var pushed = 0
        var rejected = 0
        /// New ops received (the server also returns this laptop's own, which change nothing).
        var pulled = 0
        /// Of those, changes a newer sunsync wrote (fields or values this one does not know): kept.
        var unrecognized = 0
        var pages = 0
        var cursor: Int64 = 0
        /// Changes queued again because the server's database was restored from a backup (0 otherwise).
        var resent = 0
        /// Changes to receive, as the server counted them at the first page (nil: an older server).
        var toReceive: Int64?
        /// Ops received so far, this laptop's own echoes included: what `toReceive` counts.
        var received: Int64 = 0
        /// The replica this laptop moved to, because the server found its id in use by another device (nil: none).
        var newReplica: String?
        /// Changes refused for their id alone, written again under the new replica.
        var reissued = 0
        /// Changes received under an id this laptop used for another change: not applied, this laptop's kept.
        var clashed = 0
        /// Why this laptop moved to `newReplica`: `id-in-use` (another device writes under its id) or
        /// `clock-ahead` (its clock had run ahead and is right again).
        var movedFor: String?
        /// Changes stamped by a clock that had run ahead, sent again under the right time.
        var restamped = 0
        /// How far this laptop's clock is from the server's, in minutes (positive: ahead), when it is more
        /// than the server allows (5 minutes by default); nil otherwise.
        var clockOffsetMinutes: Int64?
        /// Participants whose records this laptop moved to the server's person keys (made here before it
        /// had them: offline, or by a sunsync from before secrets); once, at the first sync that brings them.
        var rekeyedPeople = 0
    }

    /// What the sync is waiting for, for a progress line: a retry after a failure.
    struct Retry {
        let attempt: Int
        let of: Int
        let wait: Duration
        let error: SyncError
    }

    let store: Store
    let transport: any SyncTransport
    var pushBatch = 1_000
    var pageSize = Wire.defaultPage
    /// Waits between tries on a network error; a refusal is never retried.
    var backoff: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8)]
    var progress: @Sendable (Report) -> Void = { _ in }
    var onRetry: @Sendable (Retry) -> Void = { _ in }
    /// How long to keep trying again after network failures (each try is bounded on its own).
    var retryLimit: Duration = .seconds(60)
    /// What the waits between tries wait on.
    var clock: any SyncClock = SystemSyncClock()

    static let cursorKey = "sync_cursor"
    static let epochKey = "server_epoch"

    func run(expectOrg: String?) async throws -> Report {
        try store.expectLargeWrites()
        let info = try await Self.retrying(backoff, onRetry, limit: retryLimit, clock: clock) { [transport] in try await transport.session() }
        if let expectOrg, info.org != expectOrg {
            throw SyncError.refused(Problem(type: Problem.typeURI("wrong-org"), title: "Forbidden", status: 403,
                                            detail: "the token is for \(info.org ?? "district " + (info.district ?? "?")), but this laptop records for \(expectOrg)"))
        }
        var report = Report()
        report.rekeyedPeople = try Self.keep(info, store)?.people ?? 0
        // How far this laptop's clock is from the server's (the request's own time is within the minute).
        let offset = Int64(Date().timeIntervalSince1970 * 1000) - info.serverTime
        if abs(offset) > Int64(Store.clockAllowance) { report.clockOffsetMinutes = offset / 60_000 }
        let clock = ClockCheck(right: abs(offset) <= 60_000, serverTime: info.serverTime, asked: ContinuousClock.now)
        // A server whose database changed under it (restored from a backup) may lack what it had
        // acknowledged, and numbers its changes anew: send everything made here again, pull from the start.
        if let epoch = info.epoch {
            switch try store.meta(Self.epochKey) {
            case nil: try store.setMeta(Self.epochKey, epoch)
            case epoch: break
            default: report.resent = try store.startOver(epoch: epoch, epochKey: Self.epochKey, cursorKey: Self.cursorKey)
            }
        }
        try await registerKey(epoch: info.epoch ?? "")
        _ = try heal(clock, &report)
        do {
            try await exchange(&report, clock: clock)
        } catch SyncError.refused(let problem) where problem.code == "cursor-ahead" {
            // The same epoch, but a database holding fewer changes than this laptop received: restored from
            // a copy taken outside `sunsync-server backup`. The same remedy, once.
            report.resent += try store.startOver(epoch: nil, epochKey: Self.epochKey, cursorKey: Self.cursorKey)
            try await exchange(&report, clock: clock)
        }
        try store.setMeta("last_sync", Date().formatted(.iso8601))
        return report
    }

    /// The directory as the laptop keeps it: names to label writers with, and the keys `sunsync verify` checks against.
    static func keep(_ directory: DeviceDirectory, _ store: Store) throws {
        try store.setMeta(Workspace.deviceNamesKey, String(decoding: try JSONEncoder().encode(directory.labels), as: UTF8.self))
        try store.setMeta(Self.directoryKey, String(decoding: try Wire.encoder().encode(directory), as: UTF8.self))
    }

    static let directoryKey = "device_directory"
    static let registeredKey = "signing_key_registered"

    /// Registers this laptop's signing key with the server, once per key and server database.
    func registerKey(epoch: String) async throws {
        let key = try store.signingKey()
        let registered = "\(epoch):\(key.id)"
        guard try store.meta(Self.registeredKey) != registered else { return }
        _ = try await Self.retrying(backoff, onRetry, limit: retryLimit, clock: clock) { [transport] in try await transport.registerKey(publicKey: key.publicKey) }
        try store.setMeta(Self.registeredKey, registered)
    }

    /// Checks a pulled page against the directory (SPEC §9): every op is in a signed batch whose signature
    /// verifies, by a key the directory lists for the replicas its ops are written under.
    static func check(_ page: PullResponse, _ directory: DeviceDirectory) throws -> [(batch: SignedBatch, places: [Int])] {
        var covered = [Bool](repeating: false, count: page.ops.count)
        var batches = [(batch: SignedBatch, places: [Int])]()
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

    /// What the session says that the laptop keeps for offline use: the rules the flags use, the org's
    /// name, whether this device may reveal (taken away as soon as a session says so), and the secret
    /// person keys are made with: a store that made its own (offline, or before secrets) has its records'
    /// ids rewritten under the server's once (`Store.adoptPersonKeys`), which this returns.
    @discardableResult
    static func keep(_ info: SessionInfo, _ store: Store) throws -> OpLog.Rekeyed? {
        var rekeyed: OpLog.Rekeyed?
        if let text = info.personSecret {
            guard let keys = PersonKeys(hex: text) else {
                throw SyncError.untrusted("the server's person-key secret is not 64 hex digits; nothing was changed here")
            }
            rekeyed = try store.adoptPersonKeys(keys) { people in
                FileHandle.standardError.write(Data((say(.rekeying(people: people)) + "\n").utf8))
            }
        }
        if let rules = info.rules { try store.setRules(rules) }
        if let name = info.orgName { try store.setMeta("org_name", name) }
        try store.setMeta(Workspace.mayRevealKey, info.mayReveal == true ? "true" : "false")
        if let recovery = info.recoveryKey { try store.setMeta(Home.recoveryKeyMeta, recovery) }
        return rekeyed
    }

    /// The laptop's clock against the server's, read at the session.
    struct ClockCheck {
        /// Within a minute of the server's.
        let right: Bool
        let serverTime: Int64
        let asked: ContinuousClock.Instant

        /// The server's time now, in milliseconds since 1970.
        var serverNow: UInt64 {
            let since = ContinuousClock.now - asked
            return UInt64(max(0, serverTime + since.components.seconds * 1000 + since.components.attoseconds / 1_000_000_000_000_000))
        }
    }

    /// A clock that had run ahead and is right again (SPEC §9, clocks): this laptop moves to a fresh replica
    /// whose clock starts from now, and its changes stamped ahead (refused as `clock_ahead`, or waiting) go
    /// again under new ids. Nothing is done while the clock is still wrong. Returns whether it moved.
    func heal(_ clock: ClockCheck, _ report: inout Report) throws -> Bool {
        guard clock.right else { return false }
        let bound = clock.serverNow + Store.clockAllowance
        let ahead = try store.changesStampedAhead(of: bound)
        let reading = try store.clockReading().milliseconds
        guard !ahead.isEmpty || reading > bound else { return false }
        let moved = try store.moveToFreshReplica(reissuing: ahead, resettingClock: true)
        report.newReplica = moved.replica.description
        report.movedFor = "clock-ahead"
        report.restamped += moved.reissued
        return true
    }

    /// Pushes the outbox, then pulls until caught up.
    private func exchange(_ report: inout Report, clock check: ClockCheck) async throws {
        let key = try store.signingKey()
        // Push: what the server refuses is kept locally, marked, and never sent again.
        var moves = 0
        while true {
            // One org's changes a push (a signed batch never spans orgs), oldest first.
            let pending = try store.pending(limit: pushBatch + 1).map(\.op)
            let org = pending.first.map { MergedState.org(of: $0.key) }
            let ops = Self.batch(pending.filter { MergedState.org(of: $0.key) == org }, limit: pushBatch)
            guard !ops.isEmpty else { break }
            let request = try PushRequest(signing: ops, key: key.id, privateKey: key.privateKey)
            let answer = try await Self.retrying(backoff, onRetry, limit: retryLimit, clock: clock) { [transport] in try await transport.push(request) }
            let accepted = answer.accepted.compactMap(OpID.init)
            let rejected = answer.rejected.compactMap { r in OpID(r.id).map { (id: $0, code: r.code, reason: r.reason) } }
            // Anything the answer does not mention stays in the outbox, to be sent again next time.
            try store.acknowledge(accepted: accepted, rejected: rejected, at: Date().formatted(.iso8601))
            if let signature = request.batch.flatMap({ Hex.decode($0.signature) }) {
                try store.keepPushed(ops, signature: signature, key: key.id, accepted: Set(accepted))
            }
            report.pushed += accepted.count
            report.rejected += rejected.count
            // Refused for the id alone (another device writes under this replica, or holds the id): move to a
            // new replica and write those changes again under new ids; the next batch sends them.
            let atFault = rejected.filter { ProblemCode.idAtFault.contains(ProblemCode(rawValue: $0.code)) && $0.id.replica == store.replica }
            if !atFault.isEmpty, moves < 3 {   // a fresh random replica is never taken; a server that says so is not believed forever
                moves += 1
                let moved = try store.moveToFreshReplica(reissuing: atFault.map { $0.id })
                report.newReplica = moved.replica.description
                report.movedFor = "id-in-use"
                report.reissued += moved.reissued
                report.rejected -= atFault.count
            }
            // Refused as stamped ahead though this laptop's clock is right now (it was put right while changes
            // waited, or the server allows less ahead than most): sent again under the right time.
            let ahead = rejected.filter { $0.code == ProblemCode.clockAhead.rawValue && $0.id.replica == store.replica }
            if !ahead.isEmpty, moves < 3, try heal(check, &report) {
                moves += 1
                report.rejected -= ahead.count
            }
            if accepted.count + rejected.count == 0 { break }
            progress(report)
        }
        // Who signs for which replica (this laptop's too, once a first push bound it), read before anything
        // is pulled: every page is checked against it.
        var directory = try await Self.retrying(backoff, onRetry, limit: retryLimit, clock: clock) { [transport] in try await transport.devices() }
        try Self.keep(directory, store)
        // Pull: the next page is fetched while this one is applied.
        var cursor = Int64(try store.meta(Self.cursorKey) ?? "0") ?? 0
        // Each page is fetched and checked against its signatures while the one before it is applied.
        var next = Task { [transport, pageSize, backoff, onRetry, retryLimit, clock, cursor, directory] in
            try await Self.fetch(after: cursor, count: true, directory: directory, transport: transport, pageSize: pageSize,
                                 backoff: backoff, onRetry: onRetry, retryLimit: retryLimit, clock: clock)
        }
        let trace = ProcessInfo.processInfo.environment["SUNSYNC_TRACE"] != nil
        var waited = Duration.zero, applying = Duration.zero
        let timer = ContinuousClock()
        defer { if trace { FileHandle.standardError.write(Data("pull: waited \(waited), applying \(applying)\n".utf8)) } }
        while true {
            let t0 = timer.now
            let (page, batches, fresh) = try await next.value
            waited += timer.now - t0
            if let fresh {
                directory = fresh
                try Self.keep(fresh, store)
            }
            if page.more {
                let after = page.cursor
                next = Task { [transport, pageSize, backoff, onRetry, retryLimit, clock, directory] in
                    try await Self.fetch(after: after, count: false, directory: directory, transport: transport, pageSize: pageSize,
                                         backoff: backoff, onRetry: onRetry, retryLimit: retryLimit, clock: clock)
                }
            }
            let t1 = timer.now
            if let remaining = page.remaining, report.toReceive == nil { report.toReceive = remaining }
            report.received += Int64(page.ops.count)
            let applied = try store.applyPage(page.ops, batches: batches, cursorKey: Self.cursorKey, cursor: page.cursor)
            report.pulled += applied.new
            report.unrecognized += applied.unrecognized
            report.clashed += applied.clashed.count
            if applied.clashed.contains(where: { $0.replica == store.replica }) {
                // Someone else writes under this laptop's replica: its next ids would clash again.
                report.newReplica = try store.moveToFreshReplica(reissuing: []).replica.description
                report.movedFor = "id-in-use"
            }
            applying += timer.now - t1
            cursor = page.cursor
            report.pages += 1
            report.cursor = cursor
            progress(report)
            if !page.more { break }
        }
    }

    /// One pulled page, checked (SPEC §9). A page that fails against `directory` is checked once more against
    /// the directory read again: a device may have bound its replica or registered its key after the read.
    /// That newer directory is returned, for the pages after it.
    static func fetch(after cursor: Int64, count: Bool, directory: DeviceDirectory, transport: any SyncTransport, pageSize: Int,
                      backoff: [Duration], onRetry: @escaping @Sendable (Retry) -> Void, retryLimit: Duration, clock: any SyncClock)
        async throws -> (page: PullResponse, batches: [(batch: SignedBatch, places: [Int])], directory: DeviceDirectory?) {
        let page = try await retrying(backoff, onRetry, limit: retryLimit, clock: clock) { try await transport.pull(after: cursor, limit: pageSize, count: count) }
        do {
            return (page, try check(page, directory), nil)
        } catch SyncError.untrusted {
            let fresh = try await retrying(backoff, onRetry, limit: retryLimit, clock: clock) { try await transport.devices() }
            return (page, try check(page, fresh), fresh)
        }
    }

    /// The next push of `pending` (at most `limit + 1` ops, oldest first): at most `limit`, never cutting a
    /// participant's ops from the next one. A participant is held only whole (name, certificate, contract
    /// and start in one push, SPEC §6), and `participant add` writes them one after another.
    static func batch(_ pending: [Op], limit: Int) -> [Op] {
        guard pending.count > limit else { return pending }
        var batch = Array(pending.prefix(limit))
        let next = pending[limit]
        guard next.collection == .participants else { return batch }
        let cut = batch.lastIndex { !($0.collection == .participants && $0.record == next.record) }.map { $0 + 1 } ?? 0
        if cut > 0 { batch.removeSubrange(cut...) }
        return batch
    }

    /// Network failures are tried again (`Retries`: the backoff, or the wait the server asked for where
    /// longer, within `limit` of the first try), waiting on `clock`; each try is bounded (10 s to connect,
    /// 30 s of silence), and a try again never waits past the end (`RequestDeadline`). A refusal is final.
    static func retrying<T: Sendable>(_ backoff: [Duration], _ onRetry: @Sendable (Retry) -> Void = { _ in },
                                      limit: Duration = .seconds(60), clock: any SyncClock = SystemSyncClock(),
                                      _ body: @Sendable () async throws -> T) async throws -> T {
        var retries = Retries(backoff: backoff, limit: limit)
        while true {
            let deadline = retries.begin(at: clock.now)
            do {
                return try await RequestDeadline.$current.withValue(deadline) { try await body() }
            } catch let error as SyncError {
                guard case .wait(let wait, let attempt, let of) = retries.failed(error, at: clock.now) else { throw error }
                onRetry(Retry(attempt: attempt, of: of, wait: wait, error: error))
                try await clock.sleep(for: wait)
            }
        }
    }
}

/// When the request being made (and any try of it again) must have ended: a try waits to connect or for a
/// silent server only until then.
enum RequestDeadline {
    @TaskLocal static var current: ContinuousClock.Instant?

    /// `bound`, or less when the deadline comes first (zero when it has passed); `now` from the sync's clock.
    static func bounded(_ bound: Duration, now: ContinuousClock.Instant = .now) -> Duration {
        guard let current else { return bound }
        return max(.zero, min(bound, current - now))
    }
}
