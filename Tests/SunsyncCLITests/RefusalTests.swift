import Foundation
import GRDB
import Testing

/// Every refusal says what was wrong, exits non-zero, and changes nothing.
@Suite struct RefusalTests {
    @Test(arguments: [
        (["participant", "add", "--start", "2024-01-01", "--name", "赵六", "--cert", "31011219900315123152"], "check character"),
        (["participant", "add", "--start", "2024-01-01", "--name", "赵六", "--cert", "31011219900230123X52"], "birth date"),
        (["participant", "add", "--start", "2024-01-01", "--name", "赵六", "--cert", "31011219900315123X92"], "category"),
        (["participant", "add", "--start", "2024-01-01", "--name", "赵六", "--cert", "31011219900315123X57"], "level"),
        (["hours", "set", "张三", "2024-02-30", "4"], "not a real date"),
        (["hours", "set", "张三", "2024-03-04", "25"], "not possible in one day"),
        (["hours", "set", "张三", "2024-03-04", "lots"], "cannot read"),
        (["lunch", "set", "张三", "2024-03-04", "--amount=-15"], "negative"),
        (["hours", "set", "赵六", "2024-03-04", "4"], "no participant"),
        (["hours", "list", "--month", "2024-13"], "not a month"),
        (["participant", "add", "--start", "2024-01-01", "--name", "赵六", "--cert", People.li, "--contract", "temporary"], "part-time"),
        (["participant", "add", "--name", "赵六", "--cert", People.li, "--start", "2024-05-01", "--end", "2024-04-01"], "before it starts"),
        (["resolve", "deadbeef", "--keep", "4"], "no open conflict"),
    ])
    func badInputIsRefusedAndChangesNothing(_ args: [String], _ says: String) throws {
        let cli = try CLI.withParticipants()
        try cli.run("hours", "set", "张三", "2024-03-04", "3")
        let before = try cli.opCount()
        let result = try cli.run(args)
        #expect(result.status != 0)
        #expect(result.err.contains(says), "\(args): \(result.err)")
        #expect(try cli.opCount() == before)
    }

    @Test func lunchWithoutAKnownRateNeedsAnAmount() throws {
        let cli = try CLI.withParticipants(lunchRate: nil)
        let result = try cli.run("lunch", "set", "张三", "2024-03-04")
        #expect(result.status != 0 && result.err.contains("--amount"))
        #expect(try cli.run("lunch", "set", "张三", "2024-03-04", "--amount", "15").status == 0)
    }

    @Test func aHomeNeverInitializedSaysHowToStart() throws {
        let cli = CLI()
        let result = try cli.run("hours", "list")
        #expect(result.status != 0 && result.err.contains("sunsync init"))
        #expect(!FileManager.default.fileExists(atPath: cli.storePath))
        let twice = try CLI.withParticipants()
        let again = try twice.run("init", "--org", "MH-SB-002")
        #expect(again.status != 0 && again.err.contains("already initialized"))
        let badOrg = try CLI().run("init", "--org", "mh sb 1")
        #expect(badOrg.status != 0 && badOrg.err.contains("org code"))
    }

    @Test func aFileThatIsNotAStoreIsRefusedAndLeftAlone() throws {
        let cli = CLI()
        try FileManager.default.createDirectory(atPath: cli.home, withIntermediateDirectories: true)
        let junk = Data("姓名,日期\n这不是数据库\n".utf8)
        try junk.write(to: URL(fileURLWithPath: cli.storePath))
        let result = try cli.run("status")
        #expect(result.status != 0 && result.err.contains("not a Sunsync store"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: cli.storePath)) == junk)
        // An SQLite database of something else is refused too.
        let other = CLI()
        try FileManager.default.createDirectory(atPath: other.home, withIntermediateDirectories: true)
        try DatabaseQueue(path: other.storePath).write { db in try db.execute(sql: "CREATE TABLE t(x)") }
        let second = try other.run("participant", "list")
        #expect(second.status != 0 && second.err.contains("not a Sunsync store"))
    }

    @Test func aLockedStoreSaysSoAndLosesNothing() throws {
        let cli = try CLI.withParticipants()
        let before = try cli.opCount()
        // Another process holds the write lock (as a long import would).
        var config = Configuration()
        config.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: cli.storePath, configuration: config)
        try holder.inDatabase { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        let result = try cli.run("hours", "set", "张三", "2024-03-04", "4")
        #expect(result.status != 0 && result.err.contains("in use"))
        try holder.inDatabase { db in try db.execute(sql: "ROLLBACK") }
        #expect(try cli.opCount() == before)
        #expect(try cli.run("hours", "set", "张三", "2024-03-04", "4").status == 0)
    }
}
