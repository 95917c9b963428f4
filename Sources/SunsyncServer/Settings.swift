import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncServerStore
import SunsyncStore

@available(macOS 10.15, *)
extension ServerCommand {
    /// The dated numbers the review rules use. Laptops receive them at their next sync (or login) and flag with them offline.
    struct SettingsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "settings",
            abstract: "The rules' dated numbers: part-time weekly limit, retirement ages, lunch rates (see `org edit`).",
            discussion: """
                Every number has the date it takes effect; laptops receive the settings at their next sync and flag with them.
                  sunsync-server settings show
                  sunsync-server settings set --weekly-limit 24 --from 2024-01-01
                  sunsync-server settings set --female-retirement-base 55      (women cadres: 55 rising to 58)
                """,
            subcommands: [Show.self, Set.self])

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the settings in force, with their dates.")
            @OptionGroup var data: DataOptions

            func run() async throws {
                let rules = try await data.withStore { store in try await store.rules() }
                if data.json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    return print(String(decoding: try encoder.encode(rules), as: UTF8.self))
                }
                print("非全日制每周工时上限 part-time weekly limit:")
                for entry in rules.weeklyLimitMinutes.sorted(by: { $0.from < $1.from }) { print("  from \(entry.from): \(Quantity.hours(entry.value)) h") }
                let r = rules.retirement
                print("年龄 working ages: from \(r.minimumAge); retirement rising from \(r.riseFrom):")
                print("  men \(r.male.baseYears) → \(r.male.targetYears), one month every \(r.male.monthsPerStep) months of birth dates")
                print("  women \(r.female.baseYears) → \(r.female.targetYears), one month every \(r.female.monthsPerStep) months of birth dates")
                print("午餐费补贴 lunch rates:" + (rules.lunchRates.isEmpty ? " none set (`sunsync-server org edit CODE --lunch-rate YUAN --from DATE`)" : ""))
                for (org, rates) in rules.lunchRates.sorted(by: { $0.key < $1.key }) {
                    print("  \(org): " + rates.sorted { $0.from < $1.from }.map { "\(Quantity.yuan($0.value)) yuan from \($0.from)" }.joined(separator: ", "))
                }
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Change a setting from a date on (earlier dates keep their values).")
            @OptionGroup var data: DataOptions
            @Option(name: .customLong("weekly-limit"), help: ArgumentHelp("Part-time hours a week at one employer (劳动合同法 第六十八条: 24).", valueName: "hours"))
            var weeklyLimit: String?
            @Option(help: ArgumentHelp("The date the weekly limit applies from (a week counts from its Monday).", valueName: "YYYY-MM-DD"))
            var from: String?
            @Option(name: .customLong("minimum-age"), help: ArgumentHelp("Work below this age is flagged.", valueName: "years")) var minimumAge: Int?
            @Option(name: .customLong("female-retirement-base"),
                    help: ArgumentHelp("Women's statutory age before the rise: 50 (workers, rising to 55) or 55 (cadres, rising to 58).", valueName: "50|55"))
            var femaleBase: Int?

            func validate() throws {
                guard weeklyLimit != nil || minimumAge != nil || femaleBase != nil else {
                    throw ValidationError("nothing to set: give --weekly-limit HOURS --from DATE, --minimum-age YEARS or --female-retirement-base 50|55")
                }
                if weeklyLimit != nil, from.flatMap({ CivilDate(typed: $0) }) == nil {
                    throw ValidationError("--weekly-limit needs --from YYYY-MM-DD, a real date: the day it applies from")
                }
                if let femaleBase, femaleBase != 50, femaleBase != 55 { throw ValidationError("--female-retirement-base is 50 or 55") }
                if let minimumAge, !(14...30).contains(minimumAge) { throw ValidationError("--minimum-age \(minimumAge) is not a working age (14 to 30)") }
            }

            func run() async throws {
                let weekly: (from: String, minutes: Int64)?
                if let weeklyLimit, let from = from.flatMap({ CivilDate(typed: $0)?.description }) {
                    guard let minutes = Quantity.minutes(typed: weeklyLimit), minutes > 0, minutes <= 7 * 24 * 60 else {
                        throw AdminError("--weekly-limit '\(weeklyLimit)' is not a number of hours in a week, e.g. 24")
                    }
                    weekly = (from, minutes)
                } else { weekly = nil }
                let (minimumAge, femaleBase) = (self.minimumAge, self.femaleBase)
                try await data.withStore { store in
                    try await store.updateRules { rules in
                        if let weekly {
                            rules.weeklyLimitMinutes = (rules.weeklyLimitMinutes.filter { $0.from != weekly.from } + [.init(from: weekly.from, value: weekly.minutes)])
                                .sorted { $0.from < $1.from }
                        }
                        if let minimumAge { rules.retirement.minimumAge = minimumAge }
                        if let femaleBase {
                            rules.retirement.female = femaleBase == 50 ? RetirementAges.statutory.female
                                : .init(baseYears: 55, targetYears: 58, monthsPerStep: 4)
                        }
                    }
                }
                print("Saved. Laptops receive the new settings at their next sync.")
            }
        }
    }
}
