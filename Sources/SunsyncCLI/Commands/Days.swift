import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncStore

/// What `hours` and `lunch` share: one record per participant and day.
enum DayKind {
    case hours, lunches

    var collection: CollectionName { self == .hours ? .hours : .lunches }
    var quantityField: String { self == .hours ? "minutes" : "amount" }
    /// As the catalog's messages name it.
    var day: Message.Day { self == .hours ? .hours : .lunch }

    func format(_ quantity: Int64) -> String { self == .hours ? Quantity.hours(quantity) : Quantity.yuan(quantity) }
}

/// Writes one day's hours or lunch; shared by the commands and `import`.
struct DayWrite {
    let kind: DayKind
    let participant: Participant
    let date: CivilDate
    let quantity: Int64
    var project: String?
    var note: String?

    var key: RecordKey { RecordKey(collection: kind.collection, id: NaturalKey.day(participant: participant.key.id, date: date)) }

    /// What is wrong with recording this day, in words, or nil: a day after today (Shanghai time), a
    /// participant marked no longer active, a day outside the contract. Reviewers see the first and the
    /// last flagged (future_date, outside_contract) if it is recorded all the same (`EntryEscape`).
    func doubts(today: CivilDate) -> [String] {
        var doubts = [String]()
        let name = participant.name ?? participant.key.id
        if date > today { doubts.append(say(.afterToday(date: date, today: today))) }
        if !participant.active { doubts.append(say(.noLongerActive(name: name))) }
        if !participant.contractCovers(date) {
            doubts.append(say(.outsideContract(date: date, name: name, start: participant.contractStart, end: participant.contractEnd)))
        }
        return doubts
    }

    func apply(_ tx: inout Transaction) throws {
        if !participant.isWhole {
            throw CLIError(.notRegisteredWhole(name: participant.name ?? participant.key.id, missing: participant.missingForWhole))
        }
        if try tx.current(key, "deleted").first?.value == .bool(true) { try tx.set(key, "deleted", .bool(false)) }
        try tx.set(key, kind.quantityField, .integer(quantity))
        if let project { try tx.set(key, "project", project.isEmpty ? .null : .text(project)) }
        if let note { try tx.set(key, "note", note.isEmpty ? .null : .text(note)) }
    }
}

/// The deliberate way past `DayWrite.doubts`.
struct EntryEscape: ParsableArguments {
    @Flag(help: ArgumentHelp(Say.words.help(.anyway)))
    var anyway = false
    @Option(help: ArgumentHelp(Say.words.help(.reason), valueName: "text"))
    var reason: String?

    /// `write` as it may be recorded: refused with its doubts, or let through with the reason as its note.
    func check(_ write: DayWrite, today: CivilDate = DateInput.today()) throws -> DayWrite {
        let doubts = write.doubts(today: today)
        guard !doubts.isEmpty else {
            if anyway { throw CLIError(.anywayNotNeeded) }
            return write
        }
        guard anyway else {
            throw CLIError(.notRecorded(doubts: doubts))
        }
        guard let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else {
            throw CLIError(.anywayNeedsReason(doubts: doubts))
        }
        var write = write
        write.note = [write.note, "（\(reason)）"].compactMap { $0 }.joined(separator: " ")
        return write
    }
}

/// The arguments every day command starts with.
struct DayTarget: ParsableArguments {
    @Argument(help: ArgumentHelp(Say.words.help(.who))) var ref: String
    @Argument(help: ArgumentHelp(Say.words.help(.day), valueName: "date")) var date: String
}

struct DayListOptions: ParsableArguments {
    @Option(help: ArgumentHelp(Say.words.help(.onlyMonth), valueName: "YYYY-MM")) var month: String?
    @Option(help: ArgumentHelp(Say.words.help(.onlyParticipant), valueName: "ref")) var participant: String?
    @Flag(help: ArgumentHelp(Say.words.help(.includeDeleted))) var includeDeleted = false
}

enum DayCommands {
    static func clear(_ kind: DayKind, _ global: GlobalOptions, _ target: DayTarget) throws {
        let ws = try Workspace(global)
        let p = try Directory(org: ws.org, state: try ws.state([.participants])).find(target.ref)
        let date = try DateInput.parse(target.date)
        let key = RecordKey(collection: kind.collection, id: NaturalKey.day(participant: p.key.id, date: date))
        try ws.write { tx in
            guard let record = try tx.record(key), !record.isDeleted else {
                throw CLIError(.nothingToClear(kind.day, name: p.name ?? target.ref, date: date))
            }
            try tx.set(key, "deleted", .bool(true))
        }
        if global.json { return try Output.json(["id": key.id, "deleted": "true"]) }
        print(say(.dayCleared(kind.day, who: ws.who(p), date: date)))
    }

