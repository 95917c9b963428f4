import Foundation
import SunsyncModel
import Testing
import GRDB
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SunsyncProtocol
import SunsyncTestSupport

/// The real `sunsync-server` on 127.0.0.1, in a temporary data dir.
final class ServerProcess: @unchecked Sendable {
    let dataDir: String
    private(set) var port: Int
    private var process: Process?

    static let binary = CLI.binary.deletingLastPathComponent().appendingPathComponent("sunsync-server")

    init(dataDir: String? = nil) {
        self.dataDir = dataDir ?? Scratch.path("sunsync-server")
        port = 0
    }

    /// A PostgreSQL URL: the server keeps its data there instead of the data dir's SQLite file.
    var database: String?
    /// A database made for this server alone, dropped with it.
    var ownedDatabase: PostgresDatabase?

    /// The values a query answers (one column), from the server's own database: its SQLite file, or PostgreSQL.
    func query(_ sql: String) throws -> [String] {
        if let database {
            return try PostgresDatabase.psql(database, sql).split(separator: "\n").map(String.init)
        }
        let db = try DatabaseQueue(path: databasePath)
        defer { try? db.close() }
        return try db.read { db in
            try DatabaseValue.fetchAll(db, sql: sql).map { value in
                switch value.storage {
                case .int64(let i): String(i)
                case .double(let d): String(d)
                case .string(let s): s
                case .blob(let b): b.map { String(format: "%02x", $0) }.joined()
                case .null: ""
                }
            }
        }
    }

    /// Changes the server's own database by hand, as someone with the file (or the database's password) could.
    func execute(_ sql: String) throws {
        if let database {
            _ = try PostgresDatabase.psql(database, sql)
            return
        }
        let db = try DatabaseQueue(path: databasePath)
        defer { try? db.close() }
        try db.write { try $0.execute(sql: sql) }
    }

    /// A count the server's own database answers.
    func count(_ sql: String) throws -> Int { Int(try query(sql).first ?? "") ?? -1 }

    var url: String { "http://127.0.0.1:\(port)" }
    var databasePath: String { dataDir + "/server.sqlite" }

    /// Extra `serve` arguments (e.g. TLS).
    var serveArguments = [String]()

    /// Starts the server (on `port`, or any free port the first time) and waits until it listens.
    func start() throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["serve", "--data-dir", dataDir, "--port", String(port)] + (database.map { ["--database", $0] } ?? []) + serveArguments
        var env = ProcessInfo.processInfo.environment
        env["LOG_LEVEL"] = "warning"
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        var text = ""
        while Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: #"(127\.0\.0\.1|0\.0\.0\.0):(\d+)"#, options: .regularExpression) {
                port = Int(text[range].split(separator: ":").last!)!
                return
            }
        }
        throw CLIHarnessError("the server did not start: \(text)")
    }

    /// SIGTERM: a graceful stop.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// SIGKILL: a crash.
    func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var exitStatus: Int32? { process.flatMap { $0.isRunning ? nil : $0.terminationStatus } }

    deinit {
        kill()
        ownedDatabase?.drop()
    }

    /// `sunsync-server <args> --data-dir <dir>`.
    @discardableResult
    func admin(_ args: String...) throws -> CLI.Result { try adminArgs(args) }

    /// Adds a device and returns its token.
    func token(_ name: String, _ roleArgs: String...) throws -> String {
        let result = try adminArgs(["device", "add", "--name", name, "--json"] + roleArgs)
        guard result.status == 0, let json = try? result.json() as? [String: String], let token = json["token"] else {
            throw CLIHarnessError("device add failed: \(result.err)")
        }
        return token
    }

    func adminArgs(_ args: [String], environment: [String: String] = [:]) throws -> CLI.Result {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = args + ["--data-dir", dataDir] + (database.map { ["--database", $0] } ?? [])
        // Messages in English, which most tests read; AdminWordsTests read the Chinese an administrator gets by default.
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "en_US.UTF-8"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        return try CLI.Result.of(process)
    }

    /// A server with two Minhang bases and one Xuhui base registered, on a new database of `backend`.
    static func withOrgs(serveArguments: [String] = [], backend: ServerBackend = .sqlite, dataDir: String? = nil) throws -> ServerProcess {
        let server = ServerProcess(dataDir: dataDir)
        server.serveArguments = serveArguments
        if backend == .postgres {
            let database = try PostgresDatabase()
            server.database = database.url
            server.ownedDatabase = database
        }
        for (code, district) in [("MH-SB-001", "310112"), ("MH-SB-002", "310112"), ("XH-SB-001", "310104")] {
            let r = try server.adminArgs(["org", "add", "--code", code, "--name", "基地 \(code)", "--kind", "sunshine-base",
                                          "--district", district, "--lunch-rate", "15"])
            guard r.status == 0 else { throw CLIHarnessError(r.err) }
        }
        try server.start()
        return server
    }

    /// The person key of a certificate's holder under this server's secret (from the session).
    func personKey(_ cert: String, token: String) async throws -> String {
        let session = try Wire.decoder().decode(SessionInfo.self, from: try await request("GET", "/v1/session", token: token).body)
        guard let keys = session.personSecret.flatMap(PersonKeys.init(hex:)) else { throw CLIHarnessError("the session has no person_secret") }
        return keys.key(try CertificateNumber(validating: cert).residentID)
    }

    /// One raw HTTP exchange, for tests of what the server refuses.
    func request(_ method: String, _ path: String, token: String? = nil, version: String? = String(Wire.version), body: Data? = nil,
                 headers: [String: String] = [:]) async throws -> (status: Int, body: Data, headers: [String: String]) {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = method
        if let version { request.setValue(version, forHTTPHeaderField: Wire.versionHeader) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields = [String: String]()
        for (k, v) in http.allHeaderFields { fields[String(describing: k).lowercased()] = String(describing: v) }
        return (http.statusCode, data, fields)
    }

    /// The signing key a test device uses: made from its token, so the same each time.
    static func privateKey(_ token: String) -> [UInt8] { Hex.decode(NaturalKey.digest("test-key:" + token)) ?? [] }

    /// Registers the token's key (again: changes nothing), as a laptop does at login.
    func registerKey(token: String) async throws -> String {
        let publicKey = try Signing.publicKey(privateKey: Self.privateKey(token))
        let response = try await request("POST", "/v1/keys", token: token, body: try Wire.encoder().encode(KeyRegistration(publicKey: Hex.encode(publicKey))))
        guard response.status == 200 else { throw CLIHarnessError("key registration: \(response.status) \(String(decoding: response.body, as: UTF8.self))") }
        return Signing.keyID(publicKey: publicKey)
    }

    /// `ops` pushed as a laptop would, signed with the token's own key (registered first).
    func push(_ ops: [Op], token: String) async throws -> (status: Int, body: Data, headers: [String: String]) {
        let key = try await registerKey(token: token)
        let body = try Wire.encoder().encode(try PushRequest(signing: ops, key: key, privateKey: Self.privateKey(token)))
        return try await request("POST", "/v1/push", token: token, body: body)
    }
}

/// Where a test's server keeps its data: SQLite always; PostgreSQL too when `SUNSYNC_TEST_POSTGRES` names a
/// server (`.ci/run` starts one), each test in a database of its own.
enum ServerBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static var available: [ServerBackend] { PostgresDatabase.serverURL == nil ? [.sqlite] : [.sqlite, .postgres] }
}

struct CLIHarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
