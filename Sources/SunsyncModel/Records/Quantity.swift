/// Hours and money as people type and read them. Stored values are integers: minutes and fen.
public enum Quantity {
    /// Parses hours: `3.5`, `3`, `3h30m`, `3h`, `210m`, `0.25`. Returns minutes, or nil if not a duration.
    /// Decimal hours must come out to whole minutes (`3.51` does not).
    public static func minutes(from text: String) -> Int64? {
        let t = text.trimmingWhitespace.lowercased()
        guard !t.isEmpty else { return nil }
        if t.hasSuffix("m") || t.contains("h") {
            var rest = Substring(t)
            var total: Int64 = 0
            if let h = rest.firstIndex(of: "h") {
                guard let hours = Int64(rest[..<h]) else { return nil }
                total = hours * 60
                rest = rest[rest.index(after: h)...]
            }
            if !rest.isEmpty {
                guard rest.hasSuffix("m"), let m = Int64(rest.dropLast()) else { return nil }
                total += m
            }
            return total
        }
        guard let hundredths = fixedPoint(t, scale: 2) else { return nil }
        // hundredths of an hour × 60 / 100 must be whole minutes
        guard (hundredths * 60) % 100 == 0 else { return nil }
        return hundredths * 60 / 100
    }

    /// Parses yuan: `15`, `15.5`, `15.00`. Returns fen, or nil. Negative amounts parse (and are refused by validation).
    public static func fen(fromYuan text: String) -> Int64? {
        fixedPoint(text.trimmingWhitespace, scale: 2)
    }

    /// `3.5` for 210 minutes, `3` for 180, `0.25` for 15; `3h20m` when hours are not a short decimal.
    public static func hours(_ minutes: Int64) -> String {
        if (minutes * 100) % 60 == 0 { return decimal(minutes * 100 / 60, scale: 2) }
        return "\(minutes / 60)h\(minutes % 60)m"
    }

    /// `15.00` for 1500 fen.
    public static func yuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let a = abs(fen)
        let cents = a % 100
        return "\(sign)\(a / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// Parses a decimal with at most `scale` fraction digits into an integer of 10^-scale units.
    static func fixedPoint(_ text: String, scale: Int) -> Int64? {
        var s = Substring(text)
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() }
        let pieces = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(pieces.count), !pieces[0].isEmpty, pieces[0].allSatisfy(\.isASCII),
              let whole = Int64(pieces[0]), whole < 1_000_000_000_000 else { return nil }
        var fraction: Int64 = 0
        if pieces.count == 2 {
            let f = pieces[1]
            guard !f.isEmpty, f.count <= scale, f.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            fraction = Int64(f + String(repeating: "0", count: scale - f.count))!
        }
        var multiplier: Int64 = 1
        for _ in 0..<scale { multiplier *= 10 }
        let value = whole * multiplier + fraction
        return negative ? -value : value
    }

    /// Drops trailing zeros of a fixed-point number: 350 at scale 2 is `3.5`.
    static func decimal(_ units: Int64, scale: Int) -> String {
        var multiplier: Int64 = 1
        for _ in 0..<scale { multiplier *= 10 }
        let whole = units / multiplier
        var fraction = String(units % multiplier)
        fraction = String(repeating: "0", count: scale - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? String(whole) : "\(whole).\(fraction)"
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
