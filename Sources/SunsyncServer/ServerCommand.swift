import ArgumentParser
import Hummingbird
import SunsyncVersion
import Foundation
import Logging
import SunsyncModel
import SunsyncServerStore
import SunsyncPostgres
import SunsyncProtocol
import SunsyncStore

/// `sunsync-server`: serve sync for field laptops, and administer organizations and devices.
@available(macOS 10.15, *)
public struct ServerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sunsync-server",
        abstract: "The Sunsync sync server, on an embedded SQLite database by default.",
        discussion: """
            Start it with `sunsync-server serve`. Register organizations with `sunsync-server org add` and give each laptop
            its own token with `sunsync-server device add`; these work against the same --data-dir while the server runs.
            """,
        version: SunsyncVersion.description,
        subcommands: [Serve.self, OrgCommand.self, DeviceCommand.self, RevealsCommand.self, RecoveryCommand.self, TLSCommand.self, SettingsCommand.self, Backup.self, Restore.self, Migrate.self, Verify.self])

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
        } catch {
            exit(withError: error)
        }
    }
}

/// Where the data is, shared by every command: `--database postgres://…` (or `$SUNSYNC_DATABASE`) for
/// PostgreSQL, else the SQLite file in `--data-dir`.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Where the server keeps its SQLite database (default: $SUNSYNC_DATA_DIR, else the one /etc/default/sunsync-server names, else ./sunsync-data).", valueName: "dir"))
    var dataDir: String?

    @Option(name: .customLong("database"),
            help: ArgumentHelp("Use PostgreSQL instead of the SQLite file: postgres://user[:password]@host[:port]/db (default: $SUNSYNC_DATABASE). Several servers may share one.",
                               valueName: "url"))
    var database: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

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
            throw AdminError("cannot act as \(directory)'s owner (uid \(info.st_uid)): \(String(cString: strerror(errno))); run this as that user")
        }
    }

    /// Holds `serve.lock` in the data dir for as long as the returned handle lives: one `serve` per data
    /// dir, and no `restore` under a running server. (Admin commands do not take it: they work beside `serve`.)
    /// PostgreSQL takes no such lock: several servers share one database.
    func lockForServing(purpose: String = "serve") throws -> FileHandle? {
        guard postgresURL == nil else { return nil }
        try actAsOwner()
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = directory + "/serve.lock"
        let fd = Foundation.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AdminError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw AdminError(purpose == "serve"
                ? "another sunsync-server is serving \(directory) (it holds \(path)); stop it first, or give another --data-dir"
                : "a sunsync-server is serving \(directory) (it holds \(path)); stop it first, then \(purpose)")
        }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Opens the database: connects to PostgreSQL and brings its schema up to date, or opens the SQLite
    /// file, creating the directory and an empty database the first time. Close it with `close()`.
    func open(logger: Logger = DataOptions.quietLogger) async throws -> any ServerStore {
        if let url = postgresURL {
            do { return try await PostgresStore.connect(url: url, logger: logger) } catch let error as StoreError { throw AdminError(error.message) }
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
                FileHandle.standardError.write(Data("Upgrading \(path) to this version of sunsync-server (once)…\n".utf8))
            }
        } catch {
            throw AdminError("\(path): \(error.message)")
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
            throw AdminError(error.message)
        } catch {
            await store.close()
            throw error
        }
    }

    /// The SQLite-only commands refuse a PostgreSQL URL, saying what to use instead.
    func requireSQLite(_ what: String) throws {
        guard postgresURL == nil else {
            throw AdminError("\(what) works on the SQLite file; on PostgreSQL use its own tools (pg_dump, pg_restore, point-in-time recovery), "
                + "then `sunsync-server migrate --new-epoch` (README, \"Backup and restore on PostgreSQL\")")
        }
    }
}

