import Foundation
import GRDB
import Testing

/// The battery dies mid-import: SIGKILL at random moments; the store stays sound and all-or-nothing.
@Suite struct CrashTests {
    /// A valid hours sheet: every participant of the fixture, every day of `days`.
    static func largeSheet(days: Int) -> String {
        var rows = ["残疾人证号,日期,工时,劳动项目"]
        let start = SunsyncDate.day(2016, 1, 1)   // 3,000 days end before today: a day still to come is not imported
        for d in 0..<days {
            let date = SunsyncDate.text(start + d)
            for cert in [People.zhang, People.li, People.wang] { rows.append("\(cert),\(date),\(1 + d % 8),包装") }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    @Test func killedImportsLeaveTheStoreIntactAndAllOrNothing() throws {
        let cli = try CLI.withParticipants()
        let file = cli.home + "/large.csv"
        let rowCount = 3 * 3000
        try Data(Self.largeSheet(days: 3000).utf8).write(to: URL(fileURLWithPath: file))
        let base = try cli.opCount()
        var killed = 0
        for attempt in 0..<8 {
            if try cli.runInterrupted(["import", file, "--kind", "hours"], after: UInt32(50_000 + (attempt * 97_331) % 600_000)) {
                killed += 1
            }
            // Then the file is sound, and it holds either none of the rows or all of them.
            let queue = try cli.database()
            #expect(try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") } == ["ok"])
            try queue.close()
            let days = (try cli.run("hours", "list", "--json").json() as? [Any])?.count
            #expect(days == 0 || days == rowCount, "attempt \(attempt): \(days ?? -1) days")
            if days == rowCount { break }
        }
        #expect(killed > 0, "no import was interrupted; the sheet is too small to test a crash")
        // And the store is still usable: the import completes.
        let finished = try cli.run("import", file, "--kind", "hours")
        #expect(finished.status == 0, "\(finished.err)")
        #expect((try cli.run("hours", "list", "--json").json() as? [Any])?.count == rowCount)
        #expect(try cli.opCount() > base)
    }
}

enum SunsyncDate {
    static func day(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let comps = DateComponents(calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"), year: y, month: m, day: d)
        return Int(comps.date!.timeIntervalSince1970 / 86400)
    }

    static func text(_ day: Int) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(day) * 86400))
    }
}
