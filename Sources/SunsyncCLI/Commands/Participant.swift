import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncStore

struct ParticipantCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "participant",
        abstract: Say.words.abstract(.participant),
        subcommands: [Add.self, List.self, Show.self, Edit.self, Deactivate.self, Activate.self]) }
}

/// Contract fields shared by `add` and `edit`.
struct ContractOptions: ParsableArguments {
    @Option(help: ArgumentHelp(Say.words.help(.contract)))
    var contract: String?

    @Option(help: ArgumentHelp(Say.words.help(.contractStart), valueName: "YYYY-MM-DD"))
    var start: String?

    @Option(help: ArgumentHelp(Say.words.help(.contractEnd), valueName: "YYYY-MM-DD"))
    var end: String?

    /// The fields these options set, read and checked.
    func fields() throws -> [String: Value] {
        var fields = [String: Value]()
        if let contract {
            let kinds = ["part-time": "part-time", "非全日制": "part-time", "full-time": "full-time", "全日制": "full-time"]
            guard let kind = kinds[contract] else { throw CLIError(.notAContract(contract)) }
            fields["contract"] = .text(kind)
        }
        if let start { fields["contract_start"] = .date(try DateInput.parse(start)) }
        if let end { fields["contract_end"] = .date(try DateInput.parse(end)) }
        if case .date(let s)? = fields["contract_start"], case .date(let e)? = fields["contract_end"], e < s {
            throw CLIError(.contractEndsBeforeStart(end: e, start: s))
        }
        return fields
    }
}

extension ParticipantCommand {
    struct Add: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: Say.words.abstract(.participantAdd),
            discussion: Say.words.discussion(.participantAdd)) }

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp(Say.words.help(.name))) var name: String
        @Option(help: ArgumentHelp(Say.words.help(.cert), valueName: "number"))
        var cert: String
        @OptionGroup var contract: ContractOptions

        func run() throws {
            let ws = try Workspace(global)
            let certificate: CertificateNumber
            do { certificate = try CertificateNumber(validating: cert) } catch { throw CLIError(error) }
            let key = RecordKey(collection: .participants, id: try ws.store.personKeys().participant(org: try ws.staffOrg(), certificate: certificate))
            var fields = try contract.fields()
            guard fields["contract_start"] != nil else {
                throw CLIError(.needsStart)
            }
            fields["name"] = .text(name)
            fields["cert"] = .text(certificate.text)
            fields["contract"] = fields["contract"] ?? .text("part-time")
            fields["active"] = .bool(true)
            do { try Schema.validateNewRecord(key, fields: fields) } catch { throw CLIError(error) }
            try ws.write { tx in
                if try tx.record(key) != nil {
                    throw CLIError(.alreadyRegistered(certificate: Ledger.show(certificate, reveal: false)))
                }
                for (field, value) in fields.sorted(by: { $0.key < $1.key }) { try tx.set(key, field, value) }
            }
            try ws.revealed([key.id])
            if global.json {
                try Output.json(ParticipantRow(Participant(key: key, record: try ws.store.record(key)!)!, ws))
            } else {
                // Category and level are what the mask hides (PIPL art. 28): said only with --reveal.
                let detail = global.reveal ? ", \(certificate.category.chinese) \(certificate.level)级" : ""
                print(say(.registered(name: name, certificate: ws.show(certificate), detail: detail)))
            }
        }
    }

    struct List: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.participantList)) }
        @OptionGroup var global: GlobalOptions
        @Flag(help: ArgumentHelp(Say.words.help(.allParticipants))) var all = false

        func run() throws {
            let ws = try Workspace(global)
            let everyone = Directory(org: ws.org, state: try ws.state([.participants])).participants
            let rows = everyone.filter { all || $0.active }.map { ParticipantRow($0, ws) }
            try ws.revealed(rows.map(\.id))
            if global.json { return try Output.json(rows) }
            Output.table(["姓名 name", "残疾人证号 certificate", "类别 category", "等级 level", "合同 contract", "开始 start", "结束 end", "在册 active"],
                         rows.map { [$0.name, $0.certificate, $0.category, $0.level.map(String.init) ?? ($0.category == ParticipantRow.masked ? "**" : ""), say(.contractKind($0.contract)), $0.contractStart ?? "", $0.contractEnd ?? "", say(.yes($0.active))] },
                         empty: say(everyone.isEmpty ? .noParticipants : .noActiveParticipants(inactive: everyone.count)), optional: [2, 3, 1])
        }
    }

    struct Show: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.participantShow)) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(Say.words.help(.participantRef))) var ref: String

        func run() throws {
            let ws = try Workspace(global)
            let ledger = try ws.ledger(days: nil)
            let p = try Directory(org: ws.org, state: ledger.state).find(ref)
            let row = ParticipantRow(p, ws)
            let days = ledger.days(.hours, .init(participant: p.key.id), reveal: global.reveal)
            let months = Dictionary(grouping: days, by: { String($0.date.prefix(7)) }).map { month, days in
                MonthSummary(month: month, days: days.filter { ($0.minutes ?? 0) > 0 }.count,
                             minutes: days.reduce(0) { $0 + ($1.minutes ?? 0) })
            }.sorted { $0.month > $1.month }
            try ws.revealed([p.key.id])
            if global.json { return try Output.json(ParticipantDetail(participant: row, months: months)) }
            // Labels headed like columns: Chinese alone unless --wide.
            let labels = Output.narrowed(["姓名 name", "残疾人证号 certificate", "类别 category", "等级 level", "合同 contract", "开始 start",
                                          "结束 end", "在册 active", "编号 id"], [], optional: []).headers
            let values = [row.name, row.certificate, row.category, row.level.map(String.init) ?? (row.category == ParticipantRow.masked ? "**" : ""),
                          say(.contractKind(row.contract)), row.contractStart ?? "", row.contractEnd ?? "", say(.yes(row.active)), row.id]
            print(Output.render(Output.narrowed(["项目 field", "内容 value"], [], optional: []).headers, zip(labels, values).map { [$0, $1] }), terminator: "")
            if !months.isEmpty {
                print()
                Output.table(["月份 month", "天数 days", "工时 hours"], months.map { [$0.month, String($0.days), Quantity.hours($0.minutes)] })
            }
        }
    }

    struct Edit: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.participantEdit)) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(Say.words.help(.participantRef))) var ref: String
        @Option(help: ArgumentHelp(Say.words.help(.newName))) var name: String?
        @Option(help: ArgumentHelp(Say.words.help(.newCert))) var cert: String?
        @OptionGroup var contract: ContractOptions

        func run() throws {
            let ws = try Workspace(global)
            let p = try Directory(org: ws.org, state: try ws.state([.participants])).find(ref)
            var fields = try contract.fields()
            if let name { fields["name"] = .text(name) }
            if let cert {
                do { fields["cert"] = .text(try CertificateNumber(validating: cert).text) } catch { throw CLIError(error) }
            }
            guard !fields.isEmpty else { throw CLIError(.nothingToChange) }
            let written = try ws.write { tx in
                for (field, value) in fields.sorted(by: { $0.key < $1.key }) { try tx.set(p.key, field, value) }
            }
            if global.json { return try Output.json(["changed_fields": written.map(\.field)]) }
            print(say(.participantChanged(who: ws.who(p), fields: written.map(\.field))))
        }
    }

    struct Deactivate: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.participantDeactivate)) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(Say.words.help(.participantRef))) var ref: String
        func run() throws { try setActive(global, ref, false) }
    }

    struct Activate: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.participantActivate)) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(Say.words.help(.participantRef))) var ref: String
        func run() throws { try setActive(global, ref, true) }
    }
}

