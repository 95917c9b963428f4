import Foundation
import SunsyncModel
import SunsyncStore
import SunsyncProtocol

/// What the server keeps, behind one seam: an op log with scopes and a cursor, the devices and their
/// tokens, the review page's sessions, the settings (rules) it distributes, and the database's epoch.
/// Two implementations: `SQLiteServerStore` (the embedded default, one process) and `PostgresStore`
/// (SunsyncPostgres: several server processes on one database).
///
/// The server never merges in its database's dialect. Where it needs merged state (an org's name, a
/// month of a district for the review page, the records a decision touches) the store reads the ops of
/// that range and `SunsyncModel`'s merge makes the state, on both backends. `ServerStoreContractTests`
/// runs the same histories through both implementations.
///
/// Every method throws `StoreError`, with a stable code and a message that says what to do.
public protocol ServerStore: Sendable {
    /// Where the data is, for messages: a file path, or a PostgreSQL URL without its password.
    var location: String { get }

    // MARK: The op log

    /// The database's epoch (SPEC §9): made once, made anew in every restored copy.
    func epoch() async throws -> String
    /// The deployment's secret for person keys (SPEC §1): made once, handed to devices with the session.
    func personKeys() async throws -> PersonKeys
    /// Appends validated ops, idempotently: an op already held with the same content changes nothing;
    /// one held with other content is refused on its own (`reused`). Notes that `device` pushed from the
    /// ops' replicas. Either every new op of the batch is held, or none is.
    /// `signed`: the push's signature as checked (its places name where each of `ops` stood in what the
    /// device signed); the ops are held under it, and the digests of the places they do not fill are kept.
    func push(_ ops: [Op], device: String?, at time: String, signed: PushSignature?) async throws -> PushOutcome
    /// A page of ops after `cursor` in arrival order, limited to `orgs` (nil: every org). The returned
    /// cursor means "every op in scope up to here has been returned", now and forever: no op can later
    /// arrive below it (SPEC §9). It moves past other orgs' ops too.
    func pull(after cursor: Int64, orgs: [String]?, limit: Int) async throws -> PullPage
    /// How many ops in scope arrived after `cursor`: what a sync still has to receive.
    func remaining(after cursor: Int64, orgs: [String]?) async throws -> Int64
    /// The cursor of the last op held (0 for none).
    func lastSeq() async throws -> Int64

    /// Binds each replica that no one holds yet to `owner` (a device id), first come and for good; returns
    /// those among them that another owner holds (the server's own replicas, owner `server`, included). A
    /// device writes only under replicas it holds (SPEC §9, replica binding).
    func bindReplicas(_ replicas: Set<ReplicaID>, to owner: String, at time: String) async throws -> Set<ReplicaID>

    // MARK: Signatures

    /// Registers a device's Ed25519 public key (32 bytes); returns its id. Refuses a key another device holds.
    func registerKey(_ publicKey: [UInt8], owner: String, at time: String) async throws -> String
    /// Every key that signs ops here: devices' and the server's own (owner `server`).
    func signingKeys() async throws -> [SigningKey]
    /// Whose key signed each of these ops (a device id, `server` or `attested`); ops held under no batch are left out.
    func signers(of ids: [OpID]) async throws -> [OpID: String]
    /// The server's own replica (its administrators' writes).
    func ownReplica() async throws -> ReplicaID
    /// Checks every signed batch against the ops held under it (SPEC §9); names each op that fails.
    func verify(progress: @escaping @Sendable (Int, Int) -> Void) async throws -> (ops: Int, batches: Int, failures: [VerifyFailure])

    // MARK: Merged reads

