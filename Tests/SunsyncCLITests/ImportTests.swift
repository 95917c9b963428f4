import Foundation
import Testing

/// The spreadsheets staff already keep: UTF-8, BOM, GBK; all rows or none.
@Suite struct ImportTests {
    @Test func fixturesInEveryEncodingImport() throws {
        let cli = try CLI.withParticipants()
        #expect((try cli.run("participant", "list", "--json").json() as? [[String: Any]])?.contains { $0["name"] as? String == "王五, 小名" } == true)

        let bom = try cli.run("import", CLI.fixture("hours-bom.csv"), "--kind", "hours")
        #expect(bom.status == 0, "\(bom.err)")
        let gbk = try cli.run("import", CLI.fixture("lunches-gbk.csv"), "--kind", "lunches")
        #expect(gbk.status == 0, "\(gbk.err)")
        let english = try cli.run("import", CLI.fixture("hours-english.csv"), "--kind", "hours")
        #expect(english.status == 0, "\(english.err)")

        let hours = try #require(try cli.run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(hours.count == 12)
        #expect(hours.contains { $0["note"] as? String == "备注, 含逗号" && $0["minutes"] as? Int == 210 })
        let lunches = try #require(try cli.run("lunch", "list", "--json").json() as? [[String: Any]])
        #expect(lunches.map { $0["amount_fen"] as? Int }.sorted { ($0 ?? 0) < ($1 ?? 0) } == [1250, 1500, 1500])
        #expect(lunches.contains { $0["note"] as? String == "自带饭盒" && $0["date"] as? String == "2024-03-04" })
    }

    @Test func aFileWithBadRowsImportsNothingAndListsEveryRow() throws {
        let cli = try CLI.withParticipants()
        let before = try cli.opCount()
        let result = try cli.run("import", CLI.fixture("hours-bad-rows.csv"), "--kind", "hours")
        #expect(result.status != 0)
        #expect(result.err.contains("6 bad rows") && result.err.contains("nothing was imported"))
        for (line, says) in [(3, "check character"), (4, "not a real date"), (5, "not possible in one day"), (6, "赵六"), (7, "line 2"), (8, "lots")] {
            #expect(result.err.contains("line \(line): ") && result.err.split(separator: "\n").contains { $0.contains("line \(line):") && $0.contains(says) },
                    "line \(line) should say \(says): \(result.err)")
        }
        #expect(!result.err.contains("line 2:"))
        #expect(try cli.opCount() == before)
    }

    @Test func exportReadsBackWithNothingLost() throws {
        let cli = try CLI.withParticipants()
        try cli.run("import", CLI.fixture("hours-bom.csv"), "--kind", "hours")
        try cli.run("import", CLI.fixture("lunches-gbk.csv"), "--kind", "lunches")
        for kind in ["hours", "lunches"] {
            let exported = try cli.run("export", "--kind", kind)
            #expect(exported.status == 0 && exported.out.hasPrefix("\u{FEFF}姓名,残疾人证号,日期"))
            // Into a second laptop's home with the same participants: the same rows come out.
            let other = try CLI.withParticipants()
            let file = other.home + "/\(kind).csv"
            try Data(exported.out.utf8).write(to: URL(fileURLWithPath: file))
            let imported = try other.run("import", file, "--kind", kind)
            #expect(imported.status == 0, "\(imported.err)")
            #expect(try other.run("export", "--kind", kind).out == exported.out)
            // Importing the same file again changes nothing.
            let ops = try other.opCount()
            #expect(try other.run("import", file, "--kind", kind).status == 0)
            #expect(try other.opCount() == ops)
        }
        try cli.allowReveal()
        let participants = try cli.run("export", "--kind", "participants", "--reveal", "--purpose", "核对")
        let fresh = CLI()
        try fresh.run("init", "--org", "MH-SB-001")
        let file = fresh.home + "/participants.csv"
        try Data(participants.out.utf8).write(to: URL(fileURLWithPath: file))
        #expect(try fresh.run("import", file, "--kind", "participants").status == 0)
        try fresh.allowReveal()
        #expect(try fresh.run("export", "--kind", "participants", "--reveal", "--purpose", "核对").out == participants.out)
        // Masked numbers cannot register anyone, and say how to get full ones.
        let masked = try cli.run("export", "--kind", "participants")
        let maskedFile = fresh.home + "/masked.csv"
        try Data(masked.out.utf8).write(to: URL(fileURLWithPath: maskedFile))
        let refused = try fresh.run("import", maskedFile, "--kind", "participants")
        #expect(refused.status != 0 && refused.err.contains("--reveal"))
    }

    @Test func templatesAndJSONExport() throws {
        let cli = try CLI.withParticipants()
        let template = try cli.run("import", "--template", "hours")
        #expect(template.status == 0 && template.out == "\u{FEFF}姓名,残疾人证号,日期,工时,劳动项目,备注\r\n")
        try cli.run("import", CLI.fixture("hours-bom.csv"), "--kind", "hours")
        let json = try #require(try cli.run("export", "--kind", "hours", "--month", "2024-03", "--format", "json").json() as? [[String: Any]])
        #expect(json.count == 10)
        let noFile = try cli.run("import", "/nonexistent.csv", "--kind", "hours")
        #expect(noFile.status != 0 && noFile.err.contains("cannot read"))
        let noKind = try cli.run("import", CLI.fixture("hours-bom.csv"))
        #expect(noKind.status != 0 && noKind.err.contains("--kind"))
    }
}
