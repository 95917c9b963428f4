import Foundation
import SunsyncModel
import SunsyncReports

/// What the review page's templates render: values made from the `Ledger` only (the CLI's reports read
/// the same), already in the words and formats a reviewer reads. Certificate numbers are always masked.
enum ReviewViews {
    /// What every signed-in page shows around its content: the district's federation, the device, the
    /// CSRF token its forms carry, the month with its neighbours, a notice. Templates open it as a section
    /// (`{{#frame}}…{{/frame}}`), so its names are found first and the page's own after.
    struct Frame {
        /// `闵行区残联（310112）`.
        let district: String
        let device: String
        let csrf: String
        let month: String
        let prev: String
        let next: String
        let notice: String?

        init(district code: String, device: String, csrf: String, month: String, notice: String? = nil) {
            self.district = Districts.federation(code)
            self.device = device
            self.csrf = csrf
            self.month = month
            self.prev = Ledger.month(month, minus: 1)
            self.next = Ledger.month(month, minus: -1)
            self.notice = notice
        }
    }

    struct Totals {
        let orgCount: Int
        let participants: Int
        let days: Int
        let hours: String
        let lunches: Int
        let lunchAmount: String
        let records: Int
        let approved: Int
        let needsReview: Int
        let rejected: Int
        let flags: Int
        let conflicts: Int

        init(_ line: MonthlyReport.Line, participants: Int, orgCount: Int = 1) {
            self.orgCount = orgCount
            self.participants = participants
            days = line.daysWorked
            hours = ReviewViews.hoursCell(line.minutes)
            lunches = line.lunches
            lunchAmount = line.lunchAmount
            records = line.approved + line.needsReview + line.rejected
            approved = line.approved
            needsReview = line.needsReview
            rejected = line.rejected
            flags = line.flags
            conflicts = line.conflicts
        }
    }

    struct Bar {
        let x: String, y: String, w: String, h: String
        let fill: String
        let month: String
        let short: String
        let value: String
        let labelX: String
        let labelY: String
    }

    struct Gridline { let y: String; let labelY: String; let label: String }

    struct Chart {
        let width: Int
        let height: Int
        let bars: [Bar]
        let gridlines: [Gridline]
    }

    struct Progress {
        let approved: Int, rejected: Int, needsReview: Int
        let approvedWidth: String, rejectedWidth: String
    }

    struct OrgRow {
        let code: String
        let name: String
        let month: String
        let participants: Int
        let days: Int
        let hours: String
        let lunches: Int
        let lunchAmount: String
        let approved: Int
        let needsReview: Int
        let rejected: Int
        /// Nil for none (a Mustache section is false only for nil, false or empty).
        let flags: Int?
        let conflicts: Int?
        let progress: Progress
        let spark: Chart
    }

    struct District {
        let title: String
        let frame: Frame
        let totals: Totals
        let chart: Chart
        let orgs: [OrgRow]
        let empty: Bool
    }

    /// `/review?month=M`: every org of the district in the month, with a twelve-month chart.
    static func district(_ shown: ReviewBooks.DistrictMonth, frame: Frame, orgs: [String], minutes: [String: [String: Int64]],
                         months: [String]) -> District {
        let report = shown.report
        let byOrg = Dictionary(report.orgs.map { ($0.org, $0.total) }, uniquingKeysWith: { a, _ in a })
        let peopleByOrg = Dictionary(grouping: report.participants, by: { $0.org ?? "" }).mapValues(\.count)
        // A retired org (`org deactivate`) is off the page, except in a month that holds its records (history).
        let listed = orgs.sorted().filter { shown.orgs[$0]?.active ?? true || byOrg[$0] != nil }
        let rows = listed.map { code -> OrgRow in
            let line = byOrg[code]
            let name = (shown.orgs[code]?.name ?? "") + (shown.orgs[code]?.active == false ? "（已停用）" : "")
            let monthly = months.map { minutes[$0]?[code] ?? 0 }
            return OrgRow(code: code, name: name.isEmpty ? code : name, month: frame.month, participants: peopleByOrg[code] ?? 0,
                          days: line?.daysWorked ?? 0, hours: hoursCell(line?.minutes ?? 0), lunches: line?.lunches ?? 0,
                          lunchAmount: line?.lunchAmount ?? "0.00", approved: line?.approved ?? 0, needsReview: line?.needsReview ?? 0,
                          rejected: line?.rejected ?? 0, flags: nonZero(line?.flags), conflicts: nonZero(line?.conflicts),
                          progress: progress(line), spark: spark(monthly, months: months, current: frame.month))
        }
        let totals = months.map { m in orgs.reduce(Int64(0)) { $0 + (minutes[m]?[$1] ?? 0) } }
        return District(title: "\(frame.month) 各基地", frame: frame,
                        totals: Totals(report.total, participants: report.participants.count, orgCount: orgs.count),
                        chart: chart(totals, months: months, current: frame.month), orgs: rows, empty: report.participants.isEmpty)
    }

