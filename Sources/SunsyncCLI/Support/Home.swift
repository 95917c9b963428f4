import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncStore

/// Where a replica lives: `--home`, else `$SUNSYNC_HOME`, else `$XDG_DATA_HOME/sunsync`, else
/// `~/.local/share/sunsync`. The store is `store.sqlite` inside it.
struct Home {
    let directory: String
    let options: GlobalOptions
    var storePath: String { directory + "/store.sqlite" }
    /// The store's key, wrapped by the passphrase (`KeysFile`).
    var keysPath: String { directory + "/store.keys" }

    init(_ options: GlobalOptions) {
        self.options = options
        let env = ProcessInfo.processInfo.environment
        if let home = options.home ?? env["SUNSYNC_HOME"], !home.isEmpty {
            directory = home
        } else if let xdg = env["XDG_DATA_HOME"], !xdg.isEmpty {
            directory = xdg + "/sunsync"
        } else {
            directory = (env["HOME"] ?? NSHomeDirectory()) + "/.local/share/sunsync"
        }
    }

    /// Opens the store, or says how to create one.
    /// Makes the store and its folder private to their owner, and says what that changed (`Store.tighten`).
    func makePrivate() {
        for note in Store.tighten(storePath) { FileHandle.standardError.write(Data("sunsync: \(note)\n".utf8)) }
    }

    /// Opens the store, encrypted (asking for the passphrase once per working session, `unlock()`).
    /// A store from before encryption is encrypted in place first, once, with a passphrase chosen now.
    func open() throws -> Store {
        makePrivate()
        guard FileManager.default.fileExists(atPath: storePath) else {
            throw CLIError(.noStore(home: directory))
        }
        let key = try FileManager.default.fileExists(atPath: keysPath) ? unlock() : encryptInPlace()
        // Keys written but the store still in the clear: encrypting was cut short last time; finish it.
        if Store.isPlaintext(storePath) { try encrypt(with: key) }
        do {
            return try Store.open(at: storePath, key: key) {
                FileHandle.standardError.write(Data((say(.upgrading(storePath)) + "\n").utf8))
            }
        } catch where error.code == .wrongKey {
            KeyCache.drop((try? KeysFile.read(keysPath))?.store ?? "")
            throw CLIError(.keysOfAnotherStore(store: storePath, keys: keysPath))
        } catch {
            throw CLIError(error)
        }
    }

    /// Creates the encrypted store of a new home: a new random key, wrapped by a passphrase chosen now.
    func create(replica: ReplicaID, metadata: [String: String]) throws -> Store {
        guard !FileManager.default.fileExists(atPath: storePath) else {
            throw CLIError(.alreadyInitialized(home: directory))
        }
        let passphrase = try Passphrase.new(options, why: say(.choosePassphrase))
        let key = StoreKey.random(), keys = try KeysFile.wrap(key, passphrase: passphrase, store: KeysFile.newStoreID())
        try keys.write(to: keysPath)
        do {
            let store = try Store.create(at: storePath, replica: replica, metadata: metadata, key: key)
            KeyCache.put(key, keys.store)
            return store
        } catch {
            try? FileManager.default.removeItem(atPath: keysPath)
            throw CLIError(error)
        }
    }

    /// The store's key: kept from earlier in this working session, else unwrapped with the passphrase (and kept).
    func unlock() throws -> StoreKey {
        let keys = try KeysFile.read(keysPath)
        if let key = KeyCache.get(keys.store) { return key }
        let key = try keys.unwrap(passphrase: Passphrase.existing(options, for: directory))
        KeyCache.put(key, keys.store)
        return key
    }

    /// Meta key: the district's recovery key (public half, hex) as the server's last session gave it.
    static let recoveryKeyMeta = "recovery_key"

    /// Seals the store's key to the district's recovery key too, once the server has given one (at login
    /// and every sync; again when the district makes a new one), so the district can open this laptop's
    /// store if its passphrase is forgotten and nothing unsynced is lost.
    func sealForRecovery(_ store: Store) throws {
        guard let key = store.key, let text = try? store.meta(Self.recoveryKeyMeta), let publicKey = Hex.decode(text), publicKey.count == 32 else { return }
        let keys = try KeysFile.read(keysPath)
        guard keys.recovery?.publicKey != text else { return }
        try keys.sealed(key, toRecovery: publicKey).write(to: keysPath)
    }

    /// A store from before encryption: a passphrase chosen now, its keys file written, then the store encrypted.
    private func encryptInPlace() throws -> StoreKey {
        guard Store.isPlaintext(storePath) else {
            throw CLIError(.keysMissing(store: storePath, keys: keysPath))
        }
        do { try Store.checkPlaintext(storePath) } catch { throw CLIError("\(storePath): \(CLIError(error).message)") }
        let passphrase = try Passphrase.new(options, why: say(.encryptingNow))
        let key = StoreKey.random(), keys = try KeysFile.wrap(key, passphrase: passphrase, store: KeysFile.newStoreID())
        try keys.write(to: keysPath)
        KeyCache.put(key, keys.store)
        return key
    }

