import Foundation
import Testing
@testable import SunsyncModel

/// `protocol/vectors/signing/`: what a second implementation computed from SPEC §9's words (encoding,
/// digests, message) and RFC 8032 (the signature). This implementation must make the same bytes.
struct SigningTests {
    struct Vector: Decodable {
        let privateKey: String, publicKey: String, key: String
        let ops: [Op]
        let encodings: [String], digests: [String]
        let message: String, signature: String
        enum CodingKeys: String, CodingKey {
            case privateKey = "private_key", publicKey = "public_key", key, ops, encodings, digests, message, signature
        }
    }

    static let directory = VectorTests.directory.appendingPathComponent("signing")
    static let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()

    @Test func thereAreSigningVectors() { #expect(Self.files.count >= 2) }

    @Test(arguments: files) func vector(_ file: String) throws {
        let v = try JSONDecoder().decode(Vector.self, from: Data(contentsOf: Self.directory.appendingPathComponent(file)))
        let privateKey = try #require(Hex.decode(v.privateKey))
        let publicKey = try Signing.publicKey(privateKey: privateKey)
        #expect(Hex.encode(publicKey) == v.publicKey)
        #expect(Signing.keyID(publicKey: publicKey) == v.key)
        #expect(v.ops.map { Hex.encode(Signing.encoding($0)) } == v.encodings, "\(file): encodings")
        let digests = v.ops.map(Signing.digest)
        #expect(digests.map(Hex.encode) == v.digests, "\(file): digests")
        let message = Signing.message(keyID: v.key, digests: digests)
        #expect(Hex.encode(message) == v.message, "\(file): message")
        let signature = try Signing.sign(message, privateKey: privateKey)
        #expect(Hex.encode(signature) == v.signature, "\(file): Ed25519 is deterministic")
        #expect(Signing.isValid(signature: signature, publicKey: publicKey, message: message))
        // and the batch verifies whole, with any op given as a hole, and fails for any change
        let batch = SignedBatch(key: v.key, signature: signature, count: v.ops.count, holes: [:])
        #expect(batch.verifies(v.ops, publicKey: publicKey))
        let holed = SignedBatch(key: v.key, signature: signature, count: v.ops.count, holes: [0: digests[0]])
        #expect(holed.verifies(v.ops.dropFirst(), publicKey: publicKey))
        var changed = v.ops
        changed[changed.count - 1].value = .integer(999)
        #expect(!batch.verifies(changed, publicKey: publicKey))
        #expect(!batch.verifies(v.ops.dropLast(), publicKey: publicKey), "an op taken away")
        #expect(SignedBatch.holes(holed.holeBytes) == holed.holes)
    }
}