private func setActive(_ global: GlobalOptions, _ ref: String, _ active: Bool) throws {
    let ws = try Workspace(global)
    let p = try Directory(org: ws.org, state: try ws.state([.participants])).find(ref)
    try ws.write { tx in try tx.set(p.key, "active", .bool(active)) }
    if global.json { return try Output.json(["id": p.key.id, "active": active ? "true" : "false"]) }
    print(say(.nowActive(who: ws.who(p), active: active)))
}

struct ParticipantRow: Encodable {
    let id: String
    let name: String
    let certificate: String
    let category: String
    let level: Int?
    let contract: String
    let contractStart: String?
    let contractEnd: String?
    let active: Bool

    /// A masked category, as the certificate's mask shows its hidden digits.
    static let masked = "**"

    init(_ p: Participant, _ ws: Workspace) {
        id = p.key.id
        name = p.name ?? ""
        certificate = ws.show(p.certificate)
        // Category and level are what the mask hides: shown (and exported) only with --reveal.
        category = ws.options.reveal ? p.certificate?.category.chinese ?? "" : (p.certificate == nil ? "" : Self.masked)
        level = ws.options.reveal ? p.certificate?.level : nil
        contract = p.contract ?? ""
        contractStart = p.contractStart?.description
        contractEnd = p.contractEnd?.description
        active = p.active
    }
}

struct MonthSummary: Encodable {
    let month: String
    let days: Int
    let minutes: Int64
}

struct ParticipantDetail: Encodable {
    let participant: ParticipantRow
    let months: [MonthSummary]
}
