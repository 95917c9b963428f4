import Foundation
import SunsyncModel

/// Protocol v1: the requests and responses of `protocol/SPEC.md` §9, shared by server and client so
/// the two cannot drift.
public enum Wire {
    public static let version = 2

    /// Whether `host` is this machine (`localhost`, 127.0.0.0/8, `::1`, bracketed or not): the only place a
    /// token and records may travel over plain HTTP without being told twice (SPEC §9).
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }
    /// Sent by the client with every request; the server refuses versions it does not speak.
    public static let versionHeader = "Sunsync-Protocol"
    /// Largest request body the server reads, compressed and inflated.
    public static let maxCompressedBody = 16 << 20
    public static let maxInflatedBody = 64 << 20
    /// Largest push batch and pull page.
    public static let maxBatch = 20_000
    public static let defaultPage = 20_000

    /// JSON as both sides write it. Keys are spelled by each type's CodingKeys (snake_case), not by a
    /// key strategy, which would cost on every key of every op.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }

    public static func decoder() -> JSONDecoder { JSONDecoder() }
}

/// `GET /v1/session`: who a token is.
public struct SessionInfo: Codable, Sendable, Equatable {
    public let deviceId: String
    public let deviceName: String
    public let role: String
    /// The role, where this version knows it.
    public var knownRole: Role? { Role(rawValue: role) }
    public let org: String?
    public let district: String?
    /// The orgs whose records this token may pull.
    public let orgs: [String]?
    /// Server time, milliseconds since 1970.
    public let serverTime: Int64
    public let protocolVersion: Int
    /// Names the server's database as laptops know it: it changes when the database is restored from a
    /// backup (or replaced), and a laptop seeing it change starts over (SPEC §9). Absent from older servers.
    public let epoch: String?
    /// A staff token's organization name, so a laptop made by `login` names it before its first sync.
    public let orgName: String?
    /// The dated rules (weekly limit, retirement ages, the lunch rates of the orgs in scope) the flags
    /// use: the laptop keeps them and flags with them offline (SPEC §5, §9). Absent from older servers.
    public let rules: Rules?
    /// Whether an administrator allowed this device to show full 残疾人证号 (`sunsync-server device edit
    /// NAME --may-reveal`). Absent from older servers: not allowed.
    public let mayReveal: Bool?
    /// The public half of the district's recovery key (X25519, 64 hex digits): the laptop seals its store's
    /// key to it too, so that the district can open a laptop whose passphrase was forgotten. Absent until made.
    public let recoveryKey: String?
    /// The deployment's secret for person keys (64 hex digits, SPEC §1): a laptop makes its participants'
    /// ids with it, and rewrites what it made with another secret once, at the sync that brings it.
    public let personSecret: String?

    enum CodingKeys: String, CodingKey {
        case deviceId = "device_id", deviceName = "device_name", role, org, district, orgs
        case serverTime = "server_time", protocolVersion = "protocol_version", epoch, orgName = "org_name", rules
        case mayReveal = "may_reveal", recoveryKey = "recovery_key", personSecret = "person_secret"
    }

    public init(deviceId: String, deviceName: String, role: String, org: String?, district: String?, orgs: [String]?,
                serverTime: Int64, protocolVersion: Int, epoch: String? = nil, orgName: String? = nil, rules: Rules? = nil,
                mayReveal: Bool? = nil, recoveryKey: String? = nil, personSecret: String? = nil) {
        self.mayReveal = mayReveal
        self.personSecret = personSecret
        self.recoveryKey = recoveryKey
        self.orgName = orgName
        self.rules = rules
        self.deviceId = deviceId
        self.deviceName = deviceName
        self.role = role
        self.org = org
        self.district = district
        self.orgs = orgs
        self.epoch = epoch
        self.serverTime = serverTime
        self.protocolVersion = protocolVersion
    }
}

