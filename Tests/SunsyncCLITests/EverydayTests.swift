import Foundation
import Testing
import SunsyncTestSupport

/// A base's everyday work, offline, through the real binary.
@Suite struct EverydayTests {
    @Test func registerRecordCorrectAndReport() throws {
        // Given an initialized organization
        let cli = CLI()
        #expect(try cli.run("init", "--org", "MH-SB-001", "--name", "莘庄镇阳光基地", "--lunch-rate", "15").status == 0)

        // When staff register participants and record a few days
        #expect(try cli.run("participant", "add", "--name", "张三", "--cert", People.zhang, "--start", "2024-01-01").status == 0)
        #expect(try cli.run("participant", "add", "--start", "2024-01-01", "--name", "李四", "--cert", People.li, "--contract", "full-time").status == 0)
        #expect(try cli.run("hours", "set", "张三", "2024-03-04", "3.5", "--project", "包装").status == 0)
        #expect(try cli.run("hours", "set", People.li, "2024-03-04", "3h30m").status == 0)
        #expect(try cli.run("hours", "set", String(People.zhang.prefix(18)), "2024-03-05", "240m").status == 0)
        #expect(try cli.run("lunch", "set", "张三", "2024-03-04").status == 0)
        #expect(try cli.run("lunch", "set", "李四", "2024-03-04", "--amount", "12.50").status == 0)
        // and correct one entry
        #expect(try cli.run("hours", "set", "张三", "2024-03-04", "4").status == 0)

        // Then the listings show what was recorded, masked, in hours and yuan
        let hours = try cli.run("hours", "list", "--month", "2024-03", "--json")
        let rows = try #require(try hours.json() as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(rows.map { $0["minutes"] as? Int } == [240, 210, 240])
        #expect(rows.allSatisfy { ($0["certificate"] as? String)?.contains("**********") == true })
        let table = try cli.run("hours", "list")
        #expect(table.out.contains("张三") && table.out.contains("包装") && table.out.contains("total 11.5 h"))
        #expect(!table.out.contains(People.zhang))
        try cli.allowReveal()
        let revealed = try cli.run("hours", "list", "--reveal", "--purpose", "核对")
        #expect(revealed.out.contains(People.zhang))

        let lunches = try #require(try cli.run("lunch", "list", "--json").json() as? [[String: Any]])
        #expect(lunches.map { $0["amount_fen"] as? Int } == [1500, 1250])

        // And the monthly report adds it up, with a totals row
        let report = try #require(try cli.run("report", "monthly", "--month", "2024-03", "--json").json() as? [String: Any])
        let total = try #require(report["total"] as? [String: Any])
        #expect(total["minutes"] as? Int == 690 && total["days_worked"] as? Int == 3 && total["lunch_fen"] as? Int == 2750)
        let csv = try cli.run("report", "monthly", "--month", "2024-03", "--format", "csv")
        #expect(csv.out.hasPrefix("\u{FEFF}") && csv.out.contains("合计 total"))

        // And history shows the correction, old → new
        let history = try #require(try cli.run("history", "张三", "2024-03-04", "--json").json() as? [[String: Any]])
        #expect(history.contains { $0["field"] as? String == "minutes" && $0["old"] as? [String] == ["3.5"] && $0["new"] as? String == "4" })
        // and, without a date, everything of that participant: the registration, every day, every lunch, and no one else's
        let all = try #require(try cli.run("history", "张三", "--json").json() as? [[String: Any]])
        #expect(Set(all.compactMap { $0["record"] as? String }) == ["participants", "hours", "lunches"])
        #expect(Set(all.compactMap { $0["date"] as? String }) == ["2024-03-04", "2024-03-05"])
        #expect(all.filter { $0["record"] as? String == "hours" && $0["field"] as? String == "minutes" }.count == 3)
    }

    @Test func clearAndRestoreADay() throws {
        let cli = try CLI.withParticipants()
        try cli.run("hours", "set", "张三", "2024-03-04", "4")
        #expect(try cli.run("hours", "clear", "张三", "2024-03-04").status == 0)
        #expect((try cli.run("hours", "list", "--json").json() as? [Any])?.isEmpty == true)
        let deleted = try #require(try cli.run("hours", "list", "--include-deleted", "--json").json() as? [[String: Any]])
        #expect(deleted.first?["deleted"] as? Bool == true)
        // Clearing again says there is nothing to clear
        let again = try cli.run("hours", "clear", "张三", "2024-03-04")
        #expect(again.status != 0 && again.err.contains("nothing to clear"))
        // Setting the day again restores it
        try cli.run("hours", "set", "张三", "2024-03-04", "2")
        let restored = try #require(try cli.run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(restored.first?["minutes"] as? Int == 120 && restored.first?["deleted"] as? Bool == false)
    }

