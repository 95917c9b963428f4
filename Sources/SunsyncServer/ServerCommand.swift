import ArgumentParser
import Hummingbird
import SunsyncVersion
import Foundation
import SunsyncReports
import Logging
import SunsyncModel
import SunsyncServerStore
import SunsyncPostgres
import SunsyncProtocol
import SunsyncStore

/// `sunsync-server`: serve sync for field laptops, and administer organizations and devices.
@available(macOS 10.15, *)
public struct ServerCommand: AsyncParsableCommand {
    public static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "sunsync-server",
        abstract: AdminSay.words.adminAbstract(.root),
        discussion: AdminSay.words.adminDiscussion(.root),
        version: SunsyncVersion.description,
        subcommands: [Serve.self, OrgCommand.self, DeviceCommand.self, RevealsCommand.self, RecoveryCommand.self, TLSCommand.self, SettingsCommand.self, Backup.self, Restore.self, Migrate.self, Verify.self]) }

    public init() {}

    /// Parses the command line and runs the command (see `Sunsync.run` in SunsyncCLI for why it is spelled out).
    public static func run(arguments: [String]? = nil) async {
        // Everything it creates (stores, WALs, backups, exports, keys) is its owner's alone: they hold
        // sensitive personal information (PIPL art. 28, 51).
        umask(0o077)
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as AdminError {
            // A refusal to act on, in this run's language (ArgumentParser's own usage errors stay its own).
            FileHandle.standardError.write(Data((AdminSay.words.say(.error(error.description)) + "\n").utf8))
            Foundation.exit(1)
        } catch {
            // Help and the version as ArgumentParser prints them; its usage errors in this run's language.
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            FileHandle.standardError.write(Data((AdminSay.words.usage(fullMessage(for: error)) + "\n").utf8))
            Foundation.exit(code.rawValue)
        }
    }
}

/// Where the data is, shared by every command: `--database postgres://…` (or `$SUNSYNC_DATABASE`) for
/// PostgreSQL, else the SQLite file in `--data-dir`.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: help(.dataDir, "dir"))
    var dataDir: String?

    @Option(name: .customLong("database"),
            help: help(.database, "url"))
    var database: String?

    @Flag(help: help(.json))
    var json = false

    @Option(name: .long, help: help(.lang, "zh|en"))
    var lang: String?

    func validate() throws {
        if let lang {
            guard ["zh", "en"].contains(lang.lowercased()) || lang.contains("_") else { throw ValidationError(AdminSay.words.say(.langTakes(lang))) }
            AdminSay.language = Language.from(flag: lang, environment: [:])
        }
    }

    var directory: String { dataDir ?? InstalledDefaults.value("SUNSYNC_DATA_DIR") ?? "sunsync-data" }
    var databasePath: String { directory + "/server.sqlite" }
    /// The PostgreSQL URL, if the data is in PostgreSQL.
    var postgresURL: String? {
        let url = database ?? InstalledDefaults.value("SUNSYNC_DATABASE")
        return url?.isEmpty == false ? url : nil
    }

    /// Run by root on a data dir another user owns (the package's `/var/lib/sunsync`, the service's user's):
    /// becomes that user before touching a file, so that nothing root makes there (a WAL, a lock) locks the
    /// service out of its own data.
    func actAsOwner() throws {
        var info = stat()
        guard getuid() == 0, postgresURL == nil, stat(directory, &info) == 0, info.st_uid != 0 else { return }
        guard setgroups(0, nil) == 0, setgid(info.st_gid) == 0, setuid(info.st_uid) == 0 else {
            throw AdminError(.cannotActAsOwner(directory: directory, uid: info.st_uid, reason: String(cString: strerror(errno))))
        }
    }

    /// Holds `serve.lock` in the data dir for as long as the returned handle lives: one `serve` per data
    /// dir, and no `restore` under a running server. (Admin commands do not take it: they work beside `serve`.)
    /// PostgreSQL takes no such lock: several servers share one database.
    func lockForServing(serving: Bool = true) throws -> FileHandle? {
        guard postgresURL == nil else { return nil }
        try actAsOwner()
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = directory + "/serve.lock"
        let fd = Foundation.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AdminError(.cannotOpen(path, reason: String(cString: strerror(errno)))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw AdminError(serving ? .anotherServer(directory: directory, lock: path) : .serverRunning(directory: directory, lock: path))
        }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Opens the database: connects to PostgreSQL and brings its schema up to date, or opens the SQLite
    /// file, creating the directory and an empty database the first time. Close it with `close()`.
    func open(logger: Logger = DataOptions.quietLogger) async throws -> any ServerStore {
        if let url = postgresURL {
            do { return try await PostgresStore.connect(url: url, logger: logger) } catch let error as StoreError { throw AdminError(error) }
        }
        return try openSQLite()
    }

    /// Admin commands log the database client's warnings and errors only (its retries are info).
    static var quietLogger: Logger {
        var logger = Logger(label: "sunsync-server")
        logger.logLevel = .warning
        return logger
    }

    /// The SQLite file, for the commands that work on the file itself (backup, restore).
    func openSQLite() throws -> SQLiteServerStore {
        try actAsOwner()
        let path = databasePath
        for note in Store.tighten(path) { FileHandle.standardError.write(Data("sunsync-server: \(note)\n".utf8)) }
        do {
            return try SQLiteServerStore.open(path: path) {
                FileHandle.standardError.write(Data((say(.upgrading(path)) + "\n").utf8))
            }
        } catch {
            throw AdminError("\(path): \(AdminError(error).description)")
        }
    }

    /// Runs `body` on the open database, then closes it; the store's refusals become one-line errors.
    func withStore<T>(_ body: (any ServerStore) async throws -> T) async throws -> T {
        let store = try await open()
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch let error as StoreError {
            await store.close()
            throw AdminError(error)
        } catch {
            await store.close()
            throw error
        }
    }

    /// The SQLite-only commands refuse a PostgreSQL URL, saying what to use instead.
    func requireSQLite(_ what: String) throws {
        guard postgresURL == nil else { throw AdminError(.sqliteOnly(command: what)) }
    }
}

