import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import SunsyncModel
import SunsyncServerStore
import SunsyncStore
import Synchronization

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
    /// Set once, at the end of `init`: pushes go through it (group commit).
    private(set) var batcher: GroupCommit!
    /// The device replicas this process noted lately (`device/replica` → when), and how many replicas each
    /// device had when last counted: a push writes `device_replicas` only for a pair new to the process or
    /// not noted for a minute, so `last_seen` is exact to a minute and most batches skip two round trips.
    let noted = Mutex<(seen: [String: ContinuousClock.Instant], counts: [String: Int])>(([:], [:]))
    /// Changes to devices and orgs: this process's, and others' as `NOTIFY` heard by `listening`.
    let access = AccessWatch()
    private var listening: Task<Void, Never>?
    /// The server's signing key, once read.
    let serverKeyCache = Mutex<(id: String, privateKey: [UInt8])?>(nil)

    /// The advisory lock that orders appends (an arbitrary constant: "sunsync" in ASCII, truncated).
    static let appendLock: Int64 = 0x73756E_73796E63
    /// The advisory lock under which rules are read, changed and written.
    static let rulesLock: Int64 = 0x73756E_72756C65
    /// The advisory lock that lets one process at a time migrate.
    static let migrateLock: Int64 = 0x73756E_6D696772

    /// Why PostgreSQL cannot be reached, as a connection of the store's own finds every 2 seconds; nil while
    /// it answers. Work asked for meanwhile is refused at once (`StoreError.unavailable`) instead of waiting
    /// for the pool's next connection, which it would do for as long as PostgreSQL is away.
    private let unreachable = Mutex<String?>(nil)
    private var watching: Task<Void, Never>?
    /// A single connection's configuration, for the watch.
    private var direct: PostgresConnection.Configuration?

    /// Starts watching whether PostgreSQL answers (`serve` does; a one-off admin command has no need).
    public func watchReachability() {
        guard watching == nil, let direct else { return }
        watching = watch(direct)
        listening = listen(direct)
    }

    public func accessStamp() -> AccessStamp? { access.stamp }

    /// Tells every process listening that devices or orgs changed, when the transaction commits; the payload
    /// names this process, which counts its own changes as it commits them and does not count them twice.
    func notifyAccessChanged(_ conn: PostgresConnection) async throws {
        try await conn.query("SELECT pg_notify(\(AccessWatch.channel), \(access.id))", logger: logger)
    }

    /// Listens for other processes' changes to devices and orgs (`NOTIFY sunsync_access`) on a connection of
    /// its own; while it is not listening (not yet, or the connection is lost), `accessStamp` is nil.
    private func listen(_ configuration: PostgresConnection.Configuration) -> Task<Void, Never> {
        let quiet = Logger(label: "sunsync-postgres-listen", factory: { _ in SwiftLogNoOpLogHandler() })
        return Task { [access] in   // ended by close()
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: quiet)
                    defer { Task { try? await connection.close() } }
                    try await connection.listen(on: AccessWatch.channel) { notifications in
                        access.listen(true)
                        for try await notification in notifications where notification.payload != access.id { access.hear() }
                    }
                } catch {}
                access.listen(false)
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }

    private init(client: PostgresClient, location: String, logger: Logger) {
        self.client = client
        self.location = location
        self.logger = logger
        running = Task { await client.run() }
        batcher = GroupCommit { [unowned self] pushes in await self.commit(pushes) }
    }

    /// Nil while PostgreSQL answers; else why it does not (for `/healthz`).
    public var unavailable: String? { unreachable.withLock { $0 } }

    /// Asks PostgreSQL `SELECT 1` every 2 seconds on a connection of its own, and notes whether it answers.
    private func watch(_ configuration: PostgresConnection.Configuration) -> Task<Void, Never> {
        let quiet = Logger(label: "sunsync-postgres-watch", factory: { _ in SwiftLogNoOpLogHandler() })
        return Task { [self] in   // ended by close()
            var connection: PostgresConnection?
            while !Task.isCancelled {
                do {
                    if connection == nil || connection?.isClosed == true {
                        connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: quiet)
                    }
                    _ = try await connection?.query("SELECT 1", logger: quiet)
                    if self.unreachable.withLock({ state in defer { state = nil }; return state != nil }) {
                        logger.notice("PostgreSQL at \(location) answers again")
                    }
                } catch {
                    try? await connection?.close()
                    connection = nil
                    let why = Self.storeError(error, location).message
                    if self.unreachable.withLock({ state in defer { state = why }; return state == nil }) {
                        logger.error("PostgreSQL at \(location) does not answer: \(why)")
                    }
                }
                try? await Task.sleep(for: .seconds(2))
            }
            try? await connection?.close()
        }
    }

    /// Refuses at once while PostgreSQL is known to be away.
    func checkReachable() throws(StoreError) {
        if let why = unreachable.withLock({ $0 }) { throw StoreError(.unavailable, why) }
    }

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database[?sslmode=require]`), and
    /// brings the schema up to date (append-only migrations; one process at a time).
    public static func connect(url: String, logger: Logger = Logger(label: "sunsync-postgres"), maximumConnections: Int = 20) async throws -> PostgresStore {
        let (configuration, location) = try configuration(url)
        let direct = try directConfiguration(url, configuration)
        try await probe(direct, location)
        var options = configuration
        options.options.maximumConnections = maximumConnections
        let store = PostgresStore(client: PostgresClient(configuration: options, backgroundLogger: logger), location: location, logger: logger)
        // The client's run() starts on its own task; leasing before it has begun works but logs a warning.
        try? await Task.sleep(for: .milliseconds(20))
        do {
            try await store.migrate()
            try await store.signUnsigned()   // what was held before signatures, signed once as the server's
        } catch {
            await store.close()
            throw storeError(error, location)
        }
        store.direct = direct
        return store
    }

    /// One direct connection before the pool: a pool retries a refused connection for a minute without
    /// saying why, where a single one says at once (no such database, a wrong password, nothing listening;
    /// a host that does not answer, after 15 s). No timer races the pool's first lease instead: on a busy
    /// machine such a timer fired while the migration waited for a thread, refusing a database that was there.
    static func probe(_ configuration: PostgresConnection.Configuration, _ location: String) async throws {
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: Logger(label: "sunsync-postgres-probe"))
            try await connection.close()
        } catch {
            throw storeError(error, location)
        }
    }

    /// A single connection's configuration, as the pool's: the probe's and the watch's.
    static func directConfiguration(_ url: String, _ client: PostgresClient.Configuration) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch URLComponents(string: url)?.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
        case "prefer": tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case "require", "verify-full": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: tls = .disable
        }
        var configuration = PostgresConnection.Configuration(host: client.host ?? "", port: client.port ?? 5432, username: client.username,
                                                             password: client.password, database: client.database, tls: tls)
        configuration.options.connectTimeout = .seconds(15)
        return configuration
    }

    public func close() async {
        watching?.cancel()
        listening?.cancel()
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

    func loggedOps(_ sql: PostgresQuery) async throws -> [LoggedOp] {
        try await run { try await Self.loggedOps(self.client.query(sql, logger: self.logger)) }
    }

    func loggedOps(_ conn: PostgresConnection, _ sql: PostgresQuery) async throws -> [LoggedOp] {
        try await Self.loggedOps(conn.query(sql, logger: logger))
    }

    /// Rows of `seq, id, collection, record, field, kind, num, txt, pred`.
    static func loggedOps(_ rows: PostgresRowSequence) async throws -> [LoggedOp] {
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

    func opsByID(_ ids: [OpID]) async throws -> [OpID: Op] {
        let held = try await loggedOps("""
            SELECT seq, id, collection, record, field, kind, num, txt, pred FROM ops WHERE id = ANY(\(ids.map { ByteBuffer(bytes: $0.bytes) }))
            """)
        return Dictionary(held.map { ($0.op.id, $0.op) }, uniquingKeysWith: { a, _ in a })
    }

    func single<T: PostgresDecodable>(_ sql: PostgresQuery, as type: T.Type) async throws -> T? {
        try await run { try await Self.first(self.client.query(sql, logger: self.logger), type) }
    }

    static func first<T: PostgresDecodable>(_ rows: PostgresRowSequence, _ type: T.Type) async throws -> T? {
        for try await value in rows.decode(T.self) { return value }
        return nil
    }

    @discardableResult
    func query(_ sql: PostgresQuery) async throws -> PostgresRowSequence {
        try await run { try await self.client.query(sql, logger: self.logger) }
    }

    func transaction<T>(_ body: (PostgresConnection) async throws -> sending T) async throws -> sending T {
        try checkReachable()
        do {
            return try await client.withTransaction(logger: logger) { conn in try await body(conn) }
        } catch {
            throw Self.storeError(error, location)
        }
    }

    func run<T>(_ body: () async throws -> T) async throws -> T {
        try checkReachable()
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
            switch error.serverInfo?[.sqlState] ?? "" {
            case "53100": return StoreError(.diskFull, "PostgreSQL at \(location) has no disk space left (\(message)): nothing of this change was written")
            // shutting down, restarting, or not yet accepting connections; out of connections
            case "57P01", "57P02", "57P03", "53300": return StoreError(.unavailable, "PostgreSQL at \(location) is not taking work (\(message)): try again shortly")
            default: return StoreError(.database, "PostgreSQL at \(location): \(message)")
            }
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown:
            return StoreError(.unavailable, "cannot reach PostgreSQL at \(location) (\(error.underlying.map { "\($0)" } ?? "\(error.code)")): is it running, and is the URL right?")
        default:
            return StoreError(.database, "PostgreSQL at \(location): \(error.code)\(error.underlying.map { " (\($0))" } ?? "")")
        }
    }
}
