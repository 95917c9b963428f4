import Foundation
import Testing
import SunsyncModel
@testable import SunsyncReports

/// A tiny district written as ops: two orgs, one person at each, days in several review states.
struct District {
    var ops = [Op]()
    var ms: UInt64 = 1_709_510_400_000
    let replica = ReplicaID(0xA1)

    mutating func write(_ key: RecordKey, _ field: String, _ value: Value, pred: [OpID] = []) -> OpID {
        ms += 1
        let id = OpID(timestamp: Timestamp(milliseconds: ms, counter: 0), replica: replica)
        ops.append(Op(id: id, collection: key.collection, record: key.id, field: field, value: value, pred: pred))
        return id
    }

    mutating func org(_ code: String) {
        let key = RecordKey(collection: .orgs, id: code)
        _ = write(key, "name", .text("基地 \(code)"))
        _ = write(key, "kind", .text("sunshine-base"))
        _ = write(key, "district", .text("310112"))
    }

    static let personKeys = PersonKeys(secret: Array(repeating: 7, count: PersonKeys.secretBytes))!

    /// A participant registered whole (name, certificate, contract and its start), unless `start` is nil.
    mutating func participant(_ org: String, _ cert: String, _ name: String, start: String? = "2024-01-01") throws -> String {
        let id = Self.personKeys.participant(org: org, certificate: try CertificateNumber(validating: cert))
        let key = RecordKey(collection: .participants, id: id)
        _ = write(key, "name", .text(name))
        _ = write(key, "cert", .text(cert))
        _ = write(key, "contract", .text("part-time"))
        if let start { _ = write(key, "contract_start", .date(CivilDate(start)!)) }
        return id
    }

    /// A day, approved if asked (the decision names the content version it judged).
    mutating func day(_ collection: CollectionName, _ participant: String, _ date: String, _ quantity: Int64,
                      approve: Bool = false, reject: Bool = false) -> RecordKey {
        let key = RecordKey(collection: collection, id: NaturalKey.day(participant: participant, date: CivilDate(date)!))
        _ = write(key, collection == .hours ? "minutes" : "amount", .integer(quantity))
        if approve || reject {
            let version = MergedState(ops)[key]!.contentVersion
            _ = write(key, "review", ReviewDecision(approve ? .approved : .rejected, contentVersion: version).value)
        }
        return key
    }

    var state: MergedState { MergedState(ops) }
}

struct LedgerTests {
    @Test func paymentsCountOnlyApprovedAndAreExactToTheFen() throws {
        // Given two orgs with approved, unreviewed, rejected, conflicting and deleted days
        var d = District()
        d.org("MH-SB-001")
        d.org("MH-SB-002")
        let zhang = try d.participant("MH-SB-001", "31011219900315123X52", "张三")
        let li = try d.participant("MH-SB-002", "31011219850620246061", "李四")
        _ = d.day(.hours, zhang, "2024-03-04", 210, approve: true)
        _ = d.day(.lunches, zhang, "2024-03-04", 1533, approve: true)
        _ = d.day(.hours, zhang, "2024-03-05", 240)                      // needs review
        _ = d.day(.hours, li, "2024-03-04", 185, approve: true)
        _ = d.day(.lunches, li, "2024-03-04", 1201, approve: true)
        _ = d.day(.lunches, li, "2024-03-05", 1500, reject: true)       // rejected
        let deleted = d.day(.hours, li, "2024-03-06", 120, approve: true)
        _ = d.write(deleted, "deleted", .bool(true))                     // deleted after approval
        _ = d.day(.hours, li, "2024-04-01", 300, approve: true)         // another month
        // When the district's payments are computed
        let ledger = Ledger(state: d.state, settings: FlagSettings(today: "2024-12-31"))
        let report = ledger.payments(month: "2024-03", district: "310112", reveal: false)
        // Then only approved records of the month count, per org and in total, to the fen
        try #require(report.orgs.map(\.org) == ["MH-SB-001", "MH-SB-002"])
        #expect(report.orgs[0].total == .init(days: 1, minutes: 210, lunches: 1, lunchFen: 1533))
        #expect(report.orgs[1].total == .init(days: 1, minutes: 185, lunches: 1, lunchFen: 1201))
        #expect(report.total == .init(days: 2, minutes: 395, lunches: 2, lunchFen: 2734))
        #expect(report.total.lunchAmount == "27.34")
        #expect(report.notCounted == ["needs_review": 1, "rejected": 1, "deleted": 1])
        #expect(report.orgs[1].participants.first?.certificate == "310112**********60**")
        // and one org alone gives that org's figures
        #expect(ledger.payments(month: "2024-03", org: "MH-SB-002", district: nil, reveal: false).total.lunchFen == 1201)
    }

