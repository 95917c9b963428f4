import SunsyncModel

/// A base's monthly attendance sheet (考勤表) for participants to sign: one row per participant, a column
/// per day with the hours recorded and a mark where a lunch was, the month's totals, and a line for the
/// participant's signature; the base manager signs under it. Counts what is recorded and not deleted,
/// reviewed or not (the review decides what is paid: `report payments`). Pure: the CLI writes it to a file
/// and the review page serves it, from the same `html`.
public struct AttendanceSheet: Sendable {
    public struct Row: Sendable {
        public let participantId: String
        public let name: String
        public let certificate: String
        /// Per day of the month (index 0 = the 1st): the hours text ("" for none) and whether a lunch was recorded.
        public let days: [(hours: String, lunch: Bool)]
        public let daysWorked: Int
        public let minutes: Int64
        public let lunches: Int
        public let lunchFen: Int64
    }

    public let org: String
    public let orgName: String
    public let month: String
    public let dates: [CivilDate]
    public let rows: [Row]

    /// The sheet of `org` for `month` (YYYY-MM) from a ledger that holds its days; nil for a month that is not one.
    /// `orgName`: the name to show where the ledger holds no org record (a laptop that has not synced yet).
    public init?(_ ledger: Ledger, org: String, month: String, reveal: Bool = false, orgName: String? = nil) {
        guard let span = Ledger.days(ofMonth: month) else { return nil }
        self.org = org
        self.orgName = ledger.orgName(org).isEmpty ? orgName ?? "" : ledger.orgName(org)
        self.month = month
        dates = (span.lowerBound.dayNumber...span.upperBound.dayNumber).map { CivilDate(dayNumber: $0) }
        var hours = [String: [Int32: Int64]](), lunches = [String: [Int32: Int64]]()
        for entry in ledger.entries where entry.org == org && span.contains(entry.date) && !entry.deleted {
            guard let quantity = entry.quantity else { continue }
            if entry.key.collection == .hours {
                hours[entry.participant, default: [:]][entry.date.dayNumber] = quantity
            } else {
                lunches[entry.participant, default: [:]][entry.date.dayNumber] = quantity
            }
        }
        // Everyone with a day recorded, and everyone active whose contract covers a day of the month.
        let people = ledger.participants.values.filter { p in
            p.org == org && (hours[p.key.id] != nil || lunches[p.key.id] != nil
                || (p.active && (p.contractStart.map { $0 <= span.upperBound } ?? true) && (p.contractEnd.map { $0 >= span.lowerBound } ?? true)))
        }.sorted { ($0.name ?? "", $0.key.id) < ($1.name ?? "", $1.key.id) }
        let dates = self.dates
        rows = people.map { p in
            let h = hours[p.key.id] ?? [:], l = lunches[p.key.id] ?? [:]
            return Row(participantId: p.key.id, name: p.name ?? p.key.id,
                       certificate: p.certificate.map { reveal ? $0.text : $0.masked } ?? "",
                       days: dates.map { date in (h[date.dayNumber].map(Quantity.hours) ?? "", l[date.dayNumber] != nil) },
                       daysWorked: h.values.filter { $0 > 0 }.count, minutes: h.values.reduce(0, +),
                       lunches: l.count, lunchFen: l.values.reduce(0, +))
        }
    }

    /// Monday = 0 … Sunday = 6.
    static func weekday(_ date: CivilDate) -> Int { Int((Int64(date.dayNumber) % 7 + 7 + 3) % 7) }

