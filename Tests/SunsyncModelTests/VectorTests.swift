import Foundation
import Testing
@testable import SunsyncModel

/// Runs every vector in protocol/vectors/: each in its own order, reversed, and in seeded random
/// orders with duplicates, checking the same expected state every time.
@Suite struct VectorTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("protocol/vectors")

    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted()
    }()

    @Test func thereAreEnoughVectors() {
        #expect(Self.names.count >= 25)
    }

    @Test(arguments: names)
    func vector(_ file: String) throws {
        let data = try Data(contentsOf: Self.directory.appendingPathComponent(file))
        let vector = try JSONDecoder().decode(TestVector.self, from: data)

        // Given the ops, when each is validated (a certificate against its record's person key under the
        // vector's secret), then exactly the expected ones are refused, with their codes.
        let keys = try #require(PersonKeys(hex: vector.personSecret), "\(file): person_secret")
        var accepted = [Op]()
        var rejected = [String: String]()
        for decoded in vector.ops {
            switch decoded.result {
            case .failure(let error): rejected[decoded.rawID] = error.code.rawValue
            case .success(let op):
                do { try Schema.validate(op); try keys.check(op); accepted.append(op) } catch { rejected[decoded.rawID] = error.code.rawValue }
            }
        }
        #expect(rejected == (vector.expect.rejected ?? [:]), "\(file): refused ops")

        for record in vector.newRecords ?? [] {
            let key = RecordKey(collection: try #require(CollectionName(rawValue: record.collection)), id: record.id)
            var code: String?
            do {
                try Schema.validateNewRecord(key, fields: record.fields)
                if let cert = record.fields["cert"]?.text { try keys.check(certificate: try CertificateNumber(validating: cert), of: key) }
            } catch { code = error.code.rawValue }
            #expect(code == record.error, "\(file): new record \(key)")
        }

        // When the accepted ops are applied in many orders, with duplicates, then every state is the same and as expected.
        var rng = SplitMix(UInt64(file.hashValue & 0xFFFF))
        var orders = [accepted, accepted.reversed()]
        for _ in 0..<20 {
            var shuffled = accepted + (0..<rng.int(below: accepted.count + 1)).map { _ in accepted[rng.int(below: accepted.count)] }
            shuffled.shuffle(using: &rng)
            orders.append(shuffled)
        }
        let states = orders.map { MergedState($0) }
        for state in states.dropFirst() { #expect(state == states[0], "\(file): order changed the result") }
        try check(states[0], against: vector, file: file)
    }

    func check(_ state: MergedState, against vector: TestVector, file: String) throws {
        // `records`, where given, lists every record exactly (a vector about payments may leave it out).
        let expected = vector.expect.records ?? [:]
        if vector.expect.records != nil || vector.expect.payments == nil {
            #expect(Set(state.records.keys.map(\.description)) == Set(expected.keys), "\(file): records")
        }
        for (name, want) in expected {
            let key = try #require(RecordKey(name), "\(file): \(name) is not collection/id")
            let record = try #require(state[key], "\(file): \(name) missing")
            let shown = Dictionary(uniqueKeysWithValues: record.fields.map { ($0.name, $0.state.displayed) })
            #expect(shown == want.fields, "\(file): \(name) fields")
            let conflicts = Dictionary(uniqueKeysWithValues: record.fields.filter { $0.state.isConflict }
                .map { ($0.name, $0.state.current.map(\.id.description)) })
            #expect(conflicts == (want.conflicts ?? [:]), "\(file): \(name) conflicts")
            if let review = want.review { #expect(record.reviewStatus.rawValue == review, "\(file): \(name) review") }
            if let version = want.contentVersion { #expect(record.contentVersion == version, "\(file): \(name) content version") }
        }
        if let wantFlags = vector.expect.flags {
            let settings = vector.settings ?? FlagSettings(today: "2024-03-31")
            let flags = Flags.compute(state, settings: settings).map {
                TestVector.ExpectedFlag(kind: $0.kind.rawValue, records: $0.records.map(\.description), replicas: $0.replicas.map(\.description))
            }
            #expect(flags.sorted() == wantFlags.sorted(), "\(file): flags")
        }
    }
}

struct TestVector: Decodable {
    struct DecodedOp: Decodable {
        let rawID: String
        let result: Result<Op, ModelError>

        private enum Keys: String, CodingKey { case id }

        init(from decoder: any Decoder) throws {
            rawID = (try? decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .id)) ?? ""
            do { result = .success(try Op(from: decoder)) } catch let error as ModelError { result = .failure(error) }
        }
    }

    struct ExpectedRecord: Decodable {
        let fields: [String: Value]
        let conflicts: [String: [String]]?
        let review: String?
        let contentVersion: String?
        enum CodingKeys: String, CodingKey { case fields, conflicts, review, contentVersion = "content_version" }
    }

    struct ExpectedFlag: Decodable, Comparable {
        let kind: String
        let records: [String]
        let replicas: [String]
        static func < (a: Self, b: Self) -> Bool { (a.kind, a.records.joined()) < (b.kind, b.records.joined()) }
    }

    struct Expect: Decodable {
        let rejected: [String: String]?
        let records: [String: ExpectedRecord]?
        let flags: [ExpectedFlag]?
        /// Checked by SunsyncReportsTests (the payment report is the read model's).
        let payments: AnyDecodable?
    }

    /// Present or not; its content is read elsewhere.
    struct AnyDecodable: Decodable { init(from decoder: any Decoder) throws {} }

    struct NewRecord: Decodable {
        let collection: String
        let id: String
        let fields: [String: Value]
        let error: String?
    }

    let name: String
    /// The secret the vector's person keys are made under (64 hex digits).
    let personSecret: String
    let settings: FlagSettings?
    let ops: [DecodedOp]
    let newRecords: [NewRecord]?
    let expect: Expect

    enum CodingKeys: String, CodingKey { case name, personSecret = "person_secret", settings, ops, newRecords = "new_records", expect }
}