    @Test func aLunchIsPaidOnlyWithItsDaysApprovedHours() throws {
        // Given lunches approved on their own: beside approved hours, unreviewed hours, rejected hours,
        // deleted hours, no hours; and a day of a participant not registered whole, approved
        var d = District()
        let zhang = try d.participant("MH-SB-001", "31011219900315123X52", "张三")
        let ghost = try d.participant("MH-SB-001", "31011219850620246061", "?", start: nil)
        _ = d.day(.hours, zhang, "2024-03-04", 240, approve: true)
        _ = d.day(.lunches, zhang, "2024-03-04", 1500, approve: true)     // paid
        _ = d.day(.hours, zhang, "2024-03-05", 240)
        _ = d.day(.lunches, zhang, "2024-03-05", 1500, approve: true)     // hours waiting
        _ = d.day(.hours, zhang, "2024-03-06", 240, reject: true)
        _ = d.day(.lunches, zhang, "2024-03-06", 1500, approve: true)     // hours rejected
        let cleared = d.day(.hours, zhang, "2024-03-07", 240, approve: true)
        _ = d.write(cleared, "deleted", .bool(true))
        _ = d.day(.lunches, zhang, "2024-03-07", 1500, approve: true)     // hours cleared after approval
        _ = d.day(.lunches, zhang, "2024-03-08", 1500, approve: true)     // no hours at all
        _ = d.day(.hours, ghost, "2024-03-04", 600, approve: true)        // a phantom's hours
        let ledger = Ledger(state: d.state, settings: FlagSettings(today: "2024-12-31"))
        // When the month's payments are computed
        let report = ledger.payments(month: "2024-03", district: nil, reveal: false)
        // Then one day and its lunch are paid; the rest say why not
        #expect(report.total == .init(days: 1, minutes: 240, lunches: 1, lunchFen: 1500))
        #expect(report.notCounted == ["needs_review": 1, "rejected": 1, "deleted": 1, "incomplete": 1, "hours_not_counted": 4])
        // and the phantom's day is flagged, and never approved in bulk
        let lines = ledger.reviewList(.init(month: "2024-03"), reveal: false)
        let phantom = try #require(lines.first { $0.participantId == ghost })
        #expect(phantom.flags.contains("incomplete_record"))
        #expect(ledger.flags.contains { $0.kind == .incompleteRecord && $0.records == [RecordKey(collection: .participants, id: ghost)] })
    }

    @Test func aDaysFlagsCoverItsLunchAndBulkApprovalSkipsBoth() throws {
        // Given a man past working age (born 1950): his hours carry the age flag, his lunch none of its own
        var d = District()
        let old = try d.participant("MH-SB-001", "31011219500315123152", "老王")
        _ = d.day(.hours, old, "2024-03-04", 240)
        _ = d.day(.lunches, old, "2024-03-04", 1500)
        let ledger = Ledger(state: d.state, settings: FlagSettings(today: "2024-12-31"))
        // When the month is approved in bulk, unflagged only
        let plan = ledger.monthApproval(org: "MH-SB-001", month: "2024-03", unflagged: true)
        // Then neither the hours nor the lunch is approved
        #expect(plan.targets.isEmpty)
        #expect(plan.skipped.count == 2 && plan.skipped.allSatisfy { $0.why.contains("age_out_of_bounds") })
    }

    @Test func anEditAfterApprovalPutsTheRecordBackToReview() throws {
        var d = District()
        let zhang = try d.participant("MH-SB-001", "31011219900315123X52", "张三")
        let key = d.day(.hours, zhang, "2024-03-04", 210, approve: true)
        let minutes = try #require(d.state[key]?.field("minutes")?.current.first?.id)
        _ = d.write(key, "minutes", .integer(240), pred: [minutes])
        let line = try #require(Ledger(state: d.state, settings: FlagSettings(today: "2024-12-31")).days(.hours, reveal: false).first)
        #expect(line.status == .needsReview && line.changedAfterApproval)
        #expect(Ledger(state: d.state, settings: FlagSettings(today: "2024-12-31")).payments(month: "2024-03", district: nil, reveal: false).total.minutes == 0)
    }

