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
    /// Reviewers' decisions stand in conflict (two reviewers decided differently at once): the next
    /// decision of a reviewer settles it; the base has nothing to resolve unless `conflict` is about content too.
    public let reviewersDisagree: Bool
    /// A content field is in conflict: what the base resolves.
    public let contentConflict: Bool
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

    /// The records of `collection` that `filter`'s org, month, participant and deletion select, in no
    /// particular order: what reports add up without making a line of each.
    func entries(_ collection: CollectionName, _ filter: DayFilter) -> [DayEntry] {
        let org = filter.org ?? scopeOrg
        let month = filter.month.flatMap { CivilDate($0 + "-01") }.map(\.monthNumber)
        // A district's ledger: one org's entries from the index (a laptop's are its org's already).
        let entries = scopeOrg == nil ? filter.org.map { entriesByOrg[$0] ?? [] } ?? self.entries : self.entries
        return entries.filter { entry in
            entry.key.collection == collection && org.map({ entry.org == $0 }) ?? true
                && (filter.includeDeleted || !entry.deleted)
                && month.map({ entry.date.monthNumber == $0 }) ?? true
                && filter.participant.map({ entry.participant == $0 }) ?? true
        }
    }

    /// The days of one collection that `filter` selects, by date, org, name and id. `withFlags` fills
    /// each line's flag kinds (computing the flags once).
    public func days(_ collection: CollectionName, _ filter: DayFilter = DayFilter(), reveal: Bool, withFlags: Bool = false) -> [DayLine] {
        lines(entries(collection, filter), filter, reveal: reveal, withFlags: withFlags, orgFirst: false)
    }

    /// Hours and lunches together, for the review list: by org, date, name, hours before lunch, and id.
    public func reviewList(_ filter: DayFilter, reveal: Bool) -> [DayLine] {
        lines(entries(.hours, filter) + entries(.lunches, filter), filter, reveal: reveal, withFlags: true, orgFirst: true)
    }

    /// The lines of `picked` that `filter`'s status and flagged select, in order. The order is worked out
    /// on integer ranks first (comparing strings, or the lines themselves, cost a quarter of a listing);
    /// ids are compared only between records that tie on everything else.
    private func lines(_ picked: [DayEntry], _ filter: DayFilter, reveal: Bool, withFlags: Bool, orgFirst: Bool) -> [DayLine] {
        let names = picked.map { participants[$0.participant]?.name ?? "?" }
        let orgRank = Self.ranks(picked.map(\.org)), nameRank = Self.ranks(names)
        let sortKeys = picked.indices.map { i -> (Int64, Int64) in
            let day = Int64(UInt32(bitPattern: picked[i].date.dayNumber) ^ 0x8000_0000), org = Int64(orgRank[i])
            let rest = Int64(nameRank[i]) << 1 | (picked[i].key.collection == .hours ? 0 : 1)
            return orgFirst ? (org << 32 | day, rest) : (day << 32 | org, rest)
        }
        let order = picked.indices.sorted { a, b in
            sortKeys[a] != sortKeys[b] ? sortKeys[a] < sortKeys[b] : picked[a].key.id < picked[b].key.id
        }
        // Names and numbers as shown, once per org and participant.
        var orgNames = [String: String](), certificates = [String: String]()
        for entry in picked {
            if orgNames[entry.org] == nil { orgNames[entry.org] = orgName(entry.org) }
            if certificates[entry.participant] == nil {
                certificates[entry.participant] = Self.show(participants[entry.participant]?.certificate, reveal: reveal)
            }
        }
        let flagsByRecord = withFlags || filter.flagged ? self.flagsByRecord : [:]
        let shownOrgNames = orgNames, shownCertificates = certificates
        // The lines are made in two halves at once (each a few hundred thousand strings on a district's month).
        @Sendable func line(_ i: Int) -> DayLine? {
            let entry = picked[i]
            let key = entry.key, status = entry.review
            if let wanted = filter.status, status != wanted { return nil }
            // A day's flags apply to its lunch too: a lunch is paid only with its day's hours (SPEC §4).
            var dayFlags = flagsByRecord[key] ?? []
            if key.collection == .lunches, let hoursFlags = flagsByRecord[RecordKey(collection: .hours, id: key.id)] { dayFlags += hoursFlags }
            let flagKinds = Array(Set(dayFlags.map(\.kind.rawValue))).sorted()
            if filter.flagged, flagKinds.isEmpty, !entry.hasConflict { return nil }
            let q = entry.quantity
            let hours = key.collection == .hours
            return DayLine(id: key.id, reviewId: ReviewRef.make(key), collection: key.collection.rawValue, org: entry.org,
                           orgName: shownOrgNames[entry.org] ?? "", participantId: entry.participant, name: names[i],
                           certificate: shownCertificates[entry.participant] ?? "", date: entry.date.description,
                           minutes: hours ? q : nil, hours: hours ? q.map(Quantity.hours) : nil,
                           amountFen: hours ? nil : q, amount: hours ? nil : q.map(Quantity.yuan),
                           project: entry.project, note: entry.note,
                           deleted: entry.deleted, review: status.rawValue, reviewNote: entry.reviewNote,
                           changedAfterApproval: status == .needsReview && entry.decision == .approved,
                           conflict: entry.hasConflict, reviewersDisagree: entry.conflictFields.contains("review"),
                           contentConflict: entry.conflictFields.contains { !Schema.reviewFields.contains($0) }, flags: flagKinds)
        }
        let halves = order.count > 2000 ? [0..<order.count / 2, order.count / 2..<order.count] : [0..<order.count]
        var made = Concurrently.run(halves.count) { half in
            var lines = [DayLine]()
            lines.reserveCapacity(half == 0 ? order.count : halves[half].count)   // the first half then takes the rest in place
            lines.append(contentsOf: order[halves[half]].lazy.compactMap(line))
            return lines
        }
        var lines = made[0]
        made[0] = []
        for half in made.indices.dropFirst() { lines.append(contentsOf: made[half]) }
        return lines
    }

    /// Each value's rank among the distinct values (equal values, equal ranks).
    static func ranks(_ values: [String]) -> [Int32] {
        let distinct = Array(Set(values)).sorted()
        let rank = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, Int32($0)) })
        return values.map { rank[$0] ?? 0 }
    }

    /// One hours or lunch record's line, with its flags (deleted or not): what a record's page shows.
    public func line(_ key: RecordKey, reveal: Bool = false) -> DayLine? {
        guard let parsed = try? NaturalKey.parse(key), let date = parsed.date else { return nil }
        let filter = DayFilter(month: date.monthKey, participant: parsed.participant, includeDeleted: true)
        return days(key.collection, filter, reveal: reveal, withFlags: true).first { $0.key == key }
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
            if line.flags.contains(Flag.Kind.incompleteRecord.rawValue) {
                skipped.append((line.reviewId, "participant not registered whole (incomplete_record): never approved in bulk"))
                continue
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
