/// The numbers the review rules use, each with the date it takes effect: the server keeps them
/// (`sunsync-server settings`) and hands them to every laptop in scope (SPEC §5, §9). Never constants:
/// the law, a policy or the district may change any of them.
public struct Rules: Hashable, Sendable, Codable {
    /// A value in force from `from` (YYYY-MM-DD) until the next entry's `from`.
    public struct Dated<Value: Hashable & Sendable & Codable>: Hashable, Sendable, Codable {
        public var from: String
        public var value: Value

        public init(from: String, value: Value) {
            self.from = from
            self.value = value
        }
    }

    /// 劳动合同法 第六十八条: a part-time (非全日制) worker works no more than 24 hours a week at one
    /// employer. Minutes per ISO week, dated by the week's Monday.
    public var weeklyLimitMinutes: [Dated<Int64>]
    /// Statutory retirement ages, rising by birth month from 2025-01-01.
    public var retirement: RetirementAges
    /// Each org's daily lunch subsidy in fen, with its history (`sunsync-server org edit --lunch-rate --from`).
    public var lunchRates: [String: [Dated<Int64>]]

    public init(weeklyLimitMinutes: [Dated<Int64>] = Rules.defaultWeeklyLimit, retirement: RetirementAges = .statutory,
                lunchRates: [String: [Dated<Int64>]] = [:]) {
        self.weeklyLimitMinutes = weeklyLimitMinutes
        self.retirement = retirement
        self.lunchRates = lunchRates
    }

    public static let defaultWeeklyLimit = [Dated(from: "1900-01-01", value: Int64(24 * 60))]

    /// The weekly limit for the week starting `monday`.
    public func weeklyLimit(week monday: CivilDate) -> Int64 {
        Self.inForce(weeklyLimitMinutes, on: monday) ?? 24 * 60
    }

    /// The lunch rate of `org` in force on `date`, if the rules hold one.
    public func lunchRate(org: String, on date: CivilDate) -> Int64? {
        lunchRates[org].flatMap { Self.inForce($0, on: date) }
    }

    /// The entry with the latest `from` on or before `date`.
    public static func inForce<V>(_ entries: [Dated<V>], on date: CivilDate) -> V? {
        entries.filter { CivilDate($0.from).map { $0 <= date } ?? false }
            .max { ($0.from) < ($1.from) }?.value
    }

    enum CodingKeys: String, CodingKey {
        case weeklyLimitMinutes = "weekly_limit_minutes", retirement, lunchRates = "lunch_rates"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(weeklyLimitMinutes: try c.decodeIfPresent([Dated<Int64>].self, forKey: .weeklyLimitMinutes) ?? Self.defaultWeeklyLimit,
                  retirement: try c.decodeIfPresent(RetirementAges.self, forKey: .retirement) ?? .statutory,
                  lunchRates: try c.decodeIfPresent([String: [Dated<Int64>]].self, forKey: .lunchRates) ?? [:])
    }
}

/// What flags are computed against: today's date where they are computed, and the dated rules.
public struct FlagSettings: Hashable, Sendable, Codable {
    /// Entries after this date are flagged as future.
    public var today: String
    public var rules: Rules

    public init(today: String, rules: Rules = Rules()) {
        self.today = today
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey { case today }

    /// `{"today": "…", …rules}`: the rules' keys sit beside `today` (as in the vectors).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(today: try c.decode(String.self, forKey: .today), rules: try Rules(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(today, forKey: .today)
        try rules.encode(to: encoder)
    }
}
