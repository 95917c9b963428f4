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
    static let batchesSchema = """
        ALTER TABLE ops ADD COLUMN batch INTEGER;
        -- A signed batch: the key, the signature, how many ops it signed, and (place u32, digest 32 bytes)
        -- for each place no op held under it fills. The ops whose batch is its id fill the rest, in seq order.
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY,
            key_id TEXT NOT NULL,
            signature BLOB NOT NULL UNIQUE,
            count INTEGER NOT NULL,
            holes BLOB NOT NULL,
            org TEXT NOT NULL
        );
        """

    /// Keeps a batch (once: a signature already held returns the batch it is), returning its id.
    static func insertBatch(_ batch: SignedBatch, org: String, _ db: Database) throws -> Int64 {
        try db.execute(sql: "INSERT OR IGNORE INTO batches(key_id, signature, count, holes, org) VALUES (?, ?, ?, ?, ?)",
                       arguments: [batch.key, Data(batch.signature), batch.count, Data(batch.holeBytes), org])
        return try Int64.fetchOne(db, sql: "SELECT id FROM batches WHERE signature = ?", arguments: [Data(batch.signature)]) ?? 0
    }

    static func batch(_ row: Row) -> StoredBatch {
        StoredBatch(id: row["id"], batch: SignedBatch(key: row["key_id"], signature: [UInt8](row["signature"] as Data), count: row["count"],
                                                      holes: SignedBatch.holes([UInt8](row["holes"] as Data))), org: row["org"])
    }

    /// The batches of these ids.
    static func batches(_ ids: Set<Int64>, _ db: Database) throws -> [Int64: StoredBatch] {
        var out = [Int64: StoredBatch]()
        for chunk in Array(ids).chunked(500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            for row in try Row.fetchAll(db, sql: "SELECT * FROM batches WHERE id IN (\(marks))", arguments: StatementArguments(chunk)) {
                let b = batch(row)
                out[b.id] = b
            }
        }
        return out
    }

    /// Applies received ops with the batches that sign them, in one transaction, after the caller verified
    /// them: each batch is kept, and the ops it holds are held under it.
    static func applyReceived(_ ops: [Op], batches: [(batch: SignedBatch, places: [Int])], _ db: Database) throws -> Applied {
        guard !batches.isEmpty else { return try applyReceived(ops, db) }
        var batchOf = [Int](repeating: -1, count: ops.count)
        for (n, b) in batches.enumerated() { for p in b.places where p < ops.count { batchOf[p] = n } }
        var ids = [Int64]()
        for b in batches {
            ids.append(try insertBatch(b.batch, org: b.places.first.map { MergedState.org(of: ops[$0].key) } ?? "", db))
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
                var failures = [VerifyFailure]()
                let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM batches") ?? 0
                var checked = 0, opsChecked = 0
                var after: Int64 = 0
                let columns = "SELECT seq, id, collection, record, field, kind, value, pred, batch FROM ops"
                while true {
                    let rows = try Row.fetchAll(db, sql: "SELECT * FROM batches WHERE id > ? ORDER BY id LIMIT 500", arguments: [after])
                    guard let last = rows.last else { break }
                    for row in rows {
                        let stored = Self.batch(row)
                        let ops = try Self.loggedOps(db, sql: "\(columns) WHERE batch = ? ORDER BY seq", arguments: [stored.id]).map(\.op)
                        opsChecked += ops.count
                        failures += stored.failures(ops, keys: keys, owner: owner)
                    }
                    checked += rows.count
                    progress(checked, total)
                    after = last["id"]
                }
                let unsigned = try Self.loggedOps(db, sql: "\(columns) WHERE batch IS NULL AND seq NOT IN (SELECT seq FROM outbox) AND seq NOT IN (SELECT seq FROM rejected) LIMIT 10001",
                                                  arguments: [])
                let reason = unsignedMeans
                for op in unsigned where reason != nil {
                    failures.append(VerifyFailure(op: op.op.id, record: op.op.key.description, reason: reason ?? ""))
                }
                return (opsChecked + unsigned.count, checked, failures, unsigned.count)
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
                let id = try Self.insertBatch(SignedBatch(key: key, signature: signature, count: ops.count, holes: holes),
                                              org: ops.first.map { MergedState.org(of: $0.key) } ?? "", db)
                for op in mine { try db.execute(sql: "UPDATE ops SET batch = ? WHERE id = ?", arguments: [id, Data(op.bytes)]) }
            }
        }
    }
}

// MARK: The server's key, devices' keys, and signing what was held before signatures

extension Store {
    static let serverKeysSchema = """
        CREATE INDEX ops_by_batch ON ops(batch) WHERE batch IS NOT NULL;
        -- The keys that sign ops: each device's (registered at login), and the server's own (owner 'server').
        CREATE TABLE signing_keys (
            key_id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            public_key BLOB NOT NULL,
            registered_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """

