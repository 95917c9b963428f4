import Foundation
import Logging
import NIOCore
import PostgresNIO
import SunsyncModel
import SunsyncServerStore
import SunsyncStore

// Signed batches (SPEC §9) on PostgreSQL: the server's key, devices' keys, batches kept with their holes,
// what was held before signatures signed as the server's, and `verify`.
extension PostgresStore {
    static let signaturesMigration = """
        ALTER TABLE ops ADD COLUMN batch bigint;
        CREATE INDEX ops_by_batch ON ops (batch) WHERE batch IS NOT NULL;
        CREATE INDEX ops_unsigned ON ops (seq) WHERE batch IS NULL;
        CREATE SEQUENCE batches_seq;
        CREATE TABLE batches (
            id bigint PRIMARY KEY, key_id text NOT NULL, signature bytea NOT NULL UNIQUE, count integer NOT NULL,
            holes bytea NOT NULL, org text NOT NULL
        );
        CREATE TABLE signing_keys (key_id text PRIMARY KEY, owner text NOT NULL, public_key bytea NOT NULL, registered_at text NOT NULL);
        """

    /// The server's key: made once, kept in `meta` (every server process of the database signs with it).
    func serverKey(_ conn: PostgresConnection) async throws -> (id: String, privateKey: [UInt8]) {
        if let cached = serverKeyCache.withLock({ $0 }) { return cached }
        var rng = SystemRandomNumberGenerator()
        let fresh = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
        try await conn.query("INSERT INTO meta(key, value) VALUES ('signing_key', \(fresh)) ON CONFLICT DO NOTHING", logger: logger)
        guard let hex = try await Self.first(conn.query("SELECT value FROM meta WHERE key = 'signing_key'", logger: logger), String.self),
              let key = Hex.decode(hex), key.count == 32 else { throw StoreError(.database, "the server's signing key is missing or damaged") }
        let publicKey = try Signing.publicKey(privateKey: key)
        let id = Signing.keyID(publicKey: publicKey)
        try await conn.query("""
            INSERT INTO signing_keys(key_id, owner, public_key, registered_at) VALUES (\(id), 'server', \(ByteBuffer(bytes: publicKey)), '')
            ON CONFLICT DO NOTHING
            """, logger: logger)
        serverKeyCache.withLock { $0 = (id, key) }
        return (id, key)
    }

    /// Inserts a batch (or finds the one with this signature); returns its id and whether it is new.
    func insertBatch(_ batch: SignedBatch, org: String, _ conn: PostgresConnection) async throws -> (id: Int64, new: Bool) {
        let signature = ByteBuffer(bytes: batch.signature)
        for try await id in try await conn.query("""
            INSERT INTO batches(id, key_id, signature, count, holes, org)
            VALUES (nextval('batches_seq'), \(batch.key), \(signature), \(batch.count), \(ByteBuffer(bytes: batch.holeBytes)), \(org))
            ON CONFLICT (signature) DO NOTHING RETURNING id
            """, logger: logger).decode(Int64.self) {
            return (id, true)
        }
        let id = try await Self.first(conn.query("SELECT id FROM batches WHERE signature = \(signature)", logger: logger), Int64.self) ?? 0
        return (id, false)
    }

    /// Inserts signed batches in one statement; returns for each its id and whether it is new here (a batch
    /// held already, or the same batch earlier in `batches`, is not). The ids of those held before are read
    /// in one more statement, only when there are some.
    func insertBatches(_ batches: [(batch: SignedBatch, org: String)], _ conn: PostgresConnection) async throws -> [(id: Int64, new: Bool)] {
        guard !batches.isEmpty else { return [] }
        let signatures = batches.map { ByteBuffer(bytes: $0.batch.signature) }
        var made = [ByteBuffer: Int64]()
        for try await (id, signature) in try await conn.query("""
            INSERT INTO batches(id, key_id, signature, count, holes, org)
            SELECT nextval('batches_seq'), u.key, u.signature, u.count, u.holes, u.org
            FROM unnest(\(batches.map(\.batch.key))::text[], \(signatures)::bytea[], \(batches.map { Int64($0.batch.count) })::int8[],
                        \(batches.map { ByteBuffer(bytes: $0.batch.holeBytes) })::bytea[], \(batches.map(\.org))::text[])
                 WITH ORDINALITY AS u(key, signature, count, holes, org, n)
            ORDER BY u.n
            ON CONFLICT (signature) DO NOTHING RETURNING id, signature
            """, logger: logger).decode((Int64, ByteBuffer).self) {
            made[signature] = id
        }
        var held = [ByteBuffer: Int64]()
        let missing = Array(Set(signatures).subtracting(made.keys))
        if !missing.isEmpty {
            for try await (id, signature) in try await conn.query("SELECT id, signature FROM batches WHERE signature = ANY(\(missing)::bytea[])",
                                                                   logger: logger).decode((Int64, ByteBuffer).self) {
                held[signature] = id
            }
        }
        var seen = Set<ByteBuffer>()
        return signatures.map { signature in
            defer { seen.insert(signature) }
            if let id = made[signature] { return (id, !seen.contains(signature)) }
            return (held[signature] ?? 0, false)
        }
    }

