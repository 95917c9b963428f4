/// A reveal as the district reads it: a device saw the full 残疾人证号 (category and level with it) of
/// some participants of one org, for a stated purpose (PIPL art. 51, GB/T 35273 §11.3). Written once,
/// from the device that revealed, and synced like any record; the server refuses a second write to it.
public struct Reveal: Hashable, Sendable {
    /// Person keys per record: 90 keys and their spaces stay under the 2,000-scalar text limit.
    public static let maxParticipants = 90

    public let key: RecordKey
    public let org: String
    public let personKeys: [String]
    public let purpose: String
    /// What was shown (the command or page), where the writer said.
    public let what: String?
    /// The op that wrote the purpose: its replica names the device, its clock the time (as the device's clock had it).
    public let written: OpID

    public init?(key: RecordKey, record: RecordState) {
        guard key.collection == .reveals, let entry = record.field("purpose")?.current.first, let purpose = entry.value.text else { return nil }
        self.key = key
        org = MergedState.org(of: key)
        personKeys = (record.displayed("participants")?.text ?? "").split(separator: " ").map(String.init)
        self.purpose = purpose
        what = record.displayed("what")?.text
        written = entry.id
    }

    /// The participant ids it names.
    public var participants: [String] { personKeys.map { org + "/" + $0 } }

    /// The records that state one reveal of `participants` (participant ids): one per org and per
    /// `maxParticipants`, each under an id from `newID` (16 lowercase hex digits).
    public static func records(of participants: [String], purpose: String, what: String?, newID: () -> String)
        -> [(key: RecordKey, fields: [String: Value])] {
        var byOrg = [String: [String]]()
        for id in Set(participants) {
            guard let slash = id.firstIndex(of: "/") else { continue }
            byOrg[String(id[..<slash]), default: []].append(String(id[id.index(after: slash)...]))
        }
        var out = [(key: RecordKey, fields: [String: Value])]()
        for (org, keys) in byOrg.sorted(by: { $0.key < $1.key }) {
            let sorted = keys.sorted()
            for start in stride(from: 0, to: sorted.count, by: maxParticipants) {
                var fields: [String: Value] = ["participants": .text(sorted[start..<min(start + maxParticipants, sorted.count)].joined(separator: " ")),
                                               "purpose": .text(purpose)]
                if let what { fields["what"] = .text(what) }
                out.append((RecordKey(collection: .reveals, id: org + "/" + newID()), fields))
            }
        }
        return out
    }
}
