// sync: the release `sunsync-server` and `sunsync` binaries on loopback. A district-year (1,000,000 ops
// over 50 bases) is written straight into a server database; then a fresh reviewer laptop's first sync,
// syncs with nothing new against that server and an empty one, bytes on the wire, and 50 devices pushing
// 10-op batches at once.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SunsyncModel
import SunsyncProtocol
import SunsyncStore
import SunsyncServerStore
import SunsyncPostgres
import PostgresNIO
import Logging

/// `postgres`: a PostgreSQL server's URL; the bench makes its databases there (and drops them after).
func runSync(ops count: Int, postgres: String? = nil) async throws {
    let (sunsync, serverBinary) = try releaseBinaries()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("sunsync-bench-\(UUID().uuidString)").path
    let keep = ProcessInfo.processInfo.environment["SUNSYNC_BENCH_KEEP"] != nil
    defer { if keep { print("kept \(root)") } else { try? FileManager.default.removeItem(atPath: root) } }

    print("sunsync-bench sync: \(count) ops over 50 bases, release binaries on 127.0.0.1, \(postgres == nil ? "SQLite" : "PostgreSQL")")
    let full: ServerData, empty: ServerData
    var databases = [String]()
    if let postgres {
        let fullURL = try await benchDatabase(postgres, "sunsync_bench_full"), emptyURL = try await benchDatabase(postgres, "sunsync_bench_empty")
        databases = [fullURL, emptyURL]
        let load = Date()
        full = try await makePostgresData(fullURL, ops: count)
        print(String(format: "load: %d ops pushed through PostgresStore in 5,000-op batches  %6.2f s  %9.0f ops/s",
                     count, Date().timeIntervalSince(load), Double(count) / Date().timeIntervalSince(load)))
        empty = try await makePostgresData(emptyURL, ops: 0)
    } else {
        full = try await makeServerData(root + "/full", ops: count)
        empty = try await makeServerData(root + "/empty", ops: 0)
    }
    let fullServer = try BenchServer(binary: serverBinary, dataDir: root + "/full", database: databases.first)
    let emptyServer = try BenchServer(binary: serverBinary, dataDir: root + "/empty", database: databases.last)
    defer { fullServer.stop(); emptyServer.stop() }

    // First sync of a fresh reviewer laptop.
    let laptop = root + "/laptop"
    _ = try spawn(sunsync, ["login", "--home", laptop, "--server", fullServer.url, "--token", full.reviewer])
    // A server runs long before a laptop's first sync: let it finish what it does at its start (warming each
    // district's latest month for the review page, ~2-3 s of CPU here) so that the sync does not pay for it.
    fullServer.settle()
    let served = fullServer.cpuSeconds
    let first = try spawn(sunsync, ["sync", "--home", laptop])
    let serverCPU = fullServer.cpuSeconds - served
    print(String(format: "first sync, %d ops            %6.2f s  %9.0f ops/s  client peak RSS %5.1f MB",
                 count, first.seconds, Double(count) / first.seconds, first.peakMB))
    print(String(format: "  CPU: the client %.1f s, the server %.1f s  →  %.2f cores busy of %d", first.cpu, serverCPU,
                 (first.cpu + serverCPU) / first.seconds, ProcessInfo.processInfo.activeProcessorCount))
    // What it is measured against (issue 21): the same rows inserted by raw SQLite into the op log's table, in this run.
    let ops = makeOps(count: count, conflictHeavy: false)
    let raw = Double(count) / (try rawInsert(ops, path: root + "/raw.sqlite"))
    print(String(format: "raw SQLite insert of the same rows         %9.0f rows/s  first sync / raw %.2f", raw, Double(count) / first.seconds / raw))
    // The first sync's ceiling on this machine: the laptop's encrypted store applying the same ops in the
    // same pages with nothing else to do (no server, no transfer, no checks), and the same in the clear.
    let cpuBefore = cpuSeconds()
    let aloneSeconds = try applyInPages(ops, path: root + "/alone.sqlite", key: StoreKey.random())
    let aloneCPU = cpuSeconds() - cpuBefore, alone = Double(count) / aloneSeconds
    let clear = Double(count) / (try applyInPages(ops, path: root + "/clear.sqlite", key: nil))
    print(String(format: "the store alone applying them, encrypted  %9.0f ops/s   store alone / raw %.2f  (CPU %.1f s: %.2f cores)",
                 alone, alone / raw, aloneCPU, aloneCPU / aloneSeconds))
    print(String(format: "the store alone, in the clear             %9.0f ops/s   in the clear / raw %.2f", clear, clear / raw))

    // What the reviewer then reads on that laptop: one month of the whole district, and the overview.
    for command in [["report", "monthly", "--month", "2022-02"], ["status"]] {
        let read = try spawn(sunsync, command + ["--home", laptop])
        let name = command.joined(separator: " ").padding(toLength: 31, withPad: " ", startingAt: 0)
        print("reviewer laptop, sunsync \(name)" + String(format: "%6.2f s  peak RSS %5.1f MB", read.seconds, read.peakMB))
    }

    // Syncs with nothing new: median of 15 against each server.
    let idle = root + "/idle"
    _ = try spawn(sunsync, ["login", "--home", idle, "--server", emptyServer.url, "--token", empty.reviewer])
    _ = try spawn(sunsync, ["sync", "--home", idle])
    let fullTimes = try (0..<15).map { _ in try spawn(sunsync, ["sync", "--home", laptop]).seconds }.sorted()
    let emptyTimes = try (0..<15).map { _ in try spawn(sunsync, ["sync", "--home", idle]).seconds }.sorted()
    print(String(format: "nothing-new sync: %d-op server %5.1f ms, empty server %5.1f ms (medians)  ratio %.2f",
                 count, fullTimes[7] * 1000, emptyTimes[7] * 1000, fullTimes[7] / emptyTimes[7]))

    // Bytes on the wire: a 5,000-op page as the server sends it (gzip level 1).
    let page = try await fetch(fullServer.url + "/v1/pull?after=0&limit=5000", token: full.reviewer)
    let decoded = try Wire.decoder().decode(PullResponse.self, from: page)
    let compressed = try Gzip.compress(page, level: 1)
    print(String(format: "wire: %d ops, %d bytes JSON, %d bytes gzip  →  %.1f compressed bytes per op",
                 decoded.ops.count, page.count, compressed.count, Double(compressed.count) / Double(max(1, decoded.ops.count))))

    // 50 devices pushing 10-op batches at once.
    try await concurrentPushes(servers: [fullServer.url], tokens: full.staff, seconds: 5)
    if let database = databases.first {
        // The same through two server processes on the one database, half of the devices each.
        let second = try BenchServer(binary: serverBinary, dataDir: root + "/second", database: database)
        defer { second.stop() }
        try await concurrentPushes(servers: [fullServer.url, second.url], tokens: full.staff, seconds: 5)
    }
}

