import Foundation
import SunsyncModel
import SunsyncStore

/// The embedded default: the server's SQLite file (`SunsyncStore`'s, in WAL mode with a pool of
/// readers beside one writer). One server process per file: `serve` holds a lock on its data dir.
public struct SQLiteServerStore: ServerStore {
    public let store: Store

    public init(_ store: Store) { self.store = store }

    /// Opens the server database at `path`, creating it (and its directory, owner-only) the first time.
    /// `upgrading` is called before migrations this version brings run on an existing file.
    public static func open(path: String, upgrading: () -> Void = {}) throws(StoreError) -> SQLiteServerStore {
        let directory = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch { throw StoreError(.database, "cannot create \(directory): \(error.localizedDescription)") }
            _ = try Store.create(at: path, replica: EditWriter.newReplica(), metadata: ["role": "server"])
            return SQLiteServerStore(try Store.open(at: path, server: true))
        }
        return SQLiteServerStore(try Store.open(at: path, server: true, upgrading: upgrading))
    }

    public var location: String { store.path }

    public func epoch() async throws -> String { try store.serverEpoch() }

    public func push(_ ops: [Op], device: String?, at time: String, signed: PushSignature?) async throws -> PushOutcome {
        let result = try await store.push(ops, device: device, at: time, signed: signed)
        return PushOutcome(new: result.new, reused: result.reused, deviceReplicas: result.deviceReplicas)
    }

    public func bindReplicas(_ replicas: Set<ReplicaID>, to owner: String, at time: String) async throws -> Set<ReplicaID> {
        try await store.bindReplicas(replicas, to: owner, at: time)
    }

    public func registerKey(_ publicKey: [UInt8], owner: String, at time: String) async throws -> String {
        try await store.registerKey(publicKey, owner: owner, at: time)
    }

    public func signingKeys() async throws -> [SigningKey] { try await store.signingKeys() }
    public func ownReplica() async throws -> ReplicaID { store.replica }
    public func signers(of ids: [OpID]) async throws -> [OpID: String] {
        let owners = Dictionary(try await store.signingKeys().map { ($0.id, $0.owner) }, uniquingKeysWith: { a, _ in a })
        return try store.signingKeyIDs(of: ids).compactMapValues { owners[$0] }
    }

    public func verify(progress: @escaping @Sendable (Int, Int) -> Void) async throws -> (ops: Int, batches: Int, failures: [VerifyFailure]) {
        let keys = Dictionary(uniqueKeysWithValues: try await store.signingKeys().map { ($0.id, $0) })
        let owners = try store.replicaOwners()
        let result = try store.verify(keys: keys, owner: { owners[$0] },
                                      unsignedMeans: "held under no signature: added to the database by hand, not pushed", progress: progress)
        return (result.ops, result.batches, result.failures)
    }

    public func pull(after cursor: Int64, orgs: [String]?, limit: Int) async throws -> PullPage {
        let page = try await store.pull(after: cursor, orgs: orgs, limit: limit)
        let store = self.store
        return try await WholeBatches.page(page.ops, end: page.cursor, more: page.more, maxSeq: page.maxSeq, WholeBatches.Reads(
            continuing: { ids, seq in try await store.batchesContinuing(ids, after: seq) },
            earlier: { ids, seq in try await store.batchOps(ids, before: seq) },
            through: { seq in try await store.pull(after: cursor, orgs: orgs, limit: limit, through: seq).ops },
            batches: { ids in try await store.batches(ids) }))
    }

    public func remaining(after cursor: Int64, orgs: [String]?) async throws -> Int64 { try await store.remaining(after: cursor, orgs: orgs) }

    public func lastSeq() async throws -> Int64 { try await store.lastSeq() }

    /// Read on a dispatch thread: a month of a district takes a good part of a second, which a request
    /// thread of the server must not spend.
    public func mergedState(_ collections: [CollectionName]?, days: ClosedRange<CivilDate>?) async throws -> MergedState {
        let store = self.store
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { () throws(StoreError) -> MergedState in
                    if let days { return try store.mergedState(collections, days: days) }
                    return try store.mergedState(collections)
                })
            }
        }
    }

    public func records(_ keys: [RecordKey]) async throws -> [RecordKey: RecordState] {
        var records = [RecordKey: RecordState]()
        for key in Set(keys) { if let record = try store.record(key) { records[key] = record } }
        return records
    }

    public func history(of keys: [RecordKey]) async throws -> [LoggedOp] { try store.history(of: keys) }

    public func changed(after seq: Int64, days: ClosedRange<CivilDate>) async throws -> Bool { try await store.changed(after: seq, days: days) }

    public func changes(after seq: Int64, days: ClosedRange<CivilDate>, limit: Int) async throws -> (seq: Int64, records: [RecordKey: RecordState])? {
        try await store.changes(after: seq, days: days, limit: limit)
    }

    public func daySpan() async throws -> ClosedRange<CivilDate>? { try store.daySpan() }

    public func orgs(inDistrict district: String) async throws -> [String] { try await store.orgs(inDistrict: district) }

    public func edit<T: Sendable>(_ keys: [RecordKey], by writer: EditWriter, now: Date,
                                  _ body: @escaping @Sendable (inout Edit) throws -> T) async throws -> (result: T, ops: [Op]) {
        try store.edit(keys, by: writer, now: now, body)
    }

    public func addDevice(_ device: Device, tokenHash: String) async throws { try store.addDevice(device, tokenHash: tokenHash) }
    public func devices() async throws -> [Device] { try store.devices() }
    public func revokeDevice(_ idOrName: String, at time: String) async throws -> Device? { try store.revokeDevice(idOrName, at: time) }
    public func device(tokenHash: String) async throws -> Device? { try await store.device(tokenHash: tokenHash) }

    public func startReviewSession(idHash: String, device: String, at time: String, expires: Int64, now: Int64) async throws {
        try await store.startReviewSession(idHash: idHash, device: device, at: time, expires: expires, now: now)
    }
    public func reviewSession(idHash: String, now: Int64) async throws -> Device? { try await store.reviewSession(idHash: idHash, now: now) }
    public func endReviewSession(idHash: String) async throws { try await store.endReviewSession(idHash: idHash) }

    public func rules() async throws -> Rules { try store.rules() }
    public func updateRules(_ change: @escaping @Sendable (inout Rules) throws -> Void) async throws -> Rules { try store.updateRules(change) }

    public func databaseBytes() async -> Int64? { store.fileSize() }
}
