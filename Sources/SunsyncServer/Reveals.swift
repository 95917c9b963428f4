import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncServerStore

/// Who saw full 残疾人证号 (PIPL art. 51, GB/T 35273 §11.3): the `reveals` records laptops write with
/// every `--reveal`, listed for the administrator here and for the district on the review page.
extension ServerCommand {
    struct RevealsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reveals",
            abstract: "List who revealed full certificate numbers, of whom, when and why (newest first).",
            discussion: """
                A device reveals only if `sunsync-server device edit NAME --may-reveal` allowed it; each reveal states its
                purpose and is recorded on the laptop, then synced (a reveal made offline arrives with the next sync).
                Times are Beijing time as the revealing laptop's clock had it.
                Example: sunsync-server reveals --district 310112
                """)
        @OptionGroup var data: DataOptions
        @Option(help: ArgumentHelp("Only this district's organizations.", valueName: "code")) var district: String?
        @Option(help: ArgumentHelp("Only this organization.", valueName: "code")) var org: String?

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
                return print("No reveals recorded\(org.map { " for \($0)" } ?? "")\(district.map { " in district \($0)" } ?? ""). "
                             + "Laptops send theirs at their next sync; `sunsync-server device list` shows which devices may reveal.")
            }
            print("time (Beijing)\tdevice\torg\tpeople\tpurpose\tcommand")
            for line in lines {
                let people = line.people.count > 5 ? line.people.prefix(5).joined(separator: "、") + " 等 \(line.people.count) 人" : line.people.joined(separator: "、")
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
