import Foundation
import Testing
@testable import SunsyncCLI
import SunsyncTestSupport

/// The same value is accepted or refused the same way by every path: `hours set`, `lunch set`,
/// `import` and `resolve --keep`.
@Suite struct TypedInputTests {
    static let dates = ["2024-03-07", "2024-3-7", "2024/3/7", "2024年3月7日"]
    static let hours = [("3.5", 210), ("3h30m", 210), ("210m", 210), ("3小时30分", 210)]

    @Test func everyDateAndHoursFormThroughTheCommandsAndTheImport() throws {
        let cli = try CLI.withParticipants()
        for (i, date) in Self.dates.enumerated() {
            let (text, minutes) = Self.hours[i]
            let set = try cli.run("hours", "set", "张三", date, text)
            #expect(set.status == 0, "hours set \(date) \(text): \(set.err)")
            let days = try #require(try cli.run("hours", "list", "--json").json() as? [[String: Any]])
            #expect(days.first { $0["date"] as? String == "2024-03-07" }?["minutes"] as? Int == minutes, "\(date) \(text)")
            let lunch = try cli.run("lunch", "set", "张三", date, "--amount", ["15", "15.00", "¥15", "15元"][i])
            #expect(lunch.status == 0, "\(lunch.err)")
        }
        // The importer reads the same forms, and Excel's serial date cells.
        let sheet = Scratch.path("typed", suffix: ".csv")
        let rows = ["姓名,残疾人证号,日期,工时"] + zip(["2024/3/11", "2024-3-12", "2024年3月13日", "45366"], Self.hours.map(\.0)).map {
            "李四,\(People.li),\($0),\($1)"
        }
        try rows.joined(separator: "\n").write(toFile: sheet, atomically: true, encoding: .utf8)
        let imported = try cli.run("import", sheet, "--kind", "hours")
        #expect(imported.status == 0, "\(imported.err)")
        let li = try #require(try cli.run("hours", "list", "--participant", "李四", "--json").json() as? [[String: Any]])
        #expect(li.map { $0["date"] as? String ?? "" } == ["2024-03-11", "2024-03-12", "2024-03-13", "2024-03-15"])
        #expect(li.allSatisfy { $0["minutes"] as? Int == 210 })
    }

    @Test func zeroHoursAndNonsenseAreRefusedEverywhere() throws {
        let cli = try CLI.withParticipants()
        let before = try cli.opCount()
        for bad in ["0", "0h", "abc", "25"] {
            let set = try cli.run("hours", "set", "张三", "2024-03-07", bad)
            #expect(set.status != 0 && set.err.contains(bad == "0" || bad == "0h" ? "hours clear" : bad), "\(bad): \(set.err)")
        }
        let sheet = Scratch.path("zero", suffix: ".csv")
        try "姓名,残疾人证号,日期,工时\n张三,\(People.zhang),2024-03-08,3\n张三,\(People.zhang),2024-03-09,0\n".write(toFile: sheet, atomically: true, encoding: .utf8)
        let imported = try cli.run("import", sheet, "--kind", "hours")
        #expect(imported.status != 0 && imported.err.contains("hours clear") && imported.err.contains("3"), "\(imported.err)")
        for bad in ["2024-02-30", "2024/3-7", "3/7/2024"] {
            let set = try cli.run("hours", "set", "张三", bad, "3")
            #expect(set.status != 0 && set.err.contains("2024年3月7日"), "\(bad): \(set.err)")
        }
        #expect(try cli.opCount() == before, "nothing was written")
    }

    @Test func resolveKeepsAValueTypedAnyWay() throws {
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        let b = try CLI.linked(server, "b", "--role", "staff", "--org", "MH-SB-001")
        #expect(try a.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang).status == 0)
        _ = try a.sync()
        _ = try b.sync()
        try a.run("hours", "set", "张三", "2024-03-07", "3h30m")
        try b.run("hours", "set", "张三", "2024-03-07", "4")
        _ = try a.sync()
        _ = try b.sync()
        _ = try a.sync()
        let conflict = try #require((try a.run("conflicts", "--json").json() as? [[String: Any]])?.first)
        let resolved = try a.run("resolve", conflict["ref"] as! String, "--keep", "3小时30分")
        #expect(resolved.status == 0, "\(resolved.err)")
        #expect((try a.run("conflicts", "--json").json() as? [Any])?.isEmpty == true)
    }
}

/// Tables fit the terminal by default: Chinese headers alone, and the least needed columns left out, said so.
@Suite struct NarrowTableTests {
    static let headers = ["姓名 name", "残疾人证号 certificate", "出勤天数 days", "工时 hours", "备注 note", "id"]
    static let rows = [["欧阳秀兰", "310112**********3X**", "12", "48", String(repeating: "很长的备注", count: 6), "h20240304-5700ae0d"]]

    @Test func headersLoseTheirEnglishAndColumnsGoInTheOrderGivenUntilItFits() {
        let narrow = Output.narrowed(Self.headers, Self.rows, optional: [4, 1], width: 80, wide: false)
        #expect(narrow.headers == ["姓名", "残疾人证号", "出勤天数", "工时", "id"])
        #expect(narrow.omitted == ["备注"], "the certificate stays: the table fits once the note is gone")
        #expect(narrow.rows[0].count == 5)
        let narrower = Output.narrowed(Self.headers, Self.rows, optional: [4, 1], width: 50, wide: false)
        #expect(narrower.omitted == ["备注", "残疾人证号"])
    }

    @Test func wideKeepsEverything() {
        let wide = Output.narrowed(Self.headers, Self.rows, optional: [4, 1], width: 40, wide: true)
        #expect(wide.headers == Self.headers && wide.rows == Self.rows && wide.omitted.isEmpty)
    }
}
