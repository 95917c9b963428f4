import Foundation

/// The settings an installed server keeps in `/etc/default/sunsync-server` (the package's; `KEY=value`
/// lines, `#` comments, values optionally quoted): the service reads them through systemd, and the admin
/// commands here, so that `sunsync-server device add …` finds the service's data. The environment wins.
enum InstalledDefaults {
    static let path = "/etc/default/sunsync-server"

    static func value(_ key: String) -> String? {
        ProcessInfo.processInfo.environment[key] ?? file[key]
    }

    static let file: [String: String] = {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        return parse(text)
    }()

    static func parse(_ text: String) -> [String: String] {
        var values = [String: String]()
        for line in text.split(whereSeparator: \.isNewline) {
            let line = line.trimmingCharacters(in: .whitespaces)
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote { value = String(value.dropFirst().dropLast()) }
            values[line[..<equals].trimmingCharacters(in: .whitespaces)] = value
        }
        return values
    }
}
