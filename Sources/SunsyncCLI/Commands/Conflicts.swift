import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncReports

/// A field with several current values, as `conflicts` lists it and `resolve` finds it.
struct ConflictRow: Encodable {
    struct Candidate: Encodable {
        let opId: String
        let value: String
        let replica: String
        /// The device that wrote it, as the server names it.
        let device: String
        let time: String
    }

    /// Short and stable on every replica: 8 hex digits derived from the record and field.
    let ref: String
    let collection: String
    let record: String
    let org: String
    let orgName: String
    let name: String
    let date: String?
    let field: String
    let shown: String
    let values: [Candidate]

    static func all(_ state: MergedState, ws: Workspace) -> [ConflictRow] {
        let directory = Directory(org: ws.org, state: state)
        let names = ws.deviceNames
        let orgNames = Dictionary(state.records(in: .orgs).map { ($0.key.id, $0.record.displayed("name")?.text ?? "") }, uniquingKeysWith: { a, _ in a })
        return state.conflicts.map { key, field, values in
            let parts = try? NaturalKey.parse(key)
            let name = parts?.participant.flatMap { directory.byID($0)?.name } ?? key.id
            let candidates = values.map {
                Candidate(opId: $0.id.description, value: Display.value($0.value, field: field), replica: $0.id.replica.description,
                          device: names.label($0.id.replica), time: Display.time($0.id))
            }
            let org = parts?.org ?? key.id
            return ConflictRow(ref: reference(key, field), collection: key.collection.rawValue, record: key.id,
                               org: org, orgName: orgNames[org] ?? "", name: name,
                               date: parts?.date?.description, field: field, shown: candidates.first?.value ?? "", values: candidates)
        }
    }

    static func reference(_ key: RecordKey, _ field: String) -> String {
        String(NaturalKey.digest("\(key)#\(field)").prefix(8))
    }
}

/// How values and op times read on screen.
struct Conflicts: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Say.words.abstract(.conflicts),
        discussion: Say.words.discussion(.conflicts)) }
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let ws = try Workspace(global)
        let rows = ConflictRow.all(try ws.conflictState(), ws: ws)
        if global.json { return try Output.json(rows) }
        Output.table(["编号 ref", "机构 org", "姓名 name", "日期 date", "记录 record", "字段 field", "值 values (device, time)"],
                     rows.map { row in
                         [row.ref, row.org, row.name, row.date ?? "", row.collection, row.field,
                          row.values.map { "\($0.value) (\($0.device), \($0.time))" }.joined(separator: " | ")]
                     },
                     empty: say(.noConflicts))
    }
}

struct Resolve: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Say.words.abstract(.resolve),
        discussion: Say.words.discussion(.resolve)) }
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(Say.words.help(.conflictRef))) var ref: String
    @Option(help: ArgumentHelp(Say.words.help(.keepValue))) var keep: String

    func run() throws {
        let ws = try Workspace(global)
        let rows = ConflictRow.all(try ws.conflictState(), ws: ws)
        guard let row = rows.first(where: { $0.ref == ref || "\($0.collection)/\($0.record)#\($0.field)" == ref }) else {
            throw CLIError(.noConflict(ref))
        }
        // The value as `hours set`, `lunch set` or a date option would read it, shown the way `conflicts` shows values.
        let typed: String? = switch row.field {
        case "minutes": Quantity.minutes(typed: keep).map(Quantity.hours)
        case "amount", "lunch_rate": Quantity.fen(typed: keep).map(Quantity.yuan)
        case "contract_start", "contract_end", "lunch_rate_from": CivilDate(typed: keep)?.description
        default: nil
        }
        let matches = row.values.filter { $0.value == keep || $0.value == typed || $0.opId == keep }
        guard let chosen = matches.first else {
            throw CLIError(.notOneOfTheValues(keep, values: row.values.map(\.value)))
        }
        guard let collection = CollectionName(rawValue: row.collection) else { return }
        let key = RecordKey(collection: collection, id: row.record)
        try ws.write { tx in
            let current = try tx.current(key, row.field)
            guard let entry = current.first(where: { $0.id.description == chosen.opId }) else {
                throw CLIError(.conflictChanged)
            }
            try tx.write(key, row.field, entry.value, pred: current.map(\.id))
        }
        if global.json { return try Output.json(["ref": row.ref, "kept": chosen.value]) }
        print(say(.kept(value: chosen.value, name: row.name, date: row.date ?? "", field: row.field)))
    }
}
