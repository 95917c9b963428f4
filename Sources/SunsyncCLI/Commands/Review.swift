import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncStore

/// `sunsync review`: the district federation's (区残联) decisions on hours and lunches, made offline on a
/// reviewer's laptop. A decision is an op on the record's `review` field naming the content it judged;
/// it reaches the bases at the next sync, and any later edit of the record puts it back to review.
struct ReviewCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "review",
        abstract: Say.words.abstract(.review),
        discussion: Say.words.discussion(.review),
        subcommands: [List.self, Show.self, Approve.self, Reject.self]) }

    enum StatusChoice: String, ExpressibleByArgument, CaseIterable {
        case needsReview = "needs-review", approved, rejected
        var status: ReviewStatus { switch self { case .needsReview: .needsReview; case .approved: .approved; case .rejected: .rejected } }
    }

    struct List: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: Say.words.abstract(.reviewList),
            discussion: Say.words.discussion(.reviewList)) }
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp(Say.words.help(.onlyOrg), valueName: "code")) var org: String?
        @Option(help: ArgumentHelp(Say.words.help(.onlyMonth), valueName: "YYYY-MM")) var month: String?
        @Option(help: ArgumentHelp(Say.words.help(.reviewStatus), valueName: "status")) var status: StatusChoice?
        @Flag(help: ArgumentHelp(Say.words.help(.flaggedOnly))) var flagged = false

        func run() throws {
            let ws = try Workspace(global)
            let month = try self.month.map(DateInput.month)
            var started = ContinuousClock.now
            // The ledger (a district's month of entries) lives only while the lines are made, and the lines
            // only until they are cells: a district's month then needs no more memory than the largest step.
            var rows = try {
                let ledger = try month.map(ws.ledger(month:)) ?? ws.ledger(days: nil)
                try ReportOrg.check(org, ledger)
                return ledger.reviewList(.init(month: month, org: org, status: status?.status, flagged: flagged), reveal: global.reveal)
            }()
            try ws.revealed(rows.map(\.participantId))
            Trace.log("review list: \(rows.count) lines", since: started)
            started = ContinuousClock.now
            defer { Trace.log("review list: output", since: started) }
            if global.json { return print(DayLine.json(rows), terminator: "") }
            var count = [String: Int]()
            for i in rows.indices { count[rows[i].review, default: 0] += 1 }
            let summary = "\(rows.count) records: \(count["approved"] ?? 0) 已通过 approved, \(count["needs_review"] ?? 0) 待审核 to review, "
                + "\(count["rejected"] ?? 0) 已退回 rejected"
            let cells = rows.map { row in
                [row.reviewId, row.org, row.name, row.certificate, row.date,
                 row.collection == "hours" ? ReviewCommand.hours(row.hours) : "午餐 \(row.amount ?? "") yuan",
                 DayCommands.reviewCell(row),
                 (row.flags.map { FlagsCommand.label($0) } + (row.conflict && !row.flags.contains("conflict") ? ["冲突"] : [])).joined(separator: ", ")]
            }
            rows = []
            Output.table(["编号 id", "机构 org", "姓名 name", "残疾人证号 certificate", "日期 date", "工时/午餐 value", "审核 review", "提示 flags"], cells,
                         empty: say(.nothingToList(month: month, org: org)), optional: [3, 1])
            if count.isEmpty { return }
            print(summary)
            if count.values.reduce(0, +) > 500, org == nil || month == nil || !flagged {
                print(say(.longList))
            }
        }
    }

    /// Hours with their unit: `6.8 h`, and `2h23m` as it is (it says its units).
    static func hours(_ text: String?) -> String {
        guard let text else { return "" }
        return text.hasSuffix("m") ? text : text + " h"
    }

    struct Show: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: Say.words.abstract(.reviewShow)) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(Say.words.help(.recordID))) var id: String

        func run() throws {
            let ws = try Workspace(global)
            let found = try ReviewTarget.find([id], ws)
            guard let (key, ledger) = found.first, let line = ledger.line(key, reveal: global.reveal) else { return }
            try ws.revealed([line.participantId])
            let log: [LoggedOp], record: RecordState?
            do { (log, record) = (try ws.store.history(of: [key]), try ws.store.record(key)) } catch { throw CLIError(error) }
            let names = ws.deviceNames
            let flags = (ledger.flagsByRecord[key] ?? []).map { "\(FlagsCommand.label($0.kind.rawValue)) \($0.kind.rawValue): \(Say.words.flag($0.reason))" }
            let conflicts = record.map { Ledger.conflictLines($0, names: names) } ?? []
            let history = ChangeLine.history(log.map(\.op), names: names)
            if global.json {
                struct Document: Encodable { let record: DayLine; let flags: [String]; let conflicts: [String]; let history: [ChangeLine] }
                return try Output.json(Document(record: line, flags: flags, conflicts: conflicts, history: history))
            }
            print("\(line.reviewId)  \(line.collection == "hours" ? "工时 hours" : "午餐 lunch")  \(line.org) \(line.orgName)")
            print("  \(line.name) \(line.certificate)  \(line.date)  "
                  + (line.collection == "hours" ? "\(ReviewCommand.hours(line.hours))\(line.project.map { "  劳动项目 " + $0 } ?? "")" : "\(line.amount ?? "") yuan")
                  + (line.note.map { "  备注 " + $0 } ?? "") + (line.deleted ? "  (deleted)" : ""))
            print("  审核 review: \(DayCommands.reviewCell(line))")
            for flag in flags { print("  提示 flag: \(flag)") }
            for conflict in conflicts { print("  冲突 conflict: \(conflict)") }
            print("\nHistory:")
            Output.table(["时间 time", "设备 device", "字段 field", "值 value"], history.map { [$0.time, $0.device, $0.field, $0.value] })
        }
    }

    struct Approve: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: Say.words.abstract(.reviewApprove),
            discussion: Say.words.discussion(.reviewApprove)) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(Say.words.help(.recordIDs))) var ids: [String] = []
        @Option(help: ArgumentHelp(Say.words.help(.wholeOrgMonth), valueName: "code")) var org: String?
        @Option(help: ArgumentHelp(Say.words.help(.monthWithOrg), valueName: "YYYY-MM")) var month: String?
        @Flag(help: ArgumentHelp(Say.words.help(.unflagged))) var unflagged = false
        @Option(help: ArgumentHelp(Say.words.help(.decisionNote))) var note: String?

        func validate() throws {
            if ids.isEmpty {
                guard org != nil, month != nil else {
                    throw ValidationError(say(.idsOrOrgMonth(verb: "approve")))
                }
            } else if org != nil || month != nil || unflagged {
                throw ValidationError(say(.idsOrOrgMonthNotBoth))
            }
        }

        func run() throws {
            let ws = try Workspace(global)
            _ = try ws.reviewer()
            var targets = [(key: RecordKey, ledger: Ledger)]()
            var skipped = [(id: String, why: String)]()
            if let org, let month {
                let month = try DateInput.month(month)
                let ledger = try ws.ledger(month: month)
                try ReportOrg.check(org, ledger)
                let plan = ledger.monthApproval(org: org, month: month, unflagged: unflagged)
                targets = plan.targets.map { ($0.key, ledger) }
                skipped = plan.skipped
            } else {
                targets = try ReviewTarget.find(ids, ws)
            }
            try ReviewTarget.decide(.approved, targets, note: note, ws: ws, skipped: &skipped)
        }
    }

    struct Reject: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: Say.words.abstract(.reviewReject),
            discussion: Say.words.discussion(.reviewReject)) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(Say.words.help(.recordIDs))) var ids: [String]
        @Option(help: ArgumentHelp(Say.words.help(.rejectReason))) var reason: String

        func validate() throws {
            guard !reason.allSatisfy(\.isWhitespace) else { throw ValidationError(say(.rejectNeedsReason)) }
            guard !ids.isEmpty else { throw ValidationError(say(.rejectNeedsIds)) }
        }

        func run() throws {
            let ws = try Workspace(global)
            _ = try ws.reviewer()
            var skipped = [(id: String, why: String)]()
            try ReviewTarget.decide(.rejected, try ReviewTarget.find(ids, ws), note: reason, ws: ws, skipped: &skipped)
        }
    }
}

