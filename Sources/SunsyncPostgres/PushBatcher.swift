import SunsyncModel
import SunsyncServerStore
import SunsyncStore

/// Group commit for pushes. A push that arrives while no batch is committing starts one at once; the
/// pushes that arrive meanwhile wait and go together in the next batch: one transaction, one
/// `INSERT … unnest`, one hold of the append lock and one WAL flush for all of them. Each push is
/// answered only after the commit that holds its ops, with its own outcome, as if it had gone alone.
///
/// The lock that orders appends (SPEC §9) is held through a commit, so a process that committed push by
/// push could do no more pushes a second than the disk does flushes; batching lifts that bound without
/// touching the cursor argument.
actor PushBatcher {
    struct Push: Sendable {
        let ops: [Op]
        let device: String?
        let time: String
        var signed: PushSignature? = nil
    }

    private struct Waiting {
        let push: Push
        let answer: CheckedContinuation<PushOutcome, any Error>
    }

    /// The store is the batcher's owner; the batcher lives no longer than it.
    private unowned let store: PostgresStore
    /// A batch takes waiting pushes until it holds this many ops (a push is never split).
    private let maximumOps: Int
    private var waiting = [Waiting]()
    private var committing = false

    init(store: PostgresStore, maximumOps: Int = 20_000) {
        self.store = store
        self.maximumOps = maximumOps
    }

    func push(_ push: Push) async throws -> PushOutcome {
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
            let outcomes = await store.commit(taken.map(\.push))
            for (waiting, outcome) in zip(taken, outcomes) { waiting.answer.resume(with: outcome) }
        }
        committing = false
    }
}