    /// Signs ops the server writes, per org, inside the caller's transaction: returns each op's batch.
    func signOwn(_ ops: [Op], _ conn: PostgresConnection) async throws -> [Int64] {
        let key = try await serverKey(conn)
        var groups = [String: [Int]]()
        for (i, op) in ops.enumerated() { groups[MergedState.org(of: op.key), default: []].append(i) }
        var batchOf = [Int64](repeating: -1, count: ops.count)
        for (org, places) in groups {
            let message = Signing.message(keyID: key.id, digests: places.map { Signing.digest(ops[$0]) })
            let batch = SignedBatch(key: key.id, signature: try Signing.sign(message, privateKey: key.privateKey), count: places.count, holes: [:])
            let id = try await insertBatch(batch, org: org, conn).id
            for p in places { batchOf[p] = id }
        }
        return batchOf
    }

    /// Signs, as the server, the ops held under no batch (held before signatures began): per org, up to
    /// 1,000 a batch. Run at start, after the migrations; nothing to do once done.
    func signUnsigned() async throws {
        guard try await single("SELECT EXISTS (SELECT 1 FROM ops WHERE batch IS NULL)", as: Bool.self) == true else { return }
        // A key made for this and forgotten after it: what was held before is attested once, never again.
        var rng = SystemRandomNumberGenerator()
        let privateKey = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let publicKey = try Signing.publicKey(privateKey: privateKey)
        let attest = (id: Signing.keyID(publicKey: publicKey), privateKey: privateKey)
        try await query("""
            INSERT INTO signing_keys(key_id, owner, public_key, registered_at) VALUES (\(attest.id), \(Signing.attested), \(ByteBuffer(bytes: publicKey)), \(Date().formatted(.iso8601)))
            ON CONFLICT DO NOTHING
            """)
        while true {
            let done = try await transaction { conn -> Bool in
                let rows = try await Self.loggedOps(conn.query("""
                    SELECT seq, id, collection, record, field, kind, num, txt, pred FROM ops WHERE batch IS NULL ORDER BY seq LIMIT 20000
                    """, logger: self.logger))
                guard !rows.isEmpty else { return true }
                let key = attest
                var byOrg = [String: [LoggedOp]]()
                for op in rows { byOrg[MergedState.org(of: op.op.key), default: []].append(op) }
                for (org, ops) in byOrg {
                    for start in stride(from: 0, to: ops.count, by: 1000) {
                        let chunk = ops[start..<min(start + 1000, ops.count)]
                        let message = Signing.message(keyID: key.id, digests: chunk.map { Signing.digest($0.op) })
                        let batch = SignedBatch(key: key.id, signature: try Signing.sign(message, privateKey: key.privateKey), count: chunk.count, holes: [:])
                        let id = try await self.insertBatch(batch, org: org, conn).id
                        try await conn.query("UPDATE ops SET batch = \(id) WHERE seq = ANY(\(chunk.map(\.seq)))", logger: self.logger)
                    }
                }
                return false
            }
            if done { return }
        }
    }

    public func registerKey(_ publicKey: [UInt8], owner: String, at time: String) async throws -> String {
        let id = Signing.keyID(publicKey: publicKey)
        try await query("""
            INSERT INTO signing_keys(key_id, owner, public_key, registered_at) VALUES (\(id), \(owner), \(ByteBuffer(bytes: publicKey)), \(time))
            ON CONFLICT DO NOTHING
            """)
        guard try await single("SELECT owner FROM signing_keys WHERE key_id = \(id)", as: String.self) == owner else {
            throw StoreError(.invalid, "key \(id) is registered to another device")
        }
        return id
    }

    public func signers(of ids: [OpID]) async throws -> [OpID: String] {
        guard !ids.isEmpty else { return [:] }
        var out = [OpID: String]()
        for try await (id, owner) in try await query("""
            SELECT ops.id, signing_keys.owner FROM ops JOIN batches ON batches.id = ops.batch JOIN signing_keys ON signing_keys.key_id = batches.key_id
            WHERE ops.id = ANY(\(ids.map { ByteBuffer(bytes: $0.bytes) }))
            """).decode((ByteBuffer, String).self) {
            if let opID = OpID(bytes: Array(id.readableBytesView)) { out[opID] = owner }
        }
        return out
    }

