import SunsyncModel
import SunsyncProtocol

/// Carries out a `SunsyncClient`'s actions: requests over the transport (each try under its deadline),
/// store steps, waits on the clock, progress. While a page is applied, the next one is fetched and checked
/// (`ReadAhead`): one try, whose answer or failure the machine gets when it asks for that page.
public struct SyncDriver: Sendable {
    public let transport: any SyncTransport
    public let store: any SyncStore
    public var clock: any SyncClock
    /// The laptop's wall clock, ms since 1970 (compared with the server's at the session).
    public var localTime: @Sendable () -> Int64
    public var progress: @Sendable (SyncReport) -> Void = { _ in }
    public var onRetry: @Sendable (SyncRetry) -> Void = { _ in }
    /// Where a sync's time went, told at its end: waiting for pages, applying them (`SUNSYNC_TRACE`).
    public var onTimes: (@Sendable (_ waitedForPages: Duration, _ applying: Duration) -> Void)?

    public init(transport: any SyncTransport, store: any SyncStore, clock: any SyncClock = SystemSyncClock(),
                localTime: @escaping @Sendable () -> Int64) {
        self.transport = transport
        self.store = store
        self.clock = clock
        self.localTime = localTime
    }

    /// One sync, to its end: the report, or the error that stopped it (a refusal, the network after its
    /// tries, or the store's).
    public func run(_ settings: SunsyncClient.Settings) async throws -> SyncReport {
        var client = SunsyncClient(settings, local: try store.begin())
        var readAhead: (after: Int64, task: Task<SunsyncClient.Event, any Error>)?
        defer { readAhead?.task.cancel() }
        var action = client.start(at: clock.now)
        var waited = Duration.zero, applying = Duration.zero
        let timer = ContinuousClock()
        defer { onTimes?(waited, applying) }
        while true {
            let event: SunsyncClient.Event
            switch action {
            case .send(let request, let deadline):
                if case .pull(let after, _, _) = request, let ahead = readAhead, ahead.after == after {
                    readAhead = nil
                    let t0 = timer.now
                    event = try await ahead.task.value
                    waited += timer.now - t0
                } else {
                    readAhead?.task.cancel()
                    readAhead = nil
                    event = try await RequestDeadline.$current.withValue(deadline) { try await send(request) }
                }
            case .wait(let wait, let retry):
                onRetry(retry)
                try await clock.sleep(for: wait)
                event = .waited
            case .store(let step):
                if case .apply(_, _, let ahead?) = step {
                    readAhead = (ahead.after, Task { [transport, localTime] in
                        try await Self.read(ahead, transport: transport, localTime: localTime)
                    })
                }
                let t0 = timer.now
                event = .stored(try perform(step))
                if case .apply = step { applying += timer.now - t0 }
            case .progress(let report):
                progress(report)
                event = .resumed
            case .finished(let report):
                return report
            case .failed(let error):
                throw error
            }
            action = client.handle(event, at: clock.now)
        }
    }

    /// One try of `request`: its answer, or its failure as an event (other errors, a cancellation, end the sync).
    func send(_ request: SunsyncClient.Request) async throws -> SunsyncClient.Event {
        try await Self.send(request, transport: transport, localTime: localTime)
    }

    static func send(_ request: SunsyncClient.Request, transport: any SyncTransport,
                     localTime: @Sendable () -> Int64) async throws -> SunsyncClient.Event {
        do {
            switch request {
            case .session:
                let info = try await transport.session()
                return .answered(.session(info, localTime: localTime()))
            case .registerKey(let publicKey):
                _ = try await transport.registerKey(publicKey: publicKey)
                return .answered(.keyRegistered)
            case .push(let push):
                return .answered(.pushed(try await transport.push(push)))
            case .devices:
                return .answered(.devices(try await transport.devices()))
            case .pull(let after, let limit, let count):
                return .answered(.page(try await transport.pull(after: after, limit: limit, count: count), checked: nil))
            }
        } catch let error as SyncError {
            return .failed(error)
        }
    }

    /// The next page, fetched and checked against the directory the machine had when it applied the one before.
    static func read(_ ahead: SunsyncClient.ReadAhead, transport: any SyncTransport,
                     localTime: @Sendable () -> Int64) async throws -> SunsyncClient.Event {
        let event = try await send(.pull(after: ahead.after, limit: ahead.limit, count: false), transport: transport, localTime: localTime)
        guard case .answered(.page(let page, _)) = event else { return event }
        let result = Result { () throws(SyncError) in try SunsyncClient.check(page, ahead.directory) }
        return .answered(.page(page, checked: SunsyncClient.Checked(generation: ahead.generation, result: result)))
    }

    func perform(_ step: SunsyncClient.StoreStep) throws -> SunsyncClient.Stored {
        switch step {
        case .keepSession(let info): return .rekeyed(people: try store.keep(session: info))
        case .keepEpoch(let epoch): try store.keep(epoch: epoch)
        case .startOver(let epoch): return .startedOver(resent: try store.startOver(epoch: epoch))
        case .keyRegistered(let mark): try store.keyRegistered(mark)
        case .stampedAhead(let bound):
            let (ids, reading) = try store.stampedAhead(of: bound)
            return .stampedAhead(ids, clock: reading)
        case .moveToFreshReplica(let ids, let resetting):
            let moved = try store.moveToFreshReplica(reissuing: ids, resettingClock: resetting)
            return .moved(moved.replica, reissued: moved.reissued)
        case .pending(let limit): return .pending(try store.pending(limit: limit))
        case .sign(let ops): return .signed(try store.sign(ops))
        case .acknowledge(let request, let ops, let accepted, let rejected):
            try store.acknowledge(request, ops: ops, accepted: accepted, rejected: rejected)
        case .keepDirectory(let directory): try store.keep(directory: directory)
        case .apply(let page, let batches, _): return .applied(try store.apply(page, batches: batches))
        case .finish: try store.finish()
        }
        return .done
    }
}