@available(macOS 10.15, *)
extension ServerCommand {
    struct Serve: AsyncParsableCommand {
        static var configuration: CommandConfiguration { adminConfiguration(.serve) }

        @OptionGroup var data: DataOptions
        @Option(help: help(.host)) var host = "127.0.0.1"
        @Option(help: help(.port)) var port = 8080
        @Option(name: .customLong("max-clock-skew"), help: help(.maxClockSkew, "seconds"))
        var maxClockSkew = 300
        @Option(name: .customLong("tls-cert"), help: help(.tlsCert, "file"))
        var tlsCert: String?
        @Option(name: .customLong("tls-key"), help: help(.tlsKey, "file"))
        var tlsKey: String?
        @Flag(name: .customLong("insecure-http"), help: help(.insecureHTTP))
        var insecureHTTP = false
        @Option(name: .customLong("behind-https-proxy"),
                help: help(.behindProxy, "address"))
        var behindHTTPSProxy: String?
        @Option(name: .customLong("idle-timeout"), help: help(.idleTimeout, "seconds"))
        var idleTimeout = 20
        @Option(name: .customLong("body-timeout"), help: help(.bodyTimeout, "seconds"))
        var bodyTimeout = 120
        @Option(name: .customLong("max-connections"), help: help(.maxConnections, "n"))
        var maxConnections = 4_096
        @Option(name: .customLong("max-connections-per-address"),
                help: help(.maxPerAddress, "n"))
        var maxConnectionsPerAddress = 128

