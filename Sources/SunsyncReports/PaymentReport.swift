import SunsyncModel

/// What the district pays for a month: per organization and participant, the approved hours and the
/// approved lunches. Only records whose review status is approved count — nothing unreviewed,
/// rejected, in conflict or deleted, nothing of a participant not registered whole — and a lunch only
/// when that day's hours are counted too (SPEC §4). Money in whole fen, so every subtotal and the total
/// are exact.
public struct PaymentReport: Encodable, Sendable {
    public struct Amounts: Encodable, Sendable, Equatable {
        /// Days with approved hours above zero.
        public var days = 0
        public var minutes: Int64 = 0
        public var lunches = 0
        public var lunchFen: Int64 = 0
        public var hours: String { Quantity.hours(minutes) }
        public var lunchAmount: String { Quantity.yuan(lunchFen) }

        static func + (a: Amounts, b: Amounts) -> Amounts {
            Amounts(days: a.days + b.days, minutes: a.minutes + b.minutes, lunches: a.lunches + b.lunches, lunchFen: a.lunchFen + b.lunchFen)
        }

        enum CodingKeys: String, CodingKey { case days, minutes, hours, lunches, lunchFen, lunchAmount }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(days, forKey: .days)
            try c.encode(minutes, forKey: .minutes)
            try c.encode(hours, forKey: .hours)
            try c.encode(lunches, forKey: .lunches)
            try c.encode(lunchFen, forKey: .lunchFen)
            try c.encode(lunchAmount, forKey: .lunchAmount)
        }
    }

    public struct Participant: Encodable, Sendable {
        public let participantId: String
        public let name: String
        public let certificate: String
        public let amounts: Amounts

        enum CodingKeys: String, CodingKey { case participantId, name, certificate }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(participantId, forKey: .participantId)
            try c.encode(name, forKey: .name)
            try c.encode(certificate, forKey: .certificate)
            try amounts.encode(to: encoder)
        }
    }

    public struct Org: Encodable, Sendable {
        public let org: String
        public let orgName: String
        public let participants: [Participant]
        public let total: Amounts
    }

    public let month: String
    /// The reviewer's district, or nil on a base's laptop.
    public let district: String?
    public let orgs: [Org]
    public let total: Amounts
    /// Records of the month not counted, by why (`NotCounted`): what stands between the district and paying them.
    public let notCounted: [String: Int]
}

/// Why a record of the month is not paid: the keys of `PaymentReport.notCounted`, first reason only.
public enum NotCounted: String, CaseIterable, Sendable {
    case deleted
    /// A participant not registered whole at the org (SPEC §6), or none at all.
    case incomplete
    case conflict
    case rejected
    case needsReview = "needs_review"
    /// A lunch approved on its own whose day's hours are not counted (not approved, rejected, deleted, absent).
    case hoursNotCounted = "hours_not_counted"

    /// How reports say it.
    public var words: String {
        switch self {
        case .deleted: "已删除 deleted"
        case .incomplete: "登记不完整 participant not registered whole"
        case .conflict: "冲突 in conflict"
        case .rejected: "已退回 rejected"
        case .needsReview: "待审核 waiting for review"
        case .hoursNotCounted: "当日工时未通过 lunches whose day's hours are not approved"
        }
    }
}

