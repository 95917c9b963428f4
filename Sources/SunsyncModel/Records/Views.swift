/// Typed, read-only views of merged records: the displayed value of each field.
/// Ids carry the natural key, so org, participant and date come from the id, not from fields.

public struct Organization: Hashable, Sendable {
    public let code: String
    public let name: String?
    public let kind: String?
    public let district: String?
    public let town: String?
    public let lunchRate: Int64?
    public let lunchRateFrom: CivilDate?
    /// False once the district retired it (`sunsync-server org deactivate`): kept, closed to new entries.
    public let active: Bool

    public init?(key: RecordKey, record: RecordState) {
        guard key.collection == .orgs else { return nil }
        active = record.displayed("active")?.bool ?? true
        code = key.id
        name = record.displayed("name")?.text
        kind = record.displayed("kind")?.text
        district = record.displayed("district")?.text
        town = record.displayed("town")?.text
        lunchRate = record.displayed("lunch_rate")?.integer
        lunchRateFrom = record.displayed("lunch_rate_from")?.date
    }

    /// The lunch rate in force on `date`, if one is known for it.
    public func lunchRate(on date: CivilDate) -> Int64? {
        guard let lunchRate else { return nil }
        if let from = lunchRateFrom, date < from { return nil }
        return lunchRate
    }
}

public struct Participant: Hashable, Sendable {
    public let key: RecordKey
    public let org: String
    public let personKey: String
    public let name: String?
    public let certificate: CertificateNumber?
    public let contract: String?
    public let contractStart: CivilDate?
    public let contractEnd: CivilDate?
    public let active: Bool

    public init?(key: RecordKey, record: RecordState) {
        guard key.collection == .participants, let parts = try? NaturalKey.parse(key), let person = parts.personKey else { return nil }
        self.key = key
        org = parts.org
        personKey = person
        name = record.displayed("name")?.text
        certificate = record.displayed("cert")?.text.flatMap { try? CertificateNumber(validating: $0) }
        contract = record.displayed("contract")?.text
        contractStart = record.displayed("contract_start")?.date
        contractEnd = record.displayed("contract_end")?.date
        active = record.displayed("active")?.bool ?? true
    }

    public var isPartTime: Bool { contract == "part-time" }

    /// Registered whole (SPEC §6): a name, a valid certificate number, a contract and its start. Days of a
    /// participant who is not are flagged `incomplete_record`, never approved in bulk and never paid.
    public var isWhole: Bool { name != nil && certificate != nil && contract != nil && contractStart != nil }

    /// What `isWhole` lacks, by field name.
    public var missingForWhole: [String] {
        [("name", name == nil), ("cert", certificate == nil), ("contract", contract == nil), ("contract_start", contractStart == nil)]
            .filter(\.1).map(\.0)
    }

    /// Whether the contract covers `date` (an open end covers every later date).
    public func contractCovers(_ date: CivilDate) -> Bool {
        if let contractStart, date < contractStart { return false }
        if let contractEnd, date > contractEnd { return false }
        return true
    }
}

extension MergedState {
    /// The organizations and participants it holds, each by its record id: what flags and reports
    /// look people and bases up in.
    public var directory: (orgs: [String: Organization], participants: [String: Participant]) {
        var orgs = [String: Organization](), participants = [String: Participant]()
        for (key, record) in records {
            switch key.collection {
            case .orgs: orgs[key.id] = Organization(key: key, record: record)
            case .participants: participants[key.id] = Participant(key: key, record: record)
            case .hours, .lunches, .reveals: continue
            }
        }
        return (orgs, participants)
    }
}

/// One participant's day — an hours record (`WorkDay`) or a lunch record (`LunchClaim`) — as every
/// listing, report and flag reads it: what its merged record shows, made once from the record (the
/// one place the review status, conflict and writers of a day are worked out). A laptop keeps one per
/// record in its store, so a month is read as 56,000 of these instead of merged again from 350,000 values.
/// A class: reports and flags pass entries around by the tens of thousands, and a copy is then one
/// reference, not a dozen.
public final class DayEntry: Hashable, Sendable {
    public let key: RecordKey
    public let org: String
    public let personKey: String
    public let participant: String
    public let date: CivilDate
    /// Minutes for hours, fen for lunches.
    public let quantity: Int64?
    public let deleted: Bool
    /// Where it stands with the reviewer (`RecordState.reviewStatus`).
    public let review: ReviewStatus
    /// The verdict the `review` field shows, whether or not it still names the current content: an
    /// approval with `review` back at needs-review means the record changed after it was approved.
    public let decision: ReviewDecision.Verdict?
    public let reviewNote: String?
    public let project: String?
    public let note: String?
    /// The fields whose concurrent edits disagree, in the record's order (empty: no conflict).
    public let conflictFields: [String]
    /// The replicas that wrote the current quantity or deletion, sorted.
    public let replicas: [ReplicaID]
    /// The replicas that wrote the values in conflict, sorted.
    public let conflictReplicas: [ReplicaID]

