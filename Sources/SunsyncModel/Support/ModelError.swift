/// Why the model refused an input. `code` is stable (tests, the wire and scripts match on it);
/// `message` says what was wrong and how to put it right.
public struct ModelError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidCertificate = Code(rawValue: "invalid_certificate")
        public static let invalidResidentID = Code(rawValue: "invalid_resident_id")
        public static let invalidDate = Code(rawValue: "invalid_date")
        public static let invalidMinutes = Code(rawValue: "invalid_minutes")
        public static let invalidMoney = Code(rawValue: "invalid_money")
        public static let invalidValue = Code(rawValue: "invalid_value")
        public static let invalidOpID = Code(rawValue: "invalid_op_id")
        public static let invalidRecordID = Code(rawValue: "invalid_record_id")
        public static let unknownCollection = Code(rawValue: "unknown_collection")
        public static let unknownField = Code(rawValue: "unknown_field")
        public static let wrongType = Code(rawValue: "wrong_type")
        public static let missingField = Code(rawValue: "missing_field")
        /// Text with a control character, an escape or a bidirectional override, or too long.
        public static let invalidText = Code(rawValue: "invalid_text")
    }

    /// What is wrong with a typed number, for each language's catalog to word (SunsyncReports' `Words`).
    public indirect enum Problem: Hashable, Sendable {
        case idLength(shown: String, count: Int)
        case idNotDigit(shown: String, position: Int, character: String)
        case idBirthDate(shown: String, birth: String)
        case idCheck(shown: String, given: String, expected: String)
        case certLength(shown: String, count: Int)
        /// The resident ID inside a certificate number.
        case inCertificate(shown: String, Problem)
        case certCategory(shown: String, character: String)
        case certLevel(shown: String, character: String)
        case certSuffix(shown: String, suffix: String)
        /// A character that may not stand in text, at `position` (in scalars, from 1).
        case textControl(TextControl, scalar: String, position: Int, multiline: Bool)
        case textTooLong(characters: Int, bytes: Int)
        case emptyName
        case emptyPurpose
        case notOneOf(String, allowed: [String])
        case minutesInDay(String)
        case fenAmount(String)
        /// A problem of one field of a record.
        case inField(record: String, field: String, Problem)

        public enum TextControl: Hashable, Sendable { case escape, bidirectional, control }

        /// In English, as the wire's refusals say it.
        public var english: String {
            switch self {
            case .idLength(let shown, let count): "居民身份证号 \(shown) has \(count) characters; it must have 18"
            case .idNotDigit(let shown, let position, let character): "居民身份证号 \(shown): character \(position) is '\(character)'; the first 17 must be digits"
            case .idBirthDate(let shown, let birth): "居民身份证号 \(shown): birth date \(birth) (characters 7-14) is not a real date"
            case .idCheck(let shown, let given, let expected):
                "居民身份证号 \(shown): check character is '\(given)' but the first 17 digits give '\(expected)'; re-read the number from the card"
            case .certLength(let shown, let count):
                "残疾人证号 \(shown) has \(count) characters; it must have 20 (18 of the 身份证号, category, level) and may end in B1, B2, …"
            case .inCertificate(let shown, let inner): "残疾人证号 \(shown): " + inner.english
            case .certCategory(let shown, let character):
                "残疾人证号 \(shown): category (character 19) is '\(character)'; it must be 1-7 (1 视力 2 听力 3 言语 4 肢体 5 智力 6 精神 7 多重)"
            case .certLevel(let shown, let character): "残疾人证号 \(shown): level (character 20) is '\(character)'; it must be 1-4"
            case .certSuffix(let shown, let suffix): "残疾人证号 \(shown): '\(suffix)' after the level is not a reissue suffix (B1, B2, …)"
            case .textControl(let kind, let scalar, let position, let multiline):
                "the text holds \(kind == .escape ? "an escape character (ESC)" : kind == .bidirectional ? "a bidirectional control" : "a control character") "
                    + "(\(scalar)) at character \(position); "
                    + (multiline ? "only tab and line breaks may stand in a note" : "it must be one line of printable text")
            case .textTooLong(let characters, let bytes):
                "the text is \(characters) characters (\(bytes) bytes) long; at most \(Schema.maxTextLength) characters and \(Schema.maxTextBytes) bytes"
            case .emptyName: "a name cannot be empty"
            case .emptyPurpose: "a reveal states its purpose; it cannot be empty"
            case .notOneOf(let value, let allowed): "'\(value)' is not one of " + allowed.joined(separator: ", ")
            case .minutesInDay(let value): "\(value) minutes is not possible in one day; enter 0 to 1440 minutes (24 h)"
            case .fenAmount(let value): "amount \(value) fen is not allowed; money is a whole number of fen from 0 to 100000000 (1,000,000 yuan)"
            case .inField(let record, let field, let inner): "\(record): '\(field)': " + inner.english
            }
        }
    }

    public let code: Code
    public let message: String
    /// The structured problem, where the model knows one (typed numbers); nil for the rest.
    public let problem: Problem?

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
        self.problem = nil
    }

    public init(_ code: Code, _ problem: Problem) {
        self.code = code
        self.message = problem.english
        self.problem = problem
    }

    public var description: String { "\(code): \(message)" }
}