    struct Person {
        let name: String, certificate: String
        /// The org page listing this person's days only.
        let href: String
        let days: Int, hours: String, lunches: Int, lunchAmount: String
        let approved: Int, needsReview: Int, rejected: Int
        let flags: Int?
    }

    struct FlagRow { let label: String; let css: String; let subject: String; let message: String }

    struct Day {
        let id: String, date: String, name: String, kind: String, value: String
        /// The content version the page shows, sent back with a tick: a record changed since is skipped.
        /// Nil where there is nothing to approve (decided already, or deleted).
        let version: String?
        let status: String, statusLabel: String
        let reviewNote: String?
        let changed: Bool
        let flags: [String]
        let conflict: Bool
    }

    struct Filter { let label: String; let href: String; let on: Bool }

    struct Org {
        let title: String
        let frame: Frame
        let code: String, name: String
        let totals: Totals
        let people: [Person]
        let hasFlags: Bool
        let flagLines: [FlagRow]
        let filters: [Filter]
        let days: [Day]
        let approvable: Int
        let canApproveMonth: Bool
        let held: Int
        let rejectedCount: Int
    }

    /// Which days an org page lists.
    enum DayShow: String, CaseIterable {
        case attention, needsReview = "needs-review", all
        var label: String {
            switch self {
            case .attention: "有提示或冲突"
            case .needsReview: "待审核"
            case .all: "全部"
            }
        }
    }

    /// `/review/orgs/<code>?month=M`: one org's month, its people, flags and days.
    static func org(_ ledger: Ledger, month: ReviewBooks.OrgMonth, code: String, frame: Frame, show: DayShow, person: String? = nil) -> Org {
        let total = month.report.orgs.first { $0.org == code }?.total
        let participants = month.report.participants
        let people = participants.map {
            Person(name: $0.name, certificate: $0.certificate,
                   href: "/review/orgs/\(code)?month=\(frame.month)&show=all&person=" + ReviewRef.person($0.participantId ?? ""), days: $0.daysWorked, hours: hoursCell($0.minutes), lunches: $0.lunches,
                   lunchAmount: $0.lunchAmount, approved: $0.approved, needsReview: $0.needsReview, rejected: $0.rejected, flags: nonZero($0.flags))
        }
        let flags = month.flags.map {
            FlagRow(label: SunsyncModel.Flag.Kind(rawValue: $0.kind)?.chinese ?? $0.kind, css: $0.kind == "conflict" ? "conflict" : "flag",
                    subject: $0.subject, message: $0.message)
        }
        let lines = month.lines
        let plan = Ledger.monthApproval(lines, unflagged: true)
        let shown = lines.filter { line in
            if let person, ReviewRef.person(line.participantId) != person { return false }
            switch show {
            case .attention: return !line.flags.isEmpty || line.conflict
            case .needsReview: return line.status == .needsReview
            case .all: return true
            }
        }
        let name = ledger.orgName(code)
        return Org(title: "\(name.isEmpty ? code : name) \(frame.month)", frame: frame, code: code, name: name.isEmpty ? code : name,
                   totals: Totals(total ?? Ledger.sum([], name: "", org: code, orgName: name), participants: participants.count),
                   people: people, hasFlags: !flags.isEmpty, flagLines: flags,
                   filters: DayShow.allCases.map { Filter(label: $0.label, href: "/review/orgs/\(code)?month=\(frame.month)&show=\($0.rawValue)",
                                                          on: $0 == show && person == nil) }
                       + (person.map { p in [Filter(label: "仅 " + (participants.first { ReviewRef.person($0.participantId ?? "") == p }?.name ?? p), href: "", on: true)] } ?? []),
                   days: shown.map { day($0, version: $0.status == .needsReview && !$0.deleted ? ledger.state[$0.key]?.contentVersion : nil) },
                   approvable: plan.targets.count, canApproveMonth: !plan.targets.isEmpty,
                   held: plan.skipped.count - lines.filter { $0.status == .rejected }.count,
                   rejectedCount: lines.filter { $0.status == .rejected }.count)
    }

