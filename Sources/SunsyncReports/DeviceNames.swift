import SunsyncModel

/// How people see the replica that wrote an op: the device's name and scope as the server knows it
/// (`laptop-a · MH-SB-001`), never a hex code unless the device is not known (yet): then `…2251`.
public struct DeviceNames: Sendable {
    /// Replica (16 hex digits) → label.
    public let labels: [String: String]

    public init(_ labels: [String: String] = [:]) { self.labels = labels }

    public func label(_ replica: ReplicaID) -> String { label(replica.description) }

    public func label(_ replica: String) -> String {
        labels[replica] ?? "…" + replica.suffix(4)
    }
}

/// A flag as listings show it: who it is about, in which org, and which devices wrote its records.
public struct FlagLine: Encodable, Sendable {
    public let kind: String
    public let org: String
    public let orgName: String
    public let subject: String
    public let message: String
    public let records: [String]
    public let replicas: [String]
    public let devices: [String]
}

extension Ledger {
    /// `words`: the language the messages are worded in (Chinese unless asked).
    public func flagLines(month: String?, org: String? = nil, names: DeviceNames, words: any Words = Chinese()) -> [FlagLine] {
        flags(month: month, org: org).compactMap { flag in
            let orgs = Set(flag.records.map(MergedState.org(of:)))
            if let org, !orgs.contains(org) { return nil }
            var seen = Set<String>()
            let subject = flag.records.compactMap { key -> String? in
                guard let id = NaturalKey.participant(of: key) else { return nil }
                return participants[id]?.name ?? id
            }.filter { seen.insert($0).inserted }.joined(separator: ", ")
            let codes = orgs.sorted()
            return FlagLine(kind: flag.kind.rawValue, org: codes.joined(separator: ", "),
                            orgName: codes.map(orgName).joined(separator: ", "), subject: subject, message: words.flag(flag.reason),
                            records: flag.records.map(\.description), replicas: flag.replicas.map(\.description),
                            devices: flag.replicas.map(names.label))
        }
    }
}
