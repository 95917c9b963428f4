import Crypto

/// Who wrote an op, provable (SPEC §9, signatures): a device signs each batch of ops it pushes with its
/// Ed25519 key, and the server its own writes with its key. A signature covers a fixed binary encoding of
/// every op of the batch, never re-serialized JSON, so any change to a held op — its value, its record, its
/// pred — fails it. One signature per batch (a push; batches never span orgs, so whoever holds one op of a
/// batch holds all of it) keeps the cost per op to one SHA-256.
public enum Signing {
    /// The signer of the server's own key (its administrators' writes, the review page's decisions).
    public static let server = "server"
    /// The signer of a key that attests what a server held before it began to sign: any replica's ops.
    public static let attested = "attested"

    /// Whether a key whose signer is `keySigner` may sign ops written under a replica whose signer is
    /// `replicaSigner` (nil: a replica no one is known to hold): the same signer, or an attesting key.
    public static func maySign(_ keySigner: String, for replicaSigner: String?) -> Bool {
        keySigner == attested || replicaSigner == keySigner
    }

    /// The encoding's domain tags: an op's bytes and a batch's message can never be mistaken for another's.
    static let opTag = Array("sunsync-op-v1".utf8) + [0]
    static let batchTag = Array("sunsync-batch-v1".utf8) + [0]

    /// An op's bytes: tag, id (16 bytes), collection (u8 length, UTF-8), record (u16 length), field (u8
    /// length), value (kind u8: 0 null, 1 bool + u8, 2 integer + i64, 3 text + u32 length + UTF-8, 4 date +
    /// 10 ASCII bytes `YYYY-MM-DD`), pred (u16 count, 16 bytes each, in the op's order). Integers big-endian.
    public static func encoding(_ op: Op) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(96 + op.record.utf8.count + op.pred.count * 16)
        encode(op, into: &out)
        return out
    }

    static func encode(_ op: Op, into out: inout [UInt8]) {
        out.append(contentsOf: opTag)
        out.append(contentsOf: op.id.bytes)
        func text(_ s: String, lengthBytes: Int) {
            let count = s.utf8.count
            for shift in stride(from: (lengthBytes - 1) * 8, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: count >> shift)) }
            out.append(contentsOf: s.utf8)
        }
        text(op.collection.rawValue, lengthBytes: 1)
        text(op.record, lengthBytes: 2)
        text(op.field, lengthBytes: 1)
        switch op.value {
        case .null: out.append(0)
        case .bool(let b): out.append(1); out.append(b ? 1 : 0)
        case .integer(let i):
            out.append(2)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: UInt64(bitPattern: i) >> UInt64(shift))) }
        case .text(let s): out.append(3); text(s, lengthBytes: 4)
        case .date(let d): out.append(4); out.append(contentsOf: d.description.utf8)
        }
        out.append(UInt8(truncatingIfNeeded: op.pred.count >> 8))
        out.append(UInt8(truncatingIfNeeded: op.pred.count))
        for p in op.pred { out.append(contentsOf: p.bytes) }
    }

    /// SHA-256 of the op's encoding: what a batch lists for it.
    public static func digest(_ op: Op) -> [UInt8] {
        var buffer = [UInt8]()
        return digest(op, buffer: &buffer)
    }

    /// The same, encoding into `buffer` (reused across ops: a page digests thousands).
    public static func digest(_ op: Op, buffer: inout [UInt8]) -> [UInt8] {
        buffer.removeAll(keepingCapacity: true)
        encode(op, into: &buffer)
        return buffer.withUnsafeBytes { Array(Crypto.SHA256.hash(data: $0)) }
    }

    /// A key's id: the first 8 bytes of SHA-256 of its 32-byte public key, as 16 lowercase hex digits.
    public static func keyID(publicKey: [UInt8]) -> String { Hex.encode(SHA256.hash(publicKey).prefix(8)) }

    /// What a batch's signature signs: tag, key id (8 bytes), the count (u32), then each op's digest in order.
    public static func message(keyID: String, digests: [[UInt8]]) -> [UInt8] {
        var out = batchTag
        out.reserveCapacity(batchTag.count + 12 + digests.count * 32)
        out.append(contentsOf: Hex.decode(keyID) ?? [])
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: digests.count >> shift)) }
        for d in digests { out.append(contentsOf: d) }
        return out
    }

    /// Whether `signature` is `publicKey`'s Ed25519 signature of `message`.
    public static func isValid(signature: [UInt8], publicKey: [UInt8], message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// Signs `message` with a 32-byte Ed25519 private key (deterministic: RFC 8032).
    public static func sign(_ message: [UInt8], privateKey: [UInt8]) throws(ModelError) -> [UInt8] {
        do { return Array(try Curve25519.Signing.PrivateKey(rawRepresentation: privateKey).signature(for: message)) } catch {
            throw ModelError(.invalidValue, "the signing key cannot be used (\(error)); it is damaged")
        }
    }

    /// The public key of a 32-byte private key.
    public static func publicKey(privateKey: [UInt8]) throws(ModelError) -> [UInt8] {
        do { return Array(try Curve25519.Signing.PrivateKey(rawRepresentation: privateKey).publicKey.rawRepresentation) } catch {
            throw ModelError(.invalidValue, "the signing key cannot be used (\(error)); it is damaged")
        }
    }
}

/// One signed batch as a replica holds it: the key, the signature, how many ops it signed, and the digests
/// of those it does not hold under it (refused, or held already under an earlier batch) with their places.
/// The ops it does hold fill the other places, in order.
public struct SignedBatch: Hashable, Sendable {
    public let key: String
    public let signature: [UInt8]
    public let count: Int
    /// Place in the batch → digest, for the places no held op fills.
    public let holes: [Int: [UInt8]]

    public init(key: String, signature: [UInt8], count: Int, holes: [Int: [UInt8]]) {
        self.key = key
        self.signature = signature
        self.count = count
        self.holes = holes
    }

    /// The ops held under it, in order, as many as the places that are not holes.
    public var held: Int { count - holes.count }

    /// Whether `ops` (the held ones, in order) with the holes make the message `publicKey` signed.
    public func verifies(_ ops: some Collection<Op>, publicKey: [UInt8]) -> Bool {
        guard ops.count == held else { return false }
        var digests = [[UInt8]]()
        digests.reserveCapacity(count)
        var buffer = [UInt8]()
        var next = ops.makeIterator()
        for place in 0..<count {
            if let hole = holes[place] { digests.append(hole); continue }
            guard let op = next.next() else { return false }
            digests.append(Signing.digest(op, buffer: &buffer))
        }
        return Signing.isValid(signature: signature, publicKey: publicKey, message: Signing.message(keyID: key, digests: digests))
    }

    /// The holes as stored: (u32 place, 32-byte digest) after one another, by place.
    public var holeBytes: [UInt8] {
        holes.keys.sorted().flatMap { place -> [UInt8] in
            [UInt8(truncatingIfNeeded: place >> 24), UInt8(truncatingIfNeeded: place >> 16), UInt8(truncatingIfNeeded: place >> 8),
             UInt8(truncatingIfNeeded: place)] + (holes[place] ?? [])
        }
    }

    public static func holes(_ bytes: some Collection<UInt8>) -> [Int: [UInt8]] {
        let bytes = Array(bytes)
        var holes = [Int: [UInt8]]()
        var i = 0
        while i + 36 <= bytes.count {
            let place = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            holes[place] = Array(bytes[i + 4..<i + 36])
            i += 36
        }
        return holes
    }
}
