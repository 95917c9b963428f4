import Foundation

/// Output for people (aligned tables, CJK characters counted two columns wide) and for scripts (one JSON document).
enum Output {
    static func json(_ value: some Encodable) throws {
        print(try encode(value), terminator: "")
    }

    /// One JSON document, snake_case keys in sorted order, ending in a newline.
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// Writes `text` to `file` (mode 0600: reports hold personal information), or to standard output.
    static func write(_ text: String, to file: String?) throws {
        guard let file else { return print(text, terminator: "") }
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError(.cannotWrite(file))
        }
        FileHandle.standardError.write(Data((say(.wrote(file)) + "\n").utf8))
    }

    /// `--wide`: every column, headed in both languages. Set once, from the command's options, before any table.
    nonisolated(unsafe) static var wide = false

    /// The columns a table may use: the terminal's width (`COLUMNS`, else the terminal's own), 80 when it
    /// is not a terminal.
    static var width: Int {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap({ Int($0) }), columns > 20 { return columns }
        var size = winsize()
        if isatty(1) == 1, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        return 80
    }

    /// A table as people read it by default: headers in Chinese alone (`工时 hours` → `工时`), and the columns
    /// in `optional` (by index, the first given the first to go) left out while it is wider than the
    /// terminal. Returns what it left out, to say so. With `--wide`, the table as given.
    static func narrowed(_ headers: [String], _ rows: [[String]], optional: [Int], width: Int = Output.width, wide: Bool = Output.wide)
        -> (headers: [String], rows: [[String]], omitted: [String]) {
        guard !wide else { return (headers, rows, []) }
        let short = headers.map { header -> String in
            guard let space = header.firstIndex(of: " "), header[..<space].unicodeScalars.contains(where: { $0.value >= 0x2E80 }) else { return header }
            return String(header[..<space])
        }
        var keep = Array(repeating: true, count: short.count)
        func totalWidth() -> Int {
            var widths = [Int](repeating: 0, count: short.count)
            for row in [short] + rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], displayWidth(visible(cell))) } }
            let kept = widths.indices.filter { keep[$0] }
            return kept.map { widths[$0] }.reduce(0, +) + 2 * max(0, kept.count - 1)
        }
        var omitted = [String]()
        for index in optional where index < keep.count && totalWidth() > width {
            keep[index] = false
            omitted.append(short[index])
        }
        guard !omitted.isEmpty else { return (short, rows, []) }
        let pick = { (row: [String]) in row.indices.filter { $0 < keep.count ? keep[$0] : true }.map { row[$0] } }
        return (pick(short), rows.map(pick), omitted)
    }

    static func table(_ headers: [String], _ rows: [[String]], empty: String? = nil, optional: [Int] = []) {
        if rows.isEmpty, let empty {
            print(empty)
            return
        }
        let (headers, rows, omitted) = narrowed(headers, rows, optional: optional)
        defer { if !omitted.isEmpty { print("（未显示：\(omitted.joined(separator: "、"))。--wide 显示全部列 all columns）") } }
        // Written as the bytes rendered (a district's month is megabytes: no second copy as a String).
        fflush(nil)   // what print buffered goes first
        let bytes = renderBytes(headers, rows)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }   // a closed pipe (`| head`): nothing more to say
                offset += written
            }
        }
    }

    static func render(_ headers: [String], _ rows: [[String]], optional: [Int] = []) -> String {
        let (headers, rows, omitted) = narrowed(headers, rows, optional: optional)
        return String(decoding: renderBytes(headers, rows), as: UTF8.self)
            + (omitted.isEmpty ? "" : "（未显示：\(omitted.joined(separator: "、"))。--wide 显示全部列 all columns）\n")
    }

    /// The table as UTF-8: columns padded to their widest cell, a rule under the headers.
    private static func renderBytes(_ headers: [String], _ rows: [[String]]) -> [UInt8] {
        let all = [headers] + rows
        // Each cell measured once, kept in one flat array (row n's cells from n * columns).
        let columns = all.map(\.count).max() ?? 0
        var cellWidths = [Int32](repeating: 0, count: all.count * columns)
        var widths = [Int](repeating: 0, count: headers.count)
        for (n, row) in all.enumerated() {
            for (i, cell) in row.enumerated() {
                let w = displayWidth(visible(cell))
                cellWidths[n * columns + i] = Int32(w)
                if i < widths.count { widths[i] = max(widths[i], w) }
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(all.count * (widths.reduce(0, +) + 2 * widths.count + 1) * 3 / 2)
        let space = UInt8(ascii: " ")
        for (n, row) in all.enumerated() {
            for (i, cell) in row.enumerated() {
                if i > 0 { out.append(space); out.append(space) }
                out.append(contentsOf: visible(cell).utf8)
                if i < row.count - 1, i < widths.count { out.append(contentsOf: repeatElement(space, count: widths[i] - Int(cellWidths[n * columns + i]))) }
            }
            out.append(UInt8(ascii: "\n"))
            if n == 0 {
                for (i, w) in widths.enumerated() {
                    if i > 0 { out.append(space); out.append(space) }
                    out.append(contentsOf: repeatElement(UInt8(ascii: "-"), count: w))
                }
                out.append(UInt8(ascii: "\n"))
            }
        }
        return out
    }

    /// Text as a terminal may show it: every control character (ESC, CR, a C1 control…) and every
    /// bidirectional control written as `\u{XX}`, a line break as `↵`, a tab as a space. The model refuses
    /// these in new text (`invalid_text`); this is for anything stored before it did.
    static func visible(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }   // most cells: nothing to look at
        if !text.unicodeScalars.contains(where: isUnsafe) { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: out.append("↵")
            case 0x09: out.append(" ")
            case _ where isUnsafe(scalar): out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    /// Terminal columns: East Asian wide and fullwidth characters take two.
    static func displayWidth(_ text: String) -> Int {
        let utf8 = text.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) { return utf8.count }   // most cells: dates, numbers, ids
        return text.unicodeScalars.reduce(0) { width, scalar in
            let v = scalar.value
            if v < 0x300 { return width + 1 }   // Latin: one column, no combining marks below U+0300
            if (0x4E00...0x9FFF).contains(v) { return width + 2 }   // the common CJK ideographs, first
            if scalar.properties.generalCategory == .nonspacingMark || v == 0x200B || v == 0xFEFF { return width }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
                || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
                || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
                || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return width + (wide ? 2 : 1)
        }
    }
}

/// Reads values as people type them, with the model's one parser per kind (`CivilDate(typed:)`,
/// `Quantity.minutes(typed:)`, `Quantity.fen(typed:)`), and says what to write when it cannot.
/// Commands, the importer and `resolve --keep` all read through here.
enum DateInput {
    static func parse(_ text: String, now: Date = Date()) throws -> CivilDate {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "today", "今天": return today(now)
        case "yesterday", "昨天": return today(now).adding(days: -1)
        default:
            guard let date = CivilDate(typed: text) else {
                throw CLIError(.notADate(text, forms: CivilDate.typedForms, words: true))
            }
            return date
        }
    }

    /// A spreadsheet cell: the typed forms, or the serial number Excel keeps a date cell as.
    static func cell(_ text: String) throws -> CivilDate {
        guard let date = CivilDate(typed: text) ?? CivilDate(excelSerial: text) else {
            throw CLIError(.notADate(text, forms: CivilDate.typedForms, words: false))
        }
        return date
    }
}