/// Finding the records a reviewer names, and writing decisions on them.
enum ReviewTarget {
    /// Each id's record, read with the month it falls in. Refuses the whole command on an id that is not
    /// one, or names no record here.
    static func find(_ ids: [String], _ ws: Workspace) throws -> [(key: RecordKey, ledger: Ledger)] {
        var ledgers = [String: Ledger]()
        return try ids.map { id in
            let key: RecordKey
            let date: CivilDate
            if let ref = ReviewRef.parse(id) {
                (key, date) = (RecordKey(collection: ref.collection, id: ""), ref.date)
            } else if let full = RecordKey(id), full.collection == .hours || full.collection == .lunches,
                      let d = (try? NaturalKey.parse(full))?.date {
                (key, date) = (full, d)
            } else {
                throw CLIError(.notARecordID(id))
            }
            let month = date.monthKey
            let ledger = try ledgers[month] ?? ws.ledger(month: month)
            ledgers[month] = ledger
            let matches = key.id.isEmpty ? ledger.keys(matching: id) : ledger.entry(key) == nil ? [] : [key]
            guard matches.count == 1 else {
                throw CLIError(matches.isEmpty ? "no record \(id) on this laptop; `sunsync review list --month \(month)` shows the ids (sync to receive new records)"
                                               : "\(id) matches \(matches.count) records; give the full id (`sunsync review list --json` shows `collection/id`)")
            }
            return (matches[0], ledger)
        }
    }