    static func day(_ line: DayLine, version: String? = nil) -> Day {
        Day(id: line.reviewId, date: line.date, name: line.name, kind: line.collection == "hours" ? "工时" : "午餐",
            value: line.collection == "hours" ? "\(line.hours ?? "") 小时" : "\(line.amount ?? "") 元", version: version,
            status: line.review, statusLabel: line.status.chinese + (line.deleted ? "（已删除）" : ""),
            reviewNote: line.reviewNote, changed: line.changedAfterApproval,
            flags: line.flags.filter { $0 != "conflict" }.map { SunsyncModel.Flag.Kind(rawValue: $0)?.chinese ?? $0 }, conflict: line.conflict)
    }

    struct Record {
        let title: String
        let frame: Frame
        let problem: String?
        let id: String, kind: String, org: String, orgName: String, name: String, certificate: String, date: String
        let valueLabel: String, value: String
        let project: String?, note: String?
        let deleted: Bool
        let status: String, statusLabel: String, reviewNote: String?, changed: Bool
        let hasFlags: Bool, flags: [String]
        let hasConflicts: Bool, conflicts: [String]
        /// The content version shown: the forms send it back, and a decision on other content is refused.
        let version: String
        let canApprove: Bool
        let approveBlocked: String?
        let history: [ChangeLine]
        /// The next record of the same base and month still waiting for review (nil: none left).
        let nextRecord: String?
        let waiting: Int
    }

    /// The record to look at after `key`: the next of its base's month, by date (hours before the lunch, then
    /// id), that still waits for review and is not deleted; from the start again past the last. Its review id,
    /// and how many wait in all (this one left out).
    static func nextToReview(after key: RecordKey, org: String, in ledger: Ledger) -> (id: String?, waiting: Int) {
        guard let date = (try? NaturalKey.parse(key))?.date else { return (nil, 0) }
        func order(_ e: DayEntry) -> (Int32, String, String) { (e.date.dayNumber, e.key.collection.rawValue, e.key.id) }
        let month = date.monthKey
        let waiting = ledger.entries.filter {
            $0.org == org && $0.date.monthKey == month && $0.review == .needsReview && !$0.deleted && $0.key != key
        }.sorted { order($0) < order($1) }
        let here = (date.dayNumber, key.collection.rawValue, key.id)
        let next = waiting.first { order($0) > here } ?? waiting.first
        return (next.map { ReviewRef.make($0.key) }, waiting.count)
    }

