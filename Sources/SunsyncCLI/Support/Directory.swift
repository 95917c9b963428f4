import Foundation
import SunsyncModel
import SunsyncReports

/// The org's participants, and how a `<ref>` typed by a person finds one: a certificate number, a
/// resident ID, a masked number as `export` prints it, or an unambiguous name.
struct Directory {
    /// Nil: every org the replica holds (a reviewer's laptop).
    let org: String?
    let participants: [Participant]
    private let byRecordID: [String: Participant]

    init(org: String?, state: MergedState) {
        self.org = org
        participants = state.records(in: .participants).compactMap { Participant(key: $0.key, record: $0.record) }
            .filter { org == nil || $0.org == org }
            .sorted { ($0.name ?? "", $0.key.id) < ($1.name ?? "", $1.key.id) }
        byRecordID = Dictionary(participants.map { ($0.key.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func byID(_ id: String) -> Participant? { byRecordID[id] }

    /// Finds the participant a person means, or says why not.
    func find(_ ref: String, name: String? = nil) throws -> Participant {
        let text = ref.trimmingCharacters(in: .whitespaces)
        if let cert = try? CertificateNumber(validating: text) {
            return try byPerson(cert.residentID, ref: cert.masked)
        }
        if let id = try? ResidentID(validating: text) {
            return try byPerson(id, ref: id.masked)
        }
        if let p = byID(text) ?? org.flatMap({ byID($0 + "/" + text) }) { return p }
        if text.contains("*") {
            let matches = participants.filter { $0.certificate?.masked == text.uppercased() && (name == nil || $0.name == name) }
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 { throw CLIError(.maskedMatchesSeveral(text, count: matches.count)) }
            if let name { return try find(name) }
            throw CLIError(.noMaskedMatch(text))
        }
        if text.count >= 18, text.first?.isNumber == true {
            // Looks like a number but is not a valid one: say what is wrong with it.
            do { _ = try CertificateNumber(validating: text) } catch { throw CLIError(error) }
        }
        let named = participants.filter { $0.name == text }
        switch named.count {
        case 1: return named[0]
        case 0:
            let near = Self.nearest(text, among: participants.compactMap(\.name))
            throw CLIError(.noParticipant(text, org: org, near: near))
        default:
            let numbers = named.map { $0.certificate?.masked ?? $0.key.id }.joined(separator: ", ")
            throw CLIError(.sameName(count: named.count, name: text, numbers: numbers))
        }
    }

    /// The names closest to a mistyped one (at most two characters off, fewer for short names).
    static func nearest(_ typed: String, among names: [String]) -> [String] {
        let limit = typed.count <= 3 ? 1 : 2
        let scored = Set(names).map { ($0, distance(Array(typed), Array($0))) }.filter { $0.1 <= limit }
        return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
    }

    /// Levenshtein distance over characters (a Chinese name is two to four of them).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// The participant whose certificate holds this resident ID (any category, level or reissue).
    private func byPerson(_ id: ResidentID, ref: String) throws -> Participant {
        let matches = participants.filter { $0.certificate?.residentID == id }
        guard matches.count <= 1 else {
            throw CLIError(.registeredAtSeveral(ref, orgs: matches.map(\.org)))
        }
        guard let p = matches.first else {
            throw CLIError(.noCertificate(ref, org: org))
        }
        return p
    }
}

