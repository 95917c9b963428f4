import ArgumentParser
import Foundation
import SunsyncClient
import SunsyncModel
import SunsyncProtocol
import SunsyncReports
import SunsyncStore

struct History: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Say.words.abstract(.history),
        discussion: Say.words.discussion(.history)) }
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(Say.words.help(.participantRef))) var ref: String
    @Argument(help: ArgumentHelp(Say.words.help(.onlyDay), valueName: "date")) var date: String?

    struct Line: Encodable {
        let time: String
        let opId: String
        let replica: String
        /// The device that wrote it, as the server names it (`laptop-a · MH-SB-001`).
        let device: String
        /// Whose key signed it: a device's name, `server`, `attested` (held before signatures began), or
        /// nil (not sent yet, or received before this laptop kept signatures).
        let signedBy: String?
        let record: String
        let date: String?
        let field: String
        let old: [String]
        let new: String
    }

    func run() throws {
        let ws = try Workspace(global)
        let p = try Directory(org: ws.org, state: try ws.state([.participants])).find(ref)
        let log: [LoggedOp]
        do {
            if let date {
                let day = NaturalKey.day(participant: p.key.id, date: try DateInput.parse(date))
                log = try ws.store.history(of: [RecordKey(collection: .hours, id: day), RecordKey(collection: .lunches, id: day)])
            } else {
                log = try ws.store.history(of: [p.key] + ws.store.dayRecords(of: p.key.id))
            }
        } catch let error as StoreError { throw CLIError(error) }
        let byID = Dictionary(log.map { ($0.op.id, $0.op) }, uniquingKeysWith: { first, _ in first })
        let names = ws.deviceNames
        let keyIDs = (try? ws.store.signingKeyIDs(of: log.map(\.op.id))) ?? [:]
        let directory = (try? ws.store.meta(SyncEngine.directoryKey)).flatMap { $0 }.flatMap { try? Wire.decoder().decode(DeviceDirectory.self, from: Data($0.utf8)) }
        let signers = Dictionary((directory?.keys ?? []).map { ($0.key, $0.signer) }, uniquingKeysWith: { a, _ in a })
        let lines = log.map { entry -> Line in
            let op = entry.op
            let old: [String] = op.pred.map { id in byID[id].map { Display.value($0.value, field: op.field) } ?? "?" }
            return Line(time: Display.time(op.id), opId: op.id.description, replica: op.id.replica.description,
                        device: names.label(op.id.replica), signedBy: keyIDs[op.id].map { signers[$0] ?? "key " + $0 }, record: op.collection.rawValue, date: (try? NaturalKey.parse(op.key))?.date?.description, field: op.field,
                        old: old,
                        new: Display.value(op.value, field: op.field))
        }
        try ws.revealed([p.key.id])
        if global.json { return try Output.json(lines) }
        print("\(p.name ?? ref) (\(ws.show(p.certificate)))")
        Output.table(["时间 time", "设备 device", "签名 signed by", "记录 record", "日期 date", "字段 field", "旧 → 新 old → new"],
                     lines.map { [$0.time, $0.device, Self.signed($0.signedBy), $0.record, $0.date ?? "", $0.field,
                                  ($0.old.isEmpty ? "" : $0.old.joined(separator: " | ") + " → ") + $0.new] },
                     empty: say(.noChanges))
    }

    static func signed(_ signer: String?) -> String {
        switch signer {
        case nil: "—"
        case Signing.server?: "服务器 server"
        case Signing.attested?: "升级前 before signing"
        case let name?: name
        }
    }
}

struct FlagsCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "flags",
        abstract: Say.words.abstract(.flags)) }
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(Say.words.help(.flagsMonth), valueName: "YYYY-MM")) var month: String?
    @Option(help: ArgumentHelp(Say.words.help(.flagsOrg), valueName: "code")) var org: String?

    /// A flag kind's Chinese label (the kind itself if unknown).
    static func label(_ kind: String) -> String { SunsyncModel.Flag.Kind(rawValue: kind)?.chinese ?? kind }

    func run() throws {
        let ws = try Workspace(global)
        let month = try self.month.map(DateInput.month)
        let ledger = try month.map(ws.ledger(month:)) ?? ws.ledger(days: nil)
        try ReportOrg.check(org, ledger)
        let started = ContinuousClock.now
        let lines = ledger.flagLines(month: month, org: org, names: ws.deviceNames, words: Say.words)
        Trace.log("flags", since: started)
        if global.json { return try Output.json(lines) }
        var headers = ["提示 flag", "类型 kind", "对象 who", "说明 detail", "设备 devices"]
        if ws.isDistrict { headers.insert("机构 org", at: 2) }
        Output.table(headers,
                     lines.map { line in
                         var cells = [Self.label(line.kind), line.kind, line.subject,
                                      line.message, line.devices.joined(separator: ", ")]
                         if ws.isDistrict { cells.insert(line.org, at: 2) }
                         return cells
                     },
                     empty: say(.noFlags(month: month)),
                     optional: ["类型 kind", "设备 devices"].compactMap { headers.firstIndex(of: $0) })
    }
}