        func validate() throws {
            guard (0...65_535).contains(port) else { throw ValidationError(say(.notAPort(port))) }
            guard maxClockSkew >= 0 else { throw ValidationError(say(.notSeconds(option: "--max-clock-skew", minimum: 0))) }
            guard idleTimeout >= 1 else { throw ValidationError(say(.notSeconds(option: "--idle-timeout", minimum: 1))) }
            guard bodyTimeout >= 1 else { throw ValidationError(say(.notSeconds(option: "--body-timeout", minimum: 1))) }
            guard maxConnections >= 1 else { throw ValidationError(say(.notConnections(option: "--max-connections", minimum: 1))) }
            guard maxConnectionsPerAddress >= 0 else { throw ValidationError(say(.notConnections(option: "--max-connections-per-address", minimum: 0))) }
            guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError(say(.tlsBothOrNeither)) }
            if tlsCert == nil, behindHTTPSProxy == nil, !insecureHTTP, !Wire.isLoopback(host) {
                throw ValidationError(say(.plainBeyondMachine(host: host)))
            }
            for file in [tlsCert, tlsKey].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
                throw ValidationError(say(.cannotRead(file)))
            }
        }

        func run() async throws {
            let lock = try data.lockForServing()
            defer { withExtendedLifetime(lock) {} }
            var logger = Logger(label: "sunsync-server")
            logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            let store = try await data.open(logger: logger)
            if let sqlite = store as? SQLiteServerStore {
                do { try sqlite.expectLargeWrites() } catch { throw AdminError(error) }
            }
            (store as? PostgresStore)?.watchReachability()
            var configuration = ServerConfiguration()
            configuration.host = host
            configuration.port = port
            configuration.maxClockSkewMilliseconds = UInt64(max(0, maxClockSkew)) * 1000
            if let tlsCert, let tlsKey { configuration.tls = (tlsCert, tlsKey) }
            configuration.insecureHTTP = insecureHTTP && tlsCert == nil && !Wire.isLoopback(host)
            if configuration.insecureHTTP {
                logger.warning("serving PLAIN HTTP on \(host) (--insecure-http): tokens and certificate numbers cross the network in clear; serve HTTPS (--tls-cert, --tls-key) or behind an HTTPS proxy")
            }
            configuration.httpsProxy = behindHTTPSProxy
            configuration.connections.idle = .seconds(idleTimeout)
            configuration.connections.body = .seconds(bodyTimeout)
            configuration.connections.perAddress = maxConnectionsPerAddress
            let fit = ConnectionLimits.raiseDescriptorLimit()
            configuration.connections.total = min(maxConnections, fit)
            if maxConnections > fit {
                logger.warning("--max-connections \(maxConnections) does not fit the open-files limit (ulimit -n): at most \(fit) connections are served at once")
            }
            let scheme = tlsCert == nil ? "http" : "https"
            let location = store.location
            let app: any ApplicationProtocol
            do {
                app = try await buildApplication(store: store, configuration: configuration, logger: logger) { port in
                    // The one line scripts and tests wait for.
                    FileHandle.standardOutput.write(Data("sunsync-server listening on \(scheme)://\(host):\(port) (data: \(location)); review page: \(scheme)://\(host):\(port)/review\n".utf8))
                }
            } catch let error as StoreError {
                await store.close()
                throw AdminError(error)
            } catch {
                await store.close()
                throw AdminError(.cannotUseTLS("\(error)"))
            }
            do {
                try await app.runService()
                await store.close()
            } catch {
                await store.close()
                throw AdminError(Self.explain(error, host: host, port: port))
            }
        }

        /// A failure to listen, in words: the socket error's number says which.
        static func explain(_ error: any Error, host: String, port: Int) -> AdminMessage {
            let text = "\(error)"
            if text.contains("errno: 98") || text.contains("Address already in use") { return .portInUse(port: port, host: host) }
            if text.contains("errno: 13") || text.contains("Permission denied") { return .portNeedsRoot(port: port, host: host) }
            if text.contains("errno: 99") || text.contains("Cannot assign requested address") { return .notAnAddress(host) }
            return .serverStopped(text)
        }
    }

    struct Backup: ParsableCommand {
        static var configuration: CommandConfiguration { adminConfiguration(.backup) }
        @OptionGroup var data: DataOptions
        @Option(help: help(.backupTo, "file")) var to: String

        func run() throws {
            try data.requireSQLite("backup")
            guard FileManager.default.fileExists(atPath: data.databasePath) else {
                throw AdminError(.noDatabase(data.databasePath))
            }
            let store = try data.openSQLite()
            let copy: (bytes: Int64, ops: Int)
            do { copy = try store.backup(to: to) } catch { throw AdminError(error) }
            let (bytes, ops) = (copy.bytes, copy.ops)
            if data.json {
                let summary = try JSONSerialization.data(withJSONObject: ["file": to, "bytes": bytes, "ops": ops] as [String: Any],
                                                         options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: summary, as: UTF8.self))
            } else {
                print(say(.backedUp(ops: ops, file: to, kib: bytes / 1024)))
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static var configuration: CommandConfiguration { adminConfiguration(.restore) }
        @OptionGroup var data: DataOptions
        @Option(help: help(.restoreFrom, "file")) var from: String

        func run() async throws {
            try data.requireSQLite("restore")
            let lock = try data.lockForServing(serving: false)
            defer { withExtendedLifetime(lock) {} }
            try FileManager.default.createDirectory(atPath: data.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let aside: String?
            do { aside = try SQLiteServerStore.restore(from: from, to: data.databasePath) } catch { throw AdminError(error) }
            print(say(.restored(from: from, to: data.databasePath, aside: aside)))
            let devices = (try? await data.openSQLite().devices()) ?? []
            let active = devices.filter { $0.revokedAt == nil }
            print(say(.backupKnowsDevices(devices.count, active: active.count)))
            print(say(.startAgain))
        }
    }

    struct Migrate: AsyncParsableCommand {
        static var configuration: CommandConfiguration { adminConfiguration(.migrate) }
        @OptionGroup var data: DataOptions
        @Flag(name: .customLong("new-epoch"), help: help(.newEpoch))
        var newEpoch = false

        func run() async throws {
            try await data.withStore { store in
                if newEpoch {
                    guard let postgres = store as? PostgresStore else {
                        throw AdminError(.newEpochIsForPostgres)
                    }
                    let epoch = try await postgres.renewEpoch()
                    print(say(.newEpoch(location: store.location, epoch: "\(epoch)")))
                } else {
                    print(say(.upToDate(store.location)))
                }
            }
        }
    }
}

extension ServerCommand {
    struct Verify: AsyncParsableCommand {
        static var configuration: CommandConfiguration { adminConfiguration(.verify) }
        @OptionGroup var data: DataOptions
        var json: Bool { data.json }

        struct Line: Encodable { let opId: String?; let record: String; let reason: String }
        struct Answer: Encodable { let ops: Int; let batches: Int; let failures: [Line] }

        func run() async throws {
            let tty = isatty(STDERR_FILENO) == 1 && !json
            let result = try await data.withStore { store in
                try await store.verify { done, total in
                    if tty { FileHandle.standardError.write(Data(("\r" + say(.checkingSignatures(done: done, total: total))).utf8)) }
                }
            }
            if tty { FileHandle.standardError.write(Data("\n".utf8)) }
            let lines = result.failures.map { Line(opId: $0.op?.description, record: $0.record, reason: $0.reason) }
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(Answer(ops: result.ops, batches: result.batches, failures: lines)), as: UTF8.self))
            } else if lines.isEmpty {
                print(say(.allVerify(ops: result.ops, batches: result.batches)))
            } else {
                print(say(.failVerification(lines.count, of: result.ops)))
                for line in lines.prefix(200) { print("  \(line.opId ?? "-")  \(line.record)  \(line.reason)") }
                if lines.count > 200 { print("  " + say(.andMore(lines.count - 200))) }
            }
            if !lines.isEmpty {
                throw AdminError(.tampered(lines.count))
            }
        }
    }
}

/// Timestamps for devices: UTC, ISO 8601.
/// A refusal at run time (the options were fine; the data or the machine said no): one line saying
/// what is wrong and what to do, exit status 1, no usage text. Option mistakes stay `ValidationError`.
struct AdminError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
    init(_ message: AdminMessage) { self.description = say(message) }
    /// The store's refusal: a full disk or a file it cannot write in this run's language, what the model
    /// found wrong in its words, the rest as the store says.
    init(_ error: StoreError) {
        switch error.code {
        case .diskFull: description = AdminSay.words.say(.diskFull)
        case .readOnly: description = AdminSay.words.say(.storeReadOnly)
        default: description = error.problem.map(AdminSay.words.problem) ?? error.message
        }
    }
    init(_ error: ModelError) { description = error.problem.map(AdminSay.words.problem) ?? error.message }
}

func nowText() -> String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: Date())
}

/// `@Flag` is ArgumentParser's here; the model's review flags are `SunsyncModel.Flag`.
typealias Flag = ArgumentParser.Flag
