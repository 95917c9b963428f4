import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncStore

/// The kinds of sheet `import` reads and `export` writes, and their columns.
enum SheetKind: String, ExpressibleByArgument, CaseIterable {
    case participants, hours, lunches

    /// Column names as `export` writes them (and `import --template` prints them).
    var headers: [String] {
        switch self {
        case .participants: ["姓名", "残疾人证号", "合同", "合同开始", "合同结束", "在册"]
        case .hours: ["姓名", "残疾人证号", "日期", "工时", "劳动项目", "备注"]
        case .lunches: ["姓名", "残疾人证号", "日期", "金额", "备注"]
        }
    }

    /// The columns a sheet must have (beyond a name or certificate number).
    var required: [String] {
        switch self {
        case .participants: ["name", "cert"]
        case .hours: ["date", "hours"]
        case .lunches: ["date", "amount"]
        }
    }

    /// Header words, Chinese and English, to canonical column names.
    static let columns: [String: String] = [
        "姓名": "name", "name": "name",
        "残疾人证号": "cert", "残疾证号": "cert", "证号": "cert", "cert": "cert", "certificate": "cert",
        "合同": "contract", "合同类型": "contract", "contract": "contract",
        "合同开始": "start", "开始日期": "start", "contract_start": "start", "start": "start",
        "合同结束": "end", "结束日期": "end", "contract_end": "end", "end": "end",
        "在册": "active", "active": "active",
        "日期": "date", "工作日期": "date", "date": "date",
        "工时": "hours", "小时": "hours", "时长": "hours", "hours": "hours",
        "分钟": "minutes", "minutes": "minutes",
        "劳动项目": "project", "项目": "project", "project": "project",
        "备注": "note", "note": "note",
        "金额": "amount", "午餐费": "amount", "午餐补贴": "amount", "amount": "amount",
    ]

    /// `工时（小时）` and ` Hours ` both name `hours`.
    static func column(_ header: String) -> String? {
        var h = header.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if let cut = h.firstIndex(where: { $0 == "(" || $0 == "（" }) { h = String(h[..<cut]).trimmingCharacters(in: .whitespaces) }
        return columns[h]
    }
}

struct Import: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Say.words.abstract(.importSheet),
        discussion: Say.words.discussion(.importSheet)) }

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(Say.words.help(.csvFile))) var file: String?
    @Option(help: ArgumentHelp(Say.words.help(.importKind))) var kind: SheetKind?
    @Option(help: ArgumentHelp(Say.words.help(.template), valueName: "kind")) var template: SheetKind?

    func validate() throws {
        if template != nil { return }
        guard file != nil else { throw ValidationError(say(.giveFileOrTemplate)) }
        guard kind != nil else { throw ValidationError(say(.giveImportKind)) }
    }

    func run() throws {
        if let template {
            print(CSV.byteOrderMark + CSV.encode([template.headers]), terminator: "")
            return
        }
        guard let file, let kind else { return }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw CLIError(.cannotRead(file, reason: error.localizedDescription))
        }
        let ws = try Workspace(global)
        let sheet = try Sheet(CSV.decode(data), kind: kind)
        let plan = try ImportPlan(sheet: sheet, ws: ws)
        guard plan.problems.isEmpty else {
            throw CLIError(.badRows(file, rows: plan.problems.map { ($0.line, $0.message) }))
        }
        let ops = try ws.write { tx in try plan.apply(&tx) }
        if global.json {
            return try Output.json(["kind": kind.rawValue, "rows": String(plan.rowCount), "ops_written": String(ops.count)])
        }
        print(say(.imported(rows: plan.rowCount, kind: kind.rawValue, file: file, changes: ops.count)))
    }
}

/// A CSV file read into canonical columns.
struct Sheet {
    let kind: SheetKind
    let columns: [String: Int]
    let rows: [CSV.Row]

    init(_ text: String, kind: SheetKind) throws {
        let all = CSV.parse(text)
        guard let header = all.first else { throw CLIError(.emptyFile(kind: kind.rawValue)) }
        var columns = [String: Int]()
        for (i, cell) in header.fields.enumerated() {
            if let name = SheetKind.column(cell), columns[name] == nil { columns[name] = i }
        }
        let missing = kind.required.filter { name in
            columns[name] == nil && !(name == "hours" && columns["minutes"] != nil)
        }
        guard missing.isEmpty else {
            throw CLIError(.missingColumns(missing, expected: kind.headers))
        }
        if kind != .participants, columns["name"] == nil, columns["cert"] == nil {
            throw CLIError(.needsWhoColumn)
        }
        self.kind = kind
        self.columns = columns
        rows = Array(all.dropFirst())
    }

