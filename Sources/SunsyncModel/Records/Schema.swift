/// The fields each collection may have, their types, and the rules their values must follow.
///
/// Validation is per op (`validate(_:)`), so a peer's op is checked on its own, and per new record
/// (`validateNewRecord`), which also requires the fields a record cannot be without.
public enum Schema {
    public enum FieldType: String, Sendable { case text, integer, date, bool }

    public struct Field: Sendable {
        public let name: String
        public let type: FieldType
        public let required: Bool
        /// A rule on the value beyond its type; the record's id parts come along for rules that need them.
        let rule: (@Sendable (Value, NaturalKey.Parts) throws(ModelError) -> Void)?

        init(_ name: String, _ type: FieldType, required: Bool = false,
             rule: (@Sendable (Value, NaturalKey.Parts) throws(ModelError) -> Void)? = nil) {
            self.name = name
            self.type = type
            self.required = required
            self.rule = rule
        }
    }

    /// The fields a reviewer writes; every other field is content.
    public static let reviewFields: Set<String> = ["review", "review_note"]

    /// The longest text a field may hold, in Unicode scalars (not grapheme clusters: a letter with two
    /// million combining marks is two million and one), and in UTF-8 bytes.
    public static let maxTextLength = 2000
    public static let maxTextBytes = 8000

    /// The text fields where a line break or a tab may stand (free notes); every other text is one line.
    public static let multilineFields: Set<String> = ["note", "review_note"]

    /// A participant, to count, holds these (SPEC §6, whole records): hours and lunches count only for a
    /// participant whose merged record shows every one of them.
    public static let wholeParticipantFields = ["name", "cert", "contract", "contract_start"]

    /// The fields of `wholeParticipantFields` that `record` lacks (none: the participant is whole).
    public static func missingForWhole(_ record: RecordState?) -> [String] {
        wholeParticipantFields.filter { record?.displayed($0) == nil }
    }

    /// Refuses what can drive a terminal or reorder what a reader sees: C0 controls (tab and line feed
    /// only in `multiline` fields), DEL, C1 controls, and the bidirectional embeddings, overrides and
    /// isolates (U+202A-202E, U+2066-2069). Counts length in scalars and bytes.
    public static func checkText(_ text: String, multiline: Bool) throws(ModelError) {
        var scalars = 0
        for scalar in text.unicodeScalars {
            scalars += 1
            let v = scalar.value
            let allowedBreak = multiline && (v == 0x09 || v == 0x0A)
            if (v < 0x20 && !allowedBreak) || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
                let kind: ModelError.Problem.TextControl = v == 0x1B ? .escape : (v >= 0x202A ? .bidirectional : .control)
                throw ModelError(.invalidText, .textControl(kind, scalar: "U+" + Hex.fixed(UInt64(v), digits: 4).uppercased(), position: scalars, multiline: multiline))
            }
        }
        if scalars > maxTextLength || text.utf8.count > maxTextBytes {
            throw ModelError(.invalidText, .textTooLong(characters: scalars, bytes: text.utf8.count))
        }
    }

    public static func fields(of collection: CollectionName) -> [Field] {
        switch collection {
        case .orgs: orgFields
        case .participants: participantFields
        case .hours: hoursFields
        case .lunches: lunchFields
        case .reveals: revealFields
        }
    }

    public static func field(_ name: String, in collection: CollectionName) -> Field? {
        fields(of: collection).first { $0.name == name }
    }

    /// Checks one op: its record id, that the field exists, the value's type and rules.
    public static func validate(_ op: Op) throws(ModelError) {
        try validateField(op, parts: try validateShape(op))
    }

    /// What any replica needs of an op to hold and merge it, whichever version of this schema wrote
    /// it: a record id of its collection's shape, and preds earlier than the op. Returns the id's parts.
    @discardableResult
    public static func validateShape(_ op: Op) throws(ModelError) -> NaturalKey.Parts {
        let parts = try NaturalKey.parse(op.key)
        for p in op.pred where p >= op.id {
            throw ModelError(.invalidOpID, "op \(op.id) names \(p) in pred, which is not earlier; an op can only replace ops its writer had seen")
        }
        return parts
    }

    /// The rest of `validate(_:)`: that this version of the schema knows the field and accepts the value.
    public static func validateField(_ op: Op, parts: NaturalKey.Parts) throws(ModelError) {
        try validate(field: op.field, value: op.value, in: op.collection, parts: parts, recordDescription: op.key.description)
    }

    /// Checks the fields of a record about to be created, including that the required ones are there.
    public static func validateNewRecord(_ key: RecordKey, fields values: [String: Value]) throws(ModelError) {
        let parts = try NaturalKey.parse(key)
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            try validate(field: name, value: value, in: key.collection, parts: parts, recordDescription: key.description)
        }
        for field in fields(of: key.collection) where field.required {
            if values[field.name] == nil || values[field.name] == .null {
                throw ModelError(.missingField, "\(key): a new \(key.collection.rawValue) record needs '\(field.name)'")
            }
        }
    }

    static func validate(field name: String, value: Value, in collection: CollectionName, parts: NaturalKey.Parts,
                         recordDescription: @autoclosure () -> String) throws(ModelError) {
        guard let field = field(name, in: collection) else {
            throw ModelError(.unknownField, "\(recordDescription()): \(collection.rawValue) has no field '\(name)'; its fields are "
                + fields(of: collection).map(\.name).joined(separator: ", "))
        }
        if value == .null {
            guard !field.required else {
                throw ModelError(.wrongType, "\(recordDescription()): '\(name)' is required and cannot be cleared (null)")
            }
            return
        }
        guard value.typeName == field.type.rawValue else {
            throw ModelError(.wrongType, "\(recordDescription()): '\(name)' takes a \(field.type.rawValue), not a \(value.typeName) (\(value))")
        }
        if let text = value.text {
            do { try checkText(text, multiline: multilineFields.contains(name)) } catch {
                throw error.problem.map { ModelError(error.code, .inField(record: recordDescription(), field: name, $0)) }
                    ?? ModelError(error.code, "\(recordDescription()): '\(name)': \(error.message)")
            }
        }
        try field.rule?(value, parts)
    }
}

