import Foundation
import SunsyncClient
import SunsyncModel
import SunsyncProtocol
import SunsyncStore

/// The laptop's `Store` as a sync's store: each step one transaction. The signing key is read once, not
/// at every push.
struct LaptopSyncStore: SyncStore {
    let store: Store
    let key: (id: String, privateKey: [UInt8], publicKey: [UInt8])

    init(store: Store) throws {
        self.store = store
        key = try store.signingKey()
    }

    func begin() throws -> SyncLocal {
        try store.expectLargeWrites()
        return SyncLocal(replica: store.replica, epoch: try store.meta(SyncEngine.epochKey),
                         registeredKey: try store.meta(SyncEngine.registeredKey), keyID: key.id, publicKey: key.publicKey,
                         cursor: Int64(try store.meta(SyncEngine.cursorKey) ?? "0") ?? 0)
    }

    func keep(session: SessionInfo) throws -> Int { try SyncEngine.keep(session, store)?.people ?? 0 }

    func keep(epoch: String) throws { try store.setMeta(SyncEngine.epochKey, epoch) }

    func startOver(epoch: String?) throws -> Int {
        try store.startOver(epoch: epoch, epochKey: SyncEngine.epochKey, cursorKey: SyncEngine.cursorKey)
    }

    func keyRegistered(_ mark: String) throws { try store.setMeta(SyncEngine.registeredKey, mark) }

    func stampedAhead(of bound: UInt64) throws -> (ids: [OpID], clock: UInt64) {
        (try store.changesStampedAhead(of: bound), try store.clockReading().milliseconds)
    }

    func moveToFreshReplica(reissuing ids: [OpID], resettingClock: Bool) throws -> (replica: ReplicaID, reissued: Int) {
        try store.moveToFreshReplica(reissuing: ids, resettingClock: resettingClock)
    }

    func pending(limit: Int) throws -> [Op] { try store.pending(limit: limit).map(\.op) }

    func sign(_ ops: [Op]) throws -> PushRequest {
        try PushRequest(signing: ops, key: key.id, privateKey: key.privateKey)
    }

    func acknowledge(_ request: PushRequest, ops: [Op], accepted: [OpID], rejected: [SyncRejection]) throws {
        try store.acknowledge(accepted: accepted, rejected: rejected.map { ($0.id, $0.code, $0.reason) }, at: Date().formatted(.iso8601))
        if let batch = request.batch, let signature = Hex.decode(batch.signature) {
            try store.keepPushed(ops, signature: signature, key: batch.key, accepted: Set(accepted))
        }
    }

    func keep(directory: DeviceDirectory) throws { try SyncEngine.keep(directory, store) }

    func apply(_ page: PullResponse, batches: CheckedBatches) throws -> SyncApplied {
        let applied = try store.applyPage(page.ops, batches: batches, cursorKey: SyncEngine.cursorKey, cursor: page.cursor)
        return SyncApplied(new: applied.new, unrecognized: applied.unrecognized, clashed: applied.clashed)
    }

    func finish() throws { try store.setMeta("last_sync", Date().formatted(.iso8601)) }
}