@available(macOS 10.15, *)
extension ServerCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve sync over HTTP until SIGTERM or SIGINT (requests in flight are finished first).",
            discussion: """
                Also serves the district review page at /review: reviewers sign in in a browser with their reviewer device's token.
                Serve HTTPS (--tls-cert, --tls-key) whenever it leaves the machine: certificate numbers are sensitive personal information.
                """)

        @OptionGroup var data: DataOptions
        @Option(help: "The address to listen on.") var host = "127.0.0.1"
        @Option(help: "The port to listen on (0: any free port, printed at start).") var port = 8080
        @Option(name: .customLong("max-clock-skew"), help: ArgumentHelp("Refuse ops stamped more than this many seconds ahead of the server's clock.", valueName: "seconds"))
        var maxClockSkew = 300
        @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Serve HTTPS with this certificate chain (PEM).", valueName: "file"))
        var tlsCert: String?
        @Option(name: .customLong("tls-key"), help: ArgumentHelp("The certificate's private key (PEM).", valueName: "file"))
        var tlsKey: String?
        @Flag(name: .customLong("insecure-http"), help: "Serve plain HTTP beyond this machine anyway (tokens and certificate numbers cross the network in clear).")
        var insecureHTTP = false
        @Option(name: .customLong("behind-https-proxy"),
                help: ArgumentHelp("An HTTPS reverse proxy at this address forwards to this server: trust its X-Forwarded-For and X-Forwarded-Proto, mark cookies Secure.", valueName: "address"))
        var behindHTTPSProxy: String?
        @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("Close a connection that sends nothing (or half a request) for this many seconds.", valueName: "seconds"))
        var idleTimeout = 20
        @Option(name: .customLong("body-timeout"), help: ArgumentHelp("Refuse a request whose body is not received whole within this many seconds (408).", valueName: "seconds"))
        var bodyTimeout = 120
        @Option(name: .customLong("max-connections"), help: ArgumentHelp("Open connections at most; more wait to be accepted (kept below the open-files limit).", valueName: "n"))
        var maxConnections = 4_096
        @Option(name: .customLong("max-connections-per-address"),
                help: ArgumentHelp("Open connections from one address at most; more are closed at once (0: no limit; give 0 behind a reverse proxy).", valueName: "n"))
        var maxConnectionsPerAddress = 128

        func validate() throws {
            guard (0...65_535).contains(port) else {
                throw ValidationError("--port \(port) is not a port: give 1 to 65535 (or 0 for any free port)")
            }
            guard maxClockSkew >= 0 else { throw ValidationError("--max-clock-skew is a number of seconds, 0 or more") }
            guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout is a number of seconds, 1 or more") }
            guard bodyTimeout >= 1 else { throw ValidationError("--body-timeout is a number of seconds, 1 or more") }
            guard maxConnections >= 1 else { throw ValidationError("--max-connections is a number of connections, 1 or more") }
            guard maxConnectionsPerAddress >= 0 else { throw ValidationError("--max-connections-per-address is a number of connections, 0 (no limit) or more") }
            guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("give both --tls-cert and --tls-key, or neither") }
            if tlsCert == nil, behindHTTPSProxy == nil, !insecureHTTP, !Wire.isLoopback(host) {
                throw ValidationError("--host \(host) serves beyond this machine, where tokens and certificate numbers must not cross the network in clear:"
                    + " give --tls-cert and --tls-key, or --behind-https-proxy ADDRESS when an HTTPS reverse proxy forwards to it,"
                    + " or --insecure-http to serve plain HTTP anyway")
            }
            for file in [tlsCert, tlsKey].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
                throw ValidationError("cannot read \(file)")
            }
        }

        func run() async throws {
            let lock = try data.lockForServing()
            defer { withExtendedLifetime(lock) {} }
            var logger = Logger(label: "sunsync-server")
            logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            let store = try await data.open(logger: logger)
            if let sqlite = store as? SQLiteServerStore {
                do { try sqlite.expectLargeWrites() } catch { throw AdminError(error.message) }
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
                throw AdminError(error.message)
            } catch {
                await store.close()
                throw AdminError("cannot use the TLS certificate or key: \(error)")
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
        static func explain(_ error: any Error, host: String, port: Int) -> String {
            let text = "\(error)"
            if text.contains("errno: 98") || text.contains("Address already in use") {
                return "port \(port) on \(host) is already in use (another sunsync-server?): stop that program, or give another --port"
            }
            if text.contains("errno: 13") || text.contains("Permission denied") {
                return "not allowed to listen on port \(port) on \(host): ports below 1024 need root; give --port 8080 or another above 1024"
            }
            if text.contains("errno: 99") || text.contains("Cannot assign requested address") {
                return "\(host) is not an address of this machine: give --host 127.0.0.1, 0.0.0.0 (every address) or one of its own"
            }
            return "the server stopped: \(text)"
        }
    }

    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the database to a new file while the server runs.",
            discussion: """
                The copy is one consistent snapshot, readable by its owner only.

                To restore it: stop the server, then `sunsync-server restore --from FILE`, and start it again. At their \
                next sync laptops see that the database changed, send their own changes again (so what reached the \
                server after the backup comes back) and pull from the start. Devices added or revoked and settings \
                changed after the backup must be added, revoked or set again.

                Example: sunsync-server backup --to /backup/sunsync-$(date +%F).sqlite
                """)
        @OptionGroup var data: DataOptions
        @Option(help: ArgumentHelp("The new file to write (never overwritten).", valueName: "file")) var to: String

        func run() throws {
            try data.requireSQLite("backup")
            guard FileManager.default.fileExists(atPath: data.databasePath) else {
                throw AdminError("no database at \(data.databasePath); nothing to back up (check --data-dir)")
            }
            let store = try data.openSQLite()
            let copy: (bytes: Int64, ops: Int)
            do { copy = try store.backup(to: to) } catch { throw AdminError(error.message) }
            let (bytes, ops) = (copy.bytes, copy.ops)
            if data.json {
                let summary = try JSONSerialization.data(withJSONObject: ["file": to, "bytes": bytes, "ops": ops] as [String: Any],
                                                         options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: summary, as: UTF8.self))
            } else {
                print("Backed up \(ops) changes to \(to) (\(bytes / 1024) KiB).")
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a backup in place of the database (the server must be stopped).",
            discussion: """
                The backup is checked (a sound Sunsync server database) and copied in; the database it replaces is moved \
                aside, never deleted. At their next sync laptops see that the database changed, send their own changes \
                again (so what reached the server after the backup comes back) and pull from the start. Devices added \
                or revoked and settings changed after the backup (`sunsync-server settings show`, lunch rates) must be \
                added, revoked or set again.

                Example: sunsync-server restore --from /backup/sunsync-2026-11-01.sqlite
                """)
        @OptionGroup var data: DataOptions
        @Option(help: ArgumentHelp("The backup to restore.", valueName: "file")) var from: String

        func run() async throws {
            try data.requireSQLite("restore")
            let lock = try data.lockForServing(purpose: "restore")
            defer { withExtendedLifetime(lock) {} }
            try FileManager.default.createDirectory(atPath: data.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let aside: String?
            do { aside = try SQLiteServerStore.restore(from: from, to: data.databasePath) } catch { throw AdminError(error.message) }
            print("Restored \(from) as \(data.databasePath).\(aside.map { " The database it replaced is in \($0)." } ?? "")")
            let devices = (try? await data.openSQLite().devices()) ?? []
            let active = devices.filter { $0.revokedAt == nil }
            print("The backup knows \(devices.count) devices, \(active.count) of them not revoked: revoke again any revoked since the "
                + "backup (`sunsync-server device list`), and add any added since; set again any settings changed since (`sunsync-server settings show`).")
            print("Start the server again; laptops send what they had sent since the backup at their next sync.")
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the database, or bring it to this version's schema (serve does it too, at start).",
            discussion: """
                Migrations are append-only; on PostgreSQL several servers may start at once (one migrates, the others wait).
                After restoring a PostgreSQL database from pg_dump or point-in-time recovery, run it once with --new-epoch
                before any server starts: laptops then send their changes again and pull from the start, so nothing that
                reached the server after the backup is lost. (`sunsync-server restore` does this for the SQLite file.)
                """)
        @OptionGroup var data: DataOptions
        @Flag(name: .customLong("new-epoch"), help: "Give the database a new epoch (after a restore, PostgreSQL).")
        var newEpoch = false

        func run() async throws {
            try await data.withStore { store in
                if newEpoch {
                    guard let postgres = store as? PostgresStore else {
                        throw AdminError("--new-epoch is for PostgreSQL; `sunsync-server restore` gives a restored SQLite file its new epoch")
                    }
                    let epoch = try await postgres.renewEpoch()
                    print("\(store.location) has the new epoch \(epoch): laptops resend their changes and pull from the start at their next sync.")
                } else {
                    print("\(store.location) is up to date")
                }
            }
        }
    }
}

