/// The merged state of a set of ops: every record, every field, its current values.
///
/// ```swift
/// var state = MergedState()
/// state.apply(op)            // any order, any duplicates
/// state[key]?.displayed("minutes")
/// ```
public struct MergedState: Sendable {
    public private(set) var records: [RecordKey: RecordState] = [:]

    public init() {}

    public init(_ ops: some Sequence<Op>) {
        for op in ops { apply(op) }
    }

    public subscript(key: RecordKey) -> RecordState? { records[key] }

    /// Applies one op. Returns whether any current value changed (false for a duplicate).
    @discardableResult
    public mutating func apply(_ op: Op) -> Bool {
        records[op.key, default: RecordState()].apply(op)
    }

    /// Applies ops that all belong to the record `key`, finding the record once: what a reader of rows
    /// grouped by record does (the same as applying each op on its own).
    public mutating func apply(_ ops: some Sequence<Op>, toRecord key: RecordKey) {
        records[key, default: RecordState()].apply(contentsOf: ops)
    }

    /// Takes in the records of a state read from other ops — another range of days — that this one does
    /// not hold. Only for states with no record in common: a record both hold keeps this state's.
    public mutating func absorb(disjoint other: MergedState) {
        if records.isEmpty { return records = other.records }
        records.merge(other.records) { mine, _ in mine }
    }

    /// Only the records of `orgs`: an org record by its code, every other by the org its id starts with
    /// (what a reviewer's scope holds on the server, where every district's records are).
    public func restricted(toOrgs orgs: Set<String>) -> MergedState {
        var kept = MergedState()
        kept.records = records.filter { key, _ in orgs.contains(Self.org(of: key)) }
        return kept
    }

    /// The org a record belongs to: an org record's own code, else the text of its id up to the first `/`.
    public static func org(of key: RecordKey) -> String {
        key.collection == .orgs ? key.id : String(key.id.prefix { $0 != "/" })
    }

    /// Puts `record` in place of what the state holds for `key` (removes it for nil): for a reader that
    /// keeps a state and takes in the records a store has merged since, as the store holds them.
    public mutating func replace(_ key: RecordKey, with record: RecordState?) {
        records[key] = record
    }

    /// The records of one collection, in id order.
    public func records(in collection: CollectionName) -> [(key: RecordKey, record: RecordState)] {
        // Keys are sorted, not (key, record) pairs: moving a record around costs retains and releases.
        records.keys.filter { $0.collection == collection }.sorted().compactMap { key in records[key].map { (key, $0) } }
    }

    /// Every field with a conflict, in record and field order.
    public var conflicts: [(key: RecordKey, field: String, values: [FieldState.Entry])] {
        records.filter(\.value.hasConflict).sorted { $0.key < $1.key }.flatMap { key, record in
            record.fields.filter { $0.state.isConflict }.map { (key, $0.name, $0.state.current) }
        }
    }
}

/// One record: its fields, each a multi-value register.
public struct RecordState: Hashable, Sendable {
    /// Fields in the order they were first written (few per record: a linear scan beats hashing).
    public private(set) var fields: [(name: String, state: FieldState)] = []

    public init() {}

    public func field(_ name: String) -> FieldState? {
        fields.first { $0.name == name }?.state
    }

    /// The displayed value of a field, or nil if it was never written (or is null).
    public func displayed(_ name: String) -> Value? {
        guard let v = field(name)?.displayed, v != .null else { return nil }
        return v
    }

    /// Whether the record's `deleted` field currently shows true.
    public var isDeleted: Bool { displayed("deleted")?.bool ?? false }

    public var hasConflict: Bool { fields.contains { $0.state.isConflict } }

    /// Every replica that wrote one of the current values of the named fields (all fields if nil).
    public func replicas(of names: [String]? = nil) -> Set<ReplicaID> {
        Set(fields.filter { names?.contains($0.name) ?? true }.flatMap { $0.state.current.map(\.id.replica) })
    }

    mutating func apply(contentsOf ops: some Sequence<Op>) {
        for op in ops { apply(op) }
    }

    @discardableResult
    mutating func apply(_ op: Op) -> Bool {
        if let i = fields.firstIndex(where: { $0.name == op.field }) {
            return fields[i].state.apply(id: op.id, value: op.value, pred: op.pred)
        }
        var state = FieldState()
        state.apply(id: op.id, value: op.value, pred: op.pred)
        fields.append((op.field, state))
        return true
    }

    public static func == (lhs: RecordState, rhs: RecordState) -> Bool {
        lhs.fields.count == rhs.fields.count
            && lhs.fields.allSatisfy { f in rhs.field(f.name) == f.state }
    }

    public func hash(into hasher: inout Hasher) {
        for f in fields.sorted(by: { $0.name < $1.name }) {
            hasher.combine(f.name)
            hasher.combine(f.state)
        }
    }
}

extension MergedState: Equatable {
    public static func == (lhs: MergedState, rhs: MergedState) -> Bool { lhs.records == rhs.records }
}
