/// Something a reviewer should look at, derived from the merged state on read (never stored as truth).
/// Each flag names the records that raised it and the replicas (devices) that wrote them.
public struct Flag: Hashable, Sendable, Comparable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// Concurrent edits left different values in a field.
        case conflict
        /// A part-time participant worked more than the weekly limit (24 h) at one organization.
        case weeklyHoursOverLimit = "weekly_hours_over_limit"
        /// A lunch claimed on a day with no hours worked.
        case lunchWithoutHours = "lunch_without_hours"
        /// Work dated before the contract started or after it ended.
        case outsideContract = "outside_contract"
        /// Work or lunch dated after today.
        case futureDate = "future_date"
        /// The participant's age on the work date is outside the working-age bounds.
        case ageOutOfBounds = "age_out_of_bounds"
        /// A lunch above the organization's lunch rate for that day.
        case lunchAboveRate = "lunch_above_rate"
        /// The same person's lunch claimed at two organizations on one day (政策不重复享受).
        case doubleLunchClaim = "double_lunch_claim"
        /// The same person's hours recorded at two organizations on one day.
        case hoursAtSeveralOrgs = "hours_at_several_orgs"
        /// The same person active under overlapping contracts at several organizations.
        case activeAtSeveralOrgs = "active_at_several_orgs"
        /// Days of a participant not registered whole at that organization (name, certificate, contract and
        /// its start), or the participant record that lacks them: never approved in bulk, never paid.
        case incompleteRecord = "incomplete_record"

        /// The reviewers' word for it, as listings and the review page show it.
        public var chinese: String {
            switch self {
            case .conflict: "冲突"
            case .weeklyHoursOverLimit: "超出每周工时"
            case .lunchWithoutHours: "无工时午餐"
            case .outsideContract: "合同期外"
            case .futureDate: "未来日期"
            case .ageOutOfBounds: "年龄超出范围"
            case .lunchAboveRate: "午餐超标准"
            case .doubleLunchClaim: "重复申领午餐"
            case .hoursAtSeveralOrgs: "多处工时"
            case .activeAtSeveralOrgs: "多处在册"
            case .incompleteRecord: "登记不完整"
            }
        }
    }

    /// Why a flag was raised, with the facts each surface words in its language (SunsyncReports' catalogs:
    /// the CLI and the review page say the same words).
    public enum Reason: Hashable, Sendable {
        /// Concurrent edits of these fields disagree.
        case conflict(fields: [String])
        /// A participant record without these of its required fields.
        case notRegisteredWhole(name: String, missing: [String])
        /// Days of a participant registered, but not whole.
        case daysOfPartialRecord(name: String, missing: [String], days: [CivilDate])
        /// Days of a participant id no record registers at `org`.
        case daysOfUnregistered(participant: String, org: String, days: [CivilDate])
        case weeklyOverLimit(name: String, minutes: Int64, week: CivilDate, limitMinutes: Int64)
        case lunchWithoutHours(date: CivilDate)
        case lunchAboveRate(fen: Int64, date: CivilDate, org: String, rateFen: Int64)
        case futureDate(today: String, days: [CivilDate])
        case outsideContract(start: CivilDate?, end: CivilDate?, days: [CivilDate])
        /// `maximumMonths`: the person's retirement age in months; `male` nil where the number is unknown.
        case outsideWorkingAge(minimumYears: Int, maximumMonths: Int, male: Bool?, born: String, days: [CivilDate])
        case lunchAtSeveralOrgs(date: CivilDate, orgs: [String])
        case hoursAtSeveralOrgs(date: CivilDate, orgs: [String])
        case activeAtSeveralOrgs(orgs: [String])
    }

    public let kind: Kind
    /// Sorted.
    public let records: [RecordKey]
    /// Sorted.
    public let replicas: [ReplicaID]
    public let reason: Reason

    public init(_ kind: Kind, records: some Sequence<RecordKey>, replicas: some Sequence<ReplicaID>, reason: Reason) {
        self.kind = kind
        self.records = Array(Set(records)).sorted()
        self.replicas = Array(Set(replicas)).sorted()
        self.reason = reason
    }

    public static func < (lhs: Flag, rhs: Flag) -> Bool { lhs.order < rhs.order }

    /// By kind, then by the records they name.
    private var order: (String, String) { (kind.rawValue, records.map(\.description).joined(separator: " ")) }

    /// `sorted` (in order, as `sorted(_:)` leaves them) with `new` put in their places: each of them found by
    /// halving, so that only a few of the many kept flags have their order worked out.
    public static func merged(_ sorted: [Flag], inserting new: [Flag]) -> [Flag] {
        var result = sorted
        for flag in new {
            let order = flag.order
            var low = 0, high = result.count
            while low < high {
                let mid = (low + high) / 2
                if result[mid].order < order { low = mid + 1 } else { high = mid }
            }
            result.insert(flag, at: low)
        }
        return result
    }

    /// `flags` in order (`<`), each flag's order worked out once rather than at every comparison.
    public static func sorted(_ flags: [Flag]) -> [Flag] {
        let orders = flags.map(\.order)
        return flags.indices.sorted { orders[$0] < orders[$1] }.map { flags[$0] }
    }
}
