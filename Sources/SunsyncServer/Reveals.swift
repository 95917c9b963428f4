import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncServerStore

/// Who saw full 残疾人证号 (PIPL art. 51, GB/T 35273 §11.3): the `reveals` records laptops write with
/// every `--reveal`, listed for the administrator here and for the district on the review page.
extension ServerCommand {
    struct RevealsCommand: AsyncParsableCommand {
        static var configuration: CommandConfiguration { adminConfiguration(.reveals, name: "reveals") }
        @OptionGroup var data: DataOptions
        @Option(help: help(.onlyDistrict, "code")) var district: String?
        @Option(help: help(.onlyOrg, "code")) var org: String?

        func run() async throws {
            if let district, let refusal = Districts.refusal(district) { throw AdminError(refusal) }
            let lines = try await data.withStore { store in
                var orgs: Set<String>? = org.map { [$0] }
                if let district {
                    let inDistrict = Set(try await store.orgs(inDistrict: district))
                    orgs = orgs.map { $0.intersection(inDistrict) } ?? inDistrict
                }
                return try await Self.lines(store, orgs: orgs)
            }
            if data.json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                return print(String(decoding: try encoder.encode(lines), as: UTF8.self))
            }
            if lines.isEmpty {
                return print(say(.noReveals(org: org, district: district)))
            }
            print(say(.revealHeader))
            for line in lines {
                let people = line.people.count > 5 ? line.people.prefix(5).joined(separator: "、") + say(.morePeople(line.people.count)) : line.people.joined(separator: "、")
                print("\(line.time)\t\(line.device)\t\(line.org) \(line.orgName)\t\(people)\t\(line.purpose)\t\(line.what ?? "")")
            }
        }

        /// The reveals of `orgs` (every org if nil), labelled by device names.
        static func lines(_ store: any ServerStore, orgs: Set<String>?) async throws -> [RevealLine] {
            let state = try await store.mergedState([.orgs, .participants, .reveals], days: nil)
            let names = DeviceNames(SyncController.directory(try await store.devices()).labels)
            return RevealLine.lines(state, names: names, orgs: orgs)
        }
    }
}
