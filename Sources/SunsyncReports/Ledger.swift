import SunsyncModel

/// The read model over a merged state: organizations, participants, flags and review status, from
/// which every listing, report and review view is made. The CLI and the review page render the same
/// numbers because both read them here. Pure: the caller reads the state and passes today's date in.
///
/// ```swift
/// let ledger = Ledger(state: try store.mergedState(days: weeks), settings: FlagSettings(today: "2024-03-31"))
/// let report = ledger.payments(month: "2024-03", org: nil, reveal: false)
/// ```
public final class Ledger {
    /// The merged records read: organizations and participants, and (when made from a whole merged
    /// state, as on the server) the hours and lunch records too.
    public let state: MergedState
    /// Every hours and lunch record, as listings, reports and flags read them.
    public let entries: [DayEntry]
    public let settings: FlagSettings
    /// The org a base's laptop records for; nil where the state holds a district.
    public let scopeOrg: String?
    public let orgs: [String: Organization]
    /// By participant record id (`ORG/PERSONKEY`).
    public let participants: [String: Participant]

    /// The read model of a whole merged state.
    public convenience init(state: MergedState, settings: FlagSettings, scopeOrg: String? = nil) {
        self.init(directory: state, entries: DayEntry.all(in: state), settings: settings, scopeOrg: scopeOrg)
    }

    /// The read model of `directory`'s organizations and participants and the hours and lunch records
    /// `entries` (a laptop's kept entries; `directory`'s own hours and lunches, if any, are not read).
    public convenience init(directory: MergedState, entries: [DayEntry], settings: FlagSettings, scopeOrg: String? = nil) {
        let (orgs, participants) = directory.directory
        self.init(state: directory, entries: entries, settings: settings, scopeOrg: scopeOrg, orgs: orgs, participants: participants)
    }

    private init(state: MergedState, entries: [DayEntry], settings: FlagSettings, scopeOrg: String?,
                 orgs: [String: Organization], participants: [String: Participant]) {
        self.state = state
        self.entries = entries
        self.settings = settings
        self.scopeOrg = scopeOrg
        self.orgs = orgs
        self.participants = participants
    }

    /// Every flag, computed once (or, for a ledger `patched` from one whose flags were computed, taken from them).
    public var flags: [Flag] {
        if let flagsMade { return flagsMade }
        let made = Flags.compute(state, orgs: orgs, participants: participants, days: entries, settings: settings)
        flagsMade = made
        return made
    }
    private var flagsMade: [Flag]?

