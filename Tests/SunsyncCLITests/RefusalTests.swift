import Foundation
import GRDB
import Testing
import SunsyncTestSupport

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
        (["hours", "set", "张三", "2099-03-04", "4"], "is after today"),
        (["lunch", "set", "张三", "2099-03-04"], "is after today"),
        (["hours", "set", "李四", "2025-01-06", "4"], "outside 李四's contract (2024-01-01 to 2024-12-31)"),
        (["hours", "set", "张三", "2024-03-05", "-2"], "is a negative number"),
        (["hous", "set", "张三", "2024-03-05", "2"], "Did you mean `sunsync hours`?"),
        (["hours", "set", "李四", "2025-01-06", "4", "--anyway"], "--anyway needs --reason"),
        (["hours", "set", "张三", "2024-03-05", "4", "--anyway", "--reason", "x"], "only for a day that would be refused"),
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

    @Test func aDayOutsideTheContractOrOfSomeoneNoLongerActiveIsRecordedOnlyOnPurpose() throws {
        let cli = try CLI.withParticipants()
        // Outside the contract: recorded with --anyway and a reason, which the note keeps; reviewers see it flagged.
        let anyway = try cli.run("hours", "set", "李四", "2025-01-06", "4", "--anyway", "--reason", "合同续签中")
        #expect(anyway.status == 0, "\(anyway.err)")
        let days = try #require(try cli.run("hours", "list", "--month", "2025-1", "--json").json() as? [[String: Any]])
        #expect(days.count == 1 && (days.first?["note"] as? String)?.contains("合同续签中") == true, "\(days)")
        let flags = try cli.run("flags", "--month", "2025-01", "--json")
        #expect(flags.out.contains("outside_contract"), "\(flags.out)")
        // No longer active: refused, with the way back named.
        #expect(try cli.run("participant", "deactivate", "张三").status == 0)
        let refused = try cli.run("hours", "set", "张三", "2024-03-06", "4")
        #expect(refused.status != 0 && refused.err.contains("no longer active") && refused.err.contains("participant activate"), "\(refused.err)")
        #expect(try cli.run("participant", "activate", "张三").status == 0)
        #expect(try cli.run("hours", "set", "张三", "2024-03-06", "4").status == 0)
    }

    @Test func anImportWithADayStillToComeIsRefusedWhole() throws {
        let cli = try CLI.withParticipants()
        let file = Scratch.url("hours", suffix: ".csv")
        try Data("姓名,日期,工时\n张三,2024-03-04,4\n张三,2099-03-05,4\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let before = try cli.opCount()
        let result = try cli.run("import", file.path, "--kind", "hours")
        #expect(result.status != 0 && result.err.contains("2099-03-05 is after today"), "\(result.err)")
        #expect(try cli.opCount() == before)
    }

    @Test func aMonthIsReadAsPeopleWriteIt() throws {
        let cli = try CLI.withParticipants()
        try cli.run("hours", "set", "张三", "2024-03-04", "3")
        for month in ["2024-03", "2024-3", "2024/3", "2024年3月"] {
            let listed = try #require(try cli.run("hours", "list", "--month", month, "--json").json() as? [[String: Any]], "\(month)")
            #expect(listed.count == 1, "\(month)")
        }
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
        #expect(result.status != 0 && result.err.contains("sunsync login --server") && result.err.contains("sunsync init"))
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
        let holder = try cli.database(config)
        try holder.inDatabase { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        let result = try cli.run("hours", "set", "张三", "2024-03-04", "4")
        #expect(result.status != 0 && result.err.contains("in use"))
        try holder.inDatabase { db in try db.execute(sql: "ROLLBACK") }
        #expect(try cli.opCount() == before)
        #expect(try cli.run("hours", "set", "张三", "2024-03-04", "4").status == 0)
    }
}
