import Foundation
import Testing
import SunsyncModel
import SunsyncReports

/// The vectors that state what a month pays (`expect.payments`, SPEC §4 and §7): the ops merged, then
/// the payment report of the month, its total and what it left out, by why.
struct PaymentVectorTests {
    struct Vector: Decodable {
        struct Payments: Decodable {
            let month: String
            let total: [String: Int64]
            let notCounted: [String: Int]
            enum CodingKeys: String, CodingKey { case month, total, notCounted = "not_counted" }
        }
        struct Expect: Decodable { let payments: Payments? }
        let settings: FlagSettings?
        let ops: [Op]
        let expect: Expect
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("protocol/vectors")

    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { name in
        name.hasSuffix(".json") && ((try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))?.contains("\"payments\": {") ?? false)
    }.sorted()

    @Test func thereIsAPaymentVector() { #expect(!Self.files.isEmpty) }

    @Test(arguments: files)
    func payments(_ file: String) throws {
        let vector = try JSONDecoder().decode(Vector.self, from: Data(contentsOf: Self.directory.appendingPathComponent(file)))
        let want = try #require(vector.expect.payments)
        let ledger = Ledger(state: MergedState(vector.ops), settings: vector.settings ?? FlagSettings(today: "2024-03-31"))
        let report = ledger.payments(month: want.month, district: nil, reveal: false)
        let total = ["days": Int64(report.total.days), "minutes": report.total.minutes, "lunches": Int64(report.total.lunches),
                     "lunch_fen": report.total.lunchFen]
        #expect(total == want.total, "\(file): total")
        #expect(report.notCounted == want.notCounted, "\(file): not counted")
    }
}
