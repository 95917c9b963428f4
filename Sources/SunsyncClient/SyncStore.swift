import SunsyncModel
import SunsyncProtocol

/// What a laptop's store does for a sync (the `sunsync` CLI's `Store`; a test's in memory). Every method is
/// one transaction: a sync cut off between two of them resumes from what the store holds.
public protocol SyncStore: Sendable {
    /// What the sync starts from; the store may ready itself for the large writes a sync makes.
    func begin() throws -> SyncLocal
    /// Keeps what the session says for offline use (rules, the org's name, whether this device may reveal,
    /// the secret person keys); returns how many participants' records it moved to the server's person keys.
    func keep(session: SessionInfo) throws -> Int
    func keep(epoch: String) throws
    /// Every change made here goes back in the outbox, the cursor to the start, the epoch (if given) kept;
    /// returns how many changes were queued again.
    func startOver(epoch: String?) throws -> Int
    /// Notes that the key was registered with the server (`mark`: `<epoch>:<key id>`).
    func keyRegistered(_ mark: String) throws
    /// This laptop's changes stamped after `bound` (ms since 1970), and its clock's last reading.
    func stampedAhead(of bound: UInt64) throws -> (ids: [OpID], clock: UInt64)
    /// Moves to a fresh replica, writing `reissuing` again under new ids.
    func moveToFreshReplica(reissuing: [OpID], resettingClock: Bool) throws -> (replica: ReplicaID, reissued: Int)
    /// The outbox, oldest first, at most `limit`.
    func pending(limit: Int) throws -> [Op]
    /// A push of `ops`, signed with this laptop's key.
    func sign(_ ops: [Op]) throws -> PushRequest
    /// The server's answer to `request` (of `ops`): accepted changes leave the outbox, refused ones are kept
    /// and marked, and the batch's signature is kept with the ops it holds.
    func acknowledge(_ request: PushRequest, ops: [Op], accepted: [OpID], rejected: [SyncRejection]) throws
    func keep(directory: DeviceDirectory) throws
    /// A checked page, applied with its cursor.
    func apply(_ page: PullResponse, batches: CheckedBatches) throws -> SyncApplied
    /// The sync ended: when, for `sunsync status`.
    func finish() throws
}

/// A page's signed batches, each with the places of the page's ops it holds.
public typealias CheckedBatches = [(batch: SignedBatch, places: [Int])]

/// What a sync starts from.
public struct SyncLocal: Sendable, Equatable {
    public var replica: ReplicaID
    /// The server database this laptop last synced with (nil: never).
    public var epoch: String?
    /// `<epoch>:<key id>` of the last key registration (nil: none).
    public var registeredKey: String?
    public var keyID: String
    public var publicKey: [UInt8]
    /// The server's cursor after the last page applied.
    public var cursor: Int64

    public init(replica: ReplicaID, epoch: String?, registeredKey: String?, keyID: String, publicKey: [UInt8], cursor: Int64) {
        self.replica = replica
        self.epoch = epoch
        self.registeredKey = registeredKey
        self.keyID = keyID
        self.publicKey = publicKey
        self.cursor = cursor
    }
}

/// A change the server refused, and why.
public struct SyncRejection: Sendable, Equatable {
    public let id: OpID
    public let code: String
    public let reason: String

    public init(id: OpID, code: String, reason: String) {
        self.id = id
        self.code = code
        self.reason = reason
    }
}

/// What applying a page did.
public struct SyncApplied: Sendable, Equatable {
    /// Ops not held before.
    public var new: Int
    /// Of those, changes a newer sunsync wrote (kept, shown once this one is updated).
    public var unrecognized: Int
    /// Received ops whose id this laptop holds with other content: not applied.
    public var clashed: [OpID]

    public init(new: Int, unrecognized: Int, clashed: [OpID]) {
        self.new = new
        self.unrecognized = unrecognized
        self.clashed = clashed
    }
}
