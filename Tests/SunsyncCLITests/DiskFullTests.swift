import Foundation
import SunsyncModel
import SunsyncProtocol
import Testing
import SunsyncTestSupport

/// A small tmpfs of its own (needs root, as CI runs): a disk that can be filled and freed.
struct SmallDisk {
    let path: String

    static let available: Bool = {
        guard getuid() == 0, let disk = try? SmallDisk(megabytes: 1) else { return false }
        disk.remove()
        return true
    }()

    init(megabytes: Int) throws {
        path = Scratch.path("sunsync-disk")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        do { try Self.mount(["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]) } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// Runs `mount arguments…`; its complaint as the error where it fails.
    private static func mount(_ arguments: [String]) throws {
        let result = try CLI.Result.of({
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/mount")
            p.arguments = arguments
            return p
        }())
        guard result.status == 0 else { throw CLIHarnessError("mount: \(result.err)") }
    }

    var filler: String { path + "/filler" }

    /// Fills the disk to the last byte, then gives back `leaving` bytes of it.
    func fill(leaving: Int = 0) {
        fillUp()
        guard leaving > 0, let size = (try? FileManager.default.attributesOfItem(atPath: filler))?[.size] as? Int else { return }
        _ = truncate(filler, off_t(max(0, size - leaving)))
    }

    private func fillUp() {
        guard let handle = FileHandle(forWritingAtPath: filler) ?? {
            FileManager.default.createFile(atPath: filler, contents: nil)
            return FileHandle(forWritingAtPath: filler)
        }() else { return }
        defer { try? handle.close() }
        for size in [1 << 20, 1 << 12, 1] {
            let chunk = Data(count: size)
            while (try? handle.write(contentsOf: chunk)) != nil {}
        }
    }

    func free() { try? FileManager.default.removeItem(atPath: filler) }

    /// Mounts the disk again read-only (`false`) or writable (`true`).
    func remount(writable: Bool) throws {
        try Self.mount(["-o", writable ? "remount,rw" : "remount,ro", path])
    }

    func remove() {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = ["-l", path]
        try? p.run()
        p.waitUntilExit()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The server's disk fills up under pushes: each push is refused with 507 `disk-full` (and `Retry-After`),
/// `/healthz` says degraded, nothing held is lost, and once space returns the same pushes are taken with
/// nothing done by hand.
@Suite(.serialized, .enabled(if: SmallDisk.available, "needs root, to mount a small tmpfs"))
struct DiskFullTests {
    @Test func aFullDiskIsNamedAndPassesWhenSpaceReturns() async throws {
        let disk = try SmallDisk(megabytes: 40)
        defer { disk.remove() }
        let server = try ServerProcess.withOrgs(dataDir: disk.path + "/data")
        defer { server.stop() }
        let staff = try server.token("a", "--role", "staff", "--org", "MH-SB-001")
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let replica = ReplicaID(0xd15c)
        let zhang = try await server.personKey(People.zhang, token: staff)
        #expect(try await server.push(ServerRefusalTests.registration(now - 100_000, person: zhang, replica: replica), token: staff).status == 200)
        let note = String(repeating: "记", count: 1_000)
        /// 200 days of 4 h with a long note each, under ids of their own.
        func batch(_ n: Int) -> [Op] {
            (0..<200).flatMap { i -> [Op] in
                let record = "MH-SB-001/\(zhang)/\(CivilDate("2020-01-01")!.adding(days: n * 200 + i))"
                let stamp = now - 50_000 + UInt64(n * 1_000 + i)
                return [("minutes", Value.integer(240)), ("note", .text(note))].enumerated().map { k, field in
                    Op(id: OpID(timestamp: Timestamp(milliseconds: stamp, counter: UInt16(k)), replica: replica),
                       collection: .hours, record: record, field: field.0, value: field.1)
                }
            }
        }
        disk.fill()
        var refused: (n: Int, status: Int, body: Data, headers: [String: String])?
        var held = 4
        for n in 0..<20 where refused == nil {
            let answer = try await server.push(batch(n), token: staff)
            if answer.status == 200 {
                held += try Wire.decoder().decode(PushResponse.self, from: answer.body).accepted.count
            } else {
                refused = (n, answer.status, answer.body, answer.headers)
            }
        }
        let full = try #require(refused, "the disk never filled")
        #expect(full.status == 507, "\(String(decoding: full.body, as: UTF8.self))")
        #expect(ServerRefusalTests.problemCode(full.body) == "disk-full")
        #expect(String(decoding: full.body, as: UTF8.self).contains("disk"))
        #expect(full.headers["retry-after"] == "60")
        let degraded = try await server.request("GET", "/healthz")
        #expect(degraded.status == 503 && String(decoding: degraded.body, as: UTF8.self).hasPrefix("degraded:"), "\(String(decoding: degraded.body, as: UTF8.self))")

        // Space returns: the same push is taken, the server is healthy again, and nothing held was lost
        disk.free()
        let again = try await server.push(batch(full.n), token: staff)
        #expect(again.status == 200)
        held += try Wire.decoder().decode(PushResponse.self, from: again.body).accepted.count
        let healthy = try await server.request("GET", "/healthz")
        #expect(healthy.status == 200, "\(String(decoding: healthy.body, as: UTF8.self))")
        #expect(try server.count("SELECT count(*) FROM ops WHERE collection IN ('participants', 'hours')") == held)
        #expect(try server.admin("verify").status == 0)
    }
}

/// An administration command on a full disk says so in the administrator's language, and works once space
/// returns.
@Suite(.serialized, .enabled(if: SmallDisk.available, "needs root, to mount a small tmpfs"))
struct AdminDiskFullTests {
    @Test func anAdminCommandOnAFullDiskSaysSoInChinese() throws {
        let disk = try SmallDisk(megabytes: 4)
        defer { disk.remove() }
        let server = try ServerProcess.withOrgs(dataDir: disk.path + "/data")
        disk.fill()
        let chinese = ["LC_ALL": "zh_CN.UTF-8"]
        let refused = try server.adminArgs(["device", "add", "--name", "笔记本9", "--role", "staff", "--org", "MH-SB-001"], environment: chinese)
        #expect(refused.status != 0)
        #expect(refused.err.contains("磁盘满了") && !refused.err.contains("disk"), "\(refused.err)")
        disk.free()
        #expect(try server.adminArgs(["device", "add", "--name", "笔记本9", "--role", "staff", "--org", "MH-SB-001"], environment: chinese).status == 0)
        #expect(try server.admin("verify").status == 0)
    }
}

/// The laptop's disk fills up: each change is refused with words that name the disk (in Chinese, as staff
/// read it), nothing written before is lost, the store stays sound, and once space returns the same command
/// works. A sync stopped by the full disk says so too.
@Suite(.serialized, .enabled(if: SmallDisk.available, "needs root, to mount a small tmpfs"))
struct LaptopDiskFullTests {
    @Test func aFullLaptopDiskIsNamedInChineseAndLosesNothing() throws {
        let disk = try SmallDisk(megabytes: 8)
        defer { disk.remove() }
        let cli = CLI(home: disk.path + "/home")
        let chinese = ["LC_ALL": "zh_CN.UTF-8"]
        #expect(try cli.run("init", "--org", "MH-SB-001", "--name", "莘庄镇阳光基地", "--lunch-rate", "15").status == 0)
        #expect(try cli.run("import", CLI.fixture("participants-utf8.csv"), "--kind", "participants").status == 0)
        var set = [String]()
        for day in 1...3 {
            let date = String(format: "2024-03-%02d", day)
            #expect(try cli.run("hours", "set", "张三", date, "4h").status == 0)
            set.append(date)
        }

        disk.fill()
        var refused: (date: String, result: CLI.Result)?
        for day in 4...28 where refused == nil {
            let date = String(format: "2024-03-%02d", day)
            let result = try cli.run(["hours", "set", "张三", date, "4h", "--note", String(repeating: "记", count: 2_000)], environment: chinese)
            if result.status == 0 { set.append(date) } else { refused = (date, result) }
        }
        let full = try #require(refused, "the disk never filled")
        #expect(full.result.status == 1)
        #expect(full.result.err.contains("磁盘满了"), "\(full.result.err)")
        #expect(!full.result.err.contains("I/O"), "\(full.result.err)")

        disk.free()
        let listed = try cli.run("hours", "list", "--month", "2024-03")
        #expect(listed.status == 0)
        for date in set { #expect(listed.out.contains(date), "\(date) was set and must still be there") }
        #expect(!listed.out.contains(full.date), "the refused change was not written")
        #expect(try cli.run(["hours", "set", "张三", full.date, "4h"], environment: chinese).status == 0)
        let integrity = try cli.database().read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == ["ok"])
    }

    @Test func aSyncStoppedByAFullDiskSaysSoAndResumes() throws {
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        #expect(try a.run("participant", "add", "--start", "2022-01-01", "--name", "张三", "--cert", People.zhang).status == 0)
        // 700 days with a long note each (~4 MB to pull), imported at once.
        let sheet = Scratch.path("long-notes", suffix: ".csv")
        let note = String(repeating: "记", count: 2_000)
        let rows = (0..<700).map { "张三,\(People.zhang),\(CivilDate("2022-01-03")!.adding(days: $0)),4,,\(note)" }
        try (["姓名,残疾人证号,日期,工时,劳动项目,备注"] + rows).joined(separator: "\n").write(toFile: sheet, atomically: true, encoding: .utf8)
        let imported = try a.run("import", sheet, "--kind", "hours")
        #expect(imported.status == 0, "\(imported.err)")
        _ = try a.sync()

        // A laptop whose disk has 1 MB left: the pull fills it partway.
        let disk = try SmallDisk(megabytes: 16)
        defer { disk.remove() }
        let token = try #require(try server.adminArgs(["device", "add", "--name", "b", "--json", "--role", "staff", "--org", "MH-SB-001"]).json() as? [String: String])
        let b = CLI(home: disk.path + "/home")
        #expect(try b.run("login", "--server", server.url, "--token", token["token"]!).status == 0)
        disk.fill(leaving: 1 << 20)
        let stopped = try b.run(["sync"], environment: ["LC_ALL": "zh_CN.UTF-8"])
        #expect(stopped.status == 1)
        #expect(stopped.err.contains("同步中断") && stopped.err.contains("磁盘满了") && !stopped.err.contains("disk"), "\(stopped.err)")
        disk.free()
        _ = try b.sync()
        #expect(try b.listing() == a.listing())
        let integrity = try b.database().read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == ["ok"])
    }

    @Test func aStoreThatCannotBeWrittenIsNamedInChinese() throws {
        let disk = try SmallDisk(megabytes: 8)
        defer { disk.remove() }
        let cli = CLI(home: disk.path + "/home")
        #expect(try cli.run("init", "--org", "MH-SB-001", "--name", "莘庄镇阳光基地", "--lunch-rate", "15").status == 0)
        #expect(try cli.run("import", CLI.fixture("participants-utf8.csv"), "--kind", "participants").status == 0)
        #expect(try cli.run("hours", "set", "张三", "2024-03-01", "4h").status == 0)
        try disk.remount(writable: false)
        let refused = try cli.run(["hours", "set", "张三", "2024-03-02", "4h"], environment: ["LC_ALL": "zh_CN.UTF-8"])
        #expect(refused.status == 1)
        #expect(refused.err.contains("无法写入数据文件") && !refused.err.contains("database"), "\(refused.err)")
        try disk.remount(writable: true)
        #expect(try cli.run("hours", "set", "张三", "2024-03-02", "4h").status == 0)
        let listed = try cli.run("hours", "list", "--month", "2024-03")
        #expect(listed.out.contains("2024-03-01") && listed.out.contains("2024-03-02"), "\(listed.out)")
    }
}