/// `GET /v1/devices`: the devices whose ops a token can see, with the replicas they push from, so
/// laptops name who wrote what (`laptop-a · MH-SB-001`) instead of showing a replica id.
public struct DeviceDirectory: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        /// 16 hex digits, as in op ids.
        public let replica: String
        public let device: String
        public let role: String
        public let org: String?
        public let district: String?
        /// Whose key signs the ops written under this replica: the device's name, or `server` for the
        /// server's own replica and the review page's (SPEC §9). Absent from older servers.
        public let signer: String?

        public init(replica: String, device: String, role: String, org: String?, district: String?, signer: String? = nil) {
            self.replica = replica
            self.device = device
            self.role = role
            self.org = org
            self.district = district
            self.signer = signer
        }

        /// `laptop-a · MH-SB-001`, `mh-review · 310112`.
        public var label: String { org.map { "\(device) · \($0)" } ?? district.map { "\(device) · \($0)" } ?? device }
    }

    /// A key that signs ops: its id, its 32-byte Ed25519 public key in hex, and whose it is (a device's
    /// name, `server`, or `attested`), as `Entry.signer` names it.
    public struct Key: Codable, Sendable, Equatable {
        public let key: String
        public let publicKey: String
        public let signer: String

        public init(key: String, publicKey: String, signer: String) {
            self.key = key
            self.publicKey = publicKey
            self.signer = signer
        }
    }

    public let devices: [Entry]
    /// Absent from older servers.
    public let keys: [Key]?

    public init(devices: [Entry], keys: [Key]? = nil) {
        self.devices = devices
        self.keys = keys
    }

    /// Each replica's signer (whose key signs its ops), by replica.
    public var signers: [String: String] {
        Dictionary(devices.compactMap { e in e.signer.map { (e.replica, $0) } }, uniquingKeysWith: { a, _ in a })
    }

    /// Why the ops of a pulled batch cannot be believed, or nil: the key must be known, the signature must
    /// verify over the ops (with the batch's holes), and every op must be written under a replica whose
    /// signer is the key's. `ops` are the batch's ops, in order.
    public func refusal(_ batch: SignedBatch, ops: [Op]) -> String? {
        guard let key = keys?.first(where: { $0.key == batch.key }), let publicKey = Hex.decode(key.publicKey) else {
            return "signed by key \(batch.key), which the server's directory does not list"
        }
        guard batch.verifies(ops, publicKey: publicKey) else {
            return "their signature (\(key.signer)'s key \(key.key)) does not match what was received: changed after it was signed"
        }
        let signers = self.signers
        if let op = ops.first(where: { !Signing.maySign(key.signer, for: signers[$0.id.replica.description]) }) {
            return "op \(op.id) is written under replica \(op.id.replica), which \(key.signer) does not sign for"
        }
        return nil
    }

    /// Each replica's label, as histories, conflicts and flags show who wrote what.
    public var labels: [String: String] {
        Dictionary(devices.map { ($0.replica, $0.label) }, uniquingKeysWith: { first, _ in first })
    }
}

/// `POST /v1/push` body. Ops that cannot be read are refused one by one, not the whole batch. `batch`
/// signs every op of `ops`, in order (SPEC §9, signatures); a server refuses a push without it.
public struct PushRequest: Codable, Sendable {
    public let ops: [PushedOp]
    public let batch: BatchSignature?

    public init(ops: [Op], batch: BatchSignature? = nil) {
        self.ops = ops.map { PushedOp(id: $0.id.description, result: .success($0)) }
        self.batch = batch
    }

    /// The ops signed with `privateKey` (whose id is `key`), all of one org.
    public init(signing ops: [Op], key: String, privateKey: [UInt8]) throws(ModelError) {
        let message = Signing.message(keyID: key, digests: ops.map(Signing.digest))
        self.init(ops: ops, batch: BatchSignature(key: key, signature: Hex.encode(try Signing.sign(message, privateKey: privateKey))))
    }
}

