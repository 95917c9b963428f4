import SunsyncModel

/// Values and times as people read them, in every listing and on the review page.
public enum Display {
    public static func value(_ value: Value, field: String) -> String {
        switch (field, value) {
        case ("minutes", .integer(let m)): Quantity.hours(m)
        case ("amount", .integer(let f)), ("lunch_rate", .integer(let f)): Quantity.yuan(f)
        case ("cert", .text(let t)): CertificateNumber.mask(t)
        case ("review", _): ReviewDecision(value).map { d in (d.verdict == .approved ? ReviewStatus.approved : .rejected).chinese + " " + d.verdict.rawValue }
            ?? value.description
        case (_, .null): "(empty)"
        default: value.description
        }
    }

    /// An op's clock time, in Shanghai time (UTC+8): `2024-03-04 09:15:02`.
    public static func time(_ id: OpID) -> String { time(millisecondsSince1970: Int64(id.timestamp.milliseconds)) }

    /// A moment in Shanghai time (UTC+8, the time people read on their clocks): `2024-03-04 09:15:02`.
    public static func time(millisecondsSince1970 milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000 + 8 * 3600
        let day = CivilDate(dayNumber: Int32(seconds / 86400))
        let s = Int(seconds % 86400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(day) \(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60))"
    }
}

/// One change in a record's history: when, from which device, which field, to what.
public struct ChangeLine: Encodable, Sendable {
    public init(time: String, device: String, field: String, value: String, signedBy: String? = nil) {
        self.time = time
        self.device = device
        self.field = field
        self.value = value
        self.signedBy = signedBy
    }

    public let time: String
    public let device: String
    /// Whose key signed the change (a device's name, the server, or attested at the upgrade to signatures).
    public let signedBy: String?
    public let field: String
    public let value: String

    /// The changes `ops` made, in the order given.
    public static func history(_ ops: [Op], names: DeviceNames, signers: [OpID: String] = [:]) -> [ChangeLine] {
        ops.map { ChangeLine(time: Display.time($0.id), device: names.label($0.id.replica), field: $0.field, value: Display.value($0.value, field: $0.field),
                             signedBy: signers[$0.id]) }
    }
}

extension Ledger {
    /// The fields of a record in conflict, each with its values and who wrote them: `minutes: 5.0 (laptop-a) | 3.0 (laptop-b)`.
    /// Empty where the ledger does not hold the record whole (a laptop's keeps its days as entries: read the record).
    public func conflictLines(_ key: RecordKey, names: DeviceNames) -> [String] {
        state[key].map { Self.conflictLines($0, names: names) } ?? []
    }

    public static func conflictLines(_ record: RecordState, names: DeviceNames) -> [String] {
        record.fields.filter { $0.state.isConflict }.map { f in
            "\(f.name): " + f.state.current.map { "\(Display.value($0.value, field: f.name)) (\(names.label($0.id.replica)))" }.joined(separator: " | ")
        }
    }
}
