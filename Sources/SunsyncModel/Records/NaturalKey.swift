/// Record ids derived from the real-world fact a record stands for, so that two laptops entering the
/// same fact write the same record (and disagree visibly) instead of doubling it.
///
/// | collection | id | example |
/// |---|---|---|
/// | `orgs` | org code | `MH-SB-001` |
/// | `participants` | org `/` person key | `MH-SB-001/4c1b0f3ad2e6a0b9c7d8` |
/// | `hours`, `lunches` | participant id `/` date | `MH-SB-001/4c1b0f3ad2e6a0b9c7d8/2024-03-04` |
/// | `reveals` | org `/` 16 random hex digits (a reveal has no natural key) | `MH-SB-001/9f2c4e1a0b7d3c55` |
///
/// The person key is the first 20 hex digits of HMAC-SHA-256 under the deployment's secret over
/// `sunsync-person-v2:` and the 18-character resident ID (`PersonKeys`): category, level and any reissue
/// suffix are left out because they change over a person's life, and the number stays out of ids, logs
/// and URLs, and cannot be found again from them without the secret.
public enum NaturalKey {

    /// The id of a participant's hours or lunch record for one day.
    public static func day(participant: String, date: CivilDate) -> String {
        participant + "/" + date.description
    }

    /// The parts an id is made of. Each collection fills the parts its ids have.
    public struct Parts: Hashable, Sendable {
        public var org: String
        public var personKey: String?
        public var date: CivilDate?

        /// The participant id inside an hours or lunch id, or the id itself for a participant.
        public var participant: String? { personKey.map { org + "/" + $0 } }
    }

    /// The date of an hours or lunch record, read from the end of its id without parsing the rest
    /// (nil for another record, or an id that does not end in a date).
    public static func date(of key: RecordKey) -> CivilDate? {
        key.collection == .hours || key.collection == .lunches ? CivilDate(Substring(key.id.utf8.suffix(10))) : nil
    }

    /// The participant an hours, lunch or participant record is about: a participant's own id, a day's
    /// id less its date (nil for an org). Read without parsing, for ids already held.
    public static func participant(of key: RecordKey) -> String? {
        switch key.collection {
        case .participants: key.id
        case .hours, .lunches: key.id.utf8.count > 11 ? String(Substring(key.id.utf8.dropLast(11))) : nil
        case .orgs, .reveals: nil
        }
    }

    /// Splits a record id into its parts, or says what is wrong with it.
    public static func parse(_ key: RecordKey) throws(ModelError) -> Parts {
        let expected: Int
        switch key.collection {
        case .orgs: expected = 1
        case .participants, .reveals: expected = 2
        case .hours, .lunches: expected = 3
        }
        // Scanned without splitting or allocating: this runs for every op a replica receives.
        let utf8 = key.id.utf8
        // The first two slashes (the end where there are fewer: the guard below then refuses the id, or
        // the collection's ids have fewer).
        var slash1 = key.id.endIndex, slash2 = key.id.endIndex, count = 0
        for i in utf8.indices where utf8[i] == UInt8(ascii: "/") {
            count += 1
            if count == 1 { slash1 = i } else if count == 2 { slash2 = i }
            if count == expected { break }
        }
        guard count == expected - 1 else {
            let shape = key.collection == .reveals ? "ORG-CODE/REVEALID" : ["ORG-CODE", "ORG-CODE/PERSONKEY", "ORG-CODE/PERSONKEY/YYYY-MM-DD"][expected - 1]
            throw ModelError(.invalidRecordID, "\(key) is not a \(key.collection.rawValue) id; expected \(shape)")
        }
        let org = String(key.id[..<slash1])
        guard isOrgCode(org) else {
            throw ModelError(.invalidRecordID, "\(key): '\(org)' is not an org code (A-Z, 0-9 and '-', up to 32 characters)")
        }
        var parts = Parts(org: org)
        if key.collection == .reveals {
            let id = key.id.utf8[key.id.index(after: slash1)...]
            guard id.count == 16, id.allSatisfy(isLowerHex) else {
                throw ModelError(.invalidRecordID, "\(key): '\(Substring(id))' is not a reveal id (16 lowercase hex digits)")
            }
            return parts
        }
        if expected >= 2 {
            let start = key.id.index(after: slash1)
            let person = key.id[start..<(expected == 3 ? slash2 : key.id.endIndex)]
            guard person.utf8.count == 20, person.utf8.allSatisfy(isLowerHex) else {
                throw ModelError(.invalidRecordID, "\(key): '\(person)' is not a person key (20 lowercase hex digits)")
            }
            parts.personKey = String(person)
        }
        if expected == 3 {
            let text = key.id[key.id.index(after: slash2)...]
            guard let date = CivilDate(text) else {
                throw ModelError(.invalidDate, "\(key): '\(text)' is not a real calendar date (YYYY-MM-DD)")
            }
            parts.date = date
        }
        return parts
    }

    /// An org code: 1 to 32 of `A-Z`, `0-9` and `-`, starting and ending with a letter or digit.
    public static func isOrgCode(_ text: String) -> Bool {
        let u = text.utf8
        guard (1...32).contains(u.count), u.first != UInt8(ascii: "-"), u.last != UInt8(ascii: "-") else { return false }
        return u.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") }
    }

    static func isLowerHex(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 97 && c <= 102) }
}

extension NaturalKey {
    /// SHA-256 of `text` in hex: a short, stable reference to a record or field on every replica.
    public static func digest(_ text: String) -> String { Hex.encode(SHA256.hash(Array(text.utf8))) }
}