    /// The merged state of some collections (nil: all); with `days`, hours and lunches of those days only.
    func mergedState(_ collections: [CollectionName]?, days: ClosedRange<CivilDate>?) async throws -> MergedState
    /// The same, from the ops of `fields` only: each field merges on its own (a pred names an op of its own
    /// field), so those fields read as in the whole records, and a reading that needs a few fields (the
    /// review page's chart: minutes and deleted) reads and merges a fraction of the ops.
    func mergedState(_ collections: [CollectionName]?, days: ClosedRange<CivilDate>?, fields: [String]) async throws -> MergedState
    /// The merged records among `keys` that exist.
    func records(_ keys: [RecordKey]) async throws -> [RecordKey: RecordState]
    /// Every op that touched the records, oldest first (by id).
    func history(of keys: [RecordKey]) async throws -> [LoggedOp]
    /// Whether an op arrived after `seq` that touches `days` (their hours and lunches, any org or participant).
    func changed(after seq: Int64, days: ClosedRange<CivilDate>) async throws -> Bool
    /// The records such ops touched, merged as they stand now, with the last seq; nil if more than `limit`.
    func changes(after seq: Int64, days: ClosedRange<CivilDate>, limit: Int) async throws -> (seq: Int64, records: [RecordKey: RecordState])?
    /// The days the hours and lunches held span (nil for none).
    func daySpan() async throws -> ClosedRange<CivilDate>?
    /// The codes of the orgs whose `district` shows `district`.
    func orgs(inDistrict district: String) async throws -> [String]

    /// The server's own write, over the merged state of `keys`: `body` writes (or throws to write
    /// nothing), and its ops are appended to the log like pushed ops, in one transaction.
    func edit<T: Sendable>(_ keys: [RecordKey], by writer: EditWriter, now: Date,
                           _ body: @escaping @Sendable (inout Edit) throws -> T) async throws -> (result: T, ops: [Op])

    // MARK: Devices

    func addDevice(_ device: Device, tokenHash: String) async throws
    /// Every device, with the replicas it has pushed from and its web replica.
    func devices() async throws -> [Device]
    /// Revokes by id or name (and ends its review sessions); nil if there is no such device.
    func revokeDevice(_ idOrName: String, at time: String) async throws -> Device?
    /// Allows or stops a device's reveals; nil if there is no such device.
    func setMayReveal(_ idOrName: String, _ allowed: Bool) async throws -> Device?
    func device(tokenHash: String) async throws -> Device?
    /// Changes after every commit that changes a device (its token, revocation, role, reveal right) or an
    /// org's record, by this process or any other; nil while the store cannot tell (nothing may be kept then).
    /// What a server keeps in memory of those (`AccessCache`) is good only while it is unchanged. No query.
    func accessStamp() -> AccessStamp?

    // MARK: Review page sessions (times in milliseconds since 1970)

    func startReviewSession(idHash: String, device: String, at time: String, expires: Int64, now: Int64) async throws
    /// The device of a live session, nil if it has expired, never was, or its device was revoked.
    func reviewSession(idHash: String, now: Int64) async throws -> Device?
    func endReviewSession(idHash: String) async throws

    // MARK: Kept views

    /// A page's read model kept across restarts (the review page's month: JSON of its own), by key; nil if
    /// none. Only a cache: the page checks it against the op log before it shows it.
    func keptView(_ key: String) async throws -> String?
    func keepView(_ key: String, _ body: String) async throws

    // MARK: Settings

    func rules() async throws -> Rules
    /// Changes the rules in one step, with no other change between reading and writing them (two
    /// administrators at once each keep their change); returns the rules saved.
    @discardableResult
    func updateRules(_ change: @escaping @Sendable (inout Rules) throws -> Void) async throws -> Rules

    /// The database's size in bytes, for `/metrics` (nil when it cannot be known cheaply).
    func databaseBytes() async -> Int64?

    /// The public half of the district's recovery key (X25519, hex), which laptops seal their store's key
    /// to (`sunsync-server recovery init`); nil until one is made. The private half is never stored here.
    func recoveryKey() async throws -> String?
    func setRecoveryKey(_ publicKey: String) async throws

    /// Lets go of the database (connections, background work). Nothing may be called after.
    func close() async
}