    @Test func participantsCanBeShownEditedAndDeactivated() throws {
        let cli = try CLI.withParticipants()
        let list = try #require(try cli.run("participant", "list", "--json").json() as? [[String: Any]])
        #expect(list.count == 3)
        #expect(try cli.run("participant", "edit", "张三", "--cert", String(People.zhang.prefix(18)) + "53B1", "--end", "2024-12-31").status == 0)
        try cli.allowReveal()
        let shown = try #require(try cli.run("participant", "show", "张三", "--json", "--reveal", "--purpose", "核对").json() as? [String: Any])
        let p = try #require(shown["participant"] as? [String: Any])
        #expect(p["level"] as? Int == 3 && p["contract_end"] as? String == "2024-12-31")
        // Masked means masked: category and level are what the mask hides
        let masked = try #require(try cli.run("participant", "show", "张三", "--json").json() as? [String: Any])
        let m = try #require(masked["participant"] as? [String: Any])
        #expect(m["category"] as? String == "**" && m["level"] == nil)
        for args in [["participant", "list"], ["participant", "show", "张三"], ["export", "--kind", "participants"], ["participant", "list", "--json"]] {
            let out = try cli.run(args).out
            #expect(["视力", "听力", "言语", "肢体", "智力", "精神", "多重"].allSatisfy { !out.contains($0) }, "\(args): \(out)")
            #expect(out.range(of: "[0-9]级", options: .regularExpression) == nil, "\(args): \(out)")
        }
        let fresh = try CLI.withParticipants()
        let added = try fresh.run("participant", "add", "--start", "2024-01-01", "--name", "赵六", "--cert", "31011219800101003314")
        #expect(added.status == 0 && added.out.contains("Registered 赵六 (310112**********33**)"), "\(added.out)\(added.err)")
        // The reissued number finds the same person
        #expect(try cli.run("hours", "set", String(People.zhang.prefix(18)) + "53B1", "2024-03-04", "2").status == 0)
        // A certificate of another person cannot be put on this record
        let other = try cli.run("participant", "edit", "张三", "--cert", People.li)
        #expect(other.status != 0 && other.err.contains("belongs to another participant"))
        #expect(try cli.run("participant", "deactivate", "李四").status == 0)
        #expect((try cli.run("participant", "list", "--json").json() as? [Any])?.count == 2)
        #expect((try cli.run("participant", "list", "--all", "--json").json() as? [Any])?.count == 3)
        // Registering the same person twice is refused
        let twice = try cli.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang)
        #expect(twice.status != 0 && twice.err.contains("already registered"))
    }

    @Test func flagsStatusAndHelp() throws {
        let cli = try CLI.withParticipants()
        try cli.run("lunch", "set", "张三", "2024-03-05")
        for day in 4...9 { try cli.run("hours", "set", "李四", "2024-03-0\(day)", "4.5") }
        let flags = try #require(try cli.run("flags", "--month", "2024-03", "--json").json() as? [[String: Any]])
        #expect(Set(flags.compactMap { $0["kind"] as? String }) == ["lunch_without_hours", "weekly_hours_over_limit"])
        let status = try #require(try cli.run("status", "--json").json() as? [String: Any])
        #expect(status["org"] as? String == "MH-SB-001" && status["participants"] as? Int == 3 && (status["pending_ops"] as? Int ?? 0) > 0)
        let help = try cli.run("hours", "set", "--help")
        #expect(help.status == 0 && help.out.contains("3h30m"))
        let completion = try cli.run("--generate-completion-script", "bash")
        #expect(completion.status == 0 && completion.out.contains("sunsync"))
    }

    @Test func aMonthsFlagsSeeTheWholeWeeksItTouches() throws {
        // A week from Monday 2024-02-26 to Sunday 2024-03-03: 18 h in February and 9 h in March.
        let cli = try CLI.withParticipants()
        for day in ["2024-02-26", "2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02"] {
            try cli.run("hours", "set", "李四", day, "4.5")
        }
        for month in ["2024-02", "2024-03"] {
            let flags = try #require(try cli.run("flags", "--month", month, "--json").json() as? [[String: Any]])
            #expect(flags.map { $0["kind"] as? String } == ["weekly_hours_over_limit"], "\(month)")
            let report = try #require(try cli.run("report", "monthly", "--month", month, "--json").json() as? [String: Any])
            let lines = try #require(report["participants"] as? [[String: Any]])
            #expect(lines.map { $0["flags"] as? Int } == [1], "\(month)")
        }
        let april = try #require(try cli.run("flags", "--month", "2024-04", "--json").json() as? [Any])
        #expect(april.isEmpty)
    }

    @Test func aBackupOfTheLaptopCanBeRestored() throws {
        // Given a laptop with a day recorded, and a backup of it
        let cli = try CLI.withParticipants()
        try cli.run("hours", "set", "张三", "2024-03-04", "4")
        let file = Scratch.path("sunsync-laptop", suffix: ".sqlite")
        let made = try #require(try cli.run("backup", file, "--json").json() as? [String: Any])
        #expect((made["ops"] as? Int ?? 0) > 0 && made["pending_ops"] as? Int == made["ops"] as? Int)
        #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) == 0o600)
        let twice = try cli.run("backup", file)
        #expect(twice.status != 0 && twice.err.contains("never overwrites"))
        // When the laptop records more, then is restored from the backup
        try cli.run("hours", "set", "张三", "2024-03-05", "2")
        let notAStore = try cli.run("restore", cli.home)
        #expect(notAStore.status != 0 && notAStore.err.contains("is a folder"))
        let restored = try cli.run("restore", file)
        #expect(restored.status == 0 && restored.out.contains("before-restore"), "\(restored.err)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: cli.home).filter { $0.hasPrefix("store.sqlite.before-restore-") }
        #expect(!aside.isEmpty, "the replaced store is kept")
        // Then it holds what it held at the backup, and works on
        let days = try #require(try cli.run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(days.map { $0["date"] as? String } == ["2024-03-04"])
        #expect(try cli.run("hours", "set", "张三", "2024-03-06", "3").status == 0)
        #expect((try cli.run("participant", "list", "--json").json() as? [Any])?.count == 3)
    }

    @Test func tablesAlignChineseByDisplayWidth() throws {
        let cli = try CLI.withParticipants()
        let table = try cli.run("participant", "list")
        let lines = table.out.split(separator: "\n")
        // Every row's certificate column starts at the same display column.
        let starts = lines.filter { $0.contains("*") }.map { line -> Int in
            let prefix = line[..<line.firstIndex(of: "*")!].dropLast(6)
            return prefix.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x4E00 && $1.value <= 0x9FFF ? 2 : 1) }
        }
        #expect(starts.count == 3 && Set(starts).count == 1)
    }
}

