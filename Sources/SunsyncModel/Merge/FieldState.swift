/// One field under the multi-value register rule.
///
/// A field's **current values** are its ops that no other op of the field names in `pred`. The state
/// is a function of the *set* of ops applied, so any order, with any duplicates, gives the same state.
/// To stay a function of the set when an op arrives before the op it replaces, the field remembers
/// every id named in a `pred` (`superseded`), and a later arrival of such an id never becomes current.
public struct FieldState: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public let id: OpID
        public let value: Value

        public init(id: OpID, value: Value) {
            self.id = id
            self.value = value
        }
    }

    /// The current values, greatest id first. Never empty once an op has been applied.
    public private(set) var current: [Entry] = []
    private var superseded = IDSet()

    public init() {}

    /// The value shown: the current value with the greatest id — the same on every replica.
    public var displayed: Value { current.first?.value ?? .null }

    /// Whether concurrent writes left different values standing. (Two concurrent writes of the *same*
    /// value are both kept as current but are not a conflict: there is nothing to choose.)
    public var isConflict: Bool {
        guard let first = current.first?.value else { return false }
        return current.dropFirst().contains { $0.value != first }
    }

    /// Whether `id` is named in some applied op's `pred`.
    public func isSuperseded(_ id: OpID) -> Bool { superseded.contains(id) }

    /// Applies one op of this field. Returns whether the current values changed.
    @discardableResult
    public mutating func apply(id: OpID, value: Value, pred: [OpID]) -> Bool {
        var changed = false
        for p in pred {
            superseded.insert(p)
            if let i = current.firstIndex(where: { $0.id == p }) {
                current.remove(at: i)
                changed = true
            }
        }
        if superseded.contains(id) { return changed }
        // Keep greatest-first; a duplicate delivery finds its own id and stops.
        var i = 0
        while i < current.count, current[i].id > id { i += 1 }
        if i < current.count, current[i].id == id { return changed }
        current.insert(Entry(id: id, value: value), at: i)
        return true
    }
}

/// A set of op ids that stays a plain array while small (most fields are written a handful of times)
/// and becomes a hash set when a field's history grows long.
struct IDSet: Hashable, Sendable {
    // Equality and hashing are by membership: two replicas that saw the same preds in another order are equal.
    static func == (lhs: IDSet, rhs: IDSet) -> Bool { lhs.all == rhs.all }
    func hash(into hasher: inout Hasher) { hasher.combine(all) }
    private var all: Set<OpID> { large ?? Set(small) }

    private var small: [OpID] = []
    private var large: Set<OpID>? = nil
    private static let threshold = 16

    func contains(_ id: OpID) -> Bool {
        if let large { return large.contains(id) }
        return small.contains(id)
    }

    mutating func insert(_ id: OpID) {
        if large != nil {
            large!.insert(id)
        } else if !small.contains(id) {
            small.append(id)
            if small.count > Self.threshold {
                large = Set(small)
                small = []
            }
        }
    }
}
