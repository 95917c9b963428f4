/// The dated settings flags are computed against. Every figure that the law or a policy may change is
/// here with the date it takes effect, never hard-coded in a rule.
public struct FlagSettings: Hashable, Sendable, Codable {
    /// Working-age bounds in force from `from`.
    public struct AgeBounds: Hashable, Sendable, Codable {
        public var from: String
        public var minimum: Int
        public var maximumMale: Int
        public var maximumFemale: Int

        public init(from: String, minimum: Int, maximumMale: Int, maximumFemale: Int) {
            self.from = from
            self.minimum = minimum
            self.maximumMale = maximumMale
            self.maximumFemale = maximumFemale
        }
    }

    /// Today's date where the flags are computed: entries after it are flagged as future.
    public var today: String
    /// 劳动合同法 第六十八条: a part-time (非全日制) worker works no more than 24 hours a week at one employer.
    public var partTimeWeeklyLimitMinutes: Int64
    /// Sorted by `from`. Defaults: 16 to 60 (men) / 50 (women) before 2025-01-01, and the end points
    /// of the gradual rise (63 / 55) from then on. Set the exact table the district uses.
    public var ageBounds: [AgeBounds]

    public init(today: String, partTimeWeeklyLimitMinutes: Int64 = 24 * 60, ageBounds: [AgeBounds] = FlagSettings.defaultAgeBounds) {
        self.today = today
        self.partTimeWeeklyLimitMinutes = partTimeWeeklyLimitMinutes
        self.ageBounds = ageBounds
    }

    public static let defaultAgeBounds = [
        AgeBounds(from: "1900-01-01", minimum: 16, maximumMale: 60, maximumFemale: 50),
        AgeBounds(from: "2025-01-01", minimum: 16, maximumMale: 63, maximumFemale: 55),
    ]

    enum CodingKeys: String, CodingKey {
        case today, partTimeWeeklyLimitMinutes = "part_time_weekly_limit_minutes", ageBounds = "age_bounds"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(today: try c.decode(String.self, forKey: .today),
                  partTimeWeeklyLimitMinutes: try c.decodeIfPresent(Int64.self, forKey: .partTimeWeeklyLimitMinutes) ?? 24 * 60,
                  ageBounds: try c.decodeIfPresent([AgeBounds].self, forKey: .ageBounds) ?? Self.defaultAgeBounds)
    }

    /// The age bounds in force on `date`.
    public func ageBounds(on date: CivilDate) -> AgeBounds? {
        ageBounds.last { CivilDate($0.from).map { $0 <= date } ?? false }
    }
}

extension FlagSettings.AgeBounds {
    enum CodingKeys: String, CodingKey {
        case from, minimum, maximumMale = "maximum_male", maximumFemale = "maximum_female"
    }
}