    /// Writes one decision per record in one transaction, naming the content version each record has now.
    static func decide(_ verdict: ReviewDecision.Verdict, _ targets: [(key: RecordKey, ledger: Ledger)], note: String?, ws: Workspace,
                       skipped: inout [(id: String, why: String)]) throws {
        final class Outcome { var decided = [RecordKey](); var skips = [(id: String, why: String)](); var already = 0 }
        let outcome = Outcome()
        outcome.skips = skipped
        do {
            try ws.store.write { tx in
                let (decided, skips) = try tx.decide(verdict, targets.map { ($0.key, nil) }, note: note)
                outcome.decided = decided
                outcome.already = skips.filter { if case .already = $0.why { true } else { false } }.count
                outcome.skips = skipped + skips.map { key, skip in
                    let id = ReviewRef.make(key)
                    return (id, Say.words.skip(skip) + (skip == .inConflict ? " (`sunsync review show \(id)`)" : ""))
                }
            }
        } catch { throw CLIError(error) }
        let decided = outcome.decided, skips = outcome.skips
        skipped = skips
        // Asked to decide and decided nothing, for reasons other than "already so": a script must see it.
        let refusedAll = decided.isEmpty && skips.count > outcome.already
        if ws.options.json {
            struct Answer: Encodable { let decided: [String]; let verdict: String; let skipped: [[String: String]] }
            try Output.json(Answer(decided: decided.map(ReviewRef.make), verdict: verdict.rawValue,
                                   skipped: skips.map { ["id": $0.id, "reason": $0.why] }))
        } else {
            print(say(.decided(approved: verdict == .approved, count: decided.count)))
            if !skips.isEmpty {
                print(say(.skipped(skips.count)))
                Output.table(["编号 id", "原因 why"], skips.map { [$0.id, $0.why] })
            }
        }
        if refusedAll {
            throw CLIError(.nothingDecided(approved: verdict == .approved))
        }
    }
}