    /// This ledger with the hours and lunch records `changed` taken in from `state` (the merged state they
    /// are now in): their entries made again, and the flags of the persons they belong to computed again
    /// from those persons' entries alone; the rest kept. (Every flag that names a day names the days of one
    /// person only: per participant and week or month, or one person at several orgs.) Nil when a change is
    /// not an hours or lunch record: an org's or a participant's can move the flags of many; make it whole.
    public func patched(_ changed: Set<RecordKey>, state: MergedState) -> Ledger? {
        guard changed.allSatisfy({ Self.isDay($0) }) else { return nil }
        // A day's date is checked first (the month's weeks hold 42 days at most: compared one by one, not
        // hashed), then the key.
        let changedDays = Array(Set(changed.compactMap(NaturalKey.date(of:))))
        func isChanged(_ entry: DayEntry) -> Bool { changedDays.contains(entry.date) && changed.contains(entry.key) }
        var touchedOrgs = Set<String>()
        let staying = self.entries.filter { entry in
            if isChanged(entry) { touchedOrgs.insert(entry.org); return false }
            return true
        }
        let added = changed.compactMap { key in state.records[key].flatMap { DayEntry(key: key, record: $0) } }
        touchedOrgs.formUnion(added.map(\.org))
        // Only days changed: the organizations and participants are this ledger's.
        let ledger = Ledger(state: state, entries: staying + added, settings: settings, scopeOrg: scopeOrg, orgs: orgs, participants: participants)
        if var byOrg = entriesByOrgMade {
            for org in touchedOrgs {
                let now = (byOrg[org] ?? []).filter { !isChanged($0) } + added.filter { $0.org == org }
                byOrg[org] = now.isEmpty ? nil : now
            }
            ledger.entriesByOrgMade = byOrg
        }
        guard let kept = flagsMade else { return ledger }
        // The flags naming these persons' days, computed again from their entries alone. No such flag reads
        // the directory's records (those make the flags of org and participant records, kept as they are),
        // so none are passed: going through a district's 70,000 records was most of a patch's time.
        // A push touches a person or two: comparing with each is quicker than hashing 70,000 keys.
        let persons = Set(changed.map(Self.person)), few = Array(persons)
        func isTheirs(_ person: Substring) -> Bool {
            few.count <= 8 ? few.contains { $0.utf8.elementsEqual(person.utf8) } : persons.contains(person)
        }
        func namesTheirDays(_ flag: Flag) -> Bool { flag.records.contains { key in Self.isDay(key) && isTheirs(Self.person(key)) } }
        // Only their participant records are read: the rest make flags of participants (several orgs' contracts),
        // which are kept.
        let again = Flags.compute(MergedState(), orgs: ledger.orgs, participants: ledger.participants.filter { isTheirs(Substring($0.value.personKey)) },
                                  days: ledger.entries.filter { isTheirs(Substring($0.personKey)) }, settings: settings)
            .filter(namesTheirDays)
        var gone = [Flag](), unchanged = [Flag]()
        for flag in kept {
            if namesTheirDays(flag) { gone.append(flag) } else { unchanged.append(flag) }
        }
        ledger.flagsMade = Flag.merged(unchanged, inserting: again)
        // The indexes over the flags: only the records and orgs these flags name change.
        if let byRecord = flagsByRecordMade {
            ledger.flagsByRecordMade = Self.patch(byRecord, removing: gone, inserting: again, keys: \.records)
        }
        if let byOrg = flagsByOrgMade {
            ledger.flagsByOrgMade = Self.patch(byOrg, removing: gone, inserting: again, keys: Self.orgs)
        }
        return ledger
    }

    /// `index` (lists of flags in `flags`' order) with the flags `gone` taken out and `added` put in their
    /// places, as `Flag.merged` puts them in `flags`.
    static func patch<Key: Hashable>(_ index: [Key: [Flag]], removing gone: [Flag], inserting added: [Flag],
                                     keys: (Flag) -> [Key]) -> [Key: [Flag]] {
        var index = index
        let goneSet = Set(gone)
        for key in Set(gone.flatMap(keys)) {
            index[key]?.removeAll { goneSet.contains($0) }
            if index[key]?.isEmpty == true { index[key] = nil }
        }
        for flag in added {
            for key in keys(flag) { index[key] = Flag.merged(index[key] ?? [], inserting: [flag]) }
        }
        return index
    }

    /// Each org's entries (by code), in `entries`' order: what one base's page and report read, rather
    /// than a district's 70,000. Made once per ledger, as the flags' indexes are; a `patched` ledger takes
    /// this one's, with the parts that changed made again.
    public var entriesByOrg: [String: [DayEntry]] {
        if let entriesByOrgMade { return entriesByOrgMade }
        let made = Dictionary(grouping: entries, by: \.org)
        entriesByOrgMade = made
        return made
    }
    private var entriesByOrgMade: [String: [DayEntry]]?

    /// The flags that name a record of each org, in `flags`' order (a flag naming two orgs is under both).
    public var flagsByOrg: [String: [Flag]] {
        if let flagsByOrgMade { return flagsByOrgMade }
        var index = [String: [Flag]]()
        for flag in flags { for org in Self.orgs(flag) { index[org, default: []].append(flag) } }
        flagsByOrgMade = index
        return index
    }
    private var flagsByOrgMade: [String: [Flag]]?

    /// The orgs whose records a flag names, each once.
    static func orgs(_ flag: Flag) -> [String] {
        var orgs = [String]()
        for key in flag.records {
            let org = MergedState.org(of: key)
            if !orgs.contains(org) { orgs.append(org) }
        }
        return orgs
    }

    /// Computes every part made on first use (the flags and the indexes over them and the entries) now:
    /// from then on the ledger is only read, so several threads may read it at once.
    public func finish() {
        _ = flagsByRecord
        _ = flagsByOrg
        _ = entriesByOrg
    }