    static func list(_ kind: DayKind, _ global: GlobalOptions, _ options: DayListOptions) throws {
        let ws = try Workspace(global)
        let month = try options.month.map(DateInput.month)
        let ledger = try month.map(ws.ledger(month:)) ?? ws.ledger(days: nil)
        let participant = try options.participant.map { try Directory(org: ws.org, state: ledger.state).find($0).key.id }
        let rows = ledger.days(kind.collection, .init(month: month, participant: participant, includeDeleted: options.includeDeleted),
                                         reveal: global.reveal)
        try ws.revealed(rows.map(\.participantId))
        if global.json { return print(DayLine.json(rows), terminator: "") }
        var headers = kind == .hours
            ? ["日期 date", "姓名 name", "残疾人证号 certificate", "工时 hours", "劳动项目 project", "备注 note", "审核 review"]
            : ["日期 date", "姓名 name", "残疾人证号 certificate", "金额 yuan", "备注 note", "审核 review"]
        if ws.isDistrict { headers.insert("机构 org", at: 1) }
        // Narrowed to the terminal, these go first.
        let optional = ["残疾人证号 certificate", "备注 note", "劳动项目 project"].compactMap { headers.firstIndex(of: $0) }
        Output.table(headers,
                     rows.map { row in
                         var cells = kind == .hours
                             ? [row.date, row.name, row.certificate, row.hours ?? "", row.project ?? "", row.note ?? "", reviewCell(row)]
                             : [row.date, row.name, row.certificate, row.amount ?? "", row.note ?? "", reviewCell(row)]
                         if ws.isDistrict { cells.insert("\(row.org) \(row.orgName)", at: 1) }
                         return cells
                     },
                     empty: say(.noDays(kind.day, month: month)), optional: optional)
        if !rows.isEmpty {
            let total = rows.reduce(Int64(0)) { $0 + $1.quantity }
            let rejected = rows.filter { $0.status == .rejected }.count
            print(say(.daysTotal(kind.day, count: rows.count, total: kind.format(total), rejected: rejected)))
        }
    }

    /// 待审核 / 已通过 / 已退回 with the reviewer's reason, and marks for a conflict or a deletion.
    static func reviewCell(_ row: DayLine) -> String {
        var cell = row.status.chinese
        if row.status == .rejected, let note = row.reviewNote { cell += ": " + note }
        if row.changedAfterApproval { cell += " (changed after approval)" }
        if row.conflict, row.reviewersDisagree, !row.contentConflict {
            cell += " ⚠审核意见冲突 reviewers disagree (a reviewer's next decision settles it)"
        } else if row.conflict {
            cell += " ⚠冲突 conflict"
        }
        if row.deleted { cell += " (deleted)" }
        return cell
    }
}

struct HoursCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "hours", abstract: Say.words.abstract(.hours),
        subcommands: [Set.self, Clear.self, List.self]) }

    struct Set: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: Say.words.abstract(.hoursSet),
            discussion: Say.words.discussion(.hoursSet)) }
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: DayTarget
        @Argument(help: ArgumentHelp(Say.words.help(.hoursWorked), valueName: "hours")) var hours: String
        @Option(help: ArgumentHelp(Say.words.help(.project))) var project: String?
        @Option(help: ArgumentHelp(Say.words.help(.note))) var note: String?
        @OptionGroup var escape: EntryEscape

        func run() throws {
            let minutes = try HoursInput.parse(hours)
            let ws = try Workspace(global)
            let p = try Directory(org: ws.org, state: try ws.state([.participants])).find(target.ref)
            let write = try escape.check(DayWrite(kind: .hours, participant: p, date: try DateInput.parse(target.date), quantity: minutes,
                                                  project: project, note: note))
            let ops = try ws.write { tx in try write.apply(&tx) }
            if global.json { return try Output.json(["id": write.key.id, "minutes": String(minutes), "ops_written": String(ops.count)]) }
            print(say(.hoursRecorded(who: ws.who(p), date: write.date, hours: Quantity.hours(minutes), unchanged: ops.isEmpty)))
        }
    }

    struct Clear: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.hoursClear)) }
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: DayTarget
        func run() throws { try DayCommands.clear(.hours, global, target) }
    }

    struct List: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.hoursList)) }
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: DayListOptions
        func run() throws { try DayCommands.list(.hours, global, options) }
    }
}

struct LunchCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "lunch", abstract: Say.words.abstract(.lunch),
        subcommands: [Set.self, Clear.self, List.self]) }

    struct Set: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: Say.words.abstract(.lunchSet),
            discussion: Say.words.discussion(.lunchSet)) }
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: DayTarget
        @Option(help: ArgumentHelp(Say.words.help(.amount), valueName: "yuan")) var amount: String?
        @Option(help: ArgumentHelp(Say.words.help(.note))) var note: String?
        @OptionGroup var escape: EntryEscape

        func run() throws {
            let ws = try Workspace(global)
            let state = try ws.state([.participants, .orgs])
            let p = try Directory(org: ws.org, state: state).find(target.ref)
            let date = try DateInput.parse(target.date)
            let fen: Int64
            if let amount {
                fen = try MoneyInput.parse(amount)
            } else if let rate = LunchRate.on(date, ws: ws, state: state) {
                fen = rate
            } else {
                throw CLIError(.lunchRateUnknown)
            }
            let write = try escape.check(DayWrite(kind: .lunches, participant: p, date: date, quantity: fen, note: note))
            let ops = try ws.write { tx in try write.apply(&tx) }
            if global.json { return try Output.json(["id": write.key.id, "amount_fen": String(fen), "ops_written": String(ops.count)]) }
            print(say(.lunchRecorded(who: ws.who(p), date: date, yuan: Quantity.yuan(fen), unchanged: ops.isEmpty)))
        }
    }

    struct Clear: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.lunchClear)) }
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: DayTarget
        func run() throws { try DayCommands.clear(.lunches, global, target) }
    }

    struct List: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.lunchList)) }
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: DayListOptions
        func run() throws { try DayCommands.list(.lunches, global, options) }
    }
}

enum LunchRate {
    /// The rate the server's rules hold for `date`, else the org record's, else the rate given at `init`.
    static func on(_ date: CivilDate, ws: Workspace, state: MergedState) -> Int64? {
        if let code = ws.org, let rate = ws.settings.rules.lunchRate(org: code, on: date) { return rate }
        if let code = ws.org, let record = state[RecordKey(collection: .orgs, id: code)],
           let org = Organization(key: RecordKey(collection: .orgs, id: code), record: record),
           let rate = org.lunchRate(on: date) {
            return rate
        }
        return (try? ws.store.meta("lunch_rate")).flatMap { $0.flatMap { Int64($0) } }
    }
}
