import SunsyncModel
import SunsyncStore

/// Group commit for pushes. A push that arrives while no batch is committing starts one at once; the
/// pushes that arrive meanwhile wait and go together in the next batch: one transaction, one
/// `INSERT … unnest`, one hold of the append lock and one WAL flush for all of them. Each push is
/// answered only after the commit that holds its ops, with its own outcome, as if it had gone alone.
///
/// On PostgreSQL the lock that orders appends (SPEC §9) is held through a commit, so a process that
/// committed push by push could do no more pushes a second than the disk does flushes; on SQLite each
/// write is a hop to the writer's queue and a `synchronous=FULL` flush. Batching lifts both without
/// touching the cursor argument.
public actor GroupCommit {
    public struct Push: Sendable {
        public let ops: [Op]
        public let device: String?
        public let time: String
        public var signed: PushSignature? = nil

        public init(ops: [Op], device: String?, time: String, signed: PushSignature? = nil) {
            (self.ops, self.device, self.time, self.signed) = (ops, device, time, signed)
        }
    }

    private struct Waiting {
        let push: Push
        let answer: CheckedContinuation<PushOutcome, any Error>
    }

    /// Commits the pushes of a batch in one transaction; each push's outcome, as if it had gone alone.
    private let commit: @Sendable ([Push]) async -> [Result<PushOutcome, any Error>]
    /// A batch takes waiting pushes until it holds this many ops (a push is never split).
    private let maximumOps: Int
    private var waiting = [Waiting]()
    private var committing = false

    public init(maximumOps: Int = 20_000, commit: @escaping @Sendable ([Push]) async -> [Result<PushOutcome, any Error>]) {
        self.commit = commit
        self.maximumOps = maximumOps
    }

    public func push(_ push: Push) async throws -> PushOutcome {
        try await withCheckedThrowingContinuation { answer in
            waiting.append(Waiting(push: push, answer: answer))
            if !committing {
                committing = true
                Task { await self.commitWaiting() }
            }
        }
    }

    /// Commits batches until no push waits.
    private func commitWaiting() async {
        while !waiting.isEmpty {
            var count = 0
            let taken = waiting.prefix { waiting in
                defer { count += waiting.push.ops.count }
                return count == 0 || count + waiting.push.ops.count <= maximumOps
            }
            waiting.removeFirst(taken.count)
            let outcomes = await commit(taken.map(\.push))
            for (waiting, outcome) in zip(taken, outcomes) { waiting.answer.resume(with: outcome) }
        }
        committing = false
    }
}
