/// Day lines as JSON, written directly: a district's month is 56,000 lines, and Foundation's encoder
/// with a key strategy took a second for them. The same document `JSONEncoder` writes with
/// `.convertToSnakeCase` and `.sortedKeys` (nil fields left out), compact, one line per record; tested
/// against it.
extension DayLine {
    public static func json(_ lines: [DayLine]) -> String {
        var out = "[\n"
        out.reserveCapacity(lines.count * 520)
        for (i, line) in lines.enumerated() {
            line.writeJSON(into: &out)
            out += i == lines.count - 1 ? "\n" : ",\n"
        }
        return out + "]\n"
    }

    func writeJSON(into out: inout String) {
        var first = true
        func key(_ name: String) {
            out += first ? "{\"" : ",\""
            first = false
            out += name
            out += "\":"
        }
        func text(_ name: String, _ value: String?) {
            guard let value else { return }
            key(name)
            Self.quote(value, into: &out)
        }
        func number(_ name: String, _ value: Int64?) {
            guard let value else { return }
            key(name)
            out += String(value)
        }
        func bool(_ name: String, _ value: Bool) {
            key(name)
            out += value ? "true" : "false"
        }
        text("amount", amount)
        number("amount_fen", amountFen)
        text("certificate", certificate)
        bool("changed_after_approval", changedAfterApproval)
        text("collection", collection)
        bool("conflict", conflict)
        bool("content_conflict", contentConflict)
        text("date", date)
        bool("deleted", deleted)
        key("flags")
        out += "["
        for (i, flag) in flags.enumerated() {
            if i > 0 { out += "," }
            Self.quote(flag, into: &out)
        }
        out += "]"
        text("hours", hours)
        text("id", id)
        number("minutes", minutes)
        text("name", name)
        text("note", note)
        text("org", org)
        text("org_name", orgName)
        text("participant_id", participantId)
        bool("reviewers_disagree", reviewersDisagree)
        text("project", project)
        text("review", review)
        text("review_id", reviewId)
        text("review_note", reviewNote)
        out += "}"
    }

    /// A JSON string: quote, backslash and control characters escaped, everything else as it is.
    static func quote(_ text: String, into out: inout String) {
        out += "\""
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += text
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
