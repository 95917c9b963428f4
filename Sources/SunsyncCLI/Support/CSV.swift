import Foundation
import SunsyncReports
#if canImport(Glibc)
import Glibc
#endif

/// Spreadsheets as staff keep them: CSV in UTF-8 (with or without a BOM) or GB18030/GBK, which is
/// what Excel in Chinese saves. Written back as UTF-8 with a BOM, so Excel opens it correctly.
enum CSV {
    struct Row {
        /// The line the row starts on, counting from 1 (the header is line 1).
        let line: Int
        let fields: [String]
    }

    /// Decodes a file's bytes: UTF-8 when they are valid UTF-8, else GB18030 (a superset of GBK and GB2312).
    static func decode(_ data: Data) throws -> String {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        guard let text = gb18030(bytes) else {
            throw CLIError(.notText)
        }
        return text
    }

    /// RFC 4180: commas, double quotes around fields that hold commas, quotes or line breaks, "" for a quote.
    static func parse(_ text: String) -> [Row] {
        var rows = [Row]()
        var field = "", fields = [String]()
        var inQuotes = false, line = 1, rowStart = 1, afterQuote = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRow() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) { rows.append(Row(line: rowStart, fields: fields)) }
            fields = []
            field = ""
        }
        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; afterQuote = true; pending = next }
                    } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: inQuotes = true
            case ",": fields.append(field); field = ""; afterQuote = false
            case "\r": continue
            case "\n":
                endRow()
                line += 1
                rowStart = line
                afterQuote = false
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        return rows
    }

    // Writing: one place for every file Sunsync writes (SunsyncReports).
    static func encode(_ rows: [[String]]) -> String { CSVText.encode(rows) }
    static let byteOrderMark = CSVText.byteOrderMark
    static func text(_ value: String) -> String { CSVText.text(value) }
    static func plain(_ cell: String) -> String { CSVText.plain(cell) }

    /// GB18030 to a String through the C library's iconv.
    static func gb18030(_ bytes: [UInt8]) -> String? {
        guard let cd = iconv_open("UTF-8", "GB18030"), Int(bitPattern: cd) != -1 else { return nil }
        defer { iconv_close(cd) }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 2 + 16)
        let written: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
                var inLeft = inBuffer.count, outLeft = outBuffer.count
                guard iconv(cd, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else { return nil }
                return outBuffer.count - outLeft
            }
        }
        guard let written else { return nil }
        return String(validating: output[0..<written].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