enum HoursInput {
    /// Minutes worked on one day: more than 0 and at most 24 h.
    static func parse(_ text: String) throws -> Int64 {
        guard let minutes = Quantity.minutes(typed: text) else {
            throw CLIError(.notHours(text, forms: Quantity.typedHours))
        }
        guard minutes > 0 else {
            throw CLIError(.zeroHours)
        }
        guard minutes <= 24 * 60 else { throw CLIError(.tooManyHours(text)) }
        return minutes
    }
}

enum MoneyInput {
    /// An amount in fen, not negative.
    static func parse(_ text: String) throws -> Int64 {
        guard let fen = Quantity.fen(typed: text) else { throw CLIError(.notYuan(text, forms: Quantity.typedMoney)) }
        guard fen >= 0 else { throw CLIError(.negativeYuan(text)) }
        return fen
    }
}

extension DateInput {

    /// Today in Shanghai time (UTC+8, no daylight saving), where the records are kept.
    static func today(_ now: Date = Date()) -> CivilDate {
        Ledger.today(secondsSince1970: now.timeIntervalSince1970)
    }

    /// A month as people type it (2024-03, 2024-3, 2024/3, 2024年3月), as `YYYY-MM`.
    static func month(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.hasSuffix("月") ? trimmed.dropLast().split(whereSeparator: { "-/.年".contains($0) }) : trimmed.split(whereSeparator: { "-/.".contains($0) })
        guard parts.count == 2, parts[0].count == 4, (1...2).contains(parts[1].count), let year = Int(parts[0]), let number = Int(parts[1]),
              CivilDate(year: year, month: number, day: 1) != nil
        else { throw CLIError(.notAMonth(text)) }
        return String(format: "%04d-%02d", year, number)
    }

    /// The days of a month `month(_:)` accepted, widened to whole ISO weeks: every day a flag about
    /// the month can depend on (the weekly limit counts a week that starts or ends in another month).
    static func weeks(ofMonth month: String) -> ClosedRange<CivilDate> {
        Ledger.weeks(ofMonth: month) ?? CivilDate(dayNumber: 0)...CivilDate(dayNumber: 0)
    }
}

import SunsyncModel
import SunsyncReports