    /// The server's signing key, made once (in its database: a copy of the database signs as the server).
    static func serverKey(_ db: Database) throws -> (id: String, privateKey: [UInt8]) {
        if let hex = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'signing_key'"), let key = Hex.decode(hex), key.count == 32 {
            return (Signing.keyID(publicKey: try Signing.publicKey(privateKey: key)), key)
        }
        var rng = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let publicKey = try Signing.publicKey(privateKey: key)
        try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('signing_key', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [Hex.encode(key)])
        let id = Signing.keyID(publicKey: publicKey)
        try db.execute(sql: "INSERT OR IGNORE INTO signing_keys(key_id, owner, public_key, registered_at) VALUES (?, 'server', ?, '')",
                       arguments: [id, Data(publicKey)])
        return (id, key)
    }

    /// Attests the ops held under no batch (those held before signatures began, whoever wrote them): per org,
    /// in arrival order, up to 1,000 a batch, with a key made for this and forgotten after it (so nothing can
    /// be attested later, not even by someone holding the database). Returns how many it signed.
    @discardableResult
    static func signUnsigned(_ db: Database) throws -> Int {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM ops WHERE batch IS NULL)") == true else { return 0 }
        var rng = SystemRandomNumberGenerator()
        let privateKey = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let publicKey = try Signing.publicKey(privateKey: privateKey)
        let key = (id: Signing.keyID(publicKey: publicKey), privateKey: privateKey)
        try db.execute(sql: "INSERT OR IGNORE INTO signing_keys(key_id, owner, public_key, registered_at) VALUES (?, ?, ?, ?)",
                       arguments: [key.id, Signing.attested, Data(publicKey), Date().formatted(.iso8601)])
        var signed = 0
        var after: Int64 = 0
        while true {
            let rows = try loggedOps(db, sql: """
                SELECT seq, id, collection, record, field, kind, value, pred FROM ops WHERE batch IS NULL AND seq > ? ORDER BY seq LIMIT 20000
                """, arguments: [after])
            guard let last = rows.last else { break }
            var byOrg = [String: [LoggedOp]]()
            var orgs = [String]()
            for op in rows {
                let org = MergedState.org(of: op.op.key)
                if byOrg[org] == nil { orgs.append(org) }
                byOrg[org, default: []].append(op)
            }
            let update = try db.cachedStatement(sql: "UPDATE ops SET batch = ? WHERE seq = ?")
            for org in orgs {
                for chunk in (byOrg[org] ?? []).chunked(1000) {
                    let message = Signing.message(keyID: key.id, digests: chunk.map { Signing.digest($0.op) })
                    let id = try insertBatch(SignedBatch(key: key.id, signature: try Signing.sign(message, privateKey: key.privateKey),
                                                         count: chunk.count, holes: [:]), org: org, db)
                    for op in chunk { try update.execute(arguments: [id, op.seq]) }
                    signed += chunk.count
                }
            }
            after = last.seq
        }
        return signed
    }

    /// Signs the ops the server just wrote (an edit), per org, and holds them under those batches.
    static func signOwn(_ ops: [Op], _ db: Database) throws {
        guard !ops.isEmpty else { return }
        let key = try serverKey(db)
        var byOrg = [String: [Op]]()
        for op in ops { byOrg[MergedState.org(of: op.key), default: []].append(op) }
        for (org, group) in byOrg {
            let message = Signing.message(keyID: key.id, digests: group.map(Signing.digest))
            let id = try insertBatch(SignedBatch(key: key.id, signature: try Signing.sign(message, privateKey: key.privateKey),
                                                 count: group.count, holes: [:]), org: org, db)
            for op in group { try db.execute(sql: "UPDATE ops SET batch = ? WHERE id = ?", arguments: [id, Data(op.id.bytes)]) }
        }
    }

    /// Signs, as the server, every op held under no batch (a database written directly, as the bench does;
    /// the migration does the same once for what was held before signatures). Returns how many.
    @discardableResult
    public func signUnsignedAsServer() throws(StoreError) -> Int {
        try Self.run { try queue.write { db in try Self.signUnsigned(db) } }
    }

    /// Registers a device's public key; refuses one registered to another owner.
    public func registerKey(_ publicKey: [UInt8], owner: String, at time: String) async throws(StoreError) -> String {
        let id = Signing.keyID(publicKey: publicKey)
        return try await Self.run {
            try await queue.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO signing_keys(key_id, owner, public_key, registered_at) VALUES (?, ?, ?, ?)",
                               arguments: [id, owner, Data(publicKey), time])
                let holder = try String.fetchOne(db, sql: "SELECT owner FROM signing_keys WHERE key_id = ?", arguments: [id])
                guard holder == owner else { throw StoreError(.invalid, "key \(id) is registered to another device") }
                return id
            }
        }
    }

    /// Every signing key the server knows.
    public func signingKeys() async throws(StoreError) -> [SigningKey] {
        try await Self.run {
            try await queue.read { db in
                try Row.fetchAll(db, sql: "SELECT key_id, owner, public_key FROM signing_keys ORDER BY key_id").map {
                    SigningKey(id: $0[0], owner: $0[1], publicKey: [UInt8]($0[2] as Data))
                }
            }
        }
    }

    /// The batches of these ids, for a pull page.
    public func batches(_ ids: Set<Int64>) async throws(StoreError) -> [Int64: StoredBatch] {
        guard !ids.isEmpty else { return [:] }
        return try await Self.run { try await queue.read { db in try Self.batches(ids, db) } }
    }

    /// Replica owners, for `verify`: replica → device id, or `server`.
    public func replicaOwners() throws(StoreError) -> [ReplicaID: String] {
        try Self.run {
            try queue.read { db in
                var out = [ReplicaID: String]()
                for row in try Row.fetchAll(db, sql: "SELECT replica, owner FROM replica_owners") {
                    if let r = ReplicaID(hex: row[0] as String) { out[r] = row[1] }
                }
                return out
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
