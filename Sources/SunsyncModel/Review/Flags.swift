/// Computes every flag of a merged state. Cross-organization flags appear only where the state holds
/// several organizations' records — a district's view; a base's laptop holds only its own.
public enum Flags {
    public static func compute(_ state: MergedState, settings: FlagSettings) -> [Flag] {
        let (orgs, participants) = state.directory
        return compute(state, orgs: orgs, participants: participants, days: DayEntry.all(in: state), settings: settings)
    }

    /// The flags of `directory`'s organizations and participants (already read, by id; any hours and
    /// lunch records it holds are not read) and of the hours and lunch records `days`: what a laptop
    /// that keeps its days as entries asks.
    public static func compute(_ directory: MergedState, orgs: [String: Organization], participants: [String: Participant],
                               days: [DayEntry], settings: FlagSettings) -> [Flag] {
        let today = CivilDate(settings.today)
        var hours = [DayEntry](), dayLunches = [DayEntry]()
        var flags = [Flag]()

        func conflict(_ key: RecordKey, fields: [String], replicas: some Sequence<ReplicaID>) {
            flags.append(Flag(.conflict, records: [key], replicas: replicas,
                              reason: .conflict(fields: fields)))
        }
        for (key, record) in directory.records where key.collection == .orgs || key.collection == .participants {
            if record.hasConflict {
                let fields = record.fields.filter { $0.state.isConflict }.map(\.name)
                conflict(key, fields: fields, replicas: record.replicas(of: fields))
            }
            if key.collection == .participants, let p = participants[key.id], !p.isWhole {
                flags.append(Flag(.incompleteRecord, records: [key], replicas: record.replicas(),
                                  reason: .notRegisteredWhole(name: p.name ?? key.id, missing: p.missingForWhole)))
            }
        }
        for day in days {
            if day.hasConflict { conflict(day.key, fields: day.conflictFields, replicas: day.conflictReplicas) }
            if !day.deleted {
                if day.key.collection == .hours { hours.append(day) } else { dayLunches.append(day) }
            }
        }
        let worked = hours.filter { ($0.quantity ?? 0) > 0 }, lunches = dayLunches, allHours = hours
        @Sendable func dayKey(_ id: Int64, _ date: CivilDate) -> Int64 { id << 32 | Int64(UInt32(bitPattern: date.dayNumber)) }
        // Three independent groups of flags, computed at once on the cores there are (a district's
        // month: 70,000 days), each into its own list.
        @Sendable func perParticipantAndWeek() -> [Flag] {
            var flags = [Flag]()
            // Participants and persons as small integers: the groupings below hash integers, not ids, and
            // group positions, not copies of entries.
            var ids = [String: Int64]()
            func intern(_ text: String) -> Int64 {
                if let id = ids[text] { return id }
                let id = Int64(ids.count)
                ids[text] = id
                return id
            }
            let workedParticipant = worked.map { intern($0.participant) }

            // Part-time weekly limit, per participant (one org) and ISO week.
            var weeks = [Int64: [Int]]()
            for (i, entry) in worked.enumerated() { weeks[dayKey(workedParticipant[i], entry.date.weekStart), default: []].append(i) }
            for (_, positions) in weeks {
                let first = worked[positions[0]]
                guard let p = participants[first.participant], p.isPartTime else { continue }
                let total = positions.reduce(Int64(0)) { $0 + (worked[$1].quantity ?? 0) }
                let limit = settings.rules.weeklyLimit(week: first.date.weekStart)
                if total > limit {
                    let week = positions.map { worked[$0] }
                    flags.append(Flag(.weeklyHoursOverLimit, records: week.map(\.key), replicas: week.flatMap(\.replicas),
                                      reason: .weeklyOverLimit(name: p.name ?? p.key.id, minutes: total, week: first.date.weekStart, limitMinutes: limit)))
                }
            }

            var workedDays = Set<Int64>(minimumCapacity: worked.count)
            for (i, entry) in worked.enumerated() { workedDays.insert(dayKey(workedParticipant[i], entry.date)) }
            for lunch in lunches where !workedDays.contains(dayKey(intern(lunch.participant), lunch.date)) {
                flags.append(Flag(.lunchWithoutHours, records: [lunch.key], replicas: lunch.replicas,
                                  reason: .lunchWithoutHours(date: lunch.date)))
            }
            for lunch in lunches {
                guard let amount = lunch.quantity,
                      let rate = settings.rules.lunchRate(org: lunch.org, on: lunch.date) ?? orgs[lunch.org]?.lunchRate(on: lunch.date),
                      amount > rate else { continue }
                flags.append(Flag(.lunchAboveRate, records: [lunch.key], replicas: lunch.replicas,
                                  reason: .lunchAboveRate(fen: amount, date: lunch.date, org: lunch.org, rateFen: rate)))
            }

            return flags
        }
        @Sendable func perParticipantAndMonth() -> [Flag] {
            var flags = [Flag]()
            // Per participant and month: one flag naming the days, not one per day.
            var monthly = [MonthKey: [DayEntry]]()
            let retirement = settings.rules.retirement
            // Each participant's month of retirement, worked out once (not for every day worked).
            let retirementMonths = participants.compactMapValues { p in
                p.certificate.map { retirement.retirementMonth(birth: $0.residentID.birthDate, male: $0.residentID.isMale) }
            }
            for entry in [worked, lunches].joined() {
                let month = entry.date.monthNumber
                if let today, entry.date > today {
                    monthly[MonthKey(kind: .futureDate, participant: entry.participant, month: month), default: []].append(entry)
                }
                guard entry.key.collection == .hours, let p = participants[entry.participant] else { continue }
                if !p.contractCovers(entry.date) {
                    monthly[MonthKey(kind: .outsideContract, participant: entry.participant, month: month), default: []].append(entry)
                }
                if let id = p.certificate?.residentID, let retirementMonth = retirementMonths[entry.participant],
                   id.birthDate.age(on: entry.date) < retirement.minimumAge || month >= retirementMonth {
                    monthly[MonthKey(kind: .ageOutOfBounds, participant: entry.participant, month: month), default: []].append(entry)
                }
            }
            // Days of a participant not registered whole at their org: worked or not, they are not evidence.
            for entry in [allHours, lunches].joined() where !(participants[entry.participant]?.isWhole ?? false) {
                monthly[MonthKey(kind: .incompleteRecord, participant: entry.participant, month: entry.date.monthNumber), default: []].append(entry)
            }
            for (key, entries) in monthly {
                let p = participants[key.participant]
                let days = Set(entries.map(\.date)).sorted()
                let reason: Flag.Reason
                var records = entries.map(\.key)
                switch key.kind {
                case .futureDate:
                    reason = .futureDate(today: settings.today, days: days)
                case .incompleteRecord:
                    reason = p.map { .daysOfPartialRecord(name: $0.name ?? $0.key.id, missing: $0.missingForWhole, days: days) }
                        ?? .daysOfUnregistered(participant: key.participant, org: entries[0].org, days: days)
                case .outsideContract:
                    reason = .outsideContract(start: p?.contractStart, end: p?.contractEnd, days: days)
                default:
                    let id = p?.certificate?.residentID
                    let own = id.map { retirement.ageInMonths(birth: $0.birthDate, male: $0.isMale) } ?? 0
                    reason = .outsideWorkingAge(minimumYears: retirement.minimumAge, maximumMonths: own, male: id?.isMale,
                                                born: id.map { String($0.birthDate.description.prefix(7)) } ?? "?", days: days)
                }
                if key.kind != .futureDate, let p { records.append(p.key) }
                flags.append(Flag(key.kind, records: records, replicas: entries.flatMap(\.replicas), reason: reason))
            }

            return flags
        }
        @Sendable func acrossOrgs() -> [Flag] {
            var flags = [Flag]()
            // Across organizations: one person, one day, two organizations.
            var persons = [String: Int64]()
            for (kind, entries) in [(Flag.Kind.doubleLunchClaim, lunches), (.hoursAtSeveralOrgs, worked)] {
                var days = [Int64: [Int]]()
                for (i, entry) in entries.enumerated() {
                    let person = persons[entry.personKey] ?? { let n = Int64(persons.count); persons[entry.personKey] = n; return n }()
                    days[dayKey(person, entry.date), default: []].append(i)
                }
                for (_, positions) in days where positions.count > 1 {
                    let same = positions.map { entries[$0] }
                    let orgs = Set(same.map(\.org))
                    guard orgs.count > 1 else { continue }
                    flags.append(Flag(kind, records: same.map(\.key), replicas: same.flatMap(\.replicas),
                                      reason: kind == .doubleLunchClaim
                                          ? .lunchAtSeveralOrgs(date: same[0].date, orgs: orgs.sorted())
                                          : .hoursAtSeveralOrgs(date: same[0].date, orgs: orgs.sorted())))
                }
            }
            let active = participants.values.filter(\.active)
            for (_, same) in Dictionary(grouping: active, by: \.personKey) where Set(same.map(\.org)).count > 1 {
                let overlapping = same.filter { a in same.contains { b in b.org != a.org && overlaps(a, b) } }
                guard !overlapping.isEmpty else { continue }
                flags.append(Flag(.activeAtSeveralOrgs, records: overlapping.map(\.key),
                                  replicas: overlapping.flatMap { directory[$0.key]?.replicas(of: ["active", "contract_start", "contract_end", "cert"]) ?? [] },
                                  reason: .activeAtSeveralOrgs(orgs: Set(overlapping.map(\.org)).sorted())))
            }
            return flags
        }
        let groups = [perParticipantAndWeek, perParticipantAndMonth, acrossOrgs]
        // A few days (a patch's persons) are quicker done here than handed to other threads.
        flags += (days.count < 1_000 ? groups.map { $0() } : Concurrently.run(3) { groups[$0]() }).joined()
        return Flag.sorted(flags)
    }

    static func overlaps(_ a: Participant, _ b: Participant) -> Bool {
        let aStart = a.contractStart?.dayNumber ?? .min, aEnd = a.contractEnd?.dayNumber ?? .max
        let bStart = b.contractStart?.dayNumber ?? .min, bEnd = b.contractEnd?.dayNumber ?? .max
        return aStart <= bEnd && bStart <= aEnd
    }

    private struct MonthKey: Hashable { let kind: Flag.Kind; let participant: String; let month: Int }
}
