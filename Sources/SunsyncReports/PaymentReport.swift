import SunsyncModel

/// What the district pays for a month: per organization and participant, the approved hours and the
/// approved lunches. Only records whose review status is approved count — nothing unreviewed,
/// rejected, in conflict or deleted. Money in whole fen, so every subtotal and the total are exact.
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
    /// Records of the month not counted, by why: what stands between the district and paying them.
    public let notCounted: [String: Int]
}

extension Ledger {
    public func payments(month: String, org: String? = nil, district: String?, reveal: Bool) -> PaymentReport {
        let filter = DayFilter(month: month, org: org, includeDeleted: true)
        var amounts = [String: PaymentReport.Amounts]()   // by participant id
        var orgOf = [String: String]()
        var notCounted = [String: Int]()
        for entry in entries(.hours, filter) + entries(.lunches, filter) {
            let status = entry.deleted ? .needsReview : entry.review
            let reason: String? = entry.deleted ? "deleted" : entry.hasConflict ? "conflict"
                : status == .rejected ? "rejected" : status == .needsReview ? "needs_review" : nil
            if let reason {
                notCounted[reason, default: 0] += 1
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