extension Schema {
    static func oneOf(_ allowed: [String]) -> @Sendable (Value, NaturalKey.Parts) throws(ModelError) -> Void {
        { value, _ throws(ModelError) in
            guard let t = value.text, allowed.contains(t) else {
                throw ModelError(.invalidValue, .notOneOf("\(value)", allowed: allowed))
            }
        }
    }

    static func digits(_ count: Int, _ what: String) -> @Sendable (Value, NaturalKey.Parts) throws(ModelError) -> Void {
        { value, _ throws(ModelError) in
            guard let t = value.text, t.utf8.count == count, t.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                throw ModelError(.invalidValue, "'\(value)' is not a \(what) (\(count) digits)")
            }
        }
    }

    static let nonEmpty: @Sendable (Value, NaturalKey.Parts) throws(ModelError) -> Void = { value, _ throws(ModelError) in
        guard let t = value.text, !t.allSatisfy(\.isWhitespace) else { throw ModelError(.invalidValue, .emptyName) }
    }

    static let money: @Sendable (Value, NaturalKey.Parts) throws(ModelError) -> Void = { value, _ throws(ModelError) in
        guard let fen = value.integer, fen >= 0, fen <= 100_000_000 else {
            throw ModelError(.invalidMoney, .fenAmount("\(value)"))
        }
    }

    static let minutes: @Sendable (Value, NaturalKey.Parts) throws(ModelError) -> Void = { value, _ throws(ModelError) in
        guard let m = value.integer, (0...1440).contains(m) else {
            throw ModelError(.invalidMinutes, .minutesInDay("\(value)"))
        }
    }

    /// A valid number. That it is the number of the person the record's id names needs the deployment's
    /// secret: `PersonKeys.check`, where the secret is known.
    static let certificate: @Sendable (Value, NaturalKey.Parts) throws(ModelError) -> Void = { value, _ throws(ModelError) in
        _ = try CertificateNumber(validating: value.text ?? "")
    }

    static let review: @Sendable (Value, NaturalKey.Parts) throws(ModelError) -> Void = { value, _ throws(ModelError) in
        guard ReviewDecision(value) != nil else {
            throw ModelError(.invalidValue, "'\(value)' is not a review decision; expected 'approved <content version>' or 'rejected <content version>'")
        }
    }

    static let orgFields: [Field] = [
        Field("name", .text, required: true, rule: nonEmpty),
        Field("kind", .text, required: true, rule: oneOf(["sunshine-base", "rural-org"])),
        Field("district", .text, required: true, rule: digits(6, "district code")),
        Field("town", .text, rule: digits(9, "town or street code")),
        Field("lunch_rate", .integer, rule: money),
        Field("lunch_rate_from", .date),
        // false: retired by the district (kept in history, closed to new entries); absent means active.
        Field("active", .bool),
    ]

    static let participantFields: [Field] = [
        Field("name", .text, required: true, rule: nonEmpty),
        Field("cert", .text, required: true, rule: certificate),
        Field("contract", .text, required: true, rule: oneOf(["part-time", "full-time"])),
        Field("contract_start", .date, required: true),
        Field("contract_end", .date),
        Field("active", .bool),
    ]

    static let dayFields: [Field] = [
        Field("project", .text),
        Field("note", .text),
        Field("deleted", .bool),
        Field("review", .text, rule: review),
        Field("review_note", .text),
    ]

    /// A reveal (who saw the full 残疾人证号 of whom, and why): the participants are their person keys,
    /// space-separated, at most `Reveal.maxParticipants` to a record; the device and time are the op's.
    static let revealFields: [Field] = [
        Field("participants", .text, required: true, rule: personKeys),
        Field("purpose", .text, required: true, rule: { value, _ throws(ModelError) in
            guard let t = value.text, !t.allSatisfy(\.isWhitespace) else { throw ModelError(.invalidValue, .emptyPurpose) }
        }),
        Field("what", .text),
    ]

    static let personKeys: @Sendable (Value, NaturalKey.Parts) throws(ModelError) -> Void = { value, _ throws(ModelError) in
        let keys = (value.text ?? "").split(separator: " ", omittingEmptySubsequences: false)
        guard (1...Reveal.maxParticipants).contains(keys.count),
              keys.allSatisfy({ $0.utf8.count == 20 && $0.utf8.allSatisfy(NaturalKey.isLowerHex) }) else {
            throw ModelError(.invalidValue, "a reveal names 1 to \(Reveal.maxParticipants) person keys (20 lowercase hex digits each), separated by single spaces")
        }
    }

    static let hoursFields: [Field] = [Field("minutes", .integer, required: true, rule: minutes)] + dayFields
    static let lunchFields: [Field] = [Field("amount", .integer, required: true, rule: money)]
        + dayFields.filter { $0.name != "project" }
}
