import Foundation
import Logging
import NIOCore
import PostgresNIO
import SunsyncModel
import SunsyncServerStore
import SunsyncStore

// The op log (appends under the lock, the cursor pull) and the merged reads made from it.
extension PostgresStore {
    // MARK: The op log

    public func recoveryKey() async throws -> String? {
        try await meta("recovery_key")
    }

    public func setRecoveryKey(_ publicKey: String) async throws {
        try await run {
            try await client.query("INSERT INTO meta(key, value) VALUES ('recovery_key', \(publicKey)) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                   logger: logger)
        }
    }

    public func epoch() async throws -> String {
        try await meta("epoch") ?? ""
    }

    public func push(_ ops: [Op], device: String?, at time: String, signed: PushSignature?) async throws -> PushOutcome {
        defer { if ops.contains(where: { $0.collection == .orgs }) { access.changed() } }
        return try await batcher.push(GroupCommit.Push(ops: ops, device: device, time: time, signed: signed))
    }

    /// Commits pushes in one transaction (`GroupCommit`): the devices' replicas noted, then every op
    /// appended in one statement under the append lock. Returns each push's outcome, as if it had gone
    /// alone. If the batch fails, each push is tried on its own, so that one push's failure is only its own.
    func commit(_ pushes: [GroupCommit.Push]) async -> [Result<PushOutcome, any Error>] {
        // Each id once, at its first place in the batch (a later one is the same op again, or a reused id).
        var first = [OpID: (push: Int, index: Int)]()
        var unique = [Op]()
        for (p, push) in pushes.enumerated() {
            for (i, op) in push.ops.enumerated() where first[op.id] == nil {
                first[op.id] = (p, i)
                unique.append(op)
            }
        }
        // The device replicas to note: those this process has not noted within the minute.
        let now = ContinuousClock.now
        var pairs = [String: (device: String, replica: String, time: String)]()
        for push in pushes {
            guard let device = push.device else { continue }
            for replica in Set(push.ops.map(\.id.replica.description)) {
                let key = device + "/" + replica
                if pairs[key].map({ $0.time < push.time }) ?? true { pairs[key] = (device, replica, push.time) }
            }
        }
        let (stale, counted) = noted.withLock { noted in
            (pairs.filter { key, _ in noted.seen[key].map { now - $0 > .seconds(60) } ?? true }, noted.counts)
        }
        let toNote = stale.values.sorted { ($0.device, $0.replica) < ($1.device, $1.replica) }
        let noting = Set(toNote.map(\.device))
        let toCount = Set(pushes.compactMap(\.device)).filter { counted[$0] == nil || noting.contains($0) }
        let inserted: Set<OpID>, replicas: [String: Int]
        // The usual batch: nothing to note or count, no org changed, no op twice, each push's batch its own and
        // filled by its ops (none of them refused). Then one statement is the whole commit, if every batch and
        // op is new (else it fails, writing nothing, and the transaction below does it, with the holes).
        let signatures = pushes.map { $0.signed.map { ByteBuffer(bytes: $0.signature) } }
        if toNote.isEmpty, toCount.isEmpty, unique.count == pushes.reduce(0, { $0 + $1.ops.count }),
           !unique.contains(where: { $0.collection == .orgs }),
           pushes.allSatisfy({ push in push.signed.map { Set($0.places).count == $0.digests.count } ?? true }),
           Set(signatures.compactMap { $0 }).count == signatures.compactMap({ $0 }).count,
           await commitAtOnce(pushes, signatures: signatures) {
            return pushes.map { .success(PushOutcome(new: $0.ops.count, reused: [], deviceReplicas: $0.device.flatMap { counted[$0] } ?? 0)) }
        }
        do {
            (inserted, replicas) = try await transaction { conn -> (Set<OpID>, [String: Int]) in
                var replicas = counted
                if !toNote.isEmpty {
                    try await conn.query("""
                        INSERT INTO device_replicas(device_id, replica, first_seen, last_seen)
                        SELECT d, r, t, t FROM unnest(\(toNote.map(\.device))::text[], \(toNote.map(\.replica))::text[], \(toNote.map(\.time))::text[]) AS u(d, r, t)
                        ON CONFLICT (device_id, replica) DO UPDATE SET last_seen = excluded.last_seen
                        """, logger: self.logger)
                }
                if !toCount.isEmpty {
                    let rows = try await conn.query("""
                        SELECT device_id, count(*) FROM device_replicas WHERE device_id = ANY(\(Array(toCount))) GROUP BY device_id
                        """, logger: self.logger)
                    for try await (device, count) in rows.decode((String, Int64).self) { replicas[device] = Int(count) }
                }
                // Each signed push's batch (none if a retry of it is held already), then its ops under it; then the
                // places no op of it filled, with their digests.
                // All in one statement each: a round trip a push would serialize the commit behind the append lock.
                var batchOf = [Int64?](repeating: nil, count: pushes.count)
                let signedPushes = pushes.indices.filter { pushes[$0].signed != nil }
                let made = try await self.insertBatches(signedPushes.map { p in
                    (pushes[p].signed!.batch(filled: Set(pushes[p].signed!.digests.indices)), pushes[p].ops.first.map { MergedState.org(of: $0.key) } ?? "")
                }, conn)
                for (p, made) in zip(signedPushes, made) where made.new { batchOf[p] = made.id }
                if unique.contains(where: { $0.collection == .orgs }) { try await self.notifyAccessChanged(conn) }
                let inserted = try await self.append(unique, conn, batches: unique.map { op in first[op.id].flatMap { batchOf[$0.push] } ?? -1 })
                var holes = [(id: Int64, bytes: ByteBuffer)]()
                for (p, push) in pushes.enumerated() {
                    guard let id = batchOf[p], let signed = push.signed else { continue }
                    var filled = Set<Int>()
                    for (i, op) in push.ops.enumerated() where inserted.contains(op.id) && first[op.id].map({ $0 == (p, i) }) == true {
                        filled.insert(signed.places[i])
                    }
                    // The batch went in with no holes: when every op of the push is new here, as nearly always, it stays so.
                    if filled.count < signed.digests.count { holes.append((id, ByteBuffer(bytes: signed.batch(filled: filled).holeBytes))) }
                }
                if !holes.isEmpty {
                    try await conn.query("""
                        UPDATE batches SET holes = u.holes FROM unnest(\(holes.map(\.id))::int8[], \(holes.map(\.bytes))::bytea[]) AS u(id, holes)
                        WHERE batches.id = u.id
                        """, logger: self.logger)
                }
                return (inserted, replicas)
            }
            noted.withLock { noted in
                for key in stale.keys { noted.seen[key] = now }
                for device in toCount { noted.counts[device] = replicas[device] ?? 0 }
            }
        } catch {
            guard pushes.count > 1 else { return [.failure(Self.storeError(error, location))] }
            var outcomes = [Result<PushOutcome, any Error>]()
            for push in pushes { outcomes += await commit([push]) }
            return outcomes
        }
        // An op not new here was held already: the same op again (nothing to do), or another under a reused id.
        var new = Array(repeating: 0, count: pushes.count)
        var others = Array(repeating: [Op](), count: pushes.count)
        for (p, push) in pushes.enumerated() {
            for (i, op) in push.ops.enumerated() {
                if inserted.contains(op.id), let place = first[op.id], place == (p, i) { new[p] += 1 } else { others[p].append(op) }
            }
        }
        let held: [OpID: Op]
        let unsure = Set(others.joined().map(\.id))
        do { held = unsure.isEmpty ? [:] : try await opsByID(Array(unsure)) } catch {
            return pushes.map { _ in .failure(error) }
        }
        return pushes.indices.map { p in
            .success(PushOutcome(new: new[p], reused: others[p].filter { op in held[op.id].map { $0 != op } == true }.map(\.id),
                                 deviceReplicas: pushes[p].device.flatMap { replicas[$0] } ?? 0))
        }
    }

    /// The whole commit of pushes whose ops all differ, in one statement (its own transaction): each signed
    /// push's batch, then every op under its batch, under the append lock; true once committed. The statement
    /// fails, writing nothing, unless every batch and every op was new (a retry, an op held already: the
    /// transaction of `commit` does those, with their holes).
    func commitAtOnce(_ pushes: [GroupCommit.Push], signatures: [ByteBuffer?]) async -> Bool {
        var keys = [String](), batchSignatures = [ByteBuffer](), counts = [Int64](), holes = [ByteBuffer](), batchOrgs = [String]()
        var opBatches = [ByteBuffer]()
        for (push, signature) in zip(pushes, signatures) {
            if let signed = push.signed, let signature {
                let batch = signed.batch(filled: Set(signed.digests.indices))
                keys.append(batch.key)
                batchSignatures.append(signature)
                counts.append(Int64(batch.count))
                holes.append(ByteBuffer(bytes: batch.holeBytes))
                batchOrgs.append(push.ops.first.map { MergedState.org(of: $0.key) } ?? "")
            }
            opBatches += Array(repeating: signature ?? ByteBuffer(), count: push.ops.count)
        }
        let statement = CommitAtOnce(keys: keys, signatures: batchSignatures, counts: counts, holes: holes, orgs: batchOrgs,
                                     ops: AppendColumns(pushes.lazy.flatMap(\.ops)), opBatches: opBatches)
        do {
            return try await run {
                try await client.withConnection { conn in
                    for try await _ in try await conn.execute(statement, logger: logger) {}
                    return true
                }
            }
        } catch {
            return false
        }
    }

    /// Ops' columns, as the append statements bind them (ten arrays, in the order of `ops`' columns).
    struct AppendColumns {
        var ids = [ByteBuffer](), collections = [String](), records = [String](), fields = [String](), kinds = [Int16]()
        var nums = [Int64](), texts = [String](), preds = [ByteBuffer](), orgs = [String](), days = [Int32]()

        init(_ ops: some Sequence<Op>) {
            for op in ops { append(op) }
        }

        mutating func append(_ op: Op) {
            ids.append(ByteBuffer(bytes: op.id.bytes))
            collections.append(op.collection.rawValue)
            records.append(op.record)
            fields.append(op.field)
            let (kind, num, text) = PostgresStore.columns(op.value)
            kinds.append(kind)
            nums.append(num)
            texts.append(text)
            preds.append(ByteBuffer(bytes: op.pred.flatMap(\.bytes)))
            orgs.append(MergedState.org(of: op.key))
            days.append(PostgresStore.day(op.collection, op.record) ?? Int32.min)
        }

        func bind(into bindings: inout PostgresBindings) {
            bindings.append(ids)
            bindings.append(collections)
            bindings.append(records)
            bindings.append(fields)
            bindings.append(kinds)
            bindings.append(nums)
            bindings.append(texts)
            bindings.append(preds)
            bindings.append(orgs)
            bindings.append(days)
        }
    }

    /// `commitAtOnce`'s statement. Its last select divides by zero unless every batch and op went in, so
    /// that the statement, and with it everything it wrote, fails. An op's batch is named by its signature
    /// (empty: unsigned). PostgreSQL logs each such failure (`ERROR: division by zero` and the statement,
    /// not its values): one line per batch that held a retry, which is rare.
    struct CommitAtOnce: PostgresPreparedStatement {
        static let name = "sunsync_commit_at_once_v1"
        static let sql = """
            WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock(\(PostgresStore.appendLock))),
            made AS (
                INSERT INTO batches(id, key_id, signature, count, holes, org)
                SELECT nextval('batches_seq'), u.key, u.signature, u.count, u.holes, u.org
                FROM locked, unnest($1::text[], $2::bytea[], $3::int8[], $4::bytea[], $5::text[]) WITH ORDINALITY AS u(key, signature, count, holes, org, n)
                ORDER BY u.n
                ON CONFLICT (signature) DO NOTHING
                RETURNING id, signature
            ),
            appended AS (
                INSERT INTO ops (seq, id, collection, record, field, kind, num, txt, pred, org, day, batch)
                SELECT nextval('ops_seq'), u.id, u.collection, u.record, u.field, u.kind, u.num, u.txt, u.pred, u.org, NULLIF(u.day, -2147483648), made.id
                FROM locked CROSS JOIN unnest($6::bytea[], $7::text[], $8::text[], $9::text[], $10::int2[], $11::int8[], $12::text[], $13::bytea[],
                                              $14::text[], $15::int4[], $16::bytea[])
                     WITH ORDINALITY AS u(id, collection, record, field, kind, num, txt, pred, org, day, signature, n)
                LEFT JOIN made ON made.signature = u.signature
                ORDER BY u.n
                ON CONFLICT (id) DO NOTHING
                RETURNING 1
            )
            SELECT 1 / ((SELECT count(*) FROM appended) = cardinality($6::bytea[]) AND (SELECT count(*) FROM made) = cardinality($2::bytea[]))::int
            """
        typealias Row = Int32
        let keys: [String], signatures: [ByteBuffer], counts: [Int64], holes: [ByteBuffer], orgs: [String]
        let ops: AppendColumns, opBatches: [ByteBuffer]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 16)
            bindings.append(keys)
            bindings.append(signatures)
            bindings.append(counts)
            bindings.append(holes)
            bindings.append(orgs)
            ops.bind(into: &bindings)
            bindings.append(opBatches)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int32 { try row.decode(Int32.self) }
    }