    /// `/review/records/<id>`: one record, its flags, conflicts, history and the decision forms.
    static func record(_ ledger: Ledger, line: DayLine, history: [ChangeLine], names: DeviceNames, frame: Frame, problem: String?) -> Record {
        let flags = (ledger.flagsByRecord[line.key] ?? []).filter { $0.kind != .conflict }.map { "\($0.kind.chinese)：\(Chinese().flag($0.reason))" }
        let conflicts = ledger.conflictLines(line.key, names: names)
        var skip: ReviewSkip?
        if case .failure(let why)? = ledger.state[line.key]?.decision(.approved, note: nil) { skip = why }
        if skip == nil, line.key.collection == .lunches {
            skip = RecordState.lunchApprovalRefusal(hours: ledger.state[RecordKey(collection: .hours, id: line.id)])
        }
        let blocked: String? = switch skip {
        case .noHoursThatDay?: "当天没有工时记录：午餐随当天工时发放"
        case .hoursRejected?: "当天工时已退回：请先通过工时，或一并退回午餐"
        case .deleted?: "已被基地删除"
        case .inConflict?: "记录有冲突，请基地先解决"
        case .already?: "已通过"
        default: nil
        }
        let hours = line.collection == "hours"
        let next = nextToReview(after: line.key, org: line.org, in: ledger)
        return Record(title: line.reviewId, frame: frame, problem: problem, id: line.reviewId, kind: hours ? "工时" : "午餐", org: line.org,
                      orgName: line.orgName.isEmpty ? line.org : line.orgName, name: line.name, certificate: line.certificate, date: line.date,
                      valueLabel: hours ? "工时" : "午餐金额", value: hours ? "\(line.hours ?? "") 小时" : "\(line.amount ?? "") 元",
                      project: line.project, note: line.note, deleted: line.deleted, status: line.review,
                      statusLabel: line.status.chinese, reviewNote: line.reviewNote, changed: line.changedAfterApproval,
                      hasFlags: !flags.isEmpty, flags: flags, hasConflicts: !conflicts.isEmpty, conflicts: conflicts,
                      version: ledger.state[line.key]?.contentVersion ?? "", canApprove: blocked == nil, approveBlocked: blocked,
                      history: history.map { ChangeLine(time: $0.time, device: $0.device, field: fieldNames[$0.field] ?? $0.field, value: $0.value,
                                                        signedBy: $0.signedBy ?? "—") },
                      nextRecord: next.id, waiting: next.waiting)
    }

    static let fieldNames = ["minutes": "工时", "amount": "午餐金额", "project": "劳动项目", "note": "备注", "deleted": "删除",
                             "review": "审核", "review_note": "审核备注"]

    // MARK: Payments

    struct Payments {
        let title: String
        let frame: Frame
        let headers: [String]
        let rows: [PaymentRow]
        let empty: Bool
        let notCounted: String?
    }

    struct PaymentRow { let css: String; let cells: [PaymentCell] }
    struct PaymentCell { let text: String; let cls: String }

    struct Reveals {
        let title = "查看完整证号记录"
        let frame: Frame
        let rows: [RevealRow]
        let empty: Bool
    }

    struct RevealRow { let time: String; let device: String; let org: String; let orgName: String; let people: String; let purpose: String; let what: String }

    /// `/review/reveals`: every reveal of the district's participants, newest first.
    static func reveals(_ lines: [RevealLine], frame: Frame) -> Reveals {
        Reveals(frame: frame, rows: lines.map { line in
            RevealRow(time: line.time, device: line.device, org: line.org, orgName: line.orgName,
                      people: line.people.joined(separator: "、") + (line.people.count > 1 ? "（\(line.people.count) 人）" : ""),
                      purpose: line.purpose, what: line.what ?? "")
        }, empty: lines.isEmpty)
    }

    /// `/review/payments?month=M`: the district's payment list, the rows `sunsync report payments` prints.
    static func payments(_ report: PaymentReport, frame: Frame) -> Payments {
        let headers = PaymentReport.headers.map { String($0.split(separator: " ").first ?? Substring($0)) }
        let rows = report.rows.map { row in
            PaymentRow(css: row[2].hasPrefix("小计") || row[2].hasPrefix("合计") ? "total" : "",
                       cells: row.enumerated().map { PaymentCell(text: CSVText.plain($0.element), cls: $0.offset >= 4 ? "num" : "") })
        }
        let left = NotCounted.allCases.compactMap { why in report.notCounted[why.rawValue].flatMap { $0 > 0 ? "\($0) 条\(why.words)" : nil } }
        return Payments(title: "\(frame.month) 补贴发放表", frame: frame, headers: headers, rows: rows, empty: report.orgs.isEmpty,
                        notCounted: left.isEmpty ? nil : left.joined(separator: "；"))
    }