/// A new database `name` on the PostgreSQL server at `url` (dropped first if a run left it); its URL.
/// `sunsync-bench push`: the concurrent pushes alone, against a server holding `count` ops (quicker to repeat
/// than the whole sync bench, which measures them against its district-year).
func runPushes(ops count: Int, seconds: Double, postgres: String? = nil) async throws {
    let (_, serverBinary) = try releaseBinaries()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("sunsync-bench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    let data: ServerData, database: String?
    if let postgres {
        database = try await benchDatabase(postgres, "sunsync_bench_push")
        data = try await makePostgresData(database!, ops: count)
    } else {
        database = nil
        data = try await makeServerData(root + "/server", ops: count)
    }
    let server = try BenchServer(binary: serverBinary, dataDir: root + "/server", database: database)
    defer { server.stop() }
    print("sunsync-bench push: a server holding \(count) ops, release binaries on 127.0.0.1, \(postgres == nil ? "SQLite" : "PostgreSQL")")
    try await concurrentPushes(servers: [server.url], tokens: data.staff, seconds: seconds)
}

func benchDatabase(_ url: String, _ name: String) async throws -> String {
    let (configuration, _) = try PostgresStore.configuration(url)
    let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "bench"))
    let running = Task { await client.run() }
    defer { running.cancel() }
    try await Task.sleep(for: .milliseconds(20))
    try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
    try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
    var parts = URLComponents(string: url)!
    parts.path = "/" + name
    return parts.string!
}

/// The same district-year as `makeServerData`, pushed into PostgreSQL through the server's own store.
func makePostgresData(_ url: String, ops count: Int) async throws -> ServerData {
    let store = try await PostgresStore.connect(url: url)
    let data = try await fill(store, ops: count, pushes: 5_000)
    await store.close()
    return data
}