    /// Appends ops in one statement under the append lock (see the type's note); returns the ids that
    /// were new. Must run inside a transaction, as its last write: the lock is held until the commit.
    func append(_ ops: [Op], _ conn: PostgresConnection, batches: [Int64]? = nil) async throws -> Set<OpID> {
        guard !ops.isEmpty else { return [] }
        let statement = Append(ops: AppendColumns(ops), batches: batches ?? Array(repeating: -1, count: ops.count))
        var inserted = Set<OpID>()
        for try await id in try await conn.execute(statement, logger: logger) {
            if let opID = OpID(bytes: Array(id.readableBytesView)) { inserted.insert(opID) }
        }
        return inserted
    }

    /// The append: one statement per batch, prepared once per connection. The lock is taken (once, by the
    /// materialized CTE) before any row is made, so before any `nextval`.
    struct Append: PostgresPreparedStatement {
        static let name = "sunsync_append_v2"
        static let sql = """
            WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock(\(PostgresStore.appendLock)))
            INSERT INTO ops (seq, id, collection, record, field, kind, num, txt, pred, org, day, batch)
            SELECT nextval('ops_seq'), u.id, u.collection, u.record, u.field, u.kind, u.num, u.txt, u.pred, u.org, NULLIF(u.day, -2147483648),
                   NULLIF(u.batch, -1)
            FROM locked, unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::int2[], $6::int8[], $7::text[], $8::bytea[], $9::text[], $10::int4[], $11::int8[])
                 WITH ORDINALITY AS u(id, collection, record, field, kind, num, txt, pred, org, day, batch, n)
            ORDER BY u.n
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """
        typealias Row = ByteBuffer
        let ops: AppendColumns, batches: [Int64]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 11)
            ops.bind(into: &bindings)
            bindings.append(batches)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ByteBuffer { try row.decode(ByteBuffer.self) }
    }

    public func pull(after cursor: Int64, orgs: [String]?, limit: Int) async throws -> PullPage {
        let last = try await lastSeq()
        // Ops are never deleted, so every cursor handed out stays ≤ the last seq; one beyond it was
        // handed out by another database (this one restored from an older copy, or replaced).
        guard cursor <= last else {
            throw StoreError(.cursorAhead, "cursor \(cursor) is beyond the \(last) changes this server holds")
        }
        guard cursor < last else { return PullPage(ops: [], cursor: max(cursor, 0), more: false) }
        if let orgs, orgs.isEmpty { return PullPage(ops: [], cursor: last, more: false) }
        let columns = "seq, id, collection, record, field, kind, num, txt, pred, batch"
        /// The ops in scope after the cursor up to `upTo`, at most `limit`.
        func read(upTo: Int64, limit: Int) async throws -> [LoggedOp] {
            if let orgs, orgs.count == 1 {
                return try await batchedOps("SELECT \(unescaped: columns) FROM ops WHERE org = \(orgs[0]) AND seq > \(cursor) AND seq <= \(upTo) ORDER BY seq LIMIT \(limit)")
            } else if let orgs {
                return try await batchedOps("SELECT \(unescaped: columns) FROM ops WHERE seq > \(cursor) AND seq <= \(upTo) AND org = ANY(\(orgs)) ORDER BY seq LIMIT \(limit)")
            }
            return try await batchedOps("SELECT \(unescaped: columns) FROM ops WHERE seq > \(cursor) AND seq <= \(upTo) ORDER BY seq LIMIT \(limit)")
        }
        // Several orgs: a bounded window of arrival order, keeping the district's ops.
        let end = orgs.map { $0.count > 1 } == true ? min(last, cursor + Int64(limit) * 20) : last
        let ops = try await read(upTo: end, limit: limit)
        let page: (cursor: Int64, more: Bool)
        if ops.count == limit, let seq = ops.last?.seq { page = (seq, seq < last) } else { page = (end, end < last) }
        return try await WholeBatches.page(ops, end: page.cursor, more: page.more, maxSeq: last, WholeBatches.Reads(
            continuing: { ids, seq in
                var out = [Int64: Int64]()
                for try await (batch, max) in try await self.query("""
                    SELECT batch, max(seq) FROM ops WHERE batch = ANY(\(Array(ids))) GROUP BY batch HAVING max(seq) > \(seq)
                    """).decode((Int64, Int64).self) { out[batch] = max }
                return out
            },
            earlier: { ids, seq in
                try await self.batchedOps("SELECT \(unescaped: columns) FROM ops WHERE batch = ANY(\(Array(ids))) AND seq < \(seq) ORDER BY seq")
            },
            through: { seq in try await read(upTo: seq, limit: Int(Int32.max)) },
            batches: { ids in try await self.batches(ids) }))
    }

    public func remaining(after cursor: Int64, orgs: [String]?) async throws -> Int64 {
        if let orgs {
            return try await single("SELECT count(*) FROM ops WHERE org = ANY(\(orgs)) AND seq > \(cursor)", as: Int64.self) ?? 0
        }
        return try await single("SELECT count(*) FROM ops WHERE seq > \(cursor)", as: Int64.self) ?? 0
    }

    public func lastSeq() async throws -> Int64 {
        try await single("SELECT coalesce(max(seq), 0)::int8 FROM ops", as: Int64.self) ?? 0
    }

    // MARK: Merged reads: the model's merge over the ops read

    public func mergedState(_ collections: [CollectionName]?, days: ClosedRange<CivilDate>?) async throws -> MergedState {
        try await read(collections, days: days, fields: nil)
    }

    public func mergedState(_ collections: [CollectionName]?, days: ClosedRange<CivilDate>?, fields: [String]) async throws -> MergedState {
        try await read(collections, days: days, fields: fields)
    }

    private func read(_ collections: [CollectionName]?, days: ClosedRange<CivilDate>?, fields: [String]?) async throws -> MergedState {
        let wanted = (collections ?? CollectionName.allCases).map(\.rawValue)
        // Every field, or those named.
        let anyField = fields == nil, named = fields ?? []
        let ops: [LoggedOp]
        if let days {
            let dated = wanted.filter { $0 == CollectionName.hours.rawValue || $0 == CollectionName.lunches.rawValue }
            let undated = wanted.filter { !dated.contains($0) }
            ops = try await loggedOps("""
                SELECT seq, id, collection, record, field, kind, num, txt, pred FROM ops
                WHERE (collection = ANY(\(undated))
                   OR (day BETWEEN \(days.lowerBound.dayNumber) AND \(days.upperBound.dayNumber) AND collection = ANY(\(dated))))
                  AND (\(anyField) OR field = ANY(\(named)))
                """)
        } else {
            ops = try await loggedOps("""
                SELECT seq, id, collection, record, field, kind, num, txt, pred FROM ops
                WHERE collection = ANY(\(wanted)) AND (\(anyField) OR field = ANY(\(named)))
                """)
        }
        return MergedState(ops.lazy.map(\.op))
    }

    public func records(_ keys: [RecordKey]) async throws -> [RecordKey: RecordState] {
        try await MergedState(history(of: keys).map(\.op)).records
    }

    public func history(of keys: [RecordKey]) async throws -> [LoggedOp] {
        guard !keys.isEmpty else { return [] }
        return try await loggedOps(Self.historyQuery(keys)).sorted { $0.op.id < $1.op.id }
    }

    public func changed(after seq: Int64, days: ClosedRange<CivilDate>) async throws -> Bool {
        try await single("""
            SELECT EXISTS (SELECT 1 FROM ops WHERE seq > \(seq)
                AND (collection IN ('orgs', 'participants') OR day BETWEEN \(days.lowerBound.dayNumber) AND \(days.upperBound.dayNumber)))
            """, as: Bool.self) ?? true
    }

    public func changes(after seq: Int64, days: ClosedRange<CivilDate>, limit: Int) async throws -> (seq: Int64, records: [RecordKey: RecordState])? {
        let last = try await lastSeq()
        var keys = [RecordKey]()
        let rows = try await query("""
            SELECT DISTINCT collection, record FROM ops WHERE seq > \(seq) AND seq <= \(last)
                AND (collection IN ('orgs', 'participants') OR day BETWEEN \(days.lowerBound.dayNumber) AND \(days.upperBound.dayNumber))
            LIMIT \(limit + 1)
            """)
        for try await (collection, record) in rows.decode((String, String).self) {
            if let c = CollectionName(rawValue: collection) { keys.append(RecordKey(collection: c, id: record)) }
        }
        guard keys.count <= limit else { return nil }
        return (last, try await records(keys))
    }

    public func daySpan() async throws -> ClosedRange<CivilDate>? {
        let rows = try await query("SELECT min(day), max(day) FROM ops WHERE day IS NOT NULL")
        for try await (lower, upper) in rows.decode((Int32?, Int32?).self) {
            guard let lower, let upper else { return nil }
            return CivilDate(dayNumber: lower)...CivilDate(dayNumber: upper)
        }
        return nil
    }

    public func orgs(inDistrict district: String) async throws -> [String] {
        try await mergedState([.orgs], days: nil).records(in: .orgs)
            .filter { $0.record.displayed("district")?.text == district }.map(\.key.id).sorted()
    }

    public func edit<T: Sendable>(_ keys: [RecordKey], by writer: EditWriter, now: Date,
                                  _ body: @escaping @Sendable (inout Edit) throws -> T) async throws -> (result: T, ops: [Op]) {
        let wall = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let edited = try await transaction { conn -> (T, [Op], Bool) in
            let replicaText: String
            switch writer {
            case .server:
                replicaText = try await Self.first(conn.query("SELECT value FROM meta WHERE key = 'replica'", logger: self.logger), String.self) ?? ""
            case .device(let device):
                try await conn.query("""
                    INSERT INTO device_web_replicas(device_id, replica) VALUES (\(device), \(EditWriter.newReplica().description))
                    ON CONFLICT DO NOTHING
                    """, logger: self.logger)
                replicaText = try await Self.first(conn.query("SELECT replica FROM device_web_replicas WHERE device_id = \(device)", logger: self.logger),
                                                   String.self) ?? ""
                // The server's for good: no device can push under it (a web replica is new and random).
                try await conn.query("INSERT INTO replica_owners VALUES (\(replicaText), 'server', '') ON CONFLICT DO NOTHING", logger: self.logger)
            }
            guard let replica = ReplicaID(hex: replicaText) else { throw StoreError(.database, "the server's replica id is missing or damaged") }
            // The replica's clock, locked until the commit: processes writing for one replica take turns.
            try await conn.query("INSERT INTO replica_clocks(replica, last) VALUES (\(replicaText), 0) ON CONFLICT DO NOTHING", logger: self.logger)
            let last = try await Self.first(conn.query("SELECT last FROM replica_clocks WHERE replica = \(replicaText) FOR UPDATE", logger: self.logger),
                                            Int64.self) ?? 0
            let state = MergedState(try await self.loggedOps(conn, Self.historyQuery(keys)).map(\.op))
            var edit = Edit(state: state, replica: replica, clock: HybridClock(last: Timestamp(rawValue: UInt64(bitPattern: last))),
                            wallMilliseconds: wall)
            let result = try body(&edit)
            try await conn.query("UPDATE replica_clocks SET last = \(Int64(bitPattern: edit.clock.last.rawValue)) WHERE replica = \(replicaText)",
                                 logger: self.logger)
            let batches = try await self.signOwn(edit.written, conn)   // the server's own writes, signed with its key
            let orgs = edit.written.contains { $0.collection == .orgs }
            if orgs { try await self.notifyAccessChanged(conn) }
            _ = try await self.append(edit.written, conn, batches: batches)
            return (result, edit.written, orgs)
        }
        if edited.2 { access.changed() }
        return (edited.0, edited.1)
    }

    static func historyQuery(_ keys: [RecordKey]) -> PostgresQuery {
        let unique = Array(Set(keys))
        return """
            SELECT seq, id, collection, record, field, kind, num, txt, pred FROM ops
            WHERE (collection, record) IN (SELECT * FROM unnest(\(unique.map(\.collection.rawValue))::text[], \(unique.map(\.id))::text[]))
            """
    }
}