    func value(_ row: CSV.Row, _ column: String) -> String? {
        guard let i = columns[column], i < row.fields.count else { return nil }
        // `="31011219850620246061"` is how an export keeps a number text for Excel: read the number.
        let v = CSV.plain(row.fields[i].trimmingCharacters(in: .whitespaces))
        return v.isEmpty ? nil : v
    }
}

/// Every row checked before anything is written: the writes, or every problem by line.
struct ImportPlan {
    struct Problem { let line: Int; let message: String }

    var problems = [Problem]()
    var participantWrites = [(key: RecordKey, fields: [(String, Value)])]()
    var dayWrites = [DayWrite]()
    var rowCount = 0

    init(sheet: Sheet, ws: Workspace) throws {
        let directory = Directory(org: ws.org, state: try ws.state([.participants, .orgs]))
        let orgState = sheet.kind == .lunches ? try ws.state([.orgs]) : MergedState()
        var seen = [String: Int]()
        var refs = [String: Participant]()
        let today = DateInput.today()
        let personKeys = try ws.store.personKeys()
        for row in sheet.rows {
            rowCount += 1
            do {
                switch sheet.kind {
                case .participants:
                    let write = try Self.participant(row, sheet, org: try ws.staffOrg(), keys: personKeys)
                    if let first = seen[write.key.id] { throw CLIError(.samePersonAsLine(first)) }
                    seen[write.key.id] = row.line
                    participantWrites.append(write)
                case .hours, .lunches:
                    let name = sheet.value(row, "name")
                    let ref = sheet.value(row, "cert") ?? name ?? ""
                    let cacheKey = ref + "\u{0}" + (name ?? "")
                    let p: Participant
                    if let cached = refs[cacheKey] { p = cached } else {
                        p = try directory.find(ref, name: name)
                        refs[cacheKey] = p
                    }
                    guard let dateText = sheet.value(row, "date") else { throw CLIError(.noDate) }
                    let date = try DateInput.cell(dateText)
                    // A day still to come is no record of work (days outside a contract are flagged for review instead:
                    // an import of past months may hold people who have left since).
                    if date > today { throw CLIError(.afterToday(date: date, today: today)) }
                    let write = try Self.day(row, sheet, p, date, ws: ws, orgState: orgState)
                    if let first = seen[write.key.id] { throw CLIError(.dayOnLine(name: p.name ?? ref, date: date, line: first)) }
                    seen[write.key.id] = row.line
                    dayWrites.append(write)
                }
            } catch let error as CLIError {
                problems.append(Problem(line: row.line, message: error.message))
            }
        }
    }

    func apply(_ tx: inout Transaction) throws {
        for write in participantWrites {
            for (field, value) in write.fields { try tx.set(write.key, field, value) }
        }
        for write in dayWrites { try write.apply(&tx) }
    }

    static func participant(_ row: CSV.Row, _ sheet: Sheet, org: String, keys: PersonKeys) throws -> (key: RecordKey, fields: [(String, Value)]) {
        guard let name = sheet.value(row, "name") else { throw CLIError(.noName) }
        guard let certText = sheet.value(row, "cert") else { throw CLIError(.noCertificateNumber) }
        if certText.contains("*") { throw CLIError(.maskedCertificate(certText)) }
        let cert: CertificateNumber
        do { cert = try CertificateNumber(validating: certText) } catch { throw CLIError(error) }
        return (RecordKey(collection: .participants, id: keys.participant(org: org, certificate: cert)), try fields(row, sheet, name, cert))
    }

    static func fields(_ row: CSV.Row, _ sheet: Sheet, _ name: String, _ cert: CertificateNumber) throws -> [(String, Value)] {
        var fields: [(String, Value)] = [("name", .text(name)), ("cert", .text(cert.text))]
        let contract = sheet.value(row, "contract") ?? "part-time"
        let kinds = ["part-time": "part-time", "非全日制": "part-time", "full-time": "full-time", "全日制": "full-time"]
        guard let kind = kinds[contract.lowercased()] else { throw CLIError(.notAContractCell(contract)) }
        fields.append(("contract", .text(kind)))
        for (column, field) in [("start", "contract_start"), ("end", "contract_end")] {
            if let text = sheet.value(row, column) {
                do { fields.append((field, .date(try DateInput.cell(text)))) } catch let error as CLIError { throw CLIError("\(field): \(error.message)") }
            }
        }
        let active = sheet.value(row, "active").map { ["是", "yes", "true", "1", "y"].contains($0.lowercased()) } ?? true
        fields.append(("active", .bool(active)))
        return fields
    }

