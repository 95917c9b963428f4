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
        let mount = try CLI.Result.of({
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/mount")
            p.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]
            return p
        }())
        guard mount.status == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw CLIHarnessError("mount: \(mount.err)")
        }
    }

    var filler: String { path + "/filler" }

    /// Fills the disk to the last byte.
    func fill() {
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
