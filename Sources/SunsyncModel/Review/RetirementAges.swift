/// Working ages: a minimum, and the statutory retirement age by sex and birth month as the NPC Standing
/// Committee decision of 2024-09-13 raises it from 2025-01-01 (全国人大常委会关于实施渐进式延迟法定退休年龄的决定):
/// men's 60 rises one month every four months to 63; women's 50 one month every two months to 55
/// (women's 55, for cadres, one month every four months to 58: set `female` to that where it applies).
///
/// A person's own age is fixed by birth year and month: a man born 1965-01 would have retired in
/// 2025-01 at 60, the first month of the rise, so his age is 60 years 1 month and he reaches it in 2025-02.
public struct RetirementAges: Hashable, Sendable, Codable {
    public struct Rise: Hashable, Sendable, Codable {
        /// The age before the rise.
        public var baseYears: Int
        /// Where the rise stops.
        public var targetYears: Int
        /// One month more for each this many months of birth dates.
        public var monthsPerStep: Int

        public init(baseYears: Int, targetYears: Int, monthsPerStep: Int) {
            self.baseYears = baseYears
            self.targetYears = targetYears
            self.monthsPerStep = monthsPerStep
        }

        enum CodingKeys: String, CodingKey {
            case baseYears = "base_years", targetYears = "target_years", monthsPerStep = "months_per_step"
        }
    }

    /// Below this whole-year age on the work date, work is flagged.
    public var minimumAge: Int
    /// The first day of the rise (YYYY-MM-DD): whoever reaches the base age before its month retires at it.
    public var riseFrom: String
    public var male: Rise
    public var female: Rise

    public init(minimumAge: Int = 16, riseFrom: String = "2025-01-01", male: Rise, female: Rise) {
        self.minimumAge = minimumAge
        self.riseFrom = riseFrom
        self.male = male
        self.female = female
    }

    /// The decision's table for men (60 → 63) and for women workers (50 → 55).
    public static let statutory = RetirementAges(male: Rise(baseYears: 60, targetYears: 63, monthsPerStep: 4),
                                                 female: Rise(baseYears: 50, targetYears: 55, monthsPerStep: 2))

    /// The person's retirement age in months (60 years 1 month = 721).
    public func ageInMonths(birth: CivilDate, male isMale: Bool) -> Int {
        let rise = isMale ? male : female
        let base = rise.baseYears * 12
        guard let start = CivilDate(riseFrom) else { return base }
        let months = birth.monthNumber + base - start.monthNumber
        guard months >= 0 else { return base }
        return base + min(months / max(rise.monthsPerStep, 1) + 1, max(rise.targetYears - rise.baseYears, 0) * 12)
    }

    /// The first month (`YYYY-MM`, as a month number `year * 12 + month - 1`) in which the person is at
    /// or past their retirement age: work dated in it or later is flagged.
    public func retirementMonth(birth: CivilDate, male isMale: Bool) -> Int {
        birth.monthNumber + ageInMonths(birth: birth, male: isMale)
    }

    /// "60 岁 1 个月" style: years and months.
    public static func describe(months: Int) -> String {
        months % 12 == 0 ? "\(months / 12)" : "\(months / 12)y\(months % 12)m"
    }

    enum CodingKeys: String, CodingKey {
        case minimumAge = "minimum_age", riseFrom = "rise_from", male, female
    }
}

extension CivilDate {
    /// `year * 12 + month - 1`: months compare and subtract as integers.
    public var monthNumber: Int {
        let (y, m, _) = parts
        return y * 12 + (m - 1)
    }
}