/// The attendance sheet a base prints for its participants to sign (考勤表).
@Suite struct AttendanceSheetTests {
    @Test func aMonthsSheetListsEachPersonsDaysTotalsAndSignatureLines() throws {
        let cli = try CLI.withParticipants()
        try cli.run("hours", "set", "张三", "2024-03-04", "4")
        try cli.run("hours", "set", "张三", "2024-03-05", "3h30m")
        try cli.run("lunch", "set", "张三", "2024-03-04")
        try cli.run("hours", "set", "李四", "2024-03-09", "2")
        try cli.run("hours", "clear", "李四", "2024-03-09")
        let file = cli.home + "/sheet.html"
        let made = try cli.run("report", "sheet", "--month", "2024-3", "-o", file)
        #expect(made.status == 0, "\(made.err)")
        let html = try String(contentsOfFile: file, encoding: .utf8)
        #expect(html.contains("2024-03 考勤表") && html.contains("本人签字") && html.contains("基地负责人签字"))
        #expect(html.contains("@page { size: A4 landscape"))
        // Everyone whose contract covers March, one row each; cleared days are not worked days.
        #expect(html.contains(">张三<") && html.contains(">李四<") && html.contains("王五, 小名"))
        #expect(html.contains("<td>2</td><td>7.5</td><td>1</td><td>15.00</td>"), "张三: 2 days, 7.5 h, 1 lunch, 15.00 yuan")
        #expect(html.contains("合计（3 人）"))
        // Certificate numbers masked; 31 day columns, weekends shaded (2024-03-02 was a Saturday).
        #expect(html.contains("310112**********3X**") && !html.contains(People.zhang))
        #expect(html.components(separatedBy: "<col class=\"day\">").count - 1 == 31)
        try cli.allowReveal()
        let revealed = try cli.run("report", "sheet", "--month", "2024-03", "--reveal", "--purpose", "核对")
        #expect(revealed.out.contains(People.zhang))
    }
}
