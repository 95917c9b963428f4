import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncReports

struct Report: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.report), subcommands: [Monthly.self, Payments.self, Sheet.self]) }

    enum ReportFormat: String, ExpressibleByArgument { case table, csv, json }

    struct Monthly: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: Say.words.abstract(.reportMonthly),
            discussion: Say.words.discussion(.reportMonthly)) }

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp(Say.words.help(.theMonth), valueName: "YYYY-MM")) var month: String
        @Option(help: ArgumentHelp(Say.words.help(.reportOrgReviewer), valueName: "code")) var org: String?
        @Option(help: ArgumentHelp(Say.words.help(.reportFormat))) var format: ReportFormat = .table

        func run() throws {
            let ws = try Workspace(global)
            let month = try DateInput.month(self.month)
            let ledger = try ws.ledger(month: month)
            try ReportOrg.check(org, ledger)
            let report = ledger.monthly(month: month, org: org, reveal: global.reveal)
            try ws.revealed(report.participants.compactMap(\.participantId))
            let headers = ["姓名 name", "残疾人证号 certificate", "出勤天数 days", "工时 hours", "午餐次数 lunches", "午餐金额 yuan",
                           "已通过 approved", "待审核 to review", "已退回 rejected", "冲突 conflicts", "提示 flags"]
            func cells(_ l: MonthlyReport.Line) -> [String] {
                [l.name, CSV.text(l.certificate), String(l.daysWorked), l.hours, String(l.lunches), l.lunchAmount,
                 String(l.approved), String(l.needsReview), String(l.rejected), String(l.conflicts), String(l.flags)]
            }
            // A district's report: each org's participants, then its subtotal.
            var rows = [[String]]()
            let orgHeaders = ws.isDistrict ? ["机构 org"] : []
            for block in report.orgs {
                for line in report.participants where line.org == block.org { rows.append((ws.isDistrict ? [block.org] : []) + cells(line)) }
                if ws.isDistrict { rows.append([block.org] + cells(block.total).enumerated().map { $0 == 0 ? "小计 \(block.orgName)" : $1 }) }
            }
            rows.append((ws.isDistrict ? [""] : []) + cells(report.total))
            switch global.json ? .json : format {
            case .json: try Output.json(report)
            case .csv: print(CSV.byteOrderMark + CSV.encode([orgHeaders + headers] + rows), terminator: "")
            case .table:
                print("\(ReportOrg.title(ws, ledger, org)) — \(month) 月报 monthly report\n")
                // Narrowed to the terminal, these go first: the certificate (masked anyway), conflicts, rejected.
                let shift = orgHeaders.count
                Output.table(orgHeaders + headers, rows.map { $0.map(CSV.plain) }, optional: [1, 9, 8, 10].map { $0 + shift })
            }
        }
    }

    struct Payments: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: Say.words.abstract(.reportPayments),
            discussion: Say.words.discussion(.reportPayments)) }

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp(Say.words.help(.theMonth), valueName: "YYYY-MM")) var month: String
        @Option(help: ArgumentHelp(Say.words.help(.onlyOrg), valueName: "code")) var org: String?
        @Option(help: ArgumentHelp(Say.words.help(.reportFormat))) var format: ReportFormat = .table
        @Option(name: .shortAndLong, help: ArgumentHelp(Say.words.help(.outputFile), valueName: "file")) var output: String?

        func run() throws {
            let ws = try Workspace(global)
            let month = try DateInput.month(self.month)
            let ledger = try ws.ledger(daysOf: month)   // payments need no flags: the month's days are enough
            try ReportOrg.check(org, ledger)
            let report = ledger.payments(month: month, org: org, district: ws.district, reveal: global.reveal)
            try ws.revealed(report.orgs.flatMap { $0.participants.map(\.participantId) })
            let headers = PaymentReport.headers, rows = report.rows
            let text: String
            switch global.json ? .json : format {
            case .json: text = try Output.encode(report)
            case .csv: text = report.csv
            case .table:
                var out = "\(ReportOrg.title(ws, ledger, org)) — \(month) 补贴发放 payments (approved records only)\n\n"
                out += Output.render(headers, rows.map { $0.map(CSV.plain) }, optional: [5, 8, 1, 3])   // minutes and fen first: hours and yuan stay
                let left = report.notCounted.filter { $0.value > 0 }
                if !left.isEmpty {
                    out += "\n未计入 Not counted: " + NotCounted.allCases.compactMap { why in left[why.rawValue].map { "\($0) \(why.words)" } }.joined(separator: ", ")
                        + (left["needs_review"] != nil ? " (`sunsync review list --month \(month) --status needs-review`)" : "") + "\n"
                }
                text = out
            }
            try Output.write(text, to: output)
        }
    }
}

/// `--org` on reports: a code the laptop holds, and the title line.
extension Report {
    struct Sheet: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: Say.words.abstract(.reportSheet),
            discussion: Say.words.discussion(.reportSheet)) }

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp(Say.words.help(.theMonth), valueName: "YYYY-MM")) var month: String
        @Option(help: ArgumentHelp(Say.words.help(.sheetOrg), valueName: "code")) var org: String?
        @Option(name: .shortAndLong, help: ArgumentHelp(Say.words.help(.outputFile), valueName: "file")) var output: String?

        func run() throws {
            let ws = try Workspace(global)
            let month = try DateInput.month(self.month)
            let ledger = try ws.ledger(daysOf: month)
            try ReportOrg.check(org, ledger)
            guard let code = org ?? ws.org ?? (ledger.orgCodes.count == 1 ? ledger.orgCodes.first : nil) else {
                throw CLIError(.giveOrg(ledger.orgCodes))
            }
            let savedName = code == ws.org ? (try? ws.store.meta("org_name")).flatMap { $0 } : nil
            guard let sheet = AttendanceSheet(ledger, org: code, month: month, reveal: global.reveal, orgName: savedName) else {
                throw CLIError(.notAMonth(month))
            }
            try ws.revealed(sheet.rows.map(\.participantId))
            try Output.write(sheet.html, to: output)
            if output != nil { FileHandle.standardError.write(Data((say(.sheetWritten(participants: sheet.rows.count)) + "\n").utf8)) }
        }
    }
}

enum ReportOrg {
    static func check(_ org: String?, _ ledger: Ledger) throws {
        guard let org else { return }
        if let scope = ledger.scopeOrg, scope != org { throw CLIError(.otherOrg(scope: scope, org: org)) }
        guard ledger.orgCodes.contains(org) else {
            throw CLIError(.noSuchOrg(org, held: ledger.orgCodes))
        }
    }

    static func title(_ ws: Workspace, _ ledger: Ledger, _ org: String?) -> String {
        if let code = org ?? ws.org {
            let name = ledger.orgName(code)
            return "\(code) \(name.isEmpty ? ((try? ws.store.meta("org_name")).flatMap { $0 } ?? "") : name)"
        }
        return "区残联 district \(ws.district ?? "")"
    }
}
