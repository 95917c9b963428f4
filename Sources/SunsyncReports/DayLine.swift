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
    /// The records of `collection` that `filter`'s org, month, participant and deletion select, in no
    /// particular order: what reports add up without making a line of each.
    func entries(_ collection: CollectionName, _ filter: DayFilter) -> [DayEntry] {
        let org = filter.org ?? scopeOrg
        let month = filter.month.flatMap { CivilDate($0 + "-01") }.map(\.monthNumber)
        var picked = [DayEntry]()
        for (key, record) in state.records where key.collection == collection {
            guard let entry = DayEntry(key: key, record: record), org.map({ entry.org == $0 }) ?? true,
                  filter.includeDeleted || !entry.deleted,
                  month.map({ entry.date.monthNumber == $0 }) ?? true,
                  filter.participant.map({ entry.participant == $0 }) ?? true else { continue }
            picked.append(entry)
        }
        return picked
    }

    public func days(_ collection: CollectionName, _ filter: DayFilter = DayFilter(), reveal: Bool, withFlags: Bool = false) -> [DayLine] {
        // Pick and order light values first; build the (large) lines once, in order.
        let picked = entries(collection, filter).map { (key: $0.key, record: $0.record, entry: $0, name: participants[$0.participant]?.name ?? "?") }
        // By date, org, name and id, compared as integer ranks (comparing the tuples themselves copied them).
        let orgRank = Self.ranks(picked.map(\.entry.org)), nameRank = Self.ranks(picked.map(\.name)), idRank = Self.ranks(picked.map(\.key.id))
        let sortKeys = picked.indices.map { i in
            (Int64(picked[i].entry.date.dayNumber) << 32 | Int64(orgRank[i]), Int64(nameRank[i]) << 32 | Int64(idRank[i]))
        }
        let order = picked.indices.sorted { sortKeys[$0] < sortKeys[$1] }
        var lines = [DayLine]()
        lines.reserveCapacity(order.count)
        var names = [String: String]()   // org code → name, looked up once each
        var certificates = [String: String]()   // participant → the number as shown, masked once each
        for i in order {
            let (key, record, entry, name) = picked[i]
            let status = record.reviewStatus
            if let wanted = filter.status, status != wanted { continue }
            let flagKinds = withFlags || filter.flagged ? Array(Set((flagsByRecord[key] ?? []).map(\.kind.rawValue))).sorted() : []
            if filter.flagged, flagKinds.isEmpty, !record.hasConflict { continue }
            let q = entry.quantity
            let hours = collection == .hours
            let decision = record.displayed("review").flatMap(ReviewDecision.init)
            let orgName = names[entry.org] ?? { let n = self.orgName(entry.org); names[entry.org] = n; return n }()
            lines.append(DayLine(id: key.id, reviewId: ReviewRef.make(key), collection: collection.rawValue, org: entry.org,
                                 orgName: orgName, participantId: entry.participant, name: name,
                                 certificate: certificates[entry.participant] ?? {
                                     let shown = Self.show(participants[entry.participant]?.certificate, reveal: reveal)
                                     certificates[entry.participant] = shown
                                     return shown
                                 }(), date: entry.date.description,
                                 minutes: hours ? q : nil, hours: hours ? q.map(Quantity.hours) : nil,
                                 amountFen: hours ? nil : q, amount: hours ? nil : q.map(Quantity.yuan),
                                 project: record.displayed("project")?.text, note: record.displayed("note")?.text,
                                 deleted: entry.deleted, review: status.rawValue, reviewNote: record.displayed("review_note")?.text,
                                 changedAfterApproval: status == .needsReview && decision?.verdict == .approved,
                                 conflict: record.hasConflict, flags: flagKinds))
        }
        return lines
    }

    /// Each value's rank among the distinct values (equal values, equal ranks).
    static func ranks(_ values: [String]) -> [Int32] {
        let distinct = Array(Set(values)).sorted()
        let rank = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, Int32($0)) })
        return values.map { rank[$0] ?? 0 }
    }

    /// One hours or lunch record's line, with its flags (deleted or not): what a record's page shows.
    public func line(_ key: RecordKey) -> DayLine? {
        guard let parsed = try? NaturalKey.parse(key), let date = parsed.date else { return nil }
        let filter = DayFilter(month: date.monthKey, participant: parsed.participant, includeDeleted: true)
        return days(key.collection, filter, reveal: false, withFlags: true).first { $0.key == key }
    }

    /// Hours and lunches together, for the review list.
    public func reviewList(_ filter: DayFilter, reveal: Bool) -> [DayLine] {
        let all = days(.hours, filter, reveal: reveal, withFlags: true) + days(.lunches, filter, reveal: reveal, withFlags: true)
        let org = Self.ranks(all.map(\.org)), date = Self.ranks(all.map(\.date)), name = Self.ranks(all.map(\.name))
        let keys = all.indices.map { (Int64(org[$0]) << 32 | Int64(date[$0]), Int64(name[$0]) << 1 | (all[$0].collection == "hours" ? 0 : 1)) }
        return all.indices.sorted { (keys[$0].0, keys[$0].1, $0) < (keys[$1].0, keys[$1].1, $1) }.map { all[$0] }
    }
}

extension Ledger {
    /// What approving one organization's month takes: every record waiting for review, except — with
    /// `unflagged` — those with a flag or a conflict; and what it leaves, with why. Records approved
    /// already are neither; rejected ones are left (overturning a rejection is a decision on its own).
    /// `sunsync review approve --org --month` and the review page's bulk approval both ask here.
    public func monthApproval(org: String, month: String, unflagged: Bool) -> (targets: [DayLine], skipped: [(id: String, why: String)]) {
        Self.monthApproval(reviewList(.init(month: month, org: org), reveal: false), unflagged: unflagged)
    }

    /// The same, over the org's month's review list already made.
    public static func monthApproval(_ lines: [DayLine], unflagged: Bool) -> (targets: [DayLine], skipped: [(id: String, why: String)]) {
        var targets = [DayLine](), skipped = [(id: String, why: String)]()
        for line in lines {
            switch line.status {
            case .approved: continue
            case .rejected: skipped.append((line.reviewId, "rejected earlier (approve it on its own to overturn)")); continue
            case .needsReview: break
            }
            if unflagged, !line.flags.isEmpty || line.conflict {
                skipped.append((line.reviewId, "flagged: " + (line.flags.isEmpty ? ["conflict"] : line.flags).joined(separator: ", ")))
                continue
            }
            targets.append(line)
        }
        return (targets, skipped)
    }
}
