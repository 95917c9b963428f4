import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncServerStore
import SunsyncStore

/// The district months the review page shows, read into the same `Ledger` the CLI reads (so page and
/// laptop show the same numbers), and kept: when ops arrive, the records they touched are taken in as
/// the store has merged them (`Store.changes(after:days:limit:)`); a month is read again whole only when
/// many changed, or today or the rules have changed.
actor ReviewBooks {
    let store: any ServerStore
    /// Whole ledgers kept (a district-year month is ~100 MB): the last few months looked at.
    let ledgersKept: Int

    private struct Month {
        let seq: Int64
        let settings: FlagSettings
        let ledger: Ledger
        /// The district's orgs it was read for.
        let scope: [String]
        /// What the pages read of it, made once per ledger.
        var report: MonthlyReport?
        var orgMonths = [String: OrgMonth]()
    }

    /// What a district's month page shows, kept in the store (`keptView`) so that after a restart the page
    /// is shown at once, without reading the month, while nothing it counts has changed: checked against
    /// the op log (`changed(after:days:)`), the rules, the district's orgs and today's date before it is
    /// shown, and made again from the month's ledger otherwise.
    struct MonthView: Codable, Sendable {
        /// Every op up to it is counted.
        let seq: Int64
        let scope: [String]
        let rules: Rules
        let today: String
        /// Nil where only the chart's minutes were read.
        let report: MonthlyReport?
        let minutes: [String: Int64]
        let orgs: [String: OrgLabel]
    }

    /// An org as the district's page names it.
    struct OrgLabel: Codable, Sendable, Equatable {
        let name: String
        let active: Bool
    }

    /// The district's month as its page shows it.
    struct DistrictMonth: Sendable {
        let report: MonthlyReport
        let orgs: [String: OrgLabel]
    }

    /// One org's month as its page lists it.
    struct OrgMonth: Sendable {
        /// The monthly report of this org alone.
        let report: MonthlyReport
        let lines: [DayLine]
        let flags: [FlagLine]
    }
    struct Minutes: Sendable {
        let seq: Int64
        let byOrg: [String: Int64]
    }
    private var months = [String: Month]()
    private var recent = [String]()
    private var minutes = [String: Minutes]()
    private var looking = [String: Task<FinishedLedger, any Error>]()
    /// The views read from the store or kept there, by month.
    private var views = [String: MonthView]()
    /// Months of the chart being read now.
    private var minutesReading = [String: Task<Minutes, any Error>]()

    /// Above this many records changed since a month was read, it is read again whole.
    let patchLimit: Int

    init(store: any ServerStore, ledgersKept: Int = 3, patchLimit: Int = 5_000) {
        self.store = store
        self.ledgersKept = ledgersKept
        self.patchLimit = patchLimit
    }

    /// The ledger of a district's month (its orgs only), fresh. One look at a month at a time: a request
    /// that finds one under way waits for it (the warm-up at start, the refresh after a push, and a
    /// reviewer's page may all ask at once).
    func ledger(district: String, orgs: [String], month: String, now: Date = Date()) async throws -> FinishedLedger {
        let key = district + "|" + month
        if let underway = looking[key] { return try await underway.value }
        let look = Task { try await self.look(district: district, orgs: orgs, month: month, now: now) }
        looking[key] = look
        defer { looking[key] = nil }
        return try await look.value
    }

    private func look(district: String, orgs: [String], month: String, now: Date) async throws -> FinishedLedger {
        let key = district + "|" + month
        guard let days = Ledger.weeks(ofMonth: month) else { throw StoreError(.invalid, "\(month) is not a month") }
        let settings = FlagSettings(today: Ledger.today(secondsSince1970: now.timeIntervalSince1970).description, rules: try await store.rules())
        let scope = Set(orgs)
        var seq: Int64
        var state: MergedState
        var patched: Ledger?
        if let kept = months[key], kept.settings == settings,
           let changes = try await store.changes(after: kept.seq, days: days, limit: patchLimit) {
            if changes.records.isEmpty {
                touch(key)
                return FinishedLedger(kept.ledger)
            }
            // A few records changed: take them in as the store has merged them, and keep the rest (the
            // ledger's entries and flags too, but for the persons whose days changed).
            (seq, state) = (changes.seq, kept.ledger.state)
            var changed = Set<RecordKey>()
            for (record, merged) in changes.records where scope.contains(MergedState.org(of: record)) {
                state.replace(record, with: merged)
                changed.insert(record)
            }
            patched = kept.ledger.patched(changed, state: state)
        } else {
            // The seq is taken before the read: every op up to it is in the state, a later one is taken in
            // at the next look.
            seq = try await store.lastSeq()
            state = try await read([], days: days).restricted(toOrgs: scope)
        }
        let ledger = patched ?? Ledger(state: state, settings: settings)
        months[key] = Month(seq: seq, settings: settings, ledger: ledger, scope: orgs)
        touch(key)
        return FinishedLedger(ledger)
    }

    /// The district's month: its ledger and monthly report.
    func district(district: String, orgs: [String], month: String) async throws -> (FinishedLedger, MonthlyReport) {
        let ledger = try await self.ledger(district: district, orgs: orgs, month: month)
        let key = district + "|" + month
        if let report = months[key]?.report { return (ledger, report) }
        let report = ledger.ledger.monthly(month: month, reveal: false)
        // Kept with the month it was made from (a newer one may have come in while this one was read).
        if let kept = months[key], kept.ledger === ledger.ledger {
            months[key]?.report = report
            // The chart's minutes of this ledger, counted once for the view and the chart.
            let byOrg = minutes[key].flatMap { $0.seq == kept.seq ? $0.byOrg : nil } ?? ledger.ledger.minutesByOrg(month: month)
            minutes[key] = Minutes(seq: kept.seq, byOrg: byOrg)
            keep(key, MonthView(seq: kept.seq, scope: kept.scope, rules: kept.settings.rules, today: kept.settings.today, report: report,
                                minutes: byOrg, orgs: Self.labels(ledger.ledger)))
        }
        return (ledger, report)
    }

    /// What the district's month page shows: from the view kept in the store while the month is not read
    /// and nothing it counts has changed (at once after a restart), else from the month's ledger.
    func districtMonth(district: String, orgs: [String], month: String) async throws -> DistrictMonth {
        let key = district + "|" + month
        if months[key] == nil, let view = try await keptView(key, orgs: orgs, month: month), let report = view.report {
            return DistrictMonth(report: report, orgs: view.orgs)
        }
        let (ledger, report) = try await self.district(district: district, orgs: orgs, month: month)
        return DistrictMonth(report: report, orgs: Self.labels(ledger.ledger))
    }

    static func labels(_ ledger: Ledger) -> [String: OrgLabel] {
        ledger.orgs.mapValues { OrgLabel(name: $0.name ?? "", active: $0.active) }
    }

    /// The view of a month kept here or in the store, if it still counts what the month holds now.
    private func keptView(_ key: String, orgs: [String], month: String, now: Date = Date()) async throws -> MonthView? {
        guard let days = Ledger.weeks(ofMonth: month) else { return nil }
        var view = views[key]
        if view == nil, let text = try await store.keptView(key) {
            // One written by another version, or cut: made again.
            view = try? JSONDecoder().decode(MonthView.self, from: Data(text.utf8))
            if let view, views[key] == nil { views[key] = view }
        }
        guard let view, view.scope == orgs,
              Self.sameFlags(view.today, Ledger.today(secondsSince1970: now.timeIntervalSince1970), days: days),
              view.rules == (try await store.rules()),
              !(try await store.changed(after: view.seq, days: days))
        else { return nil }
        return view
    }

    /// Whether a month's flags made on `made` are those of `today`: the same day, or both after the month's
    /// weeks (only a day after today is flagged for its date).
    static func sameFlags(_ made: String, _ today: CivilDate, days: ClosedRange<CivilDate>) -> Bool {
        guard let day = CivilDate(made) else { return false }
        return day == today || (day > days.upperBound && today > days.upperBound)
    }

    /// Keeps a month's view here and, off the actor, in the store: one write after another, in the order
    /// they were made.
    private func keep(_ key: String, _ view: MonthView) {
        if let known = views[key], known.seq > view.seq { return }
        views[key] = view
        let previous = writing
        writing = Task.detached(priority: .background) { [store] in
            await previous?.value
            guard let data = try? JSONEncoder().encode(view) else { return }
            try? await store.keepView(key, String(decoding: data, as: UTF8.self))
        }
    }
    private var writing: Task<Void, Never>?

    /// Returns once the views kept so far are in the store.
    func viewsWritten() async {
        await writing?.value
    }

    /// One org's month: the district's ledger, and the org's report, days and flags.
    func org(_ org: String, district: String, orgs: [String], month: String) async throws -> (FinishedLedger, OrgMonth) {
        let ledger = try await self.ledger(district: district, orgs: orgs, month: month)
        let key = district + "|" + month
        if let kept = months[key]?.orgMonths[org] { return (ledger, kept) }
        let made = OrgMonth(report: ledger.ledger.monthly(month: month, org: org, reveal: false),
                            lines: ledger.ledger.reviewList(.init(month: month, org: org), reveal: false),
                            flags: ledger.ledger.flagLines(month: month, org: org, names: DeviceNames()))
        if months[key]?.ledger === ledger.ledger { months[key]?.orgMonths[org] = made }
        return (ledger, made)
    }

    /// The fields of an hours record the chart's minutes depend on (`Ledger.minutesByOrg`).
    static let chartFields = ["minutes", "deleted"]

    /// Each org's hours in each of `months`, in minutes: from a kept ledger, else from the month's hours alone.
    /// The months not kept are read side by side, off the actor, and a month already being read (the start's
    /// warming, another reviewer's page) is waited for instead of read again.
    func minutesByOrg(district: String, orgs: [String], months wanted: [String]) async throws -> [String: [String: Int64]] {
        var result = [String: [String: Int64]]()
        var reading = [(key: String, month: String, task: Task<Minutes, any Error>)]()
        for month in wanted {
            let key = district + "|" + month
            guard let days = Ledger.weeks(ofMonth: month) else { continue }
            // A kept ledger newer than the kept minutes: counted from it (when a page asks, not at every push).
            if let ledger = months[key], (minutes[key]?.seq ?? -1) < ledger.seq {
                minutes[key] = Minutes(seq: ledger.seq, byOrg: ledger.ledger.minutesByOrg(month: month))
            }
            if let kept = minutes[key], !(try await store.changed(after: kept.seq, days: days)) {
                result[month] = kept.byOrg
                continue
            }
            if let view = try await keptView(key, orgs: orgs, month: month) {
                minutes[key] = Minutes(seq: view.seq, byOrg: view.minutes)
                result[month] = view.minutes
                continue
            }
            if let underway = minutesReading[key] {
                reading.append((key, month, underway))
                continue
            }
            let task = Task.detached { [store] in
                let seq = try await store.lastSeq()
                // Minutes and deletion are all the chart reads of a day: only those fields' ops (a third of them, or less).
                let state = try await store.mergedState([.hours], days: days, fields: Self.chartFields).restricted(toOrgs: Set(orgs))
                return Minutes(seq: seq, byOrg: Ledger(state: state, settings: FlagSettings(today: "")).minutesByOrg(month: month))
            }
            minutesReading[key] = task
            reading.append((key, month, task))
        }
        for (key, month, task) in reading {
            let made: Minutes
            do { made = try await task.value } catch {
                minutesReading[key] = nil
                throw error
            }
            minutesReading[key] = nil
            if (minutes[key]?.seq ?? -1) <= made.seq { minutes[key] = made }
            if (views[key]?.seq ?? -1) < made.seq {
                keep(key, MonthView(seq: made.seq, scope: orgs, rules: try await store.rules(),
                                    today: Ledger.today(secondsSince1970: Date().timeIntervalSince1970).description,
                                    report: nil, minutes: made.byOrg, orgs: [:]))
            }
            result[month] = made.byOrg
        }
        return result
    }

    // MARK: Ahead of the pages

    private var refreshing = false
    private var refreshAgain = false

    /// Brings the kept months, and what pages made of them, up to date after ops arrived (a push): what
    /// the next page would do, done before it is asked. Pushes come in bursts: one refresh a second at
    /// most, and one more after if ops arrived meanwhile.
    func refreshKept() async {
        if refreshing { return refreshAgain = true }
        refreshing = true
        defer { refreshing = false }
        repeat {
            refreshAgain = false
            for key in recent {
                guard let kept = months[key], let bar = key.firstIndex(of: "|") else { continue }
                let district = String(key[..<bar]), month = String(key[key.index(after: bar)...])
                let viewed = Array(kept.orgMonths.keys), hadReport = kept.report != nil
                _ = try? await ledger(district: district, orgs: kept.scope, month: month)
                // A base's page first: the base that pushed is the one most likely looked at next.
                for org in viewed { _ = try? await self.org(org, district: district, orgs: kept.scope, month: month) }
                if hadReport { _ = try? await self.district(district: district, orgs: kept.scope, month: month) }
            }
            try? await Task.sleep(for: .seconds(1))
        } while refreshAgain
    }

    /// Reads what a district's reviewer sees first — the latest month's page and its twelve-month chart —
    /// so that the first page after the server starts is quick.
    func warm(district: String, orgs: [String]) async throws {
        let month = try await defaultMonth()
        _ = try await districtMonth(district: district, orgs: orgs, month: month)
        _ = try await minutesByOrg(district: district, orgs: orgs, months: Self.chartMonths(ending: month))
        // Then the month itself, for its bases' pages (the district's page may have come from its kept view).
        _ = try await ledger(district: district, orgs: orgs, month: month)
    }

    /// The month a page shows when none is asked for: the latest holding records, not after this one.
    nonisolated func defaultMonth(now: Date = Date()) async throws -> String {
        let today = Ledger.today(secondsSince1970: now.timeIntervalSince1970)
        return min(try await store.daySpan()?.upperBound ?? today, today).monthKey
    }

    /// The twelve months a chart ending with `month` shows, oldest first.
    static func chartMonths(ending month: String) -> [String] {
        (0..<12).reversed().map { Ledger.month(month, minus: $0) }
    }

    /// A month's read (up to a second on a district-year; the store does it off the request threads).
    /// Empty `collections`: all.
    private nonisolated func read(_ collections: [CollectionName], days: ClosedRange<CivilDate>) async throws -> MergedState {
        try await store.mergedState(collections.isEmpty ? nil : collections, days: days)
    }

    private func touch(_ key: String) {
        recent.removeAll { $0 == key }
        recent.append(key)
        while recent.count > ledgersKept { months[recent.removeFirst()] = nil }
    }
}

/// A ledger whose lazy parts (its flags) are computed: from then on it is only read, so pages may read
/// it at once from several requests.
struct FinishedLedger: @unchecked Sendable {
    let ledger: Ledger

    init(_ ledger: Ledger) {
        ledger.finish()
        self.ledger = ledger
    }
}
