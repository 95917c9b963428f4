import Testing
import SunsyncModel

/// The retirement ages of the NPC Standing Committee decision of 2024-09-13, at the rows of its own tables.
struct RetirementTests {
    static let cadres = RetirementAges(male: RetirementAges.statutory.male,
                                       female: .init(baseYears: 55, targetYears: 58, monthsPerStep: 4))

    @Test(arguments: [
        // (born, male, women's base 50 or 55, age in months)
        ("1964-12-31", true, 50, 720),   // reached 60 in 2024-12, before the rise
        ("1965-01-01", true, 50, 721),   // the rise's first month: 60 years 1 month
        ("1965-04-30", true, 50, 721),
        ("1965-05-01", true, 50, 722),   // one month more every four months of birth dates
        ("1976-08-15", true, 50, 755),   // 62 years 11 months
        ("1976-09-01", true, 50, 756),   // 63 from here on
        ("1990-03-15", true, 50, 756),
        ("1974-12-31", false, 50, 600),  // women workers: 50 before the rise
        ("1975-01-10", false, 50, 601),
        ("1975-02-10", false, 50, 601),  // one month every two months
        ("1975-03-10", false, 50, 602),
        ("1984-10-01", false, 50, 659),
        ("1984-11-01", false, 50, 660),  // 55 from here on
        ("1970-01-01", false, 55, 661),  // women cadres: 55 years 1 month
        ("1981-08-01", false, 55, 695),
        ("1981-09-01", false, 55, 696),  // 58 from here on
    ])
    func ageInMonths(born: String, male: Bool, femaleBase: Int, months: Int) throws {
        let ages = femaleBase == 55 ? Self.cadres : .statutory
        #expect(ages.ageInMonths(birth: try #require(CivilDate(born)), male: male) == months)
    }

    @Test func retirementMonthIsBirthMonthPlusOwnAge() throws {
        let born = try #require(CivilDate("1965-01-20"))
        let month = RetirementAges.statutory.retirementMonth(birth: born, male: true)
        #expect(month == CivilDate("2025-02-01")?.monthNumber)
        #expect(RetirementAges.describe(months: 721) == "60y1m" && RetirementAges.describe(months: 720) == "60")
    }
}
