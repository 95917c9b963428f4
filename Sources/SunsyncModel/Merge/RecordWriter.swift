/// Something that writes ops over merged records: a laptop store's transaction, or the server's own
/// `Edit`. What a write means (`set` skips a value already shown; `decide` is a reviewer's decision) is
/// written once, here, for both.
public protocol RecordWriter {
    /// The merged record as it stands, the writer's own earlier writes included.
    func record(_ key: RecordKey) throws -> RecordState?
    /// The current values of one field, greatest id first.
    func current(_ key: RecordKey, _ field: String) throws -> [FieldState.Entry]
    /// Writes `value` replacing exactly `pred`, with a new id. Throws if the op is invalid.
    mutating func write(_ key: RecordKey, _ field: String, _ value: Value, pred: [OpID]) throws
}

extension RecordWriter {
    /// Writes `value` to a field, replacing every value now current (so it also resolves a conflict).
    /// Writing the value a clean field already shows is skipped. Throws if the op is invalid.
    public mutating func set(_ key: RecordKey, _ field: String, _ value: Value) throws {
        let current = try current(key, field)
        if current.count == 1, current[0].value == value { return }
        if current.count > 1, current.allSatisfy({ $0.value == value }), current.first?.value == value { return }
        try write(key, field, value, pred: current.map(\.id))
    }

    /// Writes a reviewer's decision on each record as `RecordState.decision` has it (with the content
    /// version the reviewer was shown, where given). A record named twice is decided once; one not held
    /// is passed over. Returns the records decided, and those skipped with why.
    public mutating func decide(_ verdict: ReviewDecision.Verdict, _ targets: [(key: RecordKey, seen: String?)], note: String?) throws
        -> (decided: [RecordKey], skipped: [(key: RecordKey, why: ReviewSkip)]) {
        var decided = [RecordKey](), skipped = [(key: RecordKey, why: ReviewSkip)]()
        for (key, seen) in targets where !decided.contains(key) {
            guard let record = try record(key) else { continue }
            if verdict == .approved, key.collection == .lunches, !record.isDeleted,
               let refusal = RecordState.lunchApprovalRefusal(hours: try self.record(RecordKey(collection: .hours, id: key.id))) {
                skipped.append((key, refusal))
                continue
            }
            switch record.decision(verdict, note: note, seen: seen) {
            case .failure(let skip): skipped.append((key, skip))
            case .success(let writes):
                for write in writes { try set(key, write.field, write.value) }
                decided.append(key)
            }
        }
        return (decided, skipped)
    }
}

/// The server's own writes (an administrator's org edits, a reviewer's decisions on the review page),
/// made over the merged state of the records they touch, as the store read it. The ops it writes are
/// appended to the op log as pushed ops are; the store keeps the clock of the writing replica.
public struct Edit: RecordWriter {
    public private(set) var state: MergedState
    public private(set) var clock: HybridClock
    public let replica: ReplicaID
    let wallMilliseconds: UInt64
    public private(set) var written: [Op] = []

    /// `state` holds (at least) every record the edit touches. The clock moves past every op of it, so
    /// that a new op sorts after the values it replaces.
    public init(state: MergedState, replica: ReplicaID, clock: HybridClock, wallMilliseconds: UInt64) {
        self.state = state
        self.replica = replica
        self.wallMilliseconds = wallMilliseconds
        var clock = clock
        for (_, record) in state.records {
            for field in record.fields { for entry in field.state.current { clock.observe(entry.id.timestamp) } }
        }
        self.clock = clock
    }

    public func record(_ key: RecordKey) -> RecordState? { state[key] }

    public func current(_ key: RecordKey, _ field: String) -> [FieldState.Entry] { state[key]?.field(field)?.current ?? [] }

    public mutating func write(_ key: RecordKey, _ field: String, _ value: Value, pred: [OpID]) throws {
        let id = OpID(timestamp: clock.next(wallMilliseconds: wallMilliseconds), replica: replica)
        let op = Op(id: id, collection: key.collection, record: key.id, field: field, value: value, pred: pred.sorted())
        try Schema.validate(op)
        _ = state.apply(op)
        written.append(op)
    }
}
