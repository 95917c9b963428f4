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

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
