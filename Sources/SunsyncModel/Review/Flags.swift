/// Computes every flag of a merged state. Cross-organization flags appear only where the state holds
/// several organizations' records — a district's view; a base's laptop holds only its own.
public enum Flags {
    public static func compute(_ state: MergedState, settings: FlagSettings) -> [Flag] {
        let today = CivilDate(settings.today)
        var orgs = [String: Organization]()
        var participants = [String: Participant]()
        var hours = [DayEntry](), lunches = [DayEntry]()
        var flags = [Flag]()

        for (key, record) in state.records {
            if record.hasConflict {
                let fields = record.fields.filter { $0.state.isConflict }
                flags.append(Flag(.conflict, records: [key], replicas: record.replicas(of: fields.map(\.name)),
                                  message: "concurrent edits of \(fields.map(\.name).joined(separator: ", ")) disagree; choose a value"))
            }
            switch key.collection {
            case .orgs: orgs[key.id] = Organization(key: key, record: record)
            case .participants: participants[key.id] = Participant(key: key, record: record)
            case .hours: if let d = DayEntry(key: key, record: record), !d.deleted { hours.append(d) }
            case .lunches: if let d = DayEntry(key: key, record: record), !d.deleted { lunches.append(d) }
            }
        }
        let worked = hours.filter { ($0.quantity ?? 0) > 0 }

        // Part-time weekly limit, per participant (one org) and ISO week.
        for (_, week) in Dictionary(grouping: worked, by: { WeekKey(participant: $0.participant, monday: $0.date.weekStart) }) {
            guard let p = participants[week[0].participant], p.isPartTime else { continue }
            let total = week.reduce(0) { $0 + ($1.quantity ?? 0) }
            let limit = settings.rules.weeklyLimit(week: week[0].date.weekStart)
            if total > limit {
                flags.append(Flag(.weeklyHoursOverLimit, records: week.map(\.key), replicas: week.flatMap(\.replicas),
                                  message: "\(p.name ?? p.key.id): \(Quantity.hours(total)) h in the week of \(week[0].date.weekStart), above the 非全日制 limit of \(Quantity.hours(limit)) h"))
            }
        }

        let workedDays = Set(worked.map { DayKey(participant: $0.participant, date: $0.date) })
        for lunch in lunches where !workedDays.contains(DayKey(participant: lunch.participant, date: lunch.date)) {
            flags.append(Flag(.lunchWithoutHours, records: [lunch.key], replicas: lunch.replicas,
                              message: "lunch on \(lunch.date) with no hours worked that day"))
        }
        for lunch in lunches {
            guard let amount = lunch.quantity,
                  let rate = settings.rules.lunchRate(org: lunch.org, on: lunch.date) ?? orgs[lunch.org]?.lunchRate(on: lunch.date),
                  amount > rate else { continue }
            flags.append(Flag(.lunchAboveRate, records: [lunch.key], replicas: lunch.replicas,
                              message: "lunch of \(Quantity.yuan(amount)) yuan on \(lunch.date) is above \(lunch.org)'s rate of \(Quantity.yuan(rate)) yuan"))
        }

        // Per participant and month: one flag naming the days, not one per day.
        var monthly = [MonthKey: [DayEntry]]()
        let retirement = settings.rules.retirement
        for entry in worked + lunches {
            let month = entry.date.monthKey
            if let today, entry.date > today {
                monthly[MonthKey(kind: .futureDate, participant: entry.participant, month: month), default: []].append(entry)
            }
            guard entry.key.collection == .hours, let p = participants[entry.participant] else { continue }
            if !p.contractCovers(entry.date) {
                monthly[MonthKey(kind: .outsideContract, participant: entry.participant, month: month), default: []].append(entry)
            }
            if let id = p.certificate?.residentID,
               id.birthDate.age(on: entry.date) < retirement.minimumAge
                || entry.date.monthNumber >= retirement.retirementMonth(birth: id.birthDate, male: id.isMale) {
                monthly[MonthKey(kind: .ageOutOfBounds, participant: entry.participant, month: month), default: []].append(entry)
            }
        }
        for (key, entries) in monthly {
            let p = participants[key.participant]
            let days = Self.describe(days: entries.map(\.date))
            let message: String
            var records = entries.map(\.key)
            switch key.kind {
            case .futureDate:
                message = "dated after today (\(settings.today)): \(days)"
            case .outsideContract:
                message = "work outside the contract (\(p?.contractStart?.description ?? "…") to \(p?.contractEnd?.description ?? "…")): \(days)"
            default:
                let id = p?.certificate?.residentID
                let own = id.map { retirement.ageInMonths(birth: $0.birthDate, male: $0.isMale) } ?? 0
                message = "work outside the working ages (\(retirement.minimumAge) to \(RetirementAges.describe(months: own)) for "
                    + "\(id?.isMale == true ? "a man" : "a woman") born \(id.map { String($0.birthDate.description.prefix(7)) } ?? "?")): \(days)"
            }
            if key.kind != .futureDate, let p { records.append(p.key) }
            flags.append(Flag(key.kind, records: records, replicas: entries.flatMap(\.replicas), message: message))
        }

        // Across organizations: one person, one day, two organizations.
        for (kind, entries) in [(Flag.Kind.doubleLunchClaim, lunches), (.hoursAtSeveralOrgs, worked)] {
            for (_, same) in Dictionary(grouping: entries, by: { PersonDay(person: $0.personKey, date: $0.date) })
            where Set(same.map(\.org)).count > 1 {
                let orgList = Set(same.map(\.org)).sorted().joined(separator: ", ")
                flags.append(Flag(kind, records: same.map(\.key), replicas: same.flatMap(\.replicas),
                                  message: kind == .doubleLunchClaim
                                      ? "one person's lunch claimed on \(same[0].date) at \(orgList) (政策不重复享受)"
                                      : "one person's hours recorded on \(same[0].date) at \(orgList)"))
            }
        }
        let active = participants.values.filter(\.active)
        for (_, same) in Dictionary(grouping: active, by: \.personKey) where Set(same.map(\.org)).count > 1 {
            let overlapping = same.filter { a in same.contains { b in b.org != a.org && overlaps(a, b) } }
            guard !overlapping.isEmpty else { continue }
            flags.append(Flag(.activeAtSeveralOrgs, records: overlapping.map(\.key),
                              replicas: overlapping.flatMap { state[$0.key]?.replicas(of: ["active", "contract_start", "contract_end", "cert"]) ?? [] },
                              message: "one person active under overlapping contracts at \(Set(overlapping.map(\.org)).sorted().joined(separator: ", "))"))
        }
        return flags.sorted()
    }

    static func overlaps(_ a: Participant, _ b: Participant) -> Bool {
        let aStart = a.contractStart?.dayNumber ?? .min, aEnd = a.contractEnd?.dayNumber ?? .max
        let bStart = b.contractStart?.dayNumber ?? .min, bEnd = b.contractEnd?.dayNumber ?? .max
        return aStart <= bEnd && bStart <= aEnd
    }

    private struct WeekKey: Hashable { let participant: String; let monday: CivilDate }
    private struct DayKey: Hashable { let participant: String; let date: CivilDate }
    private struct PersonDay: Hashable { let person: String; let date: CivilDate }
    private struct MonthKey: Hashable { let kind: Flag.Kind; let participant: String; let month: String }

    /// "2024-03: 4, 5, 11 (3 days)".
    static func describe(days: [CivilDate]) -> String {
        let sorted = Set(days).sorted()
        guard let first = sorted.first else { return "" }
        let list = sorted.map { String($0.parts.day) }.joined(separator: ", ")
        return "\(first.monthKey): \(list) (\(sorted.count) day\(sorted.count == 1 ? "" : "s"))"
    }
}
