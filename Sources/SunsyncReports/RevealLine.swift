import SunsyncModel

/// A reveal as the district reads it (`sunsync-server reveals`, the review page's 查看记录): when, which
/// device, whose full 残疾人证号, and why. Newest first.
public struct RevealLine: Encodable, Sendable {
    public let id: String
    /// Beijing time, as the revealing device's clock had it.
    public let time: String
    public let device: String
    public let replica: String
    public let org: String
    public let orgName: String
    /// The people whose numbers were shown, by name (their participant id where the name is not held).
    public let people: [String]
    public let participants: [String]
    public let purpose: String
    public let what: String?

    /// The reveals `state` holds (of `orgs`, if given), with the names its participants and orgs give.
    public static func lines(_ state: MergedState, names: DeviceNames, orgs: Set<String>? = nil) -> [RevealLine] {
        let directory = state.directory
        let reveals = state.records(in: .reveals).compactMap { Reveal(key: $0.key, record: $0.record) }
            .filter { orgs?.contains($0.org) ?? true }
            .sorted { $0.written > $1.written }
        return reveals.map { reveal in
            RevealLine(id: reveal.key.id, time: Display.time(reveal.written), device: names.label(reveal.written.replica),
                       replica: reveal.written.replica.description, org: reveal.org,
                       orgName: directory.orgs[reveal.org]?.name ?? reveal.org,
                       people: reveal.participants.map { directory.participants[$0]?.name ?? $0 },
                       participants: reveal.participants, purpose: reveal.purpose, what: reveal.what)
        }
    }
}
