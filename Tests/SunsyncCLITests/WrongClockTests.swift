import Foundation
import Testing

/// libfaketime (Debian's `faketime`): a binary run with its clock moved (`CLI.start` runs it under the wrapper).
enum FakeTime {
    static let library = FileManager.default.isExecutableFile(atPath: "/usr/bin/faketime") ? "/usr/bin/faketime" : nil

    /// The environment that runs a binary with its clock moved by `offset` (`+365d`, `-365d`…).
    static func clock(_ offset: String) -> [String: String] { ["FAKETIME": offset, "FAKETIME_DONT_FAKE_MONOTONIC": "1"] }
}

/// Laptops with wrong clocks, through the real binaries.
@Suite(.serialized, .enabled(if: FakeTime.library != nil, "install faketime (apt-get install faketime)"))
struct WrongClockTests {

    /// A laptop whose clock ran a year ahead: what it writes is refused and kept, the sync names the clock;
    /// once the clock is right, the next sync sends it all again with the right time and the district sees it.
    @Test func aLaptopAYearAheadHealsOnceItsClockIsRight() throws {
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let laptop = try CLI.linked(server, "laptop-a", "--role", "staff", "--org", "MH-SB-001")
        let ahead = FakeTime.clock("+365d")
        #expect(try laptop.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang, environment: ahead).status == 0)
        #expect(try laptop.run("hours", "set", "张三", "2026-11-02", "4", environment: ahead).status == 0)

        let wrong = try laptop.run("sync", environment: ahead)
        #expect(wrong.status == 0, "\(wrong.err)")
        #expect(wrong.out.contains("clock is 365 days ahead of the server's"), "\(wrong.out)")
        #expect(wrong.out.contains("refused"))
        #expect(try laptop.run("rejected").out.contains("clock_ahead"))

        let right = try laptop.sync()
        #expect(right.out.contains("clock had run ahead and is right again"), "\(right.out)")
        #expect(!right.out.contains("refused"), "\(right.out)")
        #expect(try laptop.run("rejected").out.contains("clock_ahead") == false)

        let reviewer = try CLI.linked(server, "reviewer", "--role", "reviewer", "--district", "310112")
        _ = try reviewer.sync()
        let days = try #require(try reviewer.run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(days.count == 1, "the district sees the day the laptop wrote while its clock was wrong")
        // and what the laptop writes next is taken at once
        #expect(try laptop.run("hours", "set", "张三", "2026-11-03", "3").status == 0)
        let next = try laptop.sync()
        #expect(next.out.contains("sent 1,") && !next.out.contains("refused") && !next.out.contains("clock"), "\(next.out)")
    }

    /// A laptop a year behind is told so; what it writes is taken (the server refuses only what is ahead),
    /// and its change to a value it saw replaces that value though its stamp is older.
    @Test func aLaptopAYearBehindIsToldAndNeverUndoesWhatItSaw() throws {
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let a = try CLI.linked(server, "laptop-a", "--role", "staff", "--org", "MH-SB-001")
        let b = try CLI.linked(server, "laptop-b", "--role", "staff", "--org", "MH-SB-001")
        #expect(try a.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang).status == 0)
        #expect(try a.run("hours", "set", "张三", "2024-03-04", "4").status == 0)
        _ = try a.sync()
        let behind = FakeTime.clock("-365d")
        let seen = try b.run("sync", environment: behind)
        #expect(seen.status == 0 && seen.out.contains("365 days behind the server's"), "\(seen.out)")
        #expect(try b.run("hours", "set", "张三", "2024-03-04", "6", environment: behind).status == 0)
        _ = try b.run("sync", environment: behind)
        _ = try a.sync()
        for laptop in [a, b] {
            let days = try #require(try laptop.run("hours", "list", "--json").json() as? [[String: Any]])
            #expect(days.count == 1 && "\(days[0])".contains("360"), "6 h, the later change, everywhere: \(days)")
            #expect(try laptop.run("conflicts").out.contains("张三") == false)
        }
    }
}