/// What a push did.
public struct PushOutcome: Hashable, Sendable {
    /// Ops not held before.
    public var new: Int
    /// Ids held before with other content: refused (`op_id_reused`).
    public var reused: [OpID]
    /// How many replicas the pushing device has pushed from in all (more than one: a copied token).
    public var deviceReplicas: Int

    public init(new: Int, reused: [OpID], deviceReplicas: Int) {
        self.new = new
        self.reused = reused
        self.deviceReplicas = deviceReplicas
    }
}

/// A page of a pull.
public struct PullPage: Sendable {
    public var ops: [LoggedOp]
    public var cursor: Int64
    public var more: Bool
    /// The signed batches the ops are held under, each with the places of its ops in `ops` (SPEC §9).
    public var batches: [(batch: StoredBatch, places: [Int])]

    public init(ops: [LoggedOp], cursor: Int64, more: Bool, batches: [(batch: StoredBatch, places: [Int])] = []) {
        self.ops = ops
        self.cursor = cursor
        self.more = more
        self.batches = batches
    }
}

extension ServerStore {
    public func close() async {}

    public func accessStamp() -> AccessStamp? { nil }

    public func record(_ key: RecordKey) async throws -> RecordState? { try await records([key])[key] }

    public func push(_ ops: [Op], device: String?, at time: String) async throws -> PushOutcome {
        try await push(ops, device: device, at: time, signed: nil)
    }

    public func edit<T: Sendable>(_ keys: [RecordKey], by writer: EditWriter,
                                  _ body: @escaping @Sendable (inout Edit) throws -> T) async throws -> (result: T, ops: [Op]) {
        try await edit(keys, by: writer, now: Date(), body)
    }
}

/// A push's signature as the server checked it: the key, the signature, the digest of every op the device
/// signed (by place), and the place of each op the server holds of it (`Store.push`'s ops, in order).
public struct PushSignature: Sendable {
    public let key: String
    public let signature: [UInt8]
    public let digests: [[UInt8]]
    public let places: [Int]

    public init(key: String, signature: [UInt8], digests: [[UInt8]], places: [Int]) {
        self.key = key
        self.signature = signature
        self.digests = digests
        self.places = places
    }

    /// The batch as a store keeps it once the places in `filled` hold an op under it: the digest of every
    /// other place is a hole.
    public func batch(filled: Set<Int> = []) -> SignedBatch {
        SignedBatch(key: key, signature: signature, count: digests.count,
                    holes: Dictionary(uniqueKeysWithValues: digests.indices.filter { !filled.contains($0) }.map { ($0, digests[$0]) }))
    }
}

/// A device that may sync, as the server knows it.
public struct Device: Hashable, Sendable, Codable {
    public typealias Role = SunsyncProtocol.Role

    public let id: String
    public let name: String
    public let role: Role
    public let org: String?
    public let district: String?
    public let createdAt: String
    public let revokedAt: String?
    /// The replicas (16 hex digits) it has pushed from: one, for a laptop used as it should be.
    public var replicas: [String] = []
    /// The replica of its decisions on the review page, once it has made one there (a reviewer's).
    public var webReplica: String?
    /// Whether it may show full 残疾人证号 (`--reveal`): an administrator allows it per device. Every
    /// reveal becomes a `reveals` record all the same.
    public var mayReveal = false

    public init(id: String, name: String, role: Role, org: String?, district: String?, createdAt: String, revokedAt: String?) {
        self.id = id
        self.name = name
        self.role = role
        self.org = org
        self.district = district
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// Who makes a server's own write: the server itself (an administrator's command), or a device (a
/// reviewer on the review page, from the device's web replica).
public enum EditWriter: Hashable, Sendable {
    case server
    case device(String)

    /// A new random replica id (never 0).
    public static func newReplica() -> ReplicaID {
        var rng = SystemRandomNumberGenerator()
        return ReplicaID(rng.next() | 1)
    }
}