extension ServerCommand {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every change the database holds against the signature of the device that made it.",
            discussion: """
                Every change is held under a batch its device signed (Ed25519, SPEC §9); the server signs its own and
                what it held before signatures began. A change altered, added or removed by hand in the database fails,
                and is named here with why. Exit status 1 if any fails. Safe while the server runs.
                """)
        @OptionGroup var data: DataOptions
        var json: Bool { data.json }

        struct Line: Encodable { let opId: String?; let record: String; let reason: String }
        struct Answer: Encodable { let ops: Int; let batches: Int; let failures: [Line] }

        func run() async throws {
            let tty = isatty(STDERR_FILENO) == 1 && !json
            let result = try await data.withStore { store in
                try await store.verify { done, total in
                    if tty { FileHandle.standardError.write(Data("\rchecking signatures: \(done) of \(total) batches".utf8)) }
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
                print("All \(result.ops) changes in \(result.batches) signed batches verify: each is as the device that made it signed it.")
            } else {
                print("\(lines.count) of \(result.ops) changes fail verification:")
                for line in lines.prefix(200) { print("  \(line.opId ?? "-")  \(line.record)  \(line.reason)") }
                if lines.count > 200 { print("  … and \(lines.count - 200) more (--json lists them all)") }
            }
            if !lines.isEmpty {
                throw AdminError("\(lines.count) changes fail verification: the database was changed outside sunsync-server; restore it from a backup taken before (sunsync-server restore), and find out who had access to it")
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
}

func nowText() -> String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: Date())
}

/// `@Flag` is ArgumentParser's here; the model's review flags are `SunsyncModel.Flag`.
typealias Flag = ArgumentParser.Flag