    static func day(_ row: CSV.Row, _ sheet: Sheet, _ p: Participant, _ date: CivilDate, ws: Workspace, orgState: MergedState) throws -> DayWrite {
        let quantity: Int64
        if sheet.kind == .hours {
            if let text = sheet.value(row, "hours") {
                quantity = try HoursInput.parse(text)
            } else if let text = sheet.value(row, "minutes") {
                quantity = try HoursInput.parse(text + "m")
            } else { throw CLIError(.noHours) }
            guard (0...1440).contains(quantity) else { throw CLIError(.impossibleHours(Quantity.hours(quantity))) }
        } else if let text = sheet.value(row, "amount") {
            quantity = try MoneyInput.parse(text)
        } else if let rate = LunchRate.on(date, ws: ws, state: orgState) {
            quantity = rate
        } else { throw CLIError(.noAmount) }
        let note = sheet.value(row, "note"), project = sheet.kind == .hours ? sheet.value(row, "project") : nil
        for text in [note, project].compactMap({ $0 }) where text.count > Schema.maxTextLength {
            throw CLIError(.textTooLong(text.count, maximum: Schema.maxTextLength))
        }
        return DayWrite(kind: sheet.kind == .hours ? .hours : .lunches, participant: p, date: date, quantity: quantity, project: project, note: note)
    }
}

struct Export: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Say.words.abstract(.exportSheet),
        discussion: Say.words.discussion(.exportSheet)) }

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(Say.words.help(.exportKind))) var kind: SheetKind
    @Option(help: ArgumentHelp(Say.words.help(.exportMonth), valueName: "YYYY-MM")) var month: String?
    @Option(help: ArgumentHelp(Say.words.help(.exportFormat))) var format: ExportFormat = .csv
    @Option(name: .shortAndLong, help: ArgumentHelp(Say.words.help(.outputFile), valueName: "file")) var output: String?

    enum ExportFormat: String, ExpressibleByArgument { case csv, json }

    func run() throws {
        let ws = try Workspace(global)
        let month = try self.month.map(DateInput.month)
        let ledger = try month.map(ws.ledger(daysOf:)) ?? ws.ledger(days: nil)
        let text: String
        let format = global.json ? .json : self.format   // --json means JSON here as on every command
        switch kind {
        case .participants:
            let rows = Directory(org: ws.org, state: ledger.state).participants.map { ParticipantRow($0, ws) }
            try ws.revealed(rows.map(\.id))
            text = format == .json ? try Output.encode(rows) : CSV.byteOrderMark + CSV.encode([kind.headers] + rows.map {
                [$0.name, CSV.text($0.certificate), $0.contract, $0.contractStart ?? "", $0.contractEnd ?? "", $0.active ? "是" : "否"]
            })
        case .hours, .lunches:
            let rows = ledger.days(kind == .hours ? .hours : .lunches, .init(month: month), reveal: global.reveal)
            try ws.revealed(rows.map(\.participantId))
            // A district's export says whose each row is; a base's reads back with `import` as it is.
            let orgHeaders = ws.isDistrict ? ["机构 org", "机构名称 org name", "审核 review"] : []
            text = format == .json ? try Output.encode(rows) : CSV.byteOrderMark + CSV.encode([kind.headers + orgHeaders] + rows.map {
                (kind == .hours ? [$0.name, CSV.text($0.certificate), $0.date, $0.hours ?? "", $0.project ?? "", $0.note ?? ""]
                    : [$0.name, CSV.text($0.certificate), $0.date, $0.amount ?? "", $0.note ?? ""])
                    + (ws.isDistrict ? [$0.org, $0.orgName, $0.status.chinese] : [])
            })
        }
        if let output {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: output)) } catch {
                throw CLIError(.cannotWriteBecause(output, reason: error.localizedDescription))
            }
            FileHandle.standardError.write(Data((say(.wrote(output)) + "\n").utf8))
        } else {
            print(text, terminator: "")
        }
    }
}
