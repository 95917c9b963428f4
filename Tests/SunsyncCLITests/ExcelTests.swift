import Foundation
import Testing
import SunsyncTestSupport

/// Exports Excel opens as it should: identity numbers stay text (an all-digit 残疾人证号 would become
/// 3.10112E+19 and lose digits), read back whole by Python's csv module and by `sunsync import`.
@Suite struct ExcelTests {
    @Test func revealedNumbersStayWholeThroughCSV() throws {
        let cli = try CLI.withParticipants()
        try cli.allowReveal()
        try cli.run("hours", "set", "李四", "2024-03-04", "3.5")
        let dir = Scratch.path("excel")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for kind in ["participants", "hours"] {
            let export = try cli.run("export", "--kind", kind, "--reveal", "--purpose", "核对", "-o", "\(dir)/\(kind).csv")
            #expect(export.status == 0, "\(export.err)")
        }
        // Python's csv module reads the cell as Excel's text formula around the whole number.
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", """
            import csv, sys
            rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
            print("\\n".join(r[1] for r in rows[1:]))
            """, "\(dir)/participants.csv"]
        let out = Pipe()
        python.standardOutput = out
        try python.run()
        python.waitUntilExit()
        let cells = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(cells.contains("=\"\(People.li)\""), "an all-digit number is written as =\"…\": \(cells)")
        #expect(cells.contains(People.zhang), "one with an X is text to Excel already: \(cells)")
        // And `sunsync import` reads both sheets back into a new home.
        let other = CLI()
        #expect(try other.run("init", "--org", "MH-SB-001").status == 0)
        let participants = try other.run("import", "\(dir)/participants.csv", "--kind", "participants")
        #expect(participants.status == 0, "\(participants.err)")
        let hours = try other.run("import", "\(dir)/hours.csv", "--kind", "hours")
        #expect(hours.status == 0, "\(hours.err)")
        try other.allowReveal()
        let listed = try #require(try other.run("participant", "list", "--reveal", "--purpose", "核对", "--json").json() as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["certificate"] as? String }).isSuperset(of: [People.li, People.zhang]))
    }
}