extension Ledger {
    public func payments(month: String, org: String? = nil, district: String?, reveal: Bool) -> PaymentReport {
        let filter = DayFilter(month: month, org: org, includeDeleted: true)
        var amounts = [String: PaymentReport.Amounts]()   // by participant id
        var orgOf = [String: String]()
        var notCounted = [String: Int]()
        func reason(_ entry: DayEntry) -> NotCounted? {
            if entry.deleted { return .deleted }
            if !(participants[entry.participant]?.isWhole ?? false) { return .incomplete }
            if entry.hasConflict { return .conflict }
            switch entry.review {
            case .rejected: return .rejected
            case .needsReview: return .needsReview
            case .approved: return nil
            }
        }
        let hours = entries(.hours, filter)
        // The days whose hours are paid: a lunch is paid only on one of them (same id, the other collection).
        var paidDays = Set<String>()
        for entry in hours where reason(entry) == nil { paidDays.insert(entry.key.id) }
        for entry in hours + entries(.lunches, filter) {
            var why = reason(entry)
            if why == nil, entry.key.collection == .lunches, !paidDays.contains(entry.key.id) { why = .hoursNotCounted }
            if let why {
                notCounted[why.rawValue, default: 0] += 1
                continue
            }
            orgOf[entry.participant] = entry.org
            var a = amounts[entry.participant, default: .init()]
            let quantity = entry.quantity ?? 0
            if entry.key.collection == .hours {
                a.minutes += quantity
                if quantity > 0 { a.days += 1 }
            } else {
                a.lunches += 1
                a.lunchFen += quantity
            }
            amounts[entry.participant] = a
        }
        let orgs = Dictionary(grouping: amounts.keys, by: { orgOf[$0] ?? "" }).map { code, ids in
            let people = ids.map { id in
                PaymentReport.Participant(participantId: id, name: participants[id]?.name ?? "?",
                                          certificate: Self.show(participants[id]?.certificate, reveal: reveal), amounts: amounts[id] ?? .init())
            }.sorted { ($0.name, $0.participantId) < ($1.name, $1.participantId) }
            return PaymentReport.Org(org: code, orgName: orgName(code), participants: people,
                                     total: people.reduce(.init()) { $0 + $1.amounts })
        }.sorted { $0.org < $1.org }
        return PaymentReport(month: month, district: district, orgs: orgs, total: orgs.reduce(.init()) { $0 + $1.total },
                             notCounted: notCounted)
    }
}

// MARK: The payment list as a table: one place for the CLI's table and CSV and the review page's

extension PaymentReport {
    public static let headers = ["机构 org", "机构名称 org name", "姓名 name", "残疾人证号 certificate", "出勤天数 days", "工时(分钟) minutes",
                                 "工时 hours", "午餐次数 lunches", "午餐金额(分) fen", "午餐金额 yuan"]

    /// Each participant, each org's subtotal, then the total, in `headers`' columns (certificate numbers as
    /// spreadsheet text: `CSVText.text`).
    public var rows: [[String]] {
        func amounts(_ a: Amounts) -> [String] {
            [String(a.days), String(a.minutes), a.hours, String(a.lunches), String(a.lunchFen), a.lunchAmount]
        }
        var rows = [[String]]()
        for org in orgs {
            for p in org.participants { rows.append([org.org, org.orgName, p.name, CSVText.text(p.certificate)] + amounts(p.amounts)) }
            rows.append([org.org, org.orgName, "小计 subtotal", ""] + amounts(org.total))
        }
        rows.append(["", "", "合计 total", ""] + amounts(total))
        return rows
    }

    /// The list as Excel opens it (UTF-8 with a byte-order mark): what `sunsync report payments --format csv`
    /// writes and the review page downloads, byte for byte.
    public var csv: String { CSVText.byteOrderMark + CSVText.encode([Self.headers] + rows) }
}

/// CSV as Excel reads it (RFC 4180, CRLF), for every file Sunsync writes.
public enum CSVText {
    public static func encode(_ rows: [[String]]) -> String {
        rows.map { row in
            row.map { cell in
                cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }

    public static let byteOrderMark = "\u{FEFF}"

    /// A cell Excel must keep as text: an identity number of digits only (a revealed 残疾人证号 such as
    /// 31011219850620246061) would otherwise become 3.10112E+19 and lose its last digits. Written as
    /// `="…"`, Excel's own form for a text formula; `plain` turns it back for a terminal or a page.
    public static func text(_ value: String) -> String {
        value.count > 11 && value.allSatisfy(\.isASCII) && value.allSatisfy(\.isNumber) ? "=\"\(value)\"" : value
    }

    public static func plain(_ cell: String) -> String {
        cell.hasPrefix("=\"") && cell.hasSuffix("\"") && cell.count >= 3 ? String(cell.dropFirst(2).dropLast()) : cell
    }
}
