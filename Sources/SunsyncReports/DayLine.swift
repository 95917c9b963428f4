import SunsyncModel

/// One participant's day — an hours record (`WorkDay`) or a lunch record (`LunchClaim`) — as listings,
/// exports, the review list and reports show it.
public struct DayLine: Encodable, Sendable {
    /// The record id, `ORG/PERSONKEY/YYYY-MM-DD`.
    public let id: String
    /// The short id reviewers type (`ReviewRef`).
    public let reviewId: String
    public let collection: String
    public let org: String
    public let orgName: String
    public let participantId: String
    public let name: String
    public let certificate: String
    public let date: String
    public let minutes: Int64?
    public let hours: String?
    public let amountFen: Int64?
    public let amount: String?
    public let project: String?
    public let note: String?
    public let deleted: Bool
    /// `needs_review`, `approved` or `rejected`.
    public let review: String
    public let reviewNote: String?
    /// Approved once, and its content changed since: why it needs review again.
    public let changedAfterApproval: Bool
    public let conflict: Bool
    /// The kinds of the flags naming this record (empty where they were not asked for).
    public let flags: [String]

    public var key: RecordKey { RecordKey(collection: collection == "lunches" ? .lunches : .hours, id: id) }
    public var status: ReviewStatus { ReviewStatus(rawValue: review) ?? .needsReview }
    public var quantity: Int64 { (minutes ?? amountFen) ?? 0 }
}

extension Ledger {
    /// What to list.
    public struct DayFilter: Sendable {
        public var month: String?
        public var org: String?
        public var participant: String?
        public var includeDeleted = false
        public var status: ReviewStatus?
        /// Only records with a flag or a conflict.
        public var flagged = false

        public init(month: String? = nil, org: String? = nil, participant: String? = nil, includeDeleted: Bool = false,
                    status: ReviewStatus? = nil, flagged: Bool = false) {
            self.month = month
            self.org = org
            self.participant = participant
            self.includeDeleted = includeDeleted
            self.status = status
            self.flagged = flagged
        }
    }

    /// The days of one collection that `filter` selects, by date, name and id. `withFlags` fills each
    /// line's flag kinds (computing the state's flags once).
    public func days(_ collection: CollectionName, _ filter: DayFilter = DayFilter(), reveal: Bool, withFlags: Bool = false) -> [DayLine] {
        let org = filter.org ?? scopeOrg
        return state.records(in: collection).compactMap { key, record -> DayLine? in
            guard let entry = DayEntry(key: key, record: record), org.map({ entry.org == $0 }) ?? true,
                  filter.includeDeleted || !entry.deleted,
                  filter.month.map({ entry.date.monthKey == $0 }) ?? true,
                  filter.participant.map({ entry.participant == $0 }) ?? true else { return nil }
            let status = record.reviewStatus
            if let wanted = filter.status, status != wanted { return nil }
            let flagKinds = withFlags || filter.flagged ? Array(Set((flagsByRecord[key] ?? []).map(\.kind.rawValue))).sorted() : []
            if filter.flagged, flagKinds.isEmpty, !record.hasConflict { return nil }
            let p = participants[entry.participant]
            let q = entry.quantity
            let hours = collection == .hours
            let decision = record.displayed("review").flatMap(ReviewDecision.init)
            return DayLine(id: key.id, reviewId: ReviewRef.make(key), collection: collection.rawValue, org: entry.org,
                           orgName: orgName(entry.org), participantId: entry.participant, name: p?.name ?? "?",
                           certificate: Self.show(p?.certificate, reveal: reveal), date: entry.date.description,
                           minutes: hours ? q : nil, hours: hours ? q.map(Quantity.hours) : nil,
                           amountFen: hours ? nil : q, amount: hours ? nil : q.map(Quantity.yuan),
                           project: record.displayed("project")?.text, note: record.displayed("note")?.text,
                           deleted: entry.deleted, review: status.rawValue, reviewNote: record.displayed("review_note")?.text,
                           changedAfterApproval: status == .needsReview && decision?.verdict == .approved,
                           conflict: record.hasConflict, flags: flagKinds)
        }.sorted { ($0.date, $0.org, $0.name, $0.id) < ($1.date, $1.org, $1.name, $1.id) }
    }

    /// Hours and lunches together, for the review list.
    public func reviewList(_ filter: DayFilter, reveal: Bool) -> [DayLine] {
        (days(.hours, filter, reveal: reveal, withFlags: true) + days(.lunches, filter, reveal: reveal, withFlags: true))
            .sorted { ($0.org, $0.date, $0.name, $0.collection) < ($1.org, $1.date, $1.name, $1.collection) }
    }
}
