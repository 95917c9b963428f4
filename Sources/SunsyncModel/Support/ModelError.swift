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
