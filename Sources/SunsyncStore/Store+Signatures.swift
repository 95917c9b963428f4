import Foundation
import GRDB
import GRDBSQLite
import SunsyncModel

/// A signed batch with its id in this database.
public struct StoredBatch: Hashable, Sendable {
    public let id: Int64
    public let batch: SignedBatch
    public let org: String

    public init(id: Int64, batch: SignedBatch, org: String) {
        self.id = id
        self.batch = batch
        self.org = org
    }
}

extension StoredBatch {
    /// What `verify` says of this batch held with `ops` (in seq order): nothing, or each op with why it fails.
    /// `owner`: whose each replica is (the signer its key must have, `Signing.maySign`).
    public func failures(_ ops: [Op], keys: [String: SigningKey], owner: (ReplicaID) -> String?) -> [VerifyFailure] {
        func all(_ why: String) -> [VerifyFailure] {
            ops.isEmpty ? [VerifyFailure(op: nil, record: org, reason: why)] : ops.map { VerifyFailure(op: $0.id, record: $0.key.description, reason: why) }
        }
        guard let key = keys[batch.key] else { return all("signed by key \(batch.key), which no device holds") }
        guard batch.verifies(ops, publicKey: key.publicKey) else {
            return all("its batch's signature (key \(key.id), \(key.owner)) does not match: changed, added or removed after it was signed")
        }
        return ops.filter { !Signing.maySign(key.owner, for: owner($0.id.replica)) }.map {
            VerifyFailure(op: $0.id, record: $0.key.description,
                          reason: "signed by \(key.owner)'s key, but written under replica \($0.id.replica), which is not \(key.owner)'s")
        }
    }
}

/// A signing key a server knows: whose it is (a device id, or `server`) and its 32-byte public key.
public struct SigningKey: Hashable, Sendable, Codable {
    public let id: String
    public let owner: String
    public let publicKey: [UInt8]

    public init(id: String, owner: String, publicKey: [UInt8]) {
        self.id = id
        self.owner = owner
        self.publicKey = publicKey
    }
}

/// An op that fails verification (`verify`), and why.
public struct VerifyFailure: Hashable, Sendable {
    public let op: OpID?
    public let record: String
    public let reason: String

    public init(op: OpID?, record: String, reason: String) {
        self.op = op
        self.record = record
        self.reason = reason
    }
}

// MARK: Signed batches, on laptops and servers alike

extension Store {
    /// The ops' batch, and the batches: every store keeps the signatures of what it holds (SPEC §9).
    static let batchesSchema = "ALTER TABLE ops ADD COLUMN batch INTEGER;\n" + OpLog.batchesTable

    /// Applies received ops with the batches that sign them, in one transaction, after the caller verified
    /// them: each batch is kept, and the ops it holds are held under it.
    static func applyReceived(_ ops: [Op], batches: [(batch: SignedBatch, places: [Int])], _ db: Database) throws -> Applied {
        guard !batches.isEmpty else { return try applyReceived(ops, db) }
        var batchOf = [Int](repeating: -1, count: ops.count)
        for (n, b) in batches.enumerated() { for p in b.places where p < ops.count { batchOf[p] = n } }
        var ids = [Int64]()
        for b in batches {
            ids.append(try OpLog.insertBatch(b.batch, org: b.places.first.map { MergedState.org(of: ops[$0].key) } ?? "", db))
        }
        let applied = try applyReceived(ops, db, batchOf: { index in batchOf[index] >= 0 ? ids[batchOf[index]] : nil })
        // Which ops of the page this store held already (few: its own, a page applied again), and under which batch.
        var heldUnder = [OpID: Int64?]()
        for chunk in applied.held.map({ ops[$0].id }).chunked(500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            for row in try Row.fetchAll(db, sql: "SELECT id, batch FROM ops WHERE id IN (\(marks))", arguments: StatementArguments(chunk.map { Data($0.bytes) })) {
                if let id = OpID(bytes: [UInt8](row[0] as Data)) { heldUnder[id] = row[1] as Int64? }
            }
        }
        // An op held before (received before signatures, this laptop's own from then, or under another batch)
        // is a hole of this batch as this store keeps it: the ops held under a batch fill its other places in
        // arrival order, which an op that arrived earlier would break. So each batch as kept still verifies
        // on its own (`sunsync verify`).
        for (n, b) in batches.enumerated() {
            let places = (0..<b.batch.count).filter { b.batch.holes[$0] == nil }
            var holes = b.batch.holes
            for (k, p) in b.places.enumerated() where p < ops.count && k < places.count {
                let op = ops[p]
                guard let before = heldUnder[op.id], before != ids[n] else { continue }
                holes[places[k]] = Signing.digest(op)
            }
            if holes.count != b.batch.holes.count {
                let kept = SignedBatch(key: b.batch.key, signature: b.batch.signature, count: b.batch.count, holes: holes)
                try db.execute(sql: "UPDATE batches SET holes = ? WHERE id = ?", arguments: [Data(kept.holeBytes), ids[n]])
            }
        }
        return applied
    }

