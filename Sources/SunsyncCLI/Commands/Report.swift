import ArgumentParser
import Foundation
import SunsyncModel

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reports for the organization.", subcommands: [Monthly.self])

    struct Monthly: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One month per participant: days worked, hours, lunches and amount, open conflicts and flags.",
            discussion: "Example: sunsync report monthly --month 2024-03 --format csv > 2024-03.csv")

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("The month.", valueName: "YYYY-MM")) var month: String
        @Option(help: "table, csv or json (--json is the same as --format json).") var format: ReportFormat = .table

        enum ReportFormat: String, ExpressibleByArgument { case table, csv, json }

        struct Line: Encodable {
            let participantId: String?
            let name: String
            let certificate: String
            let daysWorked: Int
            let minutes: Int64
            let hours: String
            let lunches: Int
            let lunchFen: Int64
            let lunchAmount: String
            let conflicts: Int
            let flags: Int
        }

        struct Document: Encodable {
            let org: String?
            let month: String
            let participants: [Line]
            let total: Line
        }

        func run() throws {
            let ws = try Workspace(global)
            let month = try DateInput.month(self.month)
            let state = try ws.state(month: month)
            let directory = Directory(org: ws.org, state: state)
            let hours = DayRow.rows(state, collection: .hours, ws: ws, month: month)
            let lunches = DayRow.rows(state, collection: .lunches, ws: ws, month: month)
            let flags = Flags.compute(state, settings: FlagSettings(today: DateInput.today().description))
            let hoursOf = Dictionary(grouping: hours, by: \.participantId), lunchesOf = Dictionary(grouping: lunches, by: \.participantId)
            // Each flag counts for every participant it names a record of in this month.
            let monthDays = Swift.Set((hours + lunches).map(\.id))
            var flagsOf = [String: Int]()
            for flag in flags where flag.kind != .conflict {
                let people = Swift.Set(flag.records.filter { monthDays.contains($0.id) }.compactMap { try? NaturalKey.parse($0).participant })
                for person in people { flagsOf[person, default: 0] += 1 }
            }
            // Every participant with a day this month, also one whose own record has not arrived (yet): its
            // days still count, under "?", rather than vanish from the totals.
            var lines = Swift.Set(hoursOf.keys).union(lunchesOf.keys).map { id in
                let p = directory.byID(id), h = hoursOf[id] ?? [], l = lunchesOf[id] ?? []
                let minutes = h.reduce(Int64(0)) { $0 + ($1.minutes ?? 0) }, fen = l.reduce(Int64(0)) { $0 + ($1.amountFen ?? 0) }
                return Line(participantId: id, name: p?.name ?? "?", certificate: ws.show(p?.certificate),
                            daysWorked: h.filter { ($0.minutes ?? 0) > 0 }.count, minutes: minutes, hours: Quantity.hours(minutes),
                            lunches: l.count, lunchFen: fen, lunchAmount: Quantity.yuan(fen),
                            conflicts: (h + l).filter(\.conflict).count,
                            flags: flagsOf[id] ?? 0)
            }
            lines.sort { ($0.name, $0.participantId ?? "") < ($1.name, $1.participantId ?? "") }
            let minutes = lines.reduce(Int64(0)) { $0 + $1.minutes }, fen = lines.reduce(Int64(0)) { $0 + $1.lunchFen }
            let total = Line(participantId: nil, name: "合计 total", certificate: "", daysWorked: lines.reduce(0) { $0 + $1.daysWorked },
                             minutes: minutes, hours: Quantity.hours(minutes), lunches: lines.reduce(0) { $0 + $1.lunches },
                             lunchFen: fen, lunchAmount: Quantity.yuan(fen), conflicts: lines.reduce(0) { $0 + $1.conflicts },
                             flags: lines.reduce(0) { $0 + $1.flags })
            let headers = ["姓名 name", "残疾人证号 certificate", "出勤天数 days", "工时 hours", "午餐次数 lunches", "午餐金额 yuan", "冲突 conflicts", "提示 flags"]
            let cells = (lines + [total]).map {
                [$0.name, $0.certificate, String($0.daysWorked), $0.hours, String($0.lunches), $0.lunchAmount, String($0.conflicts), String($0.flags)]
            }
            switch global.json ? .json : format {
            case .json: try Output.json(Document(org: ws.org, month: month, participants: lines, total: total))
            case .csv: print(CSV.byteOrderMark + CSV.encode([headers] + cells), terminator: "")
            case .table:
                let orgRecord = ws.org.flatMap { state[RecordKey(collection: .orgs, id: $0)] }
                let orgName = (try? ws.store.meta("org_name")).flatMap { $0 } ?? orgRecord.flatMap { $0.displayed("name")?.text } ?? ""
                print("\(ws.org ?? "district " + (ws.district ?? "")) \(orgName) — \(month) 月报 monthly report\n")
                Output.table(headers, cells)
            }
        }
    }
}