    static func isDay(_ key: RecordKey) -> Bool { key.collection == .hours || key.collection == .lunches }

    /// The person an hours or lunch record belongs to (`ORG/PERSON/DATE`: the person's key, the same at every org).
    static func person(_ key: RecordKey) -> Substring {
        let id = key.id, slash = UInt8(ascii: "/")
        if let first = id.utf8.firstIndex(of: slash), let last = id.utf8.lastIndex(of: slash), first < last {
            let middle = id[id.utf8.index(after: first)..<last]
            if !middle.isEmpty && !middle.utf8.contains(slash) { return middle }
        }
        let parts = id.split(separator: "/")
        return parts.count == 3 ? parts[1] : Substring(id)
    }

    /// The entry of an hours or lunch record, if the ledger holds it.
    public func entry(_ key: RecordKey) -> DayEntry? {
        entries.first { $0.key == key }
    }

    /// The flags that name each record, in `flags`' order.
    public var flagsByRecord: [RecordKey: [Flag]] {
        if let flagsByRecordMade { return flagsByRecordMade }
        var index = [RecordKey: [Flag]]()
        for flag in flags { for key in flag.records { index[key, default: []].append(flag) } }
        flagsByRecordMade = index
        return index
    }
    private var flagsByRecordMade: [RecordKey: [Flag]]?

    /// The flags about `month` (all, if nil): those naming a record dated in it, and the undated ones
    /// that concern it — conflicts on participant and org records, and several-orgs contracts that overlap it.
    /// `org`: only the flags naming a record of that org.
    public func flags(month: String?, org: String? = nil) -> [Flag] {
        let flags = org.map { flagsByOrg[$0] ?? [] } ?? self.flags
        guard let month, let first = CivilDate(month + "-01") else { return flags }
        let last = Self.lastDay(of: first)
        return flags.filter { flag in
            let dates = flag.records.compactMap(NaturalKey.date(of:))
            if !dates.isEmpty { return dates.contains { $0.monthKey == month } }
            if flag.kind == .activeAtSeveralOrgs {
                let people = flag.records.compactMap { participants[$0.id] }
                return people.contains { p in
                    (p.contractStart.map { $0 <= last } ?? true) && (p.contractEnd.map { $0 >= first } ?? true)
                }
            }
            return true
        }
    }

    /// The hours or lunch records a short id (`ReviewRef`) names: one, or none; two only when their
    /// hashes collide on one day (then the caller refuses the id as ambiguous).
    public func keys(matching ref: String) -> [RecordKey] {
        guard let parsed = ReviewRef.parse(ref) else { return [] }
        return entries.lazy.map(\.key).filter { $0.collection == parsed.collection && $0.id.hasSuffix(parsed.date.description) && ReviewRef.make($0) == ref }.sorted()
    }

    /// The org's name as its record has it.
    public func orgName(_ code: String) -> String { orgs[code]?.name ?? "" }

    /// The orgs whose records the state holds, by code.
    public var orgCodes: [String] {
        Array(Set(orgs.keys).union(participants.values.map(\.org))).sorted()
    }

    /// The whole weeks (Monday to Sunday) a month's days fall in: what its report and flags read (a week
    /// limit looks at whole weeks). Nil if `month` is not YYYY-MM.
    public static func weeks(ofMonth month: String) -> ClosedRange<CivilDate>? {
        guard month.utf8.count == 7, let first = CivilDate(month + "-01") else { return nil }
        return first.weekStart...lastDay(of: first).weekStart.adding(days: 6)
    }

    /// The days of a month, first to last; nil if `month` is not YYYY-MM.
    public static func days(ofMonth month: String) -> ClosedRange<CivilDate>? {
        guard month.utf8.count == 7, let first = CivilDate(month + "-01") else { return nil }
        return first...lastDay(of: first)
    }

    /// The date in Shanghai (UTC+8 all year) at `secondsSince1970`: the "today" of future-date flags.
    public static func today(secondsSince1970: Double) -> CivilDate {
        CivilDate(dayNumber: Int32(((secondsSince1970 + 8 * 3600) / 86400).rounded(.down)))
    }

