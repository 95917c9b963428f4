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

    public init?(key: RecordKey, record: RecordState) {
        guard key.collection == .orgs else { return nil }
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

    /// Whether the contract covers `date` (an open end covers every later date).
    public func contractCovers(_ date: CivilDate) -> Bool {
        if let contractStart, date < contractStart { return false }
        if let contractEnd, date > contractEnd { return false }
        return true
    }
}

/// One participant's day: an hours record (`WorkDay`) or a lunch record (`LunchClaim`).
public struct DayEntry: Hashable, Sendable {
    public let key: RecordKey
    public let org: String
    public let personKey: String
    public let participant: String
    public let date: CivilDate
    /// Minutes for hours, fen for lunches.
    public let quantity: Int64?
    public let deleted: Bool
    /// The merged record, for what is read of it only when needed.
    public let record: RecordState

    /// The replicas that wrote the current quantity or deletion (computed when a flag names them).
    public var replicas: Set<ReplicaID> {
        record.replicas(of: key.collection == .hours ? ["minutes", "deleted"] : ["amount", "deleted"])
    }

    public init?(key: RecordKey, record: RecordState) {
        guard key.collection == .hours || key.collection == .lunches,
              let parts = try? NaturalKey.parse(key), let person = parts.personKey, let date = parts.date,
              let participant = parts.participant else { return nil }
        self.key = key
        org = parts.org
        personKey = person
        self.participant = participant
        self.date = date
        quantity = record.displayed(key.collection == .hours ? "minutes" : "amount")?.integer
        deleted = record.isDeleted
        self.record = record
    }

    public static func == (lhs: DayEntry, rhs: DayEntry) -> Bool { lhs.key == rhs.key && lhs.record == rhs.record }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}
public typealias WorkDay = DayEntry
public typealias LunchClaim = DayEntry