    @Test func reviewRefsNameTheirDayAndCollection() throws {
        let key = RecordKey(collection: .lunches, id: "MH-SB-001/ad70a1271ab25a67e712/2024-03-04")
        let ref = ReviewRef.make(key)
        #expect(ref.hasPrefix("l20240304-") && ref.count == 18)
        let parsed = try #require(ReviewRef.parse(ref))
        #expect(parsed.collection == .lunches && parsed.date == CivilDate("2024-03-04"))
        for bad in ["", "x20240304-3fa9c0d1", "h20240230-3fa9c0d1", "h20240304-3FA9C0D1", "h20240304_3fa9c0d1"] {
            #expect(ReviewRef.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func monthFlagsKeepUndatedFlagsThatConcernTheMonth() throws {
        // Given one person active at two orgs with open contracts, and a conflict on a participant record
        var d = District()
        let a = try d.participant("MH-SB-001", "31011219900315123X52", "张三")
        _ = try d.participant("MH-SB-002", "31011219900315123X52", "张三")
        let key = RecordKey(collection: .participants, id: a)
        let name = try #require(d.state[key]?.field("name")?.current.first?.id)
        _ = d.write(key, "name", .text("张三丰"), pred: [name])
        var other = d
        other.ops.removeLast()
        _ = other.write(key, "name", .text("张叁"), pred: [name])
        let state = MergedState(d.ops + other.ops.suffix(1))
        // When a month's flags are asked for
        let kinds = Ledger(state: state, settings: FlagSettings(today: "2024-12-31")).flags(month: "2024-03").map(\.kind)
        // Then both undated flags are there
        #expect(Set(kinds) == [.activeAtSeveralOrgs, .conflict])
    }
}

struct DayLineJSONTests {
    @Test func writtenJSONIsTheEncodersDocument() throws {
        var d = District()
        let zhang = try d.participant("MH-SB-001", "31011219900315123X52", "张\"三\\ \n\t\u{01}/")
        let key = d.day(.hours, zhang, "2024-03-04", 210, reject: true)
        _ = d.write(key, "note", .text("备注 \"quoted\" / slash"))
        _ = d.day(.lunches, zhang, "2024-03-04", 1500, approve: true)
        let ledger = Ledger(state: d.state, settings: FlagSettings(today: "2024-12-31"))
        let lines = ledger.reviewList(.init(), reveal: true)
        #expect(lines.count == 2)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try JSONSerialization.jsonObject(with: encoder.encode(lines)) as? NSArray
        let written = try JSONSerialization.jsonObject(with: Data(DayLine.json(lines).utf8)) as? NSArray
        #expect(written != nil && written == expected)
        #expect(DayLine.json([]) == "[\n]\n")
    }
}

@Suite struct LanguageTests {
    @Test func theLocaleChoosesEnglishOnlyWhenItNamesEnglish() {
        #expect(Language.from(environment: [:]) == .zh)
        #expect(Language.from(environment: ["LANG": "C.UTF-8"]) == .zh)
        #expect(Language.from(environment: ["LANG": "en_US.UTF-8"]) == .en)
        // POSIX order: LC_ALL, then LC_MESSAGES, then LANG; an empty one does not count.
        #expect(Language.from(environment: ["LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"]) == .zh)
        #expect(Language.from(environment: ["LC_ALL": "", "LC_MESSAGES": "en_GB", "LANG": "zh_CN.UTF-8"]) == .en)
        #expect(Language.from(flag: "en", environment: ["LANG": "zh_CN.UTF-8"]) == .en)
        #expect(Language.from(flag: "zh", environment: ["LANG": "en_US.UTF-8"]) == .zh)
    }

    @Test func everyFlagReasonHasWordsInEachLanguage() {
        let date = CivilDate("2024-03-04")!
        let reasons: [Flag.Reason] = [
            .conflict(fields: ["minutes"]), .notRegisteredWhole(name: "张三", missing: ["cert"]),
            .daysOfPartialRecord(name: "张三", missing: ["contract_start"], days: [date]),
            .daysOfUnregistered(participant: "MH-SB-001/x", org: "MH-SB-001", days: [date]),
            .weeklyOverLimit(name: "张三", minutes: 1500, week: date, limitMinutes: 1440), .lunchWithoutHours(date: date),
            .lunchAboveRate(fen: 2000, date: date, org: "MH-SB-001", rateFen: 1500), .futureDate(today: "2024-03-01", days: [date]),
            .outsideContract(start: date, end: nil, days: [date]),
            .outsideWorkingAge(minimumYears: 16, maximumMonths: 760, male: true, born: "1960-01", days: [date]),
            .lunchAtSeveralOrgs(date: date, orgs: ["A", "B"]), .hoursAtSeveralOrgs(date: date, orgs: ["A", "B"]),
            .activeAtSeveralOrgs(orgs: ["A", "B"]),
        ]
        for reason in reasons {
            let zh = Chinese().flag(reason), en = English().flag(reason)
            #expect(!zh.isEmpty && !en.isEmpty && zh != en)
            #expect(zh.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "\(zh)")
        }
        #expect(Chinese().flag(.weeklyOverLimit(name: "张三", minutes: 1500, week: date, limitMinutes: 1440))
                == "张三：2024-03-04 起的一周工时 25 小时，超过非全日制每周 24 小时的上限")
        #expect(Chinese().flag(.outsideWorkingAge(minimumYears: 16, maximumMonths: 760, male: true, born: "1960-01", days: [date, date.adding(days: 1)]))
                == "超出劳动年龄（16 至 63 岁 4 个月，1960-01 出生的男性）的工时：2024-03：4、5 日（共 2 天）")
    }
}