    /// The sheet as a page that prints on one A4 landscape sheet per 14 participants, the header row on each.
    public var html: String {
        let weekdays = ["一", "二", "三", "四", "五", "六", "日"]
        let title = "\(orgName.isEmpty ? org : orgName) \(month) 考勤表"
        var out = """
            <!doctype html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <title>\(Self.escape(title))</title>
            <style>
            @page { size: A4 landscape; margin: 10mm 8mm; }
            body { font: 10pt/1.3 "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; color: #000; margin: 0; }
            h1 { font-size: 15pt; text-align: center; margin: 0 0 2mm; }
            .meta { display: flex; justify-content: space-between; font-size: 9.5pt; margin-bottom: 2mm; }
            table { border-collapse: collapse; width: 100%; table-layout: fixed; }
            th, td { border: 0.6pt solid #000; text-align: center; padding: 1mm 0.3mm; font-size: 8.5pt; overflow: hidden; }
            th { font-weight: 600; }
            thead { display: table-header-group; }
            tr { break-inside: avoid; height: 9mm; }
            td.name { white-space: nowrap; word-break: keep-all; text-align: left; padding-left: 1mm; font-size: 9.5pt; }
            td.cert { font-size: 7pt; white-space: nowrap; }
            .we { background: #e8e8e8; }
            .lunch { display: block; font-size: 6.5pt; color: #333; }
            col.day { width: 5.2mm; }
            col.no { width: 6mm; } col.name { width: 17mm; } col.cert { width: 27mm; }
            col.sum { width: 10mm; } col.sign { width: 20mm; }
            .foot { display: flex; justify-content: space-between; margin-top: 5mm; font-size: 10pt; }
            .foot span { min-width: 60mm; }
            .note { font-size: 8pt; color: #333; margin-top: 2mm; }
            </style>
            </head>
            <body>
            <h1>\(Self.escape(title))</h1>
            <div class="meta"><span>基地：\(Self.escape(orgName)) (\(Self.escape(org)))</span><span>月份：\(month)</span><span>工时单位：小时；“餐”：当日有午餐补贴</span></div>
            <table>
            <colgroup><col class="no"><col class="name"><col class="cert">
            """
        out += String(repeating: "<col class=\"day\">", count: dates.count)
        out += "<col class=\"sum\"><col class=\"sum\"><col class=\"sum\"><col class=\"sum\"><col class=\"sign\"></colgroup>\n<thead><tr><th rowspan=\"2\">序号</th><th rowspan=\"2\">姓名</th><th rowspan=\"2\">残疾人证号</th>"
        for date in dates { out += "<th class=\"\(Self.weekday(date) >= 5 ? "we" : "")\">\(date.dayNumber - dates[0].dayNumber + 1)</th>" }
        out += "<th rowspan=\"2\">出勤<br>天数</th><th rowspan=\"2\">工时<br>合计</th><th rowspan=\"2\">午餐<br>次数</th><th rowspan=\"2\">午餐<br>金额</th><th rowspan=\"2\">本人签字</th></tr>\n<tr>"
        for date in dates { out += "<th class=\"\(Self.weekday(date) >= 5 ? "we" : "")\">\(weekdays[Self.weekday(date)])</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for (n, row) in rows.enumerated() {
            out += "<tr><td>\(n + 1)</td><td class=\"name\">\(Self.escape(row.name))</td><td class=\"cert\">\(Self.escape(row.certificate))</td>"
            for (i, day) in row.days.enumerated() {
                out += "<td class=\"\(Self.weekday(dates[i]) >= 5 ? "we" : "")\">\(Self.escape(day.hours))\(day.lunch ? "<span class=\"lunch\">餐</span>" : "")</td>"
            }
            out += "<td>\(row.daysWorked)</td><td>\(Quantity.hours(row.minutes))</td><td>\(row.lunches)</td><td>\(Quantity.yuan(row.lunchFen))</td><td></td></tr>\n"
        }
        let minutes = rows.reduce(0) { $0 + $1.minutes }, fen = rows.reduce(0) { $0 + $1.lunchFen }
        out += "<tr><td colspan=\"\(3 + dates.count)\" style=\"text-align: right; padding-right: 2mm;\">合计（\(rows.count) 人）</td>"
        out += "<td>\(rows.reduce(0) { $0 + $1.daysWorked })</td><td>\(Quantity.hours(minutes))</td><td>\(rows.reduce(0) { $0 + $1.lunches })</td><td>\(Quantity.yuan(fen))</td><td></td></tr>\n"
        out += """
            </tbody>
            </table>
            <div class="note">本表按已记录的工时和午餐列出（未删除，含待审核）；补贴按区残联审核通过的记录发放。</div>
            <div class="foot"><span>基地负责人签字：</span><span>日期：</span><span>制表：Sunsync</span></div>
            </body>
            </html>

            """
        return out
    }

    /// Text safe in HTML.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