    private func encrypt(with key: StoreKey) throws {
        let started = ContinuousClock.now
        FileHandle.standardError.write(Data((say(.encrypting(storePath)) + "\n").utf8))
        let bytes: Int64
        do { bytes = try Store.encrypt(storePath, with: key) } catch { throw CLIError(.cannotEncrypt(store: storePath, reason: CLIError(error).message)) }
        FileHandle.standardError.write(Data((say(.encryptedIn(kib: bytes / 1024, time: started.duration(to: .now).formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))) + "\n").utf8))
    }
}

/// `SUNSYNC_TRACE=1`: how long the steps of a command take, on standard error.
enum Trace {
    static let on = ProcessInfo.processInfo.environment["SUNSYNC_TRACE"] != nil

    static func log(_ what: @autoclosure () -> String, since start: ContinuousClock.Instant) {
        guard on else { return }
        FileHandle.standardError.write(Data("\(what()): \(ContinuousClock.now - start), resident \(residentMB()) MB\n".utf8))
    }
}

/// This process's resident memory now (VmRSS), in MB.
private func residentMB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
}

/// What a command read, kept until the process ends: a command ends the process right after it
/// prints, and freeing a district's records one by one took 0.1-0.25 s for nothing (as compilers skip
/// freeing at exit). Only for the short-lived `sunsync` process.
enum KeepUntilExit {
    nonisolated(unsafe) private static var kept = [Any]()

    static func keep<T>(_ value: T) -> T {
        kept.append(value)
        return value
    }
}

/// The command line as given, for a reveal's record of what was shown: `--purpose` and `--home` left out,
/// and any certificate or ID number in it masked (`participant add --cert …`, `participant show <number>`).
enum Invocation {
    nonisolated(unsafe) static var arguments = [String]()

    static var described: String {
        var out = [String](), skip = false
        for argument in arguments {
            if skip { skip = false; continue }
            if argument == "--purpose" || argument == "--home" { skip = true; continue }
            if argument.hasPrefix("--purpose=") || argument.hasPrefix("--home=") { continue }
            out.append(masked(argument))
        }
        // Only what a record's text may hold (no control or bidirectional character: `Schema.checkText`).
        let text = out.joined(separator: " ").unicodeScalars.filter { scalar in
            let v = scalar.value
            return v >= 0x20 && !(0x7F...0x9F).contains(v) && !(0x202A...0x202E).contains(v) && !(0x2066...0x2069).contains(v)
        }
        return String(String.UnicodeScalarView(text.prefix(200)))
    }

    /// An argument with a run of 15 or more digits (a resident ID, a certificate number, a typo of one)
    /// is shown as the mask shows a certificate number.
    static func masked(_ argument: String) -> String {
        if argument.hasPrefix("-"), let equals = argument.firstIndex(of: "=") {
            return String(argument[...equals]) + masked(String(argument[argument.index(after: equals)...]))
        }
        var run = 0, longest = 0
        for c in argument.unicodeScalars {
            run = ("0"..."9").contains(c) ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest >= 15 ? CertificateNumber.mask(argument) : argument
    }
}

/// A session's view of the replica: the store, its org, and the merged records, read once.
struct Workspace {
    let store: Store
    /// The organization a base's laptop records for; nil on a reviewer's laptop, which sees a district.
    let org: String?
    let district: String?
    let options: GlobalOptions

    init(_ options: GlobalOptions) throws {
        self.options = options
        store = try Home(options).open()
        do {
            org = try store.meta("org")
            district = try store.meta("district")
        } catch { throw CLIError(error) }
        guard org != nil || district != nil else {
            throw CLIError(.noOrganization)
        }
        if options.reveal { try checkReveal() }
    }

    // MARK: Revealing (PIPL art. 51; GB/T 35273 §7.2, §11.3)

    /// Meta key: "true" while the server's last session said this device may reveal.
    static let mayRevealKey = "may_reveal"

    /// `--reveal` allowed: the administrator allowed this device (as its last session with the server
    /// said, kept for offline use), and the reveal states its purpose.
    func checkReveal() throws {
        guard (try? store.meta(Self.mayRevealKey)) == "true" else {
            let device = (try? store.meta("device")).flatMap { $0 }
            throw CLIError(.mayNotReveal(device: device))
        }
        guard let purpose = options.purpose, !purpose.allSatisfy(\.isWhitespace) else {
            throw CLIError(.revealNeedsPurpose)
        }
        do { try Schema.checkText(purpose, multiline: false) } catch { throw CLIError("--purpose: \(CLIError(error).message)") }
    }