    public var hasConflict: Bool { !conflictFields.isEmpty }

    /// The entry of a merged hours or lunch record; nil for another collection or an id that is not a day's.
    public convenience init?(key: RecordKey, record: RecordState) {
        let conflicts = record.fields.filter { $0.state.isConflict }.map(\.name).sorted()
        let decision = record.displayed("review").flatMap(ReviewDecision.init)
        var people = People()
        self.init(key: key, people: &people, quantity: record.displayed(key.collection == .hours ? "minutes" : "amount")?.integer,
                  deleted: record.isDeleted, review: record.reviewStatus, decision: decision?.verdict,
                  reviewNote: record.displayed("review_note")?.text, project: record.displayed("project")?.text,
                  note: record.displayed("note")?.text, conflictFields: conflicts,
                  replicas: Self.writers(record, key.collection == .hours ? "minutes" : "amount", "deleted"),
                  conflictReplicas: conflicts.isEmpty ? [] : record.replicas(of: conflicts).sorted())
    }

    /// The participants of ids read so far: entries of one participant share its org, person key and
    /// participant id (one string each, not one per day), and its part of the id is checked once.
    public struct People {
        var known: [Substring: (org: String, personKey: String, participant: String)] = [:]
        public init() {}
    }

    /// An entry as it was worked out before (a store's row), one of many read together: they share
    /// `people`. Nil for an id that is not a day's.
    public init?(key: RecordKey, people: inout People, quantity: Int64?, deleted: Bool, review: ReviewStatus,
                 decision: ReviewDecision.Verdict?, reviewNote: String?, project: String?, note: String?, conflictFields: [String],
                 replicas: [ReplicaID], conflictReplicas: [ReplicaID]) {
        guard key.collection == .hours || key.collection == .lunches,
              let slash = key.id.utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let participantPart = key.id[..<slash]
        let person: (org: String, personKey: String, participant: String)
        if let known = people.known[participantPart] {
            guard let date = CivilDate(key.id[key.id.index(after: slash)...]) else { return nil }
            (person, self.date) = (known, date)
        } else {
            guard let parts = try? NaturalKey.parse(key), let personKey = parts.personKey, let date = parts.date,
                  let participant = parts.participant else { return nil }
            person = (parts.org, personKey, participant)
            people.known[participantPart] = person
            self.date = date
        }
        self.key = key
        org = person.org
        personKey = person.personKey
        participant = person.participant
        self.quantity = quantity
        self.deleted = deleted
        self.review = review
        self.decision = decision
        self.reviewNote = reviewNote
        self.project = project
        self.note = note
        self.conflictFields = conflictFields
        self.replicas = replicas
        self.conflictReplicas = conflictReplicas
    }

    /// The replicas that wrote the current values of two fields, sorted, each once (few: no set is made).
    static func writers(_ record: RecordState, _ a: String, _ b: String) -> [ReplicaID] {
        var replicas = [ReplicaID]()
        for field in record.fields where field.name == a || field.name == b {
            for entry in field.state.current where !replicas.contains(entry.id.replica) { replicas.append(entry.id.replica) }
        }
        return replicas.count > 1 ? replicas.sorted() : replicas
    }

    public static func == (a: DayEntry, b: DayEntry) -> Bool {
        a === b || (a.key == b.key && a.quantity == b.quantity && a.deleted == b.deleted && a.review == b.review
            && a.decision == b.decision && a.reviewNote == b.reviewNote && a.project == b.project && a.note == b.note
            && a.conflictFields == b.conflictFields && a.replicas == b.replicas && a.conflictReplicas == b.conflictReplicas)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    /// The entries of every hours and lunch record in `state`.
    public static func all(in state: MergedState) -> [DayEntry] {
        state.records.compactMap { key, record in
            key.collection == .hours || key.collection == .lunches ? DayEntry(key: key, record: record) : nil
        }
    }
}
public typealias WorkDay = DayEntry
public typealias LunchClaim = DayEntry