/// A district-year in a server store: 50 orgs in district 310112 (written as the server's), their devices,
/// and `count` hours ops pushed in pieces of `pushes` (unsigned: the caller signs them where it can).
func fill(_ store: any ServerStore, ops count: Int, pushes: Int) async throws -> ServerData {
    let orgs = (0..<50).map { String(format: "MH-SB-%03d", $0) }
    let keys = orgs.map { RecordKey(collection: .orgs, id: $0) }
    _ = try await store.edit(keys, by: .server) { tx in try writeDirectory(&tx, orgs: orgs) }
    let ops = makeOps(count: count, conflictHeavy: false)
    for start in stride(from: 0, to: ops.count, by: pushes) {
        _ = try await store.push(Array(ops[start..<min(start + pushes, ops.count)]), device: nil, at: "")
    }
    func device(_ name: String, _ role: Device.Role, org: String? = nil, district: String? = nil) async throws -> String {
        let token = "sst_bench_\(name)_\(UUID().uuidString)"
        try await store.addDevice(Device(id: "dev_\(name)", name: name, role: role, org: org, district: district, createdAt: "2026-01-01T00:00:00Z",
                                         revokedAt: nil), tokenHash: NaturalKey.digest(token))
        return token
    }
    var staff = [(org: String, token: String)]()
    for org in orgs { staff.append((org, try await device("staff-\(org)", .staff, org: org))) }
    let reviewer = try await device("reviewer", .reviewer, district: "310112")
    return ServerData(reviewer: reviewer, staff: staff)
}

/// The release `sunsync` and `sunsync-server` beside this bench.
func releaseBinaries() throws -> (sunsync: String, server: String) {
    let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let sunsync = bin.appendingPathComponent("sunsync").path, server = bin.appendingPathComponent("sunsync-server").path
    guard FileManager.default.isExecutableFile(atPath: sunsync), FileManager.default.isExecutableFile(atPath: server) else {
        throw BenchError("build the binaries first: swift build -c release")
    }
    return (sunsync, server)
}

struct ServerData {
    let reviewer: String
    let staff: [(org: String, token: String)]
}

/// The district's directory every bench server starts with: its 50 bases, and their 2,000 participants.
func writeDirectory(_ tx: inout some RecordWriter, orgs: [String]) throws {
    for org in orgs {
        let key = RecordKey(collection: .orgs, id: org)
        try tx.set(key, "name", .text("基地 \(org)"))
        try tx.set(key, "kind", .text("sunshine-base"))
        try tx.set(key, "district", .text("310112"))
    }
    for n in 0..<BenchPeople.count {
        let key = RecordKey(collection: .participants, id: "\(orgs[n % 50])/\(BenchPeople.personKeys[n])")
        for (field, value) in BenchPeople.fields(n) { try tx.set(key, field, value) }
    }
}

/// A server database written through the server's SQLite store: 50 orgs in district 310112, their devices,
/// and `ops` hours ops.
func makeServerData(_ dir: String, ops count: Int) async throws -> ServerData {
    let store = try SQLiteServerStore.open(path: dir + "/server.sqlite")
    let data = try await fill(store, ops: count, pushes: 100_000)
    // Attested per org in 1,000-op batches: what a database held before signatures became.
    let clock = ContinuousClock(), t0 = clock.now
    let signed = try store.attestUnsigned()
    if signed > 0 { print("attested \(signed) ops in \(clock.now - t0)") }
    await store.close()
    return data
}

/// A release server on a free port.
final class BenchServer {
    let process = Process()
    var url = ""

    init(binary: String, dataDir: String, database: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", dataDir, "--port", "0"] + (database.map { ["--database", $0] } ?? [])
        var env = ProcessInfo.processInfo.environment
        env["LOG_LEVEL"] = "error"
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var text = ""
        while !text.contains("listening on") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchError("the server did not start") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else { throw BenchError(text) }
        url = String(text[range])
    }

