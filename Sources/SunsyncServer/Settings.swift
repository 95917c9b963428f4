import ArgumentParser
import Foundation
import SunsyncReports
import SunsyncModel
import SunsyncServerStore
import SunsyncStore

@available(macOS 10.15, *)
extension ServerCommand {
    /// The dated numbers the review rules use. Laptops receive them at their next sync (or login) and flag with them offline.
    struct SettingsCommand: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            adminConfiguration(.settings, name: "settings", subcommands: [Show.self, Set.self])
        }

        struct Show: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.settingsShow) }
            @OptionGroup var data: DataOptions

            func run() async throws {
                let rules = try await data.withStore { store in try await store.rules() }
                if data.json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    return print(String(decoding: try encoder.encode(rules), as: UTF8.self))
                }
                print(say(.settingsShown(rules)))
            }
        }

        struct Set: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.settingsSet) }
            @OptionGroup var data: DataOptions
            @Option(name: .customLong("weekly-limit"), help: help(.weeklyLimit, "hours"))
            var weeklyLimit: String?
            @Option(help: help(.weeklyFrom, "YYYY-MM-DD"))
            var from: String?
            @Option(name: .customLong("minimum-age"), help: help(.minimumAge, "years")) var minimumAge: Int?
            @Option(name: .customLong("female-retirement-base"),
                    help: help(.femaleBase, "50|55"))
            var femaleBase: Int?

            func validate() throws {
                guard weeklyLimit != nil || minimumAge != nil || femaleBase != nil else {
                    throw ValidationError(say(.nothingToSet))
                }
                if weeklyLimit != nil, from.flatMap({ CivilDate(typed: $0) }) == nil { throw ValidationError(say(.weeklyLimitNeedsFrom)) }
                if let femaleBase, femaleBase != 50, femaleBase != 55 { throw ValidationError(say(.femaleBase)) }
                if let minimumAge, !(14...30).contains(minimumAge) { throw ValidationError(say(.notAWorkingAge(minimumAge))) }
            }

            func run() async throws {
                let weekly: (from: String, minutes: Int64)?
                if let weeklyLimit, let from = from.flatMap({ CivilDate(typed: $0)?.description }) {
                    guard let minutes = Quantity.minutes(typed: weeklyLimit), minutes > 0, minutes <= 7 * 24 * 60 else {
                        throw AdminError(.notWeeklyHours(weeklyLimit))
                    }
                    weekly = (from, minutes)
                } else { weekly = nil }
                let (minimumAge, femaleBase) = (self.minimumAge, self.femaleBase)
                _ = try await data.withStore { store in
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
                print(say(.saved))
            }
        }
    }
}
