import Crypto

/// How a deployment derives person keys: HMAC-SHA-256 under a secret of 32 random bytes the server makes
/// once and hands to its devices with the session (SPEC §1, §9). A person key is the first 20 hex digits of
/// HMAC-SHA-256(secret, `sunsync-person-v2:` + the 18-character resident ID). Without the secret, ids, logs
/// and exports do not give the resident ID back: an unkeyed hash of one district's birth dates and sequence
/// numbers (the earlier `sunsync-person-v1:` keys) was reversed in seconds.
public struct PersonKeys: Sendable, Hashable {
    public static let secretBytes = 32
    public let secret: [UInt8]

    public init?(secret: [UInt8]) {
        guard secret.count == Self.secretBytes else { return nil }
        self.secret = secret
    }

    /// From 64 hex digits (lower or upper case).
    public init?(hex: String) {
        guard hex.utf8.count == Self.secretBytes * 2, let bytes = Hex.decode(hex.lowercased()) else { return nil }
        self.init(secret: bytes)
    }

    /// A new secret from the system's random generator.
    public static func random() -> PersonKeys {
        var rng = SystemRandomNumberGenerator()
        return PersonKeys(secret: (0..<secretBytes).map { _ in UInt8.random(in: 0...255, using: &rng) })!
    }

    public var hex: String { Hex.encode(secret) }

    /// The person key of a resident ID.
    public func key(_ id: ResidentID) -> String {
        let mac = HMAC<Crypto.SHA256>.authenticationCode(for: Array(("sunsync-person-v2:" + id.text).utf8), using: SymmetricKey(data: secret))
        return Hex.encode(Array(mac).prefix(10))
    }

    public func participant(org: String, residentID: ResidentID) -> String { org + "/" + key(residentID) }

    public func participant(org: String, certificate: CertificateNumber) -> String { participant(org: org, residentID: certificate.residentID) }

    /// The person keys before secrets (`sunsync-person-v1:`, unkeyed SHA-256): only to recognise what a
    /// store or database from then holds while it is rewritten (`PersonKeyRewrite`).
    public static func unkeyed(_ id: ResidentID) -> String {
        Hex.encode(SHA256.hash(Array(("sunsync-person-v1:" + id.text).utf8)).prefix(10))
    }

    /// Refuses a certificate written to a participant record whose id another person's resident ID gives
    /// (`invalid_record_id`). Every other op passes. Run after `Schema.validate`, where the secret is known:
    /// the server's push, a laptop's own writes.
    public func check(_ op: Op) throws(ModelError) {
        guard op.collection == .participants, op.field == "cert", let text = op.value.text,
              let cert = try? CertificateNumber(validating: text) else { return }
        try check(certificate: cert, of: op.key)
    }

    public func check(certificate cert: CertificateNumber, of key: RecordKey) throws(ModelError) {
        guard key.collection == .participants else { return }
        let person = try NaturalKey.parse(key).personKey
        guard person == self.key(cert.residentID) else {
            throw ModelError(.invalidRecordID,
                             "残疾人证号 \(cert.masked) belongs to another participant record: a participant's id derives from the 身份证号 in the certificate, which cannot change")
        }
    }
}

/// Rewrites record ids from one way of deriving person keys to another, once (a laptop adopting its
/// server's secret, a database from before secrets): the old key of each participant is read from its
/// record's id, the new one made from the resident ID in its certificate. Ids and reveals naming a person
/// no certificate names are left as they are.
public struct PersonKeyRewrite: Sendable {
    /// Old person key → new.
    public private(set) var keys: [String: String] = [:]
    /// Participant records whose certificates disagree on who they are (none, where ops were validated):
    /// left as they are.
    public private(set) var unclear: Set<String> = []

    /// `certificates`: each participant record's id with a certificate number written to it. `old`: the
    /// derivation the ids were made with, where known, to choose among certificates that disagree.
    public init(certificates: some Sequence<(record: String, cert: String)>, to new: PersonKeys, old: ((ResidentID) -> String)? = nil) {
        var seen: [String: Set<String>] = [:]   // old key → resident IDs
        for (record, text) in certificates {
            guard let cert = try? CertificateNumber(validating: text),
                  let parts = try? NaturalKey.parse(RecordKey(collection: .participants, id: record)), let person = parts.personKey else { continue }
            seen[person, default: []].insert(cert.residentID.text)
        }
        for (person, ids) in seen {
            var candidates = ids.compactMap { try? ResidentID(validating: $0) }
            if candidates.count > 1, let old { candidates = candidates.filter { old($0) == person } }
            guard candidates.count == 1 else { unclear.insert(person); continue }
            let key = new.key(candidates[0])
            if key != person { keys[person] = key }
        }
    }

    public var isEmpty: Bool { keys.isEmpty }

    /// The new id of a participant, hours or lunch record, or nil where it stays.
    public func record(_ collection: CollectionName, _ id: String) -> String? {
        guard collection == .participants || collection == .hours || collection == .lunches else { return nil }
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, let key = keys[String(parts[1])] else { return nil }
        return ([parts[0], Substring(key)] + parts.dropFirst(2)).joined(separator: "/")
    }

    /// The new value of a reveal's `participants` (person keys, space-separated), or nil where it stays.
    public func value(_ collection: CollectionName, _ field: String, _ value: Value) -> Value? {
        guard collection == .reveals, field == "participants", let text = value.text else { return nil }
        let people = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let rewritten = people.map { keys[$0] ?? $0 }
        return rewritten == people ? nil : .text(rewritten.joined(separator: " "))
    }
}
