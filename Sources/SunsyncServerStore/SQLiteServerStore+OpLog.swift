import Foundation
import GRDB
import SunsyncModel
import SunsyncStore

// The op log: appends (a push, the server's own writes), the cursor pull, replica binding and signatures.
extension SQLiteServerStore {
    // MARK: Appending

    public func push(_ ops: [Op], device: String?, at time: String, signed: PushSignature?) async throws -> PushOutcome {
        defer { if ops.contains(where: { $0.collection == .orgs }) { access.changed() } }
        return try await batcher.push(GroupCommit.Push(ops: ops, device: device, time: time, signed: signed))
    }

    /// Commits pushes in one transaction (`GroupCommit`: one hop to the writer, one flush), each in a savepoint
    /// of its own: each push's outcome is as if it had gone alone, and a push the database refuses fails
    /// alone. If the transaction itself fails (a full disk at the commit), every push of it fails.
    static func commit(_ pushes: [GroupCommit.Push], _ pool: DatabasePool) async -> [Result<PushOutcome, any Error>] {
        do {
            return try await OpLog.run {
                try await pool.write { db in
                    // A savepoint whose body throws is rolled back, and the error rethrown.
                    pushes.map { push in
                        Result {
                            var outcome = PushOutcome(new: 0, reused: [], deviceReplicas: 0)
                            try db.inSavepoint {
                                outcome = try append(push, db)
                                return .commit
                            }
                            return outcome
                        }.mapError { OpLog.storeError($0) as any Error }
                    }
                }
            }
        } catch {
            return pushes.map { _ in .failure(error) }
        }
    }