struct Status: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.status)) }
    @OptionGroup var global: GlobalOptions

    struct Document: Encodable {
        let home: String
        let org: String?
        let orgName: String?
        let replica: String
        let participants: Int
        let hoursDays: Int
        let lunches: Int
        /// Days a reviewer rejected (hours and lunches, not deleted): to correct.
        let rejectedDays: Int
        let ops: Int
        let pendingOps: Int
        let rejectedOps: Int
        let server: String?
        let lastSync: String?
        let conflicts: Int
        let flags: Int
        /// The store's encryption: `SQLCipher <version>`, or nil for a store in the clear.
        let encryption: String?
        /// Whether other devices' changes may be shown with full numbers here (`--reveal`, recorded).
        let mayReveal: Bool
    }

    func run() throws {
        let ws = try Workspace(global)
        let ledger = try ws.ledger(days: nil)
        let started = ContinuousClock.now
        defer { Trace.log("counts and flags", since: started) }
        let counts: (ops: Int, pending: Int, rejected: Int)
        do { counts = try ws.store.counts() } catch { throw CLIError(error) }
        // What `hours list` and `lunch list` would list (of this laptop's org): the days not deleted.
        let days = ledger.entries.filter { day in !day.deleted && (ws.org.map { $0 == day.org } ?? true) }
        let doc = Document(home: Home(global).directory, org: ws.org, orgName: try? ws.store.meta("org_name"), replica: ws.store.replica.description,
                           participants: Directory(org: ws.org, state: ledger.state).participants.filter(\.active).count,
                           hoursDays: days.count { $0.key.collection == .hours }, lunches: days.count { $0.key.collection == .lunches },
                           rejectedDays: days.count { $0.review == .rejected },
                           ops: counts.ops, pendingOps: counts.pending, rejectedOps: counts.rejected,
                           server: (try? ws.store.meta("server")) ?? nil, lastSync: (try? ws.store.meta("last_sync")) ?? nil,
                           conflicts: ledger.state.conflicts.count + ledger.entries.reduce(0) { $0 + $1.conflictFields.count },
                           flags: ledger.flags.count,
                           encryption: ws.store.key == nil ? nil : Cipher.version.map { "SQLCipher " + $0 },
                           mayReveal: (try? ws.store.meta(Workspace.mayRevealKey)) == "true")
        if global.json { return try Output.json(doc) }
        let lastSync: String = doc.lastSync.map(Self.beijing) ?? say(.never)
        let encryption: String = doc.encryption.map { say(.encrypted($0)) } ?? say(.notEncrypted)
        let reveal: String = say(doc.mayReveal ? .revealAllowed : .revealNotAllowed)
        let lines: [(StatusItem, String)] = [
            (.organization, doc.org.map { "\($0) \(doc.orgName ?? "")" } ?? say(.reviewerOf(district: ws.district ?? "?"))), (.home, doc.home), (.laptop, doc.replica),
            (.participants, String(doc.participants)), (.hoursDays, String(doc.hoursDays)),
            (.lunches, String(doc.lunches)),
            (.rejectedDays, doc.rejectedDays == 0 ? "0" : say(.rejectedDays(doc.rejectedDays))),
            (.ops, String(doc.ops)),
            (.server, doc.server ?? say(.noServer)), (.lastSync, lastSync),
            (.pending, String(doc.pendingOps)), (.refused, doc.rejectedOps == 0 ? "0" : say(.refusedOps(doc.rejectedOps))),
            (.conflicts, String(doc.conflicts)), (.flags, String(doc.flags)),
            (.store, encryption), (.reveal, reveal),
        ]
        for (item, value) in lines {
            let label = say(.status(item))
            print(label + (Say.language == .zh ? "：" : ":") + String(repeating: " ", count: max(1, 25 - Output.displayWidth(label))) + value)
        }
    }

    /// A stored moment (ISO 8601, UTC) as people read it: Beijing time, as `history` shows times.
    static func beijing(_ iso: String) -> String {
        guard let date = try? Date(iso, strategy: .iso8601) else { return iso }
        return Display.time(millisecondsSince1970: Int64(date.timeIntervalSince1970 * 1000)) + " (\(say(.beijingTime)))"
    }
}