    /// Records that the full numbers of `participants` (participant ids) were shown, as `reveals` records
    /// that sync like any change: called before the output is written, so nothing is shown unrecorded.
    /// `participants` is read only when revealing: the listings that call this are a district's month.
    func revealed(_ participants: @autoclosure () -> [String]) throws {
        guard options.reveal, let purpose = options.purpose else { return }
        let ids = Array(Set(participants()))
        guard !ids.isEmpty else { return }
        var rng = SystemRandomNumberGenerator()
        let records = Reveal.records(of: ids, purpose: purpose, what: Invocation.described) {
            String(rng.next() | 1 << 63, radix: 16)
        }
        do {
            try store.write { tx in
                for (key, fields) in records {
                    for (field, value) in fields.sorted(by: { $0.key < $1.key }) { try tx.write(key, field, value, pred: []) }
                }
            }
        } catch { throw CLIError(.cannotRecordReveal(reason: CLIError(error).message)) }
    }

    /// The org to record for, or a refusal on a reviewer's laptop.
    func staffOrg() throws -> String {
        guard let org else {
            throw CLIError(.reviewersLaptop(district: district ?? "?"))
        }
        return org
    }

    /// The district a reviewer's laptop reviews, or a refusal on a base's laptop.
    func reviewer() throws -> String {
        guard org == nil, let district else {
            throw CLIError(.notAReviewer(org: org ?? "?"))
        }
        return district
    }

    func state(_ collections: [CollectionName]? = nil) throws -> MergedState {
        do { return KeepUntilExit.keep(try store.mergedState(collections)) } catch { throw CLIError(error) }
    }

    /// The read model of the hours and lunches dated `days` (all, if nil) with every organization and
    /// participant: the days as the store keeps them (`Store.dayEntries`), not merged again.
    func ledger(days: ClosedRange<CivilDate>?) throws -> Ledger {
        let started = ContinuousClock.now
        defer { Trace.log("read \(days.map { "\($0.lowerBound)…\($0.upperBound)" } ?? "every day")", since: started) }
        do {
            let directory = try store.mergedState([.orgs, .participants]), entries = try store.dayEntries(days: days)
            return Ledger(directory: KeepUntilExit.keep(directory), entries: entries, settings: settings, scopeOrg: org)
        } catch { throw CLIError(error) }
    }

    /// A month's whole weeks: what a month's listing, report or flags need (a weekly limit looks at whole weeks).
    func ledger(month: String) throws -> Ledger {
        try ledger(days: DateInput.weeks(ofMonth: month))
    }

    /// The days of the month itself: for what needs no flags (the payment report).
    func ledger(daysOf month: String) throws -> Ledger {
        guard let days = Ledger.days(ofMonth: month) else { throw CLIError(.notAMonth(month)) }
        return try ledger(days: days)
    }

    /// Organizations and participants, and the hours and lunch records in conflict (found by their
    /// entries, read whole): what `conflicts` and `resolve` need, without merging a district's year.
    func conflictState() throws -> MergedState {
        let ledger = try ledger(days: nil)
        var state = ledger.state
        do {
            for entry in ledger.entries where entry.hasConflict { state.replace(entry.key, with: try store.record(entry.key)) }
        } catch { throw CLIError(error) }
        return state
    }

    /// The rules the server distributed (saved at every sync and login), else the defaults, with today.
    var settings: FlagSettings {
        FlagSettings(today: DateInput.today().description, rules: (try? store.rules()) ?? Rules())
    }

    /// The devices the server named for this laptop's scope (meta `device_names`, saved at every sync).
    var deviceNames: DeviceNames {
        let labels = (try? store.meta(Self.deviceNamesKey)).flatMap { $0 }
            .flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
        return DeviceNames(labels ?? [:])
    }

    static let deviceNamesKey = "device_names"

    /// Whether this laptop sees several organizations (a reviewer's): listings then name the org.
    var isDistrict: Bool { org == nil }

    /// Runs a local write; model refusals come back as messages that say what to fix.
    /// Only a base's laptop records; a reviewer's would only see its changes refused at sync.
    @discardableResult
    func write(_ body: (inout Transaction) throws -> Void) throws -> [Op] {
        let org = try staffOrg()
        // An org the district retired takes no new entries (the server would refuse them: org_inactive).
        if let record = try? store.record(RecordKey(collection: .orgs, id: org)), let retired = Organization(key: RecordKey(collection: .orgs, id: org), record: record),
           !retired.active {
            throw CLIError(.orgRetired(org: org, name: retired.name))
        }
        do { return try store.write(body) } catch { throw CLIError(error) }
    }

    /// Certificate and ID numbers as the reader may see them.
    func show(_ certificate: CertificateNumber?) -> String { Ledger.show(certificate, reveal: options.reveal) }

    /// A participant as a success line names them: two people may share a name, never a number
    /// (masked: a success line is no place to reveal).
    func who(_ p: Participant) -> String {
        say(.who(name: p.name ?? p.key.id, certificate: Ledger.show(p.certificate, reveal: false)))
    }
}