    /// One push's ops appended in `db`, under its signed batch; the device's replicas noted.
    static func append(_ push: GroupCommit.Push, _ db: Database) throws -> PushOutcome {
        let (ops, device, time, signed) = (push.ops, push.device, push.time, push.signed)
        let inserter = try OpLog.Inserter(db)
        if let signed, try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM batches WHERE signature = ?"), arguments: [Data(signed.signature)]) == nil {
            inserter.batch = try OpLog.insertBatch(signed.batch(filled: Set(signed.digests.indices)),
                                                   org: ops.first.map { MergedState.org(of: $0.key) } ?? "", db)
        }
        var new = 0
        var reused = [OpID]()
        var filled = Set<Int>()
        for (i, op) in ops.enumerated() {
            do {
                if try inserter.insert(op) {
                    new += 1
                    if let signed { filled.insert(signed.places[i]) }
                }
            } catch let error as StoreError where error.code == .opIDReused {
                reused.append(op.id)
            }
        }
        if let batch = inserter.batch, let signed, filled.count < signed.digests.count {
            // Every place no op of this push is now held under: its digest, so the signature still verifies
            // (the batch went in with none: when every op of the push is new here, as nearly always, it stays so).
            try db.cachedStatement(sql: "UPDATE batches SET holes = ? WHERE id = ?").execute(arguments: [Data(signed.batch(filled: filled).holeBytes), batch])
        }
        guard let device else { return PushOutcome(new: new, reused: reused, deviceReplicas: 0) }
        let note = try db.cachedStatement(sql: """
            INSERT INTO device_replicas(device_id, replica, first_seen, last_seen) VALUES (?, ?, ?, ?)
            ON CONFLICT(device_id, replica) DO UPDATE SET last_seen = excluded.last_seen
            """)
        for replica in Set(ops.map(\.id.replica)) { try note.execute(arguments: [device, replica.description, time, time]) }
        let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM device_replicas WHERE device_id = ?"), arguments: [device]) ?? 0
        return PushOutcome(new: new, reused: reused, deviceReplicas: count)
    }

    public func bindReplicas(_ replicas: Set<ReplicaID>, to owner: String, at time: String) async throws -> Set<ReplicaID> {
        guard !replicas.isEmpty else { return [] }
        return try await OpLog.run {
            try await pool.write { db in
                var taken = Set<ReplicaID>()
                for replica in replicas {
                    switch try String.fetchOne(db, sql: "SELECT owner FROM replica_owners WHERE replica = ?", arguments: [replica.description]) {
                    case owner?: continue
                    case _?: taken.insert(replica)
                    case nil:
                        try db.execute(sql: "INSERT INTO replica_owners(replica, owner, bound_at) VALUES (?, ?, ?)",
                                       arguments: [replica.description, owner, time])
                    }
                }
                return taken
            }
        }
    }

    // MARK: Pulling

    static let columns = "SELECT seq, id, collection, record, field, kind, value, pred, batch FROM ops"

    public func pull(after cursor: Int64, orgs: [String]?, limit: Int) async throws -> PullPage {
        let page = try await read(after: cursor, orgs: orgs, limit: limit)
        return try await WholeBatches.page(page.ops, end: page.cursor, more: page.more, maxSeq: page.maxSeq, WholeBatches.Reads(
            continuing: { ids, seq in try await self.batchesContinuing(ids, after: seq) },
            earlier: { ids, seq in try await self.batchOps(ids, before: seq) },
            through: { seq in try await self.read(after: cursor, orgs: orgs, limit: limit, through: seq).ops },
            batches: { ids in try await self.batches(ids) }))
    }

    /// A page of ops after `cursor` in arrival order, limited to `orgs` (nil: every org), at most `limit`.
    /// The returned cursor means "every op in scope up to here has been returned": it moves past other
    /// orgs' ops too, so a sync with nothing new costs nothing however large the database. With `through`,
    /// every op in scope up to that seq, however many (a page made whole in its batches).
    func read(after cursor: Int64, orgs: [String]?, limit: Int, through: Int64? = nil) async throws(StoreError)
        -> (ops: [LoggedOp], cursor: Int64, more: Bool, maxSeq: Int64) {
        try await OpLog.run {
            try await pool.read { db in
                var maxSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ops") ?? 0
                // Ops are never deleted, so every cursor handed out stays ≤ the last seq; one beyond it was
                // handed out by another database (this one restored from an older copy, or replaced).
                guard cursor <= maxSeq else {
                    throw StoreError(.cursorAhead, "cursor \(cursor) is beyond the \(maxSeq) changes this server holds")
                }
                guard cursor < maxSeq else { return ([], max(cursor, 0), false, maxSeq) }
                let columns = Self.columns
                let ops: [LoggedOp]
                let all = maxSeq
                if let through { maxSeq = min(maxSeq, through) }
                let limit = through == nil ? limit : Int(Int32.max)
                var end = maxSeq
                if let orgs, orgs.count == 1 {
                    // One org: its own index, in order.
                    ops = try OpLog.read(db, sql: "\(columns) INDEXED BY ops_by_org WHERE org = ? AND seq > ? AND seq <= ? ORDER BY org, seq LIMIT ?",
                                         arguments: [orgs[0], cursor, maxSeq, limit])
                } else if let orgs {
                    guard !orgs.isEmpty else { return ([], all, false, all) }
                    // Several orgs: walk a bounded window of arrival order, keeping the district's ops.
                    end = through == nil ? min(maxSeq, cursor + Int64(limit) * 20) : maxSeq
                    let marks = Array(repeating: "?", count: orgs.count).joined(separator: ",")
                    ops = try OpLog.read(db, sql: "\(columns) NOT INDEXED WHERE seq > ? AND seq <= ? AND org IN (\(marks)) ORDER BY seq LIMIT ?",
                                         arguments: StatementArguments([cursor, end] + orgs + [limit] as [any DatabaseValueConvertible]))
                } else {
                    ops = try OpLog.read(db, sql: "\(columns) WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?", arguments: [cursor, maxSeq, limit])
                }
                if ops.count == limit, let last = ops.last?.seq { return (ops, last, last < all, all) }
                return (ops, end, end < all, all)
            }
        }
    }

    /// For the batches among `ids` with an op after `seq`: each one's last seq.
    func batchesContinuing(_ ids: Set<Int64>, after seq: Int64) async throws(StoreError) -> [Int64: Int64] {
        guard !ids.isEmpty else { return [:] }
        return try await OpLog.run {
            try await pool.read { db in
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                var out = [Int64: Int64]()
                for row in try Row.fetchAll(db, sql: "SELECT batch, max(seq) FROM ops WHERE batch IN (\(marks)) GROUP BY batch HAVING max(seq) > ?",
                                            arguments: StatementArguments(Array(ids) + [seq])) {
                    out[row[0]] = row[1]
                }
                return out
            }
        }
    }

    /// The ops of the batches `ids` before `seq`, in seq order.
    func batchOps(_ ids: Set<Int64>, before seq: Int64) async throws(StoreError) -> [LoggedOp] {
        guard !ids.isEmpty else { return [] }
        return try await OpLog.run {
            try await pool.read { db in
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                return try OpLog.read(db, sql: "\(Self.columns) WHERE batch IN (\(marks)) AND seq < ? ORDER BY seq",
                                      arguments: StatementArguments(Array(ids) + [seq]))
            }
        }
    }

    func batches(_ ids: Set<Int64>) async throws(StoreError) -> [Int64: StoredBatch] {
        guard !ids.isEmpty else { return [:] }
        return try await OpLog.run { try await pool.read { db in try OpLog.batches(ids, db) } }
    }

    public func remaining(after cursor: Int64, orgs: [String]?) async throws -> Int64 {
        try await OpLog.run {
            try await pool.read { db in
                guard let orgs else { return try Int64.fetchOne(db, sql: "SELECT count(*) FROM ops WHERE seq > ?", arguments: [cursor]) ?? 0 }
                var total: Int64 = 0
                for org in orgs {   // one range of the org index each
                    total += try Int64.fetchOne(db, sql: "SELECT count(*) FROM ops INDEXED BY ops_by_org WHERE org = ? AND seq > ?",
                                                arguments: [org, cursor]) ?? 0
                }
                return total
            }
        }
    }

    public func lastSeq() async throws -> Int64 {
        try await OpLog.run { try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ops") ?? 0 } }
    }

    // MARK: Signatures

    public func ownReplica() async throws -> ReplicaID { replica }

    public func registerKey(_ publicKey: [UInt8], owner: String, at time: String) async throws -> String {
        let id = Signing.keyID(publicKey: publicKey)
        return try await OpLog.run {
            try await pool.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO signing_keys(key_id, owner, public_key, registered_at) VALUES (?, ?, ?, ?)",
                               arguments: [id, owner, Data(publicKey), time])
                let holder = try String.fetchOne(db, sql: "SELECT owner FROM signing_keys WHERE key_id = ?", arguments: [id])
                guard holder == owner else { throw StoreError(.invalid, "key \(id) is registered to another device") }
                return id
            }
        }
    }

    public func signingKeys() async throws -> [SigningKey] {
        try await OpLog.run {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT key_id, owner, public_key FROM signing_keys ORDER BY key_id").map {
                    SigningKey(id: $0[0], owner: $0[1], publicKey: [UInt8]($0[2] as Data))
                }
            }
        }
    }

    public func signers(of ids: [OpID]) async throws -> [OpID: String] {
        try await OpLog.run {
            try await pool.read { db in
                var out = [OpID: String]()
                for start in stride(from: 0, to: ids.count, by: 500) {
                    let chunk = ids[start..<min(start + 500, ids.count)]
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    for row in try Row.fetchAll(db, sql: """
                        SELECT ops.id, signing_keys.owner FROM ops JOIN batches ON batches.id = ops.batch
                        JOIN signing_keys ON signing_keys.key_id = batches.key_id WHERE ops.id IN (\(marks))
                        """, arguments: StatementArguments(chunk.map { Data($0.bytes) })) {
                        if let id = OpID(bytes: [UInt8](row[0] as Data)) { out[id] = row[1] }
                    }
                }
                return out
            }
        }
    }

    public func verify(progress: @escaping @Sendable (Int, Int) -> Void) async throws -> (ops: Int, batches: Int, failures: [VerifyFailure]) {
        let keys = Dictionary(uniqueKeysWithValues: try await signingKeys().map { ($0.id, $0) })
        return try await OpLog.run {
            try await pool.read { db in
                var owners = [ReplicaID: String]()
                for row in try Row.fetchAll(db, sql: "SELECT replica, owner FROM replica_owners") {
                    if let r = ReplicaID(hex: row[0] as String) { owners[r] = row[1] }
                }
                let result = try OpLog.verify(db, keys: keys, owner: { owners[$0] }, unsigned: "batch IS NULL",
                                              unsignedMeans: "held under no signature: added to the database by hand, not pushed", progress: progress)
                return (result.ops, result.batches, result.failures)
            }
        }
    }

    /// The server's signing key, made once (in its database: a copy of the database signs as the server).
    static func serverKey(_ db: Database) throws -> (id: String, privateKey: [UInt8]) {
        if let hex = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'signing_key'"), let key = Hex.decode(hex), key.count == 32 {
            return (Signing.keyID(publicKey: try Signing.publicKey(privateKey: key)), key)
        }
        let key = randomKey()
        let publicKey = try Signing.publicKey(privateKey: key)
        try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('signing_key', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [Hex.encode(key)])
        let id = Signing.keyID(publicKey: publicKey)
        try db.execute(sql: "INSERT OR IGNORE INTO signing_keys(key_id, owner, public_key, registered_at) VALUES (?, 'server', ?, '')",
                       arguments: [id, Data(publicKey)])
        return (id, key)
    }

    static func randomKey() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    /// Signs ops the server holds under no batch with `key`, per org in arrival order, up to 1,000 a batch,
    /// and holds them under those batches. Returns how many it signed.
    static func sign(_ ops: [LoggedOp], key: (id: String, privateKey: [UInt8]), _ db: Database) throws -> Int {
        var byOrg = [String: [LoggedOp]]()
        var orgs = [String]()
        for op in ops {
            let org = MergedState.org(of: op.op.key)
            if byOrg[org] == nil { orgs.append(org) }
            byOrg[org, default: []].append(op)
        }
        let update = try db.cachedStatement(sql: "UPDATE ops SET batch = ? WHERE seq = ?")
        for org in orgs {
            let all = byOrg[org] ?? []
            for start in stride(from: 0, to: all.count, by: 1000) {
                let chunk = all[start..<min(start + 1000, all.count)]
                let message = Signing.message(keyID: key.id, digests: chunk.map { Signing.digest($0.op) })
                let id = try OpLog.insertBatch(SignedBatch(key: key.id, signature: try Signing.sign(message, privateKey: key.privateKey),
                                                           count: chunk.count, holes: [:]), org: org, db)
                for op in chunk { try update.execute(arguments: [id, op.seq]) }
            }
        }
        return ops.count
    }

    /// Attests every op held under no batch (a database written directly, as the bench does, or a test playing
    /// a newer server; the upgrade to signatures did the same once for what was held before): per org, in
    /// arrival order, up to 1,000 a batch, with a key made for this and forgotten after it (owner `attested`),
    /// so nothing can be attested later, not even by someone holding the database. Returns how many.
    @discardableResult
    public func attestUnsigned() throws(StoreError) -> Int {
        try OpLog.run { try pool.write { db in try Self.attestUnsigned(db) } }
    }

    static func attestUnsigned(_ db: Database) throws -> Int {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM ops WHERE batch IS NULL)") == true else { return 0 }
        let privateKey = Self.randomKey()
        let publicKey = try Signing.publicKey(privateKey: privateKey)
        let key = (id: Signing.keyID(publicKey: publicKey), privateKey: privateKey)
        try db.execute(sql: "INSERT OR IGNORE INTO signing_keys(key_id, owner, public_key, registered_at) VALUES (?, ?, ?, ?)",
                       arguments: [key.id, Signing.attested, Data(publicKey), Date().formatted(.iso8601)])
        var signed = 0, after: Int64 = 0
        while true {
            let rows = try OpLog.read(db, sql: "\(Self.columns) WHERE batch IS NULL AND seq > ? ORDER BY seq LIMIT 20000", arguments: [after])
            guard let last = rows.last else { break }
            signed += try Self.sign(rows, key: key, db)
            after = last.seq
        }
        return signed
    }
}