/// `POST /v1/keys` body: a device's Ed25519 public key (64 hex digits), registered to the device whose
/// token sends it. The answer is `{"key": "<its id>"}`.
public struct KeyRegistration: Codable, Sendable {
    public let publicKey: String
    public init(publicKey: String) { self.publicKey = publicKey }
}

public struct KeyRegistered: Codable, Sendable {
    public let key: String
    public init(key: String) { self.key = key }
}

/// A push's signature: the key's id (16 hex digits) and the Ed25519 signature (128 hex digits).
public struct BatchSignature: Codable, Sendable, Hashable {
    public let key: String
    public let signature: String

    public init(key: String, signature: String) {
        self.key = key
        self.signature = signature
    }
}

/// A signed batch some ops of a pull page are held under (SPEC §9): the ops at the page places `runs`
/// names (`[start, length]` pairs, in order) fill the batch's places that are not `holes`, in order.
public struct PageBatch: Codable, Sendable, Hashable {
    public struct Hole: Codable, Sendable, Hashable {
        public let place: Int
        /// SHA-256 of the op's encoding, 64 hex digits.
        public let digest: String

        public init(place: Int, digest: String) {
            self.place = place
            self.digest = digest
        }

        public init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            place = try c.decode(Int.self)
            digest = try c.decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.unkeyedContainer()
            try c.encode(place)
            try c.encode(digest)
        }
    }

    public let count: Int
    public let holes: [Hole]
    public let key: String
    public let runs: [[Int]]
    public let signature: String

    public init(count: Int, holes: [Hole], key: String, runs: [[Int]], signature: String) {
        self.count = count
        self.holes = holes
        self.key = key
        self.runs = runs
        self.signature = signature
    }

    public init(_ batch: SignedBatch, runs: [[Int]]) {
        self.init(count: batch.count, holes: batch.holes.keys.sorted().map { Hole(place: $0, digest: Hex.encode(batch.holes[$0] ?? [])) },
                  key: batch.key, runs: runs, signature: Hex.encode(batch.signature))
    }

    /// As the model holds it; nil if a digest or the signature is not hex of the right length.
    public var signed: SignedBatch? {
        guard let signature = Hex.decode(self.signature), signature.count == 64 else { return nil }
        var holes = [Int: [UInt8]]()
        for hole in self.holes {
            guard let digest = Hex.decode(hole.digest), digest.count == 32, (0..<count).contains(hole.place) else { return nil }
            holes[hole.place] = digest
        }
        return SignedBatch(key: key, signature: signature, count: count, holes: holes)
    }

    /// The page places of its ops, in order.
    public var places: [Int] { runs.flatMap { $0.count == 2 && $0[1] >= 0 ? Array($0[0]..<($0[0] + $0[1])) : [] } }

    /// `[start, length]` runs of sorted places.
    public static func runs(_ places: [Int]) -> [[Int]] {
        var runs = [[Int]]()
        for p in places {
            if let last = runs.last, last[0] + last[1] == p { runs[runs.count - 1][1] += 1 } else { runs.append([p, 1]) }
        }
        return runs
    }
}

/// One op of a push as the server read it: the op, or why it could not be read (with the id as sent).
public struct PushedOp: Codable, Sendable {
    public let id: String
    public let result: Result<Op, ModelError>

    init(id: String, result: Result<Op, ModelError>) {
        self.id = id
        self.result = result
    }

    private enum Keys: String, CodingKey { case id }