    // MARK: Charts

    static func nonZero(_ n: Int?) -> Int? { n == 0 ? nil : n }

    /// Hours as every Sunsync surface writes them (`Quantity.hours`): decimal where two decimals are exact
    /// (`7.5`, `0.25`), else hours and minutes (`126h5m`), never rounded: the page and the CLI agree.
    static func hoursCell(_ minutes: Int64) -> String { Quantity.hours(minutes) }

    /// Text for a query value (a participant id holds `/`).
    static func query(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    static func format(_ x: Double) -> String {
        let tenths = Int((x * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    static func progress(_ line: MonthlyReport.Line?) -> Progress {
        let a = line?.approved ?? 0, r = line?.rejected ?? 0, n = line?.needsReview ?? 0
        let all = max(1, a + r + n)
        return Progress(approved: a, rejected: r, needsReview: n, approvedWidth: format(120 * Double(a) / Double(all)),
                        rejectedWidth: format(120 * Double(r) / Double(all)))
    }

    /// One org's twelve months: bars scaled to its own largest month, the shown month darker.
    static func spark(_ minutes: [Int64], months: [String], current: String) -> Chart {
        let top = Double(max(1, minutes.max() ?? 1))
        let bars = zip(months, minutes).enumerated().map { i, pair in
            let h = 22 * Double(pair.1) / top
            return Bar(x: "\(i * 10)", y: format(24 - h), w: "8", h: format(h), fill: pair.0 == current ? "#1d4ed8" : "#9fb3c8",
                       month: pair.0, short: "", value: Quantity.hours(pair.1), labelX: "", labelY: "")
        }
        return Chart(width: 120, height: 24, bars: bars, gridlines: [])
    }

    /// The district's hours in twelve months, with four gridlines.
    static func chart(_ minutes: [Int64], months: [String], current: String) -> Chart {
        let width = 720, height = 200, left = 44.0, plotTop = 10.0, plotBottom = 172.0
        let step = axisStep(Double(minutes.max() ?? 0) / 60)
        let top = 4 * step
        let slot = (Double(width) - left) / Double(max(1, months.count))
        let bars = zip(months, minutes).enumerated().map { i, pair in
            let h = (plotBottom - plotTop) * (Double(pair.1) / 60) / top
            let x = left + Double(i) * slot + slot * 0.2
            return Bar(x: format(x), y: format(plotBottom - h), w: format(slot * 0.6), h: format(h),
                       fill: pair.0 == current ? "#1d4ed8" : "#9fb3c8", month: pair.0, short: String(pair.0.suffix(5)),
                       value: Quantity.hours(pair.1), labelX: format(x + slot * 0.3), labelY: format(plotBottom + 16))
        }
        let gridlines = (0...4).map { k -> Gridline in
            let y = plotBottom - (plotBottom - plotTop) * Double(k) / 4
            return Gridline(y: format(y), labelY: format(y + 4), label: "\(Int(step * Double(k)))")
        }
        return Chart(width: width, height: height, bars: bars, gridlines: gridlines)
    }

    /// The step between a chart's five gridlines (0 to 4 steps) for values up to `maxValue`: a whole number
    /// (1, 2, 3, 4, 5, 6, 8 times a power of ten, and 1.5 and 2.5 times from 10 on), so every label is exact
    /// and a bar stands at its value; 1 for an empty chart (0 to 4).
    static func axisStep(_ maxValue: Double) -> Double {
        let x = max(maxValue / 4, 1)
        var power = 1.0
        while power * 10 <= x { power *= 10 }
        let steps: [Double] = power >= 10 ? [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] : [1, 2, 3, 4, 5, 6, 8, 10]
        return (steps.first { $0 * power >= x } ?? 10) * power
    }
}
