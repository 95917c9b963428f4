import Foundation
import Logging
import NIOCore
import PostgresNIO
import SunsyncModel
import SunsyncServerStore
import SunsyncStore

/// `ServerStore` on PostgreSQL, for several `sunsync-server` processes on one database.
///
/// The database is an op log: ops are appended and never changed; merged state is made by
/// `SunsyncModel`'s merge over the ops of the range read. No merge rule is written in SQL.
///
/// **The cursor never skips** (SPEC §9). An op's `seq` is taken from a sequence while the pushing
/// transaction holds one transaction-level advisory lock (`pg_advisory_xact_lock`), which PostgreSQL
/// releases only after the commit is visible. Transactions that append therefore commit in `seq` order:
/// whatever a reader sees is every op up to some `seq` (with gaps only where nothing will ever commit), so
/// a cursor handed out can never have an op arrive below it. The lock covers only the insert and the
/// commit of a batch; decoding, validation and everything else run in parallel in every process.
public final class PostgresStore: ServerStore, @unchecked Sendable {
    public let client: PostgresClient
    public let location: String
    let logger: Logger
    private let running: Task<Void, Never>

    /// The advisory lock that orders appends (an arbitrary constant: "sunsync" in ASCII, truncated).
    static let appendLock: Int64 = 0x73756E_73796E63
    /// The advisory lock that lets one process at a time migrate.
    static let migrateLock: Int64 = 0x73756E_6D696772