    /// The month before `month` (YYYY-MM), `count` months back.
    public static func month(_ month: String, minus count: Int) -> String {
        guard let first = CivilDate(month + "-01") else { return month }
        let (y, m, _) = first.parts
        let index = y * 12 + (m - 1) - count
        let year = index / 12, mo = index % 12 + 1
        return "\(year)-\(mo < 10 ? "0" : "")\(mo)"
    }

    static func lastDay(of first: CivilDate) -> CivilDate {
        let (y, m, _) = first.parts
        return (CivilDate(year: m == 12 ? y + 1 : y, month: m == 12 ? 1 : m + 1, day: 1) ?? first.adding(days: 31)).adding(days: -1)
    }

    /// A certificate number as the reader may see it: masked (category and level digits too) unless revealed.
    public static func show(_ certificate: CertificateNumber?, reveal: Bool) -> String {
        guard let certificate else { return "" }
        return reveal ? certificate.text : certificate.masked
    }
}

/// The short id `review list` shows for an hours or lunch record: `h` or `l`, the day, and 8 hex digits
/// of a 32-bit FNV-1a hash of the record id, e.g. `h20240304-3fa9c0d1`. The day in it lets a command read
/// that day only; two records of one day with the same hash are refused as ambiguous, never confused.
public enum ReviewRef {
    public static func make(_ key: RecordKey) -> String {
        let id = key.id.utf8
        let day = id.count >= 10 ? String(decoding: id.suffix(10).filter { $0 != UInt8(ascii: "-") }, as: UTF8.self) : ""
        return (key.collection == .lunches ? "l" : "h") + day + "-" + hash8(key.collection.rawValue.utf8, id)
    }

    /// A short reference to a participant for the page's URLs (`p` and 8 hex digits), so that person
    /// keys stay out of addresses, logs and browser histories: the page finds the participant among
    /// those it lists.
    public static func person(_ participantId: String) -> String { "p" + hash8(participantId.utf8) }

    /// 32 bits of FNV-1a over the bytes given, in 8 hex digits.
    static func hash8(_ parts: String.UTF8View...) -> String {
        var hash: UInt32 = 0x811c_9dc5
        for part in parts { for byte in part { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 } }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// The collection and day of a short id, or nil if `text` is not one.
    public static func parse(_ text: String) -> (collection: CollectionName, date: CivilDate)? {
        let chars = Array(text.utf8)
        guard chars.count == 18, chars[9] == UInt8(ascii: "-"),
              let collection: CollectionName = chars[0] == UInt8(ascii: "h") ? .hours : chars[0] == UInt8(ascii: "l") ? .lunches : nil,
              chars[10...].allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return nil }
        let digits = String(decoding: chars[1..<9], as: UTF8.self)
        guard let date = CivilDate("\(digits.prefix(4))-\(digits.dropFirst(4).prefix(2))-\(digits.suffix(2))") else { return nil }
        return (collection, date)
    }
}

/// Shanghai's districts by their 6-digit code (GB/T 2260), as pages and headings name them.
public enum Districts {
    public static let names = [
        "310101": "黄浦区", "310104": "徐汇区", "310105": "长宁区", "310106": "静安区", "310107": "普陀区", "310109": "虹口区",
        "310110": "杨浦区", "310112": "闵行区", "310113": "宝山区", "310114": "嘉定区", "310115": "浦东新区", "310116": "金山区",
        "310117": "松江区", "310118": "青浦区", "310120": "奉贤区", "310151": "崇明区",
    ]

    /// Why `code` is not a district an org or a reviewer may belong to (nil: it is one of the 16).
    public static func refusal(_ code: String) -> AdminMessage? {
        guard names[code] == nil else { return nil }
        return .notADistrict(code, known: names.sorted { $0.key < $1.key }.map { (code: $0.key, name: $0.value) })
    }

    /// The district's federation: `闵行区残联（310112）`, or `区残联（code）` for a code not listed.
    public static func federation(_ code: String) -> String { "\(names[code] ?? "区")残联（\(code)）" }
}
