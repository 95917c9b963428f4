/// An 18-character resident identity number (居民身份证号, GB 11643-1999): 6-digit address code,
/// 8-digit birth date, 3-digit sequence (odd for men, even for women), 1 check character.
public struct ResidentID: Hashable, Sendable, CustomStringConvertible {
    /// The 18 characters, with a check character `X` in upper case.
    public let text: String
    public let birthDate: CivilDate

    private static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checkCharacters = Array("10X98765432")

    /// Validates `text`; the error says which part is wrong.
    public init(validating text: some StringProtocol) throws(ModelError) {
        let chars = Array(text.uppercased())
        let shown = String(text)
        guard chars.count == 18 else {
            throw ModelError(.invalidResidentID, .idLength(shown: shown, count: chars.count))
        }
        var digits = [Int]()
        for (i, c) in chars.prefix(17).enumerated() {
            guard let d = c.wholeNumberValue, c.isASCII else {
                throw ModelError(.invalidResidentID, .idNotDigit(shown: shown, position: i + 1, character: String(c)))
            }
            digits.append(d)
        }
        let birthText = String(chars[6..<14])
        guard let birth = CivilDate(year: Int(birthText.prefix(4)) ?? 0, month: Int(birthText.dropFirst(4).prefix(2)) ?? 0,
                                    day: Int(birthText.suffix(2)) ?? 0)
        else {
            throw ModelError(.invalidResidentID, .idBirthDate(shown: shown, birth: birthText))
        }
        let sum = zip(digits, Self.weights).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = Self.checkCharacters[sum % 11]
        guard chars[17] == expected else {
            throw ModelError(.invalidResidentID, .idCheck(shown: shown, given: String(chars[17]), expected: String(expected)))
        }
        self.text = String(chars)
        self.birthDate = birth
    }

    /// The 6-digit administrative address code.
    public var addressCode: Substring { text.prefix(6) }

    /// From the sequence digit (17th): odd is male, even is female.
    public var isMale: Bool {
        let utf8 = text.utf8   // 18 ASCII characters (checked when made)
        return (utf8[utf8.index(utf8.startIndex, offsetBy: 16)] - UInt8(ascii: "0")) % 2 == 1
    }

    /// `310112********1234`: the address code and last four characters, the rest hidden.
    public var masked: String { Self.mask(text) }

    public var description: String { masked }

    /// Masks any identity-like text the same way: keeps the first 6 and the last 4 characters.
    public static func mask(_ text: String) -> String {
        guard text.count > 10 else { return String(repeating: "*", count: text.count) }
        return String(text.prefix(6)) + String(repeating: "*", count: text.count - 10) + String(text.suffix(4))
    }
}

/// A disability certificate number (残疾人证号): the holder's resident ID, one digit of category
/// (1 视力 … 7 多重), one digit of level (1 most severe … 4), and `B1`, `B2`, … on a reissued certificate.
///
/// ```swift
/// let cert = try CertificateNumber(validating: "11010519491231002X52")
/// cert.category  // .intellectual
/// cert.level     // 2
/// ```
public struct CertificateNumber: Hashable, Sendable, CustomStringConvertible {
    public enum Category: Int, Sendable, CaseIterable {
        case vision = 1, hearing, speech, physical, intellectual, psychiatric, multiple

        /// The category's name on the certificate.
        public var chinese: String {
            ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"][rawValue - 1]
        }
    }

    public let text: String
    public let residentID: ResidentID
    public let category: Category
    public let level: Int
    /// The reissue number from a `B<n>` suffix; 0 for an original certificate.
    public let reissue: Int

    public init(validating raw: some StringProtocol) throws(ModelError) {
        let text = String(raw).uppercased()
        let shown = String(raw)
        let chars = Array(text)
        guard chars.count >= 20 else {
            throw ModelError(.invalidCertificate, .certLength(shown: shown, count: chars.count))
        }
        let id: ResidentID
        do { id = try ResidentID(validating: String(chars[0..<18])) } catch {
            throw error.problem.map { ModelError(.invalidCertificate, .inCertificate(shown: shown, $0)) } ?? ModelError(.invalidCertificate, "残疾人证号 \(shown): " + error.message)
        }
        guard let categoryDigit = chars[18].wholeNumberValue, let category = Category(rawValue: categoryDigit) else {
            throw ModelError(.invalidCertificate, .certCategory(shown: shown, character: String(chars[18])))
        }
        guard let level = chars[19].wholeNumberValue, (1...4).contains(level) else {
            throw ModelError(.invalidCertificate, .certLevel(shown: shown, character: String(chars[19])))
        }
        var reissue = 0
        if chars.count > 20 {
            let suffix = chars[20...]
            guard suffix.first == "B", suffix.count >= 2, suffix.count <= 3,
                  let n = Int(String(suffix.dropFirst())), n >= 1 else {
                throw ModelError(.invalidCertificate, .certSuffix(shown: shown, suffix: String(suffix)))
            }
            reissue = n
        }
        self.text = text
        self.residentID = id
        self.category = category
        self.level = level
        self.reissue = reissue
    }

    public var masked: String { Self.mask(text) }
    public var description: String { masked }

    /// Masks a certificate number: the first 6 and characters 17-18 of the resident ID stay, and the
    /// category and level digits are hidden too — they tell the kind and severity of the disability
    /// (DOMAIN: personal information). `31011219900315123X52` → `310112**********3X**`.
    public static func mask(_ text: String) -> String {
        let chars = Array(text)
        guard chars.count >= 20 else { return ResidentID.mask(text) }
        return String(chars[0..<6]) + String(repeating: "*", count: 10) + String(chars[16..<18]) + "**" + String(chars[20...])
    }
}