    public func ownReplica() async throws -> ReplicaID {
        guard let replica = try await meta("replica").flatMap({ ReplicaID(hex: $0) }) else {
            throw StoreError(.database, "the server's replica id is missing or damaged")
        }
        return replica
    }

    public func signingKeys() async throws -> [SigningKey] {
        var keys = [SigningKey]()
        for try await (id, owner, key) in try await query("SELECT key_id, owner, public_key FROM signing_keys ORDER BY key_id")
            .decode((String, String, ByteBuffer).self) {
            keys.append(SigningKey(id: id, owner: owner, publicKey: Array(key.readableBytesView)))
        }
        return keys
    }

    func batches(_ ids: Set<Int64>) async throws -> [Int64: StoredBatch] {
        guard !ids.isEmpty else { return [:] }
        var out = [Int64: StoredBatch]()
        for try await (id, key, signature, count, holes, org) in try await query("""
            SELECT id, key_id, signature, count, holes, org FROM batches WHERE id = ANY(\(Array(ids)))
            """).decode((Int64, String, ByteBuffer, Int32, ByteBuffer, String).self) {
            out[id] = StoredBatch(id: id, batch: SignedBatch(key: key, signature: Array(signature.readableBytesView), count: Int(count),
                                                             holes: SignedBatch.holes(holes.readableBytesView)), org: org)
        }
        return out
    }

    /// Rows of `seq, id, collection, record, field, kind, num, txt, pred, batch`.
    static func batchedOps(_ rows: PostgresRowSequence) async throws -> [LoggedOp] {
        var ops = [LoggedOp]()
        for try await (seq, id, collection, record, field, kind, num, text, pred, batch)
            in rows.decode((Int64, ByteBuffer, String, String, String, Int16, Int64, String, ByteBuffer, Int64?).self) {
            guard let opID = OpID(bytes: Array(id.readableBytesView)), let c = CollectionName(rawValue: collection) else { continue }
            let predBytes = Array(pred.readableBytesView)
            let preds = stride(from: 0, to: predBytes.count - 15, by: 16).compactMap { OpID(bytes: predBytes[$0..<$0 + 16]) }
            ops.append(LoggedOp(seq: seq, op: Op(id: opID, collection: c, record: record, field: field,
                                                 value: value(kind: kind, num: num, text: text), pred: preds), batch: batch))
        }
        return ops
    }

    func batchedOps(_ sql: PostgresQuery) async throws -> [LoggedOp] {
        try await run { try await Self.batchedOps(self.client.query(sql, logger: self.logger)) }
    }

    public func verify(progress: @escaping @Sendable (Int, Int) -> Void) async throws -> (ops: Int, batches: Int, failures: [VerifyFailure]) {
        let keys = Dictionary(uniqueKeysWithValues: try await signingKeys().map { ($0.id, $0) })
        var owners = [ReplicaID: String]()
        for try await (replica, owner) in try await query("SELECT replica, owner FROM replica_owners").decode((String, String).self) {
            if let r = ReplicaID(hex: replica) { owners[r] = owner }
        }
        let total = Int(try await single("SELECT count(*)::int8 FROM batches", as: Int64.self) ?? 0)
        var failures = [VerifyFailure](), checked = 0, opsChecked = 0
        var after: Int64 = 0
        let columns = "seq, id, collection, record, field, kind, num, txt, pred, batch"
        while true {
            let ids = try await query("SELECT id FROM batches WHERE id > \(after) ORDER BY id LIMIT 500").decode(Int64.self).reduce(into: [Int64]()) { $0.append($1) }
            guard let last = ids.last else { break }
            let stored = try await batches(Set(ids))
            var byBatch = [Int64: [Op]]()
            for op in try await batchedOps("SELECT \(unescaped: columns) FROM ops WHERE batch = ANY(\(ids)) ORDER BY seq") {
                byBatch[op.batch ?? 0, default: []].append(op.op)
            }
            for id in ids {
                guard let b = stored[id] else { continue }
                let ops = byBatch[id] ?? []
                opsChecked += ops.count
                failures += b.failures(ops, keys: keys, owner: { owners[$0] })
            }
            checked += ids.count
            progress(checked, total)
            after = last
        }
        for op in try await batchedOps("SELECT \(unescaped: columns) FROM ops WHERE batch IS NULL ORDER BY seq LIMIT 10001") {
            failures.append(VerifyFailure(op: op.op.id, record: op.op.key.description, reason: "held under no signature: added to the database by hand, not pushed"))
            opsChecked += 1
        }
        return (opsChecked, checked, failures)
    }
}
