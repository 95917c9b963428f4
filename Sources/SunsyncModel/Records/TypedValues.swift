/// Values as people type them, one parser per kind, used by every command, the importer, `resolve
/// --keep` and the server's admin commands alike, so the same text is accepted or refused everywhere.
extension CivilDate {
    /// The forms a date is typed in: `2024-03-07`, `2024-3-7`, `2024/3/7`, `2024.3.7`, `2024年3月7日`
    /// (the 日 may be left out). Nil for anything else, and for a day that does not exist.
    public init?(typed text: some StringProtocol) {
        let t = String(text).trimmingWhitespace
        if let exact = CivilDate(t) {
            self = exact
            return
        }
        var parts = [Int](), digits = "", separators = [Character]()
        for c in t {
            if c.isASCII, c.isNumber {
                digits.append(c)
                continue
            }
            guard !digits.isEmpty, let n = Int(digits) else { return nil }
            parts.append(n)
            digits = ""
            separators.append(c)
        }
        if !digits.isEmpty, let n = Int(digits) { parts.append(n) }
        let chinese = separators == ["年", "月", "日"] || separators == ["年", "月"]
        let plain = separators.count == 2 && separators[0] == separators[1] && ["-", "/", "."].contains(separators[0])
        guard parts.count == 3, chinese || plain, (1000...9999).contains(parts[0]), let date = CivilDate(year: parts[0], month: parts[1], day: parts[2])
        else { return nil }
        self = date
    }

    /// A date cell Excel stored as its serial number (days since 1899-12-30, in its 1900 date system).
    /// Serials from 61 (1900-03-01) to 2958465 (9999-12-31).
    public init?(excelSerial text: some StringProtocol) {
        let t = String(text).trimmingWhitespace
        guard !t.isEmpty, t.count <= 7, t.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(t), (61...2_958_465).contains(n) else { return nil }
        self.init(dayNumber: Int32(n - 25_569))
    }

    /// How dates may be written, for messages.
    public static let typedForms = "2024-03-07, 2024-3-7, 2024/3/7 or 2024年3月7日"
}

extension Quantity {
    /// Hours as typed: `3.5`, `3`, `3h30m`, `3h`, `210m`, `3小时30分`, `3小时`, `30分钟`, `3.5小时`. Minutes, or nil.
    public static func minutes(typed text: String) -> Int64? {
        var t = text.trimmingWhitespace.lowercased()
        for (chinese, unit) in [("小时", "h"), ("分钟", "m"), ("分", "m"), ("时", "h")] { t = t.replacing(chinese, with: unit) }
        t = t.filter { $0 != " " }
        if t.hasSuffix("h"), let minutes = minutes(from: String(t.dropLast())), !t.dropLast().contains("h") {
            return minutes   // 3.5h
        }
        return minutes(from: t)
    }

    /// Money as typed: `15`, `15.5`, `15.00`, `¥15`, `￥15`, `15元`. Fen, or nil.
    public static func fen(typed text: String) -> Int64? {
        var t = text.trimmingWhitespace
        if t.hasPrefix("¥") || t.hasPrefix("￥") { t.removeFirst() }
        if t.hasSuffix("元") { t.removeLast() }
        return fen(fromYuan: t.trimmingWhitespace)
    }

    /// How hours and money may be written, for messages.
    public static let typedHours = "3.5, 3h30m, 210m or 3小时30分"
    public static let typedMoney = "15, 15.50 or ¥15"
}