    private init(client: PostgresClient, location: String, logger: Logger) {
        self.client = client
        self.location = location
        self.logger = logger
        running = Task { await client.run() }
    }

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database[?sslmode=require]`), and
    /// brings the schema up to date (append-only migrations; one process at a time).
    public static func connect(url: String, logger: Logger = Logger(label: "sunsync-postgres"), maximumConnections: Int = 20) async throws -> PostgresStore {
        let (configuration, location) = try configuration(url)
        var options = configuration
        options.options.maximumConnections = maximumConnections
        let store = PostgresStore(client: PostgresClient(configuration: options, backgroundLogger: logger), location: location, logger: logger)
        // The client's run() starts on its own task; leasing before it has begun works but logs a warning.
        try? await Task.sleep(for: .milliseconds(20))
        do {
            // An unreachable server would have the pool retry for a minute: say so after 15 s instead.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.migrate() }
                group.addTask {
                    try await Task.sleep(for: .seconds(15))
                    throw StoreError(.database, "cannot reach PostgreSQL at \(location) within 15 s: is it running, and is the URL right?")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await store.close()
            throw storeError(error, location)
        }
        return store
    }

    public func close() async {
        running.cancel()
        _ = await running.value
    }

    /// A client configuration from a URL; the location is the URL without its password.
    public static func configuration(_ url: String) throws(StoreError) -> (PostgresClient.Configuration, String) {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, !host.isEmpty else {
            throw StoreError(.invalid, "'\(url)' is not a PostgreSQL URL: write postgres://user@host:port/database")
        }
        let database = String(parts.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw StoreError(.invalid, "'\(url)' names no database: write postgres://user@host:port/database") }
        let user = parts.user ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        let sslmode = parts.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw StoreError(.invalid, "sslmode=\(sslmode) is not known: use disable, prefer or require")
        }
        let configuration = PostgresClient.Configuration(host: host, port: parts.port ?? 5432, username: user,
                                                         password: parts.password.flatMap { $0.removingPercentEncoding ?? $0 },
                                                         database: database, tls: tls)
        return (configuration, "postgres://\(user)@\(host):\(parts.port ?? 5432)/\(database)")
    }

    // MARK: Schema

    /// Append-only: a migration, once released, is never changed; a change is a new one at the end.
    static let migrations: [(name: String, sql: String)] = [
        ("pg-v1-op-log", """
            CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
            CREATE SEQUENCE ops_seq;
            -- The op log. value: kind 0 null, 1 bool (num), 2 integer (num), 3 text (txt), 4 date (txt, YYYY-MM-DD).
            -- pred: the replaced op ids, 16 bytes each. org: the org a record belongs to (the pull scope).
            -- day: an hours or lunch record's work date, days since 1970 (NULL for other records).
            CREATE TABLE ops (
                seq bigint PRIMARY KEY,
                id bytea NOT NULL UNIQUE,
                collection text NOT NULL,
                record text NOT NULL,
                field text NOT NULL,
                kind smallint NOT NULL,
                num bigint NOT NULL,
                txt text NOT NULL,
                pred bytea NOT NULL,
                org text NOT NULL,
                day integer
            );
            CREATE INDEX ops_by_org ON ops (org, seq);
            CREATE INDEX ops_by_record ON ops (collection, record);
            CREATE INDEX ops_by_day ON ops (day) WHERE day IS NOT NULL;
            CREATE TABLE devices (
                id text PRIMARY KEY, name text NOT NULL UNIQUE, role text NOT NULL, org text, district text,
                token_hash text NOT NULL UNIQUE, created_at text NOT NULL, revoked_at text
            );
            CREATE TABLE device_replicas (
                device_id text NOT NULL, replica text NOT NULL, first_seen text NOT NULL, last_seen text NOT NULL,
                PRIMARY KEY (device_id, replica)
            );
            CREATE TABLE device_web_replicas (device_id text PRIMARY KEY, replica text NOT NULL);
            CREATE TABLE review_sessions (id_hash text PRIMARY KEY, device_id text NOT NULL, created_at text NOT NULL, expires_at bigint NOT NULL);
            CREATE INDEX review_sessions_by_device ON review_sessions (device_id);
            -- The last timestamp of each replica the server writes from (its own, reviewers' web replicas),
            -- so that processes writing for one replica never make the same op id.
            CREATE TABLE replica_clocks (replica text PRIMARY KEY, last bigint NOT NULL);
            """),
    ]

    func migrate() async throws {
        try await transaction { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.migrateLock))", logger: self.logger)
            try await conn.query("CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                                 logger: self.logger)
            var applied = Set<String>()
            for try await name in try await conn.query("SELECT name FROM schema_migrations", logger: self.logger).decode(String.self) {
                applied.insert(name)
            }
            let known = Set(Self.migrations.map(\.name))
            if let unknown = applied.subtracting(known).sorted().first {
                throw StoreError(.newerFormat, "\(self.location) was migrated by a newer sunsync-server (\(unknown)); run that version (or newer)")
            }
            for migration in Self.migrations where !applied.contains(migration.name) {
                // One statement at a time (the extended protocol takes one); each ends a line with ';'.
                for statement in migration.sql.components(separatedBy: ";\n") where !statement.allSatisfy(\.isWhitespace) {
                    try await conn.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await conn.query("INSERT INTO schema_migrations(name) VALUES (\(migration.name))", logger: self.logger)
            }
            let epoch = EditWriter.newReplica().description, replica = EditWriter.newReplica().description
            try await conn.query("INSERT INTO meta(key, value) VALUES ('epoch', \(epoch)) ON CONFLICT DO NOTHING", logger: self.logger)
            try await conn.query("INSERT INTO meta(key, value) VALUES ('replica', \(replica)) ON CONFLICT DO NOTHING", logger: self.logger)
        }
    }

    /// Gives the database a new epoch: after a restore (pg_restore, point-in-time recovery), so that
    /// laptops send their changes again and pull from the start (SPEC §9).
    public func renewEpoch() async throws -> String {
        let epoch = EditWriter.newReplica().description
        try await query("UPDATE meta SET value = \(epoch) WHERE key = 'epoch'")
        return epoch
    }

    // MARK: The op log

    public func epoch() async throws -> String {
        try await meta("epoch") ?? ""
    }

    public func push(_ ops: [Op], device: String?, at time: String) async throws -> PushOutcome {
        let (inserted, replicas) = try await transaction { conn -> (Set<OpID>, Int) in
            var replicas = 0
            if let device {
                let seen = Set(ops.map(\.id.replica.description)).sorted()
                if !seen.isEmpty {
                    try await conn.query("""
                        INSERT INTO device_replicas(device_id, replica, first_seen, last_seen)
                        SELECT \(device), r, \(time), \(time) FROM unnest(\(seen)::text[]) AS r
                        ON CONFLICT (device_id, replica) DO UPDATE SET last_seen = excluded.last_seen
                        """, logger: self.logger)
                }
                replicas = try await conn.query("SELECT count(*) FROM device_replicas WHERE device_id = \(device)", logger: self.logger)
                    .decode(Int64.self).first { _ in true }.map(Int.init) ?? 0
            }
            return (try await self.append(ops, conn), replicas)
        }
        // Ids not inserted were held already: the same op again (nothing to do), or another op under a reused id.
        let others = ops.filter { !inserted.contains($0.id) }
        var reused = [OpID]()
        if !others.isEmpty {
            let held = try await opsByID(others.map(\.id))
            for op in others where held[op.id].map({ $0 != op }) ?? false { reused.append(op.id) }
        }
        return PushOutcome(new: inserted.count, reused: reused, deviceReplicas: replicas)
    }

    /// Appends ops in one statement under the append lock (see the type's note); returns the ids that
    /// were new. Must run inside a transaction, as its last write: the lock is held until the commit.
    func append(_ ops: [Op], _ conn: PostgresConnection) async throws -> Set<OpID> {
        guard !ops.isEmpty else { return [] }
        var ids = [ByteBuffer](), collections = [String](), records = [String](), fields = [String](), kinds = [Int16]()
        var nums = [Int64](), texts = [String](), preds = [ByteBuffer](), orgs = [String](), days = [Int32]()
        for op in ops {
            ids.append(ByteBuffer(bytes: op.id.bytes))
            collections.append(op.collection.rawValue)
            records.append(op.record)
            fields.append(op.field)
            let (kind, num, text) = Self.columns(op.value)
            kinds.append(kind)
            nums.append(num)
            texts.append(text)
            preds.append(ByteBuffer(bytes: op.pred.flatMap(\.bytes)))
            orgs.append(MergedState.org(of: op.key))
            days.append(Self.day(op.collection, op.record) ?? Int32.min)
        }
        try await conn.query("SELECT pg_advisory_xact_lock(\(Self.appendLock))", logger: logger)
        let rows = try await conn.query("""
            INSERT INTO ops (seq, id, collection, record, field, kind, num, txt, pred, org, day)
            SELECT nextval('ops_seq'), u.id, u.collection, u.record, u.field, u.kind, u.num, u.txt, u.pred, u.org, NULLIF(u.day, -2147483648)
            FROM unnest(\(ids)::bytea[], \(collections)::text[], \(records)::text[], \(fields)::text[], \(kinds)::int2[],
                        \(nums)::int8[], \(texts)::text[], \(preds)::bytea[], \(orgs)::text[], \(days)::int4[])
                 WITH ORDINALITY AS u(id, collection, record, field, kind, num, txt, pred, org, day, n)
            ORDER BY u.n
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """, logger: logger)
        var inserted = Set<OpID>()
        for try await id in rows.decode(ByteBuffer.self) {
            if let opID = OpID(bytes: Array(id.readableBytesView)) { inserted.insert(opID) }
        }
        return inserted
    }

    public func pull(after cursor: Int64, orgs: [String]?, limit: Int) async throws -> PullPage {
        let last = try await lastSeq()
        // Ops are never deleted, so every cursor handed out stays ≤ the last seq; one beyond it was
        // handed out by another database (this one restored from an older copy, or replaced).
        guard cursor <= last else {
            throw StoreError(.cursorAhead, "cursor \(cursor) is beyond the \(last) changes this server holds")
        }
        guard cursor < last else { return PullPage(ops: [], cursor: max(cursor, 0), more: false) }
        let columns = "seq, id, collection, record, field, kind, num, txt, pred"
        var end = last
        let ops: [LoggedOp]
        if let orgs, orgs.count == 1 {
            ops = try await loggedOps("SELECT \(unescaped: columns) FROM ops WHERE org = \(orgs[0]) AND seq > \(cursor) AND seq <= \(last) ORDER BY seq LIMIT \(limit)")
        } else if let orgs {
            guard !orgs.isEmpty else { return PullPage(ops: [], cursor: last, more: false) }
            // Several orgs: a bounded window of arrival order, keeping the district's ops.
            end = min(last, cursor + Int64(limit) * 20)
            ops = try await loggedOps("SELECT \(unescaped: columns) FROM ops WHERE seq > \(cursor) AND seq <= \(end) AND org = ANY(\(orgs)) ORDER BY seq LIMIT \(limit)")
        } else {
            ops = try await loggedOps("SELECT \(unescaped: columns) FROM ops WHERE seq > \(cursor) AND seq <= \(last) ORDER BY seq LIMIT \(limit)")
        }
        if ops.count == limit, let seq = ops.last?.seq { return PullPage(ops: ops, cursor: seq, more: seq < last) }
        return PullPage(ops: ops, cursor: end, more: end < last)
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
        let wanted = (collections ?? CollectionName.allCases).map(\.rawValue)
        let ops: [LoggedOp]
        if let days {
            let dated = wanted.filter { $0 == CollectionName.hours.rawValue || $0 == CollectionName.lunches.rawValue }
            let undated = wanted.filter { !dated.contains($0) }
            ops = try await loggedOps("""
                SELECT seq, id, collection, record, field, kind, num, txt, pred FROM ops
                WHERE collection = ANY(\(undated))
                   OR (day BETWEEN \(days.lowerBound.dayNumber) AND \(days.upperBound.dayNumber) AND collection = ANY(\(dated)))
                """)
        } else {
            ops = try await loggedOps("SELECT seq, id, collection, record, field, kind, num, txt, pred FROM ops WHERE collection = ANY(\(wanted))")
        }
        return MergedState(ops.lazy.map(\.op))
    }

    public func records(_ keys: [RecordKey]) async throws -> [RecordKey: RecordState] {
        try await MergedState(history(of: keys).map(\.op)).records
    }

    public func history(of keys: [RecordKey]) async throws -> [LoggedOp] {
        guard !keys.isEmpty else { return [] }
        let unique = Array(Set(keys))
        return try await loggedOps("""
            SELECT seq, id, collection, record, field, kind, num, txt, pred FROM ops
            WHERE (collection, record) IN (SELECT * FROM unnest(\(unique.map(\.collection.rawValue))::text[], \(unique.map(\.id))::text[]))
            """).sorted { $0.op.id < $1.op.id }
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
        return try await transaction { conn -> (T, [Op]) in
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
            _ = try await self.append(edit.written, conn)
            return (result, edit.written)
        }
    }

    static func historyQuery(_ keys: [RecordKey]) -> PostgresQuery {
        let unique = Array(Set(keys))
        return """
            SELECT seq, id, collection, record, field, kind, num, txt, pred FROM ops
            WHERE (collection, record) IN (SELECT * FROM unnest(\(unique.map(\.collection.rawValue))::text[], \(unique.map(\.id))::text[]))
            """
    }

    // MARK: Devices

    public func addDevice(_ device: Device, tokenHash: String) async throws {
        try await transaction { conn in
            if try await Self.first(conn.query("SELECT EXISTS (SELECT 1 FROM devices WHERE name = \(device.name))", logger: self.logger), Bool.self) == true {
                throw StoreError(.invalid, "a device named '\(device.name)' already exists; choose another name")
            }
            try await conn.query("""
                INSERT INTO devices(id, name, role, org, district, token_hash, created_at)
                VALUES (\(device.id), \(device.name), \(device.role.rawValue), \(device.org), \(device.district), \(tokenHash), \(device.createdAt))
                """, logger: self.logger)
        }
    }

    public func devices() async throws -> [Device] {
        var replicas = [String: [String]]()
        for try await (device, replica) in try await query("SELECT device_id, replica FROM device_replicas ORDER BY first_seen, replica")
            .decode((String, String).self) {
            replicas[device, default: []].append(replica)
        }
        var web = [String: String]()
        for try await (device, replica) in try await query("SELECT device_id, replica FROM device_web_replicas").decode((String, String).self) {
            web[device] = replica
        }
        return try await devices("SELECT \(unescaped: Self.deviceColumns) FROM devices ORDER BY created_at, name").map { device in
            var device = device
            device.replicas = replicas[device.id] ?? []
            device.webReplica = web[device.id]
            return device
        }
    }

    public func revokeDevice(_ idOrName: String, at time: String) async throws -> Device? {
        try await transaction { conn in
            try await conn.query("UPDATE devices SET revoked_at = coalesce(revoked_at, \(time)) WHERE id = \(idOrName) OR name = \(idOrName)",
                                 logger: self.logger)
            try await conn.query("""
                DELETE FROM review_sessions WHERE device_id IN (SELECT id FROM devices WHERE id = \(idOrName) OR name = \(idOrName))
                """, logger: self.logger)
            return try await Self.devices(conn.query("SELECT \(unescaped: Self.deviceColumns) FROM devices WHERE id = \(idOrName) OR name = \(idOrName)",
                                                     logger: self.logger)).first
        }
    }

    public func device(tokenHash: String) async throws -> Device? {
        try await devices("SELECT \(unescaped: Self.deviceColumns) FROM devices WHERE token_hash = \(tokenHash)").first
    }

    static let deviceColumns = "devices.id, devices.name, devices.role, devices.org, devices.district, devices.created_at, devices.revoked_at"

    private func devices(_ sql: PostgresQuery) async throws -> [Device] {
        try await Self.devices(query(sql))
    }

    private static func devices(_ rows: PostgresRowSequence) async throws -> [Device] {
        var devices = [Device]()
        for try await (id, name, role, org, district, created, revoked) in rows.decode((String, String, String, String?, String?, String, String?).self) {
            guard let role = Device.Role(rawValue: role) else { continue }
            devices.append(Device(id: id, name: name, role: role, org: org, district: district, createdAt: created, revokedAt: revoked))
        }
        return devices
    }

    // MARK: Review page sessions

    public func startReviewSession(idHash: String, device: String, at time: String, expires: Int64, now: Int64) async throws {
        try await transaction { conn in
            try await conn.query("DELETE FROM review_sessions WHERE expires_at <= \(now)", logger: self.logger)
            try await conn.query("""
                INSERT INTO review_sessions(id_hash, device_id, created_at, expires_at) VALUES (\(idHash), \(device), \(time), \(expires))
                """, logger: self.logger)
        }
    }

    public func reviewSession(idHash: String, now: Int64) async throws -> Device? {
        try await devices("""
            SELECT \(unescaped: Self.deviceColumns) FROM review_sessions JOIN devices ON devices.id = review_sessions.device_id
            WHERE review_sessions.id_hash = \(idHash) AND review_sessions.expires_at > \(now) AND devices.revoked_at IS NULL
            """).first
    }

    public func endReviewSession(idHash: String) async throws {
        try await query("DELETE FROM review_sessions WHERE id_hash = \(idHash)")
    }

    // MARK: Settings

    public func rules() async throws -> Rules {
        guard let text = try await meta("rules") else { return Rules() }
        do { return try JSONDecoder().decode(Rules.self, from: Data(text.utf8)) } catch {
            throw StoreError(.database, "the stored rules cannot be read (\(error)); set them again with `sunsync-server settings`")
        }
    }

    public func setRules(_ rules: Rules) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(rules), as: UTF8.self)
        try await query("INSERT INTO meta(key, value) VALUES ('rules', \(text)) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    }

    public func databaseBytes() async -> Int64? {
        try? await single("SELECT pg_database_size(current_database())", as: Int64.self)
    }

    // MARK: Plumbing

    func meta(_ key: String) async throws -> String? {
        try await single("SELECT value FROM meta WHERE key = \(key)", as: String.self)
    }

    /// How a value sits in the `kind`, `num` and `txt` columns.
    static func columns(_ value: Value) -> (Int16, Int64, String) {
        switch value {
        case .null: (0, 0, "")
        case .bool(let b): (1, b ? 1 : 0, "")
        case .integer(let i): (2, i, "")
        case .text(let s): (3, 0, s)
        case .date(let d): (4, 0, d.description)
        }
    }

    static func value(kind: Int16, num: Int64, text: String) -> Value {
        switch kind {
        case 1: .bool(num != 0)
        case 2: .integer(num)
        case 3: .text(text)
        case 4: CivilDate(text).map(Value.date) ?? .null
        default: .null
        }
    }

    /// An hours or lunch record's work date (its id ends with it), as days since 1970.
    static func day(_ collection: CollectionName, _ record: String) -> Int32? {
        guard collection == .hours || collection == .lunches else { return nil }
        return CivilDate(Substring(record.utf8.suffix(10))).map(\.dayNumber)
    }

    private func loggedOps(_ sql: PostgresQuery) async throws -> [LoggedOp] {
        try await run { try await Self.loggedOps(self.client.query(sql, logger: self.logger)) }
    }

    private func loggedOps(_ conn: PostgresConnection, _ sql: PostgresQuery) async throws -> [LoggedOp] {
        try await Self.loggedOps(conn.query(sql, logger: logger))
    }

    /// Rows of `seq, id, collection, record, field, kind, num, txt, pred`.
    private static func loggedOps(_ rows: PostgresRowSequence) async throws -> [LoggedOp] {
        var ops = [LoggedOp]()
        for try await (seq, id, collection, record, field, kind, num, text, pred)
            in rows.decode((Int64, ByteBuffer, String, String, String, Int16, Int64, String, ByteBuffer).self) {
            guard let opID = OpID(bytes: Array(id.readableBytesView)), let c = CollectionName(rawValue: collection) else { continue }
            let predBytes = Array(pred.readableBytesView)
            let preds = stride(from: 0, to: predBytes.count - 15, by: 16).compactMap { OpID(bytes: predBytes[$0..<$0 + 16]) }
            ops.append(LoggedOp(seq: seq, op: Op(id: opID, collection: c, record: record, field: field,
                                                 value: value(kind: kind, num: num, text: text), pred: preds)))
        }
        return ops
    }

    private func opsByID(_ ids: [OpID]) async throws -> [OpID: Op] {
        let held = try await loggedOps("""
            SELECT seq, id, collection, record, field, kind, num, txt, pred FROM ops WHERE id = ANY(\(ids.map { ByteBuffer(bytes: $0.bytes) }))
            """)
        return Dictionary(held.map { ($0.op.id, $0.op) }, uniquingKeysWith: { a, _ in a })
    }

    private func single<T: PostgresDecodable>(_ sql: PostgresQuery, as type: T.Type) async throws -> T? {
        try await run { try await Self.first(self.client.query(sql, logger: self.logger), type) }
    }

    private static func first<T: PostgresDecodable>(_ rows: PostgresRowSequence, _ type: T.Type) async throws -> T? {
        for try await value in rows.decode(T.self) { return value }
        return nil
    }

    @discardableResult
    private func query(_ sql: PostgresQuery) async throws -> PostgresRowSequence {
        try await run { try await self.client.query(sql, logger: self.logger) }
    }

    private func transaction<T>(_ body: (PostgresConnection) async throws -> sending T) async throws -> sending T {
        do {
            return try await client.withTransaction(logger: logger) { conn in try await body(conn) }
        } catch {
            throw Self.storeError(error, location)
        }
    }

    private func run<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw Self.storeError(error, location) }
    }

    /// PostgreSQL's errors as the store's: what failed, and what to do.
    static func storeError(_ error: any Error, _ location: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? ModelError { return StoreError(error) }
        if let transaction = error as? PostgresTransactionError {
            return storeError(transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError ?? error, location)
        }
        guard let error = error as? PSQLError else { return StoreError(.database, "\(error)") }
        if let message = error.serverInfo?[.message] {
            return StoreError(.database, "PostgreSQL at \(location): \(message)")
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown:
            return StoreError(.database, "cannot reach PostgreSQL at \(location) (\(error.underlying.map { "\($0)" } ?? "\(error.code)")): is it running, and is the URL right?")
        default:
            return StoreError(.database, "PostgreSQL at \(location): \(error.code)\(error.underlying.map { " (\($0))" } ?? "")")
        }
    }
}