    /// Checks every batch of the store against the ops held under it, and names each op that fails: its
    /// batch's signature does not verify (an op changed, one added or taken away), its key is not known, the
    /// key is not the writer's, or it is held under no batch. `keys`: what a key may sign for (`owns`).
    /// `unsignedMeans`: what an op held under no batch means (a failure, with this reason), or nil where such
    /// ops are expected (a laptop's, received before signatures began): they are then only counted.
    public func verify(keys: [String: SigningKey], owner: @escaping (ReplicaID) -> String?, unsignedMeans: String?,
                       progress: (Int, Int) -> Void = { _, _ in }) throws(StoreError) -> (ops: Int, batches: Int, failures: [VerifyFailure], unsigned: Int) {
        try Self.run {
            try queue.read { db in
                // A local op not yet pushed (or refused) is signed by nothing yet.
                try OpLog.verify(db, keys: keys, owner: owner, unsigned: "batch IS NULL AND seq NOT IN (SELECT seq FROM outbox) AND seq NOT IN (SELECT seq FROM rejected)",
                                 unsignedMeans: unsignedMeans, progress: progress)
            }
        }
    }
}

// MARK: A laptop's key and its own batches

extension Store {
    /// The id of the key that signed each of these ops (those held under a batch).
    public func signingKeyIDs(of ids: [OpID]) throws(StoreError) -> [OpID: String] {
        try Self.run {
            try queue.read { db in
                var out = [OpID: String]()
                for chunk in ids.chunked(500) {
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    for row in try Row.fetchAll(db, sql: """
                        SELECT ops.id, batches.key_id FROM ops JOIN batches ON batches.id = ops.batch WHERE ops.id IN (\(marks))
                        """, arguments: StatementArguments(chunk.map { Data($0.bytes) })) {
                        if let id = OpID(bytes: [UInt8](row[0] as Data)) { out[id] = row[1] }
                    }
                }
                return out
            }
        }
    }
}

extension Store {
    /// This laptop's Ed25519 key (made on first use): its id and 32-byte private key.
    public func signingKey() throws(StoreError) -> (id: String, privateKey: [UInt8], publicKey: [UInt8]) {
        if let hex = try meta("signing_key"), let privateKey = Hex.decode(hex), privateKey.count == 32 {
            let publicKey = try Self.run { try Signing.publicKey(privateKey: privateKey) }
            return (Signing.keyID(publicKey: publicKey), privateKey, publicKey)
        }
        var rng = SystemRandomNumberGenerator()
        let privateKey = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        try setMeta("signing_key", Hex.encode(privateKey))
        let publicKey = try Self.run { try Signing.publicKey(privateKey: privateKey) }
        return (Signing.keyID(publicKey: publicKey), privateKey, publicKey)
    }

    /// Keeps the batch this laptop signed and pushed, in one transaction with the push's answer: the
    /// accepted ops held under no batch yet are held under it; the others are its holes.
    public func keepPushed(_ ops: [Op], signature: [UInt8], key: String, accepted: Set<OpID>) throws(StoreError) {
        try Self.run {
            try queue.write { db in
                var holes = [Int: [UInt8]]()
                var mine = [OpID]()
                for (place, op) in ops.enumerated() {
                    let unsigned = try Bool.fetchOne(db, sql: "SELECT batch IS NULL FROM ops WHERE id = ?", arguments: [Data(op.id.bytes)]) ?? false
                    if accepted.contains(op.id) && unsigned { mine.append(op.id) } else { holes[place] = Signing.digest(op) }
                }
                let id = try OpLog.insertBatch(SignedBatch(key: key, signature: signature, count: ops.count, holes: holes),
                                              org: ops.first.map { MergedState.org(of: $0.key) } ?? "", db)
                for op in mine { try db.execute(sql: "UPDATE ops SET batch = ? WHERE id = ?", arguments: [id, Data(op.bytes)]) }
            }
        }
    }
}

extension Array {
    /// The array in pieces of at most `size`.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
