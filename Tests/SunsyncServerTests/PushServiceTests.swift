import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import SunsyncModel
import SunsyncProtocol
import SunsyncServerStore
import SunsyncStore
import Testing
@testable import SunsyncServer

/// The rules of a push (`PushService`) through the router in process, on each backend: the signature,
/// replica binding and whole records, refused with their codes; an honest laptop's push held and pulled
/// back in batches that verify. No socket, no second process.
struct PushServiceTests {
    static let cert = "31011219900315123X52"

    struct Laptop {
        let token: String
        let privateKey: [UInt8]
        var publicKey: [UInt8] { (try? Signing.publicKey(privateKey: privateKey)) ?? [] }
        var key: String { Signing.keyID(publicKey: publicKey) }
        var headers: HTTPFields {
            [HTTPField.Name(Wire.versionHeader)!: String(Wire.version), .authorization: "Bearer \(token)"]
        }

        static func make(_ store: any ServerStore, _ name: String, org: String = "MH-SB-001") async throws -> Laptop {
            let token = Token.generate()
            try await store.addDevice(Device(id: "dev_" + name, name: name, role: .staff, org: org, district: nil, createdAt: "t", revokedAt: nil),
                                      tokenHash: Token.hash(token))
            return Laptop(token: token, privateKey: Hex.decode(NaturalKey.digest("k" + name)) ?? [])
        }

        func body(_ ops: [Op], signed: Bool = true) throws -> ByteBuffer {
            ByteBuffer(data: try Wire.encoder().encode(signed ? try PushRequest(signing: ops, key: key, privateKey: privateKey) : PushRequest(ops: ops)))
        }
    }

    static func op(_ n: UInt16, _ collection: CollectionName, _ record: String, _ field: String, _ value: Value, replica: UInt64 = 0xa1) -> Op {
        Op(id: OpID(timestamp: Timestamp(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000) - 60_000, counter: n), replica: ReplicaID(replica)),
           collection: collection, record: record, field: field, value: value)
    }

    static func registration(_ person: String, replica: UInt64 = 0xa1) -> [Op] {
        [("name", Value.text("张三")), ("cert", .text(cert)), ("contract", .text("part-time")),
         ("contract_start", .date(CivilDate("2024-01-01")!))].enumerated().map { op(UInt16($0.offset), .participants, person, $0.element.0, $0.element.1, replica: replica) }
    }

    @Test(arguments: Backend.available) func pushesAreCheckedInOnePlace(backend: Backend) async throws {
        try await backend.with { store in
            let org = RecordKey(collection: .orgs, id: "MH-SB-001")
            _ = try await store.edit([org], by: .server) { tx in
                try tx.set(org, "name", .text("基地")); try tx.set(org, "kind", .text("sunshine-base")); try tx.set(org, "district", .text("310112"))
            }
            let a = try await Laptop.make(store, "a"), b = try await Laptop.make(store, "b")
            let person = try await store.personKeys().participant(org: "MH-SB-001", certificate: try CertificateNumber(validating: Self.cert))
            let app = Application(router: try buildRouter(store: store, books: ReviewBooks(store: store), epoch: "e", personKeys: try await store.personKeys(), configuration: ServerConfiguration()))
            try await app.test(.router) { client in
                func push(_ laptop: Laptop, _ body: ByteBuffer) async throws -> (status: HTTPResponse.Status, code: String?, answer: PushResponse?) {
                    let r = try await client.execute(uri: "/v1/push", method: .post, headers: laptop.headers, body: body)
                    let data = Data(buffer: r.body)
                    return (r.status, (try? Wire.decoder().decode(Problem.self, from: data))?.code, try? Wire.decoder().decode(PushResponse.self, from: data))
                }
                // An unsigned push, and a signed one before its key is registered: refused whole
                #expect(try await push(a, try a.body(Self.registration(person), signed: false)).code == "unsigned")
                #expect(try await push(a, try a.body(Self.registration(person))).code == "unknown-key")
                for laptop in [a, b] {
                    let registered = try await client.execute(uri: "/v1/keys", method: .post, headers: laptop.headers,
                                                              body: ByteBuffer(data: try Wire.encoder().encode(KeyRegistration(publicKey: Hex.encode(laptop.publicKey)))))
                    #expect(registered.status == .ok)
                }
                // Another device cannot register a's key as its own
                let claimed = try await client.execute(uri: "/v1/keys", method: .post, headers: b.headers,
                                                       body: ByteBuffer(data: try Wire.encoder().encode(KeyRegistration(publicKey: Hex.encode(a.publicKey)))))
                #expect(claimed.status == .conflict)
                // A participant keyed as before secrets (an unkeyed hash of the resident ID, which anyone can
                // compute), or under another secret: refused, nothing held
                let unkeyed = "MH-SB-001/" + PersonKeys.unkeyed(try CertificateNumber(validating: Self.cert).residentID)
                let planted = try await push(a, try a.body(Self.registration(unkeyed)))
                #expect(planted.answer?.accepted.isEmpty == true && planted.answer?.rejected.contains { $0.code == "invalid_record_id" } == true,
                        "\(String(describing: planted))")
                // A participant registered whole, in one signed push: held
                let first = try await push(a, try a.body(Self.registration(person)))
                #expect(first.answer?.accepted.count == 4 && first.answer?.rejected.isEmpty == true, "\(String(describing: first))")
                // Another laptop under a's replica, a's key on b's push, a phantom's day: refused with their codes
                let taken = try await push(b, try b.body([Self.op(9, .hours, "\(person)/2024-03-04", "minutes", .integer(60))]))
                #expect(taken.answer?.rejected.map(\.code) == ["replica_taken"])
                let stolen = try await client.execute(uri: "/v1/push", method: .post, headers: b.headers, body: try a.body([Self.op(10, .hours, "\(person)/2024-03-04", "minutes", .integer(60))]))
                #expect(stolen.status == .forbidden)
                let phantom = try await push(b, try b.body([Self.op(11, .hours, "MH-SB-001/0123456789abcdef0123/2024-03-04", "minutes", .integer(60), replica: 0xb2)]))
                #expect(phantom.answer?.rejected.map(\.code) == ["unknown_participant"])
                // a's day of its registered participant: held; and pulled back in batches that verify against the directory
                let day = try await push(a, try a.body([Self.op(12, .hours, "\(person)/2024-03-04", "minutes", .integer(240))]))
                #expect(day.answer?.accepted.count == 1)
                let page = try await client.execute(uri: "/v1/pull?after=0", method: .get, headers: a.headers)
                let pulled = try Wire.decoder().decode(PullResponse.self, from: Data(buffer: page.body))
                let directory = try Wire.decoder().decode(DeviceDirectory.self, from: Data(buffer: try await client.execute(uri: "/v1/devices", method: .get, headers: a.headers).body))
                #expect(pulled.ops.count == 8 && (pulled.batches ?? []).count == 3)
                for batch in pulled.batches ?? [] {
                    let signed = try #require(batch.signed)
                    #expect(directory.refusal(signed, ops: batch.places.map { pulled.ops[$0] }) == nil)
                }
            }
            // and every held change verifies
            let verified = try await store.verify { _, _ in }
            #expect(verified.failures.isEmpty && verified.ops == 8)
        }
    }
}
