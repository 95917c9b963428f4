import SunsyncModel

/// A month per participant: days, hours, lunches, where review stands, open conflicts and flags; a
/// subtotal per organization and a total. Counts every record not deleted, reviewed or not (what was
/// approved for payment is `PaymentReport`).
public struct MonthlyReport: Codable, Sendable {
    public struct Line: Codable, Sendable {
        public let participantId: String?
        public let org: String?
        public let orgName: String?
        public let name: String
        public let certificate: String
        public let daysWorked: Int
        public let minutes: Int64
        public let hours: String
        public let lunches: Int
        public let lunchFen: Int64
        public let lunchAmount: String
        /// Records by review status.
        public let approved: Int
        public let needsReview: Int
        public let rejected: Int
        public let conflicts: Int
        public let flags: Int
    }

    public struct OrgTotal: Codable, Sendable {
        public let org: String
        public let orgName: String
        public let total: Line
    }

    /// The laptop's org (a base's), or nil for a district.
    public let org: String?
    public let month: String
    public let participants: [Line]
    public let orgs: [OrgTotal]
    public let total: Line
}

extension Ledger {
    public func monthly(month: String, org: String? = nil, reveal: Bool) -> MonthlyReport {
        let filter = DayFilter(month: month, org: org)
        let hoursOf = Dictionary(grouping: entries(.hours, filter), by: \.participant)
        let lunchesOf = Dictionary(grouping: entries(.lunches, filter), by: \.participant)
        // Each flag counts once for every participant it names a record of (a month's day, or the participant).
        var flagsOf = [String: Int]()
        for flag in flags(month: month, org: org) where flag.kind != .conflict {
            let people = Set(flag.records.filter { $0.collection == .participants || NaturalKey.date(of: $0)?.monthKey == month }
                .compactMap(NaturalKey.participant(of:)))
            for person in people { flagsOf[person, default: 0] += 1 }
        }
        // Every participant with a day this month, also one whose own record has not arrived (yet): its
        // days still count, under "?", rather than vanish from the totals.
        let lines = Set(hoursOf.keys).union(lunchesOf.keys).map { id in
            let p = participants[id], h = hoursOf[id] ?? [], l = lunchesOf[id] ?? []
            let code = h.first?.org ?? l.first?.org ?? ""
            return Self.line(id: id, org: code, orgName: orgName(code), name: p?.name ?? "?",
                             certificate: Self.show(p?.certificate, reveal: reveal), hours: h, lunches: l, flags: flagsOf[id] ?? 0)
        }.sorted { ($0.org ?? "", $0.name, $0.participantId ?? "") < ($1.org ?? "", $1.name, $1.participantId ?? "") }
        let orgTotals = Dictionary(grouping: lines, by: { $0.org ?? "" }).map { code, lines in
            MonthlyReport.OrgTotal(org: code, orgName: orgName(code), total: Self.sum(lines, name: "小计 subtotal", org: code, orgName: orgName(code)))
        }.sorted { $0.org < $1.org }
        return MonthlyReport(org: scopeOrg, month: month, participants: lines, orgs: orgTotals,
                             total: Self.sum(lines, name: "合计 total", org: nil, orgName: nil))
    }

    static func line(id: String?, org: String?, orgName: String?, name: String, certificate: String,
                     hours h: [DayEntry], lunches l: [DayEntry], flags: Int) -> MonthlyReport.Line {
        let minutes = h.reduce(Int64(0)) { $0 + ($1.quantity ?? 0) }, fen = l.reduce(Int64(0)) { $0 + ($1.quantity ?? 0) }
        var status = [ReviewStatus: Int]()
        for entry in h + l { status[entry.review, default: 0] += 1 }
        return MonthlyReport.Line(participantId: id, org: org, orgName: orgName, name: name, certificate: certificate,
                                  daysWorked: h.filter { ($0.quantity ?? 0) > 0 }.count, minutes: minutes, hours: Quantity.hours(minutes),
                                  lunches: l.count, lunchFen: fen, lunchAmount: Quantity.yuan(fen),
                                  approved: status[.approved] ?? 0, needsReview: status[.needsReview] ?? 0, rejected: status[.rejected] ?? 0,
                                  conflicts: (h + l).filter(\.hasConflict).count, flags: flags)
    }

    /// The lines added up (an empty org's month: zeros).
    public static func sum(_ lines: [MonthlyReport.Line], name: String, org: String?, orgName: String?) -> MonthlyReport.Line {
        func total<N: AdditiveArithmetic>(_ value: (MonthlyReport.Line) -> N) -> N { lines.reduce(.zero) { $0 + value($1) } }
        let minutes = total(\.minutes), fen = total(\.lunchFen)
        return MonthlyReport.Line(participantId: nil, org: org, orgName: orgName, name: name, certificate: "",
                                  daysWorked: total(\.daysWorked), minutes: minutes, hours: Quantity.hours(minutes),
                                  lunches: total(\.lunches), lunchFen: fen, lunchAmount: Quantity.yuan(fen),
                                  approved: total(\.approved), needsReview: total(\.needsReview), rejected: total(\.rejected),
                                  conflicts: total(\.conflicts), flags: total(\.flags))
    }
}

extension Ledger {
    /// Each org's hours in `month`, in minutes, counted as `monthly` counts them (every record not
    /// deleted, reviewed or not): what the review page charts over twelve months. Needs only hours.
    public func minutesByOrg(month: String) -> [String: Int64] {
        var minutes = [String: Int64]()
        for entry in entries(.hours, DayFilter(month: month)) { minutes[entry.org, default: 0] += entry.quantity ?? 0 }
        return minutes
    }
}
