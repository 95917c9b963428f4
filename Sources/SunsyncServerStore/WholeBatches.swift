import SunsyncModel
import SunsyncStore

/// A pull page made whole in its signed batches (SPEC §9): a laptop verifies a batch only with every op
/// it signed, so a page never ends inside a batch, and a batch whose first ops came in an earlier page is
/// sent whole again (the ops it holds already change nothing). Shared by both backends; each passes its
/// own reads.
public enum WholeBatches {
    public struct Reads {
        /// For the batches among `ids` that hold an op in scope after `seq`: each one's last seq.
        public var continuing: (_ ids: Set<Int64>, _ seq: Int64) async throws -> [Int64: Int64]
        /// The ops of the batches `ids` before `seq`, in seq order.
        public var earlier: (_ ids: Set<Int64>, _ seq: Int64) async throws -> [LoggedOp]
        /// Every op in scope after the page's cursor up to `seq`, in seq order (no limit).
        public var through: (_ seq: Int64) async throws -> [LoggedOp]
        public var batches: (_ ids: Set<Int64>) async throws -> [Int64: StoredBatch]

        public init(continuing: @escaping (Set<Int64>, Int64) async throws -> [Int64: Int64],
                    earlier: @escaping (Set<Int64>, Int64) async throws -> [LoggedOp],
                    through: @escaping (Int64) async throws -> [LoggedOp],
                    batches: @escaping (Set<Int64>) async throws -> [Int64: StoredBatch]) {
            self.continuing = continuing
            self.earlier = earlier
            self.through = through
            self.batches = batches
        }
    }

    /// `ops` (a page in seq order, read up to `end`) cut before any batch that goes on past it (or, where that
    /// would leave nothing, read on to that batch's end), with each batch's earlier ops put back in front.
    public static func page(_ ops: [LoggedOp], end: Int64, more: Bool, maxSeq: Int64, _ reads: Reads) async throws -> PullPage {
        var ops = ops, end = end, more = more
        for _ in 0..<8 {
            let beyond = try await reads.continuing(Set(ops.compactMap(\.batch)), end)
            guard !beyond.isEmpty else { break }
            if let cut = ops.first(where: { $0.batch.map { beyond[$0] != nil } ?? false })?.seq, cut > ops[0].seq {
                ops.removeAll { $0.seq >= cut }
                end = cut - 1
                more = true
            } else {
                end = max(end, beyond.values.max() ?? end)
                ops = try await reads.through(end)
                more = end < maxSeq
            }
        }
        let ids = Set(ops.compactMap(\.batch))
        if let first = ops.first?.seq, !ids.isEmpty {
            ops = try await reads.earlier(ids, first) + ops
        }
        let stored = try await reads.batches(ids)
        var places = [Int64: [Int]]()
        for (i, op) in ops.enumerated() { if let b = op.batch { places[b, default: []].append(i) } }
        let batches = places.keys.sorted().compactMap { id in stored[id].map { (batch: $0, places: places[id] ?? []) } }
        return PullPage(ops: ops, cursor: end, more: more, batches: batches)
    }
}