    /// The CPU seconds the server has used so far (user and system, from /proc).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        // After "(name)": state is field 3; utime and stime are fields 14 and 15, in clock ticks.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Waits until the server's CPU time stops rising for a second (at most 30 s).
    func settle() {
        var last = cpuSeconds
        for _ in 0..<30 {
            sleep(1)
            let now = cpuSeconds
            if now - last < 0.02 { return }
            last = now
        }
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// Runs a process to completion: wall time, its peak resident memory and its CPU seconds. The peak is
/// the child's own VmHWM, read from /proc every 10 ms until it exits (rusage's ru_maxrss is no use here:
/// a child spawned with vfork inherits this large process's high-water mark).
func spawn(_ binary: String, _ args: [String]) throws -> (seconds: Double, peakMB: Double, cpu: Double) {
    let argv = ([binary] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var pid: pid_t = 0, status: Int32 = 0
    var peakKB = 0.0
    let reaped = cpuSeconds(of: RUSAGE_CHILDREN)
    let time = seconds {
        guard posix_spawn(&pid, binary, &actions, nil, argv, environ) == 0 else { return }
        while waitpid(pid, &status, WNOHANG) == 0 {
            if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kb = Double(line.split(separator: " ").dropFirst().first ?? "") {
                peakKB = max(peakKB, kb)
            }
            usleep(10_000)
        }
    }
    guard pid != 0, status == 0 else { throw BenchError("\(binary) \(args.joined(separator: " ")) failed (status \(status))") }
    return (time, peakKB / 1024, cpuSeconds(of: RUSAGE_CHILDREN) - reaped)
}

func fetch(_ url: String, token: String, body: Data? = nil) async throws -> Data {
    var request = URLRequest(url: URL(string: url)!)
    request.setValue(String(Wire.version), forHTTPHeaderField: Wire.versionHeader)
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
    if let body {
        request.httpMethod = "POST"
        request.httpBody = body
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw BenchError("\(url): \(String(decoding: data, as: UTF8.self))") }
    return data
}

/// A device's signing key in the bench: made from its token, registered with the server before it pushes.
func benchKey(_ server: String, token: String) async throws -> (id: String, privateKey: [UInt8]) {
    let privateKey = Hex.decode(NaturalKey.digest("bench-key:" + token)) ?? []
    let publicKey = try Signing.publicKey(privateKey: privateKey)
    _ = try await fetch(server + "/v1/keys", token: token, body: try Wire.encoder().encode(KeyRegistration(publicKey: Hex.encode(publicKey))))
    return (Signing.keyID(publicKey: publicKey), privateKey)
}

/// `ops` pushed as a laptop does: signed with the device's key.
func signedPush(_ server: String, token: String, _ ops: [Op]) async throws -> Data {
    let key = try await benchKey(server, token: token)
    return try await fetch(server + "/v1/push", token: token, body: try Wire.encoder().encode(try PushRequest(signing: ops, key: key.id, privateKey: key.privateKey)))
}

func concurrentPushes(servers: [String], tokens: [(org: String, token: String)], seconds duration: Double) async throws {
    var keys = [String: (id: String, privateKey: [UInt8])]()
    for device in tokens { keys[device.token] = try await benchKey(servers[0], token: device.token) }
    // Every push signed before the clock starts (as many as 1,000 a device: 10,000 pushes/s for 5 s), so
    // that the client's time goes to sending them.
    let perDevice = 1_000
    var bodies = [[Data]]()
    for (n, device) in tokens.enumerated() {
        var clock = HybridClock()
        // The org's own registered participants (`writeDirectory`: person n is at org n % 50): the
        // server holds days only of a participant registered whole at that org.
        let k = Int(device.org.suffix(3)) ?? 0
        let people = stride(from: k, to: BenchPeople.count, by: 50).map { BenchPeople.personKeys[$0] }
        guard let key = keys[device.token] else { throw BenchError("no key for \(device.org)") }
        bodies.append(try (0..<perDevice).map { day in
            let ops = (0..<10).map { i in
                Op(id: OpID(timestamp: clock.next(wallMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000)), replica: ReplicaID(UInt64(1000 + n))),
                   collection: .hours, record: "\(device.org)/\(people[i % people.count])/\(CivilDate(dayNumber: Int32(20_000 + day)))",
                   field: "minutes", value: .integer(240))
            }
            return try Wire.encoder().encode(try PushRequest(signing: ops, key: key.id, privateKey: key.privateKey))
        })
    }
    var connections = [BenchConnection]()
    for n in tokens.indices { connections.append(try await BenchConnection.connect(servers[n % servers.count])) }
    let deadline = Date().addingTimeInterval(duration)
    let start = Date()
    let signed = bodies, open = connections
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for (n, device) in tokens.enumerated() {
            group.addTask {
                let headers = [(Wire.versionHeader, String(Wire.version)), ("Authorization", "Bearer \(device.token)"),
                               ("Content-Type", "application/json"), ("Accept-Encoding", "identity")]
                var times = [Double]()
                for body in signed[n] where Date() < deadline {
                    let t = Date()
                    let (status, answer) = try await open[n].send(.POST, "/v1/push", headers: headers, body: body)
                    guard status == 200 else { throw BenchError("push: \(status) \(String(decoding: answer, as: UTF8.self))") }
                    times.append(Date().timeIntervalSince(t))
                }
                return times
            }
        }
        var all = [Double]()
        for try await times in group { all += times }
        return all.sorted()
    }
    for connection in connections { await connection.close() }
    let elapsed = Date().timeIntervalSince(start)
    print(String(format: "%d devices pushing 10-op batches through %d server%@: %d pushes in %.1f s  →  %.0f pushes/s  (p50 %.1f ms, p99 %.1f ms)",
                 tokens.count, servers.count, servers.count == 1 ? "" : "s", latencies.count, elapsed, Double(latencies.count) / elapsed,
                 latencies[latencies.count / 2] * 1000, latencies[Int(Double(latencies.count) * 0.99)] * 1000))
}
