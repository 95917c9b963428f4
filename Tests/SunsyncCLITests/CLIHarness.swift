import Foundation
import GRDB
import SunsyncModel
import SunsyncStore
@testable import SunsyncCLI
import SunsyncTestSupport

/// Runs the real `sunsync` binary (built next to the test bundle) in a fresh temporary home.
struct CLI {
    struct Result {
        let status: Int32
        let out: String
        let err: String

        func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(out.utf8)) }

        /// Runs `process` to its end, with what it writes to standard output and error.
        static func of(_ process: Process) throws -> Result {
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let outData = out.fileHandleForReading.readDataToEndOfFile()
            let errData = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Result(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self))
        }
    }

    let home: String

    init(home: String = Scratch.path("sunsync-cli")) {
        self.home = home
    }

    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["SUNSYNC_BIN"] { return URL(fileURLWithPath: path) }
        let runner = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        return runner.deletingLastPathComponent().appendingPathComponent("sunsync")
    }()

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// Runs `sunsync args…` with this home; waits for it to finish.
    @discardableResult
    func run(_ args: String..., environment: [String: String] = [:]) throws -> Result {
        try run(args, environment: environment)
    }

    func run(_ args: [String], environment: [String: String] = [:]) throws -> Result {
        try Result.of(start(args, environment: environment))
    }

    /// A process ready to run, for tests that need to kill it midway.
    func start(_ args: [String], environment: [String: String] = [:]) -> Process {
        let process = Process()
        // `FAKETIME` (see FakeTime): run under Debian's `faketime` wrapper, which prepares libfaketime so that
        // the binary still sees its arguments (preloaded alone, it hides them from Swift).
        if let offset = environment["FAKETIME"] {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/faketime")
            process.arguments = ["-f", offset, Self.binary.path] + args
        } else {
            process.executableURL = Self.binary
            process.arguments = args
        }
        var env = ProcessInfo.processInfo.environment
        env["SUNSYNC_HOME"] = home
        // Every home's passphrase, and scrypt at its cheapest (a test makes hundreds of homes; StoreKeyTests
        // check the real cost and the terminal's prompt).
        env["SUNSYNC_PASSPHRASE"] = Self.passphrase
        env["SUNSYNC_KDF_LOGN"] = "10"
        // Messages in English, which most tests read; WordsTests read the Chinese a person gets by default.
        env["LC_ALL"] = "en_US.UTF-8"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        // Never the terminal's: a locked store asks there only when standard input is a terminal.
        process.standardInput = FileHandle.nullDevice
        return process
    }

    var storePath: String { home + "/store.sqlite" }

    /// Starts `sunsync args…`, and if it is still running after `microseconds`, calls `interrupt` (which
    /// kills it or something it depends on). Waits for it to end; returns whether `interrupt` was called.
    func runInterrupted(_ args: [String], after microseconds: UInt32,
                        interrupt: (Process) throws -> Void = { kill($0.processIdentifier, SIGKILL) }) throws -> Bool {
        let process = start(args)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(microseconds)
        let interrupted = process.isRunning
        if interrupted { try interrupt(process) }
        process.waitUntilExit()
        return interrupted
    }

    /// An initialized home with the three fixture participants.
    static func withParticipants(lunchRate: String? = "15") throws -> CLI {
        let cli = CLI()
        var args = ["init", "--org", "MH-SB-001", "--name", "莘庄镇阳光基地"]
        if let lunchRate { args += ["--lunch-rate", lunchRate] }
        let initResult = try cli.run(args)
        precondition(initResult.status == 0, initResult.err)
        let imported = try cli.run("import", fixture("participants-utf8.csv"), "--kind", "participants")
        precondition(imported.status == 0, imported.err)
        return cli
    }

    /// What a session from a server that allowed this device to reveal (`device edit --may-reveal`) leaves
    /// in the home, for tests of a home made by `init`; RevealTests take the real way through a server.
    func allowReveal() throws {
        try openStore().setMeta("may_reveal", "true")
    }

    /// The passphrase of every test home (`SUNSYNC_PASSPHRASE`).
    static let passphrase = "测试口令 sunsync tests"

    /// The key of this home's store, from its keys file and the tests' passphrase.
    func storeKey() throws -> StoreKey {
        try KeysFile.read(home + "/store.keys").unwrap(passphrase: Self.passphrase)
    }

    /// The home's store, opened as `sunsync` opens it (for a test that plants what sync would bring).
    func openStore() throws -> Store { try Store.open(at: storePath, key: storeKey()) }

    /// The person key of a certificate's holder as this home makes it (its server's secret, once synced).
    func personKey(_ cert: String) throws -> String {
        try openStore().personKeys().key(try CertificateNumber(validating: cert).residentID)
    }

    /// The home's encrypted SQLite file through GRDB, for a test that changes it by hand (as an attacker or
    /// an older version would) or checks it.
    func database(_ configuration: Configuration = Configuration()) throws -> DatabaseQueue {
        var configuration = configuration
        let hex = Hex.encode(try storeKey().bytes)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA key = \"x'\(hex)'\"") }
        return try DatabaseQueue(path: storePath, configuration: configuration)
    }

    /// The number of ops in the store: a refused command must leave it unchanged.
    func opCount() throws -> Int {
        let status = try run("status", "--json")
        return (try status.json() as? [String: Any])?["ops"] as? Int ?? -1
    }
}

enum People {
    static let zhang = "31011219900315123X52"
    static let li = "31011219850620246061"
    static let wang = "31011219921108357741"
}