    public init(from decoder: any Decoder) throws {
        id = (try? decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .id)) ?? ""
        do { result = .success(try Op(from: decoder)) } catch let error as ModelError { result = .failure(error) } catch {
            result = .failure(ModelError(.wrongType, "op \(id) is not an op: \(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if case .success(let op) = result { try op.encode(to: encoder) }
    }
}

/// `POST /v1/push` answer.
public struct PushResponse: Codable, Sendable, Equatable {
    public struct Rejection: Codable, Sendable, Equatable {
        public let id: String
        public let code: String
        public let reason: String

        public init(id: String, code: String, reason: String) {
            self.id = id
            self.code = code
            self.reason = reason
        }
    }

    public let accepted: [String]
    public let rejected: [Rejection]

    public init(accepted: [String], rejected: [Rejection]) {
        self.accepted = accepted
        self.rejected = rejected
    }
}

/// `GET /v1/pull` answer: a page of ops in server order, the cursor after it, and whether more wait.
public struct PullResponse: Codable, Sendable {
    /// The signed batches the page's ops are held under; every op of the page is in one (SPEC §9).
    public let batches: [PageBatch]?
    public let ops: [Op]
    public let cursor: Int64
    public let more: Bool
    /// With `count=1`: how many ops in the token's scope come after `after`, this page's included, so a
    /// client can show how far along it is. Absent otherwise, and from older servers.
    public let remaining: Int64?

    public init(ops: [Op], cursor: Int64, more: Bool, remaining: Int64? = nil, batches: [PageBatch]? = nil) {
        self.batches = batches
        self.ops = ops
        self.cursor = cursor
        self.more = more
        self.remaining = remaining
    }
}

/// RFC 9457 problem details: every error the server answers.
public struct Problem: Codable, Sendable, Error, Equatable {
    public let type: String
    public let title: String
    public let status: Int
    public let detail: String

    public init(type: String, title: String, status: Int, detail: String) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
    }

    /// `https://sunsync.invalid/problems/<code>`: stable, so clients match on it.
    public static func typeURI(_ code: String) -> String { "https://sunsync.invalid/problems/" + code }

    /// The code at the end of `type`.
    public var code: String { type.split(separator: "/").last.map(String.init) ?? type }
}

/// The codes of refused ops that are not the model's validation codes (`ModelError.Code`): what the
/// server's push answer (`PushResponse.Rejection.code`) carries, and what a laptop acts on (SPEC §9).
public struct ProblemCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// Outside the device's scope or role.
    public static let forbidden = ProblemCode(rawValue: "forbidden")
    /// Stamped further ahead of the server's clock than it allows.
    public static let clockAhead = ProblemCode(rawValue: "clock_ahead")
    /// Its id is held already with other content.
    public static let opIDReused = ProblemCode(rawValue: "op_id_reused")
    /// Written under a replica that belongs to another device, or to the server.
    public static let replicaTaken = ProblemCode(rawValue: "replica_taken")
    /// Hours or a lunch of a participant not registered at that org.
    public static let unknownParticipant = ProblemCode(rawValue: "unknown_participant")
    /// A participant that would lack a name, certificate, contract or start; or a day of such a participant.
    public static let incompleteRecord = ProblemCode(rawValue: "incomplete_record")
    /// A participant, hours or a lunch of an org the district retired (`active` false).
    public static let orgInactive = ProblemCode(rawValue: "org_inactive")

    /// The codes after which a laptop moves to a new replica and writes the refused ops again under new
    /// ids: the id, not the change, was at fault.
    public static let idAtFault: Set<ProblemCode> = [.opIDReused, .replicaTaken]
}

/// The protocol's endpoints (SPEC §9), as the server routes them and a client asks for them.
public enum Route {
    public static let session = "/v1/session"
    public static let push = "/v1/push"
    public static let pull = "/v1/pull"
    public static let devices = "/v1/devices"
    public static let keys = "/v1/keys"
    /// Every endpoint of the protocol.
    public static let all = [session, push, pull, devices, keys]
}

/// What a device may do (SPEC §8): a base's laptop records for one org (`staff`); a reviewer's laptop and
/// the review page decide for one district (`reviewer`); `admin` sees every org and writes nothing.
/// The wire carries the raw value (`SessionInfo.role`, `DeviceDirectory.Entry.role`).
public enum Role: String, Sendable, Codable, CaseIterable {
    case staff, reviewer, admin
}
