import SunsyncModel

/// English, for those who ask for it (`--lang en`, `LANG=en_…`).
public struct English: Words {
    public init() {}

    public func field(_ name: String) -> String { name }

    public func skip(_ skip: ReviewSkip) -> String {
        switch skip {
        case .deleted: "deleted by the base; nothing to decide"
        case .inConflict: "its content is in conflict: the base resolves it first"
        case .already(let verdict): "already \(verdict.rawValue)"
        case .changedSinceShown: "the base changed it since the page was shown; look at it again"
        case .noHoursThatDay: "a lunch with no hours recorded that day cannot be approved (a lunch is paid with its day's hours)"
        case .hoursRejected: "that day's hours were rejected: approve the hours first, or reject the lunch too"
        }
    }

    /// The server's own reason says it in English already.
    public func refusal(_ code: String) -> String? { nil }

    public func problem(_ problem: ModelError.Problem) -> String { problem.english }

    public func flag(_ reason: Flag.Reason) -> String {
        switch reason {
        case .conflict(let fields):
            "concurrent edits of \(list(fields)) disagree; choose a value"
        case .notRegisteredWhole(let name, let missing):
            "\(name) is not registered whole: no \(list(missing))"
        case .daysOfPartialRecord(let name, let missing, let days):
            "\(name) is not registered whole (no \(list(missing))): \(self.days(days))"
        case .daysOfUnregistered(let participant, let org, let days):
            "no participant \(participant) is registered at \(org): \(self.days(days))"
        case .weeklyOverLimit(let name, let minutes, let week, let limit):
            "\(name): \(Quantity.hours(minutes)) h in the week of \(week), above the 非全日制 limit of \(Quantity.hours(limit)) h"
        case .lunchWithoutHours(let date):
            "lunch on \(date) with no hours worked that day"
        case .lunchAboveRate(let fen, let date, let org, let rate):
            "lunch of \(Quantity.yuan(fen)) yuan on \(date) is above \(org)'s rate of \(Quantity.yuan(rate)) yuan"
        case .futureDate(let today, let days):
            "dated after today (\(today)): \(self.days(days))"
        case .outsideContract(let start, let end, let days):
            "work outside the contract (\(start?.description ?? "…") to \(end?.description ?? "…")): \(self.days(days))"
        case .outsideWorkingAge(let minimum, let maximum, let male, let born, let days):
            "work outside the working ages (\(minimum) to \(RetirementAges.describe(months: maximum)) for \(male == true ? "a man" : "a woman") born \(born)): \(self.days(days))"
        case .lunchAtSeveralOrgs(let date, let orgs):
            "one person's lunch claimed on \(date) at \(list(orgs)) (政策不重复享受)"
        case .hoursAtSeveralOrgs(let date, let orgs):
            "one person's hours recorded on \(date) at \(list(orgs))"
        case .activeAtSeveralOrgs(let orgs):
            "one person active under overlapping contracts at \(list(orgs))"
        }
    }

    public var overview: String {
        """
        Everything works with no network: the records live in a local store under --home, encrypted; its
        passphrase (口令) is asked once per working session (`sunsync lock` ends it).
        With the district's server, start with `sunsync login --server <address> --token <token>`; alone,
        offline, with `sunsync init --org CODE`. Register participants with `sunsync participant add`,
        then record days with `sunsync hours set` and `sunsync lunch set`.
        Listing commands take --json for scripts; certificate numbers are masked unless --reveal is given.
        Messages are Chinese unless --lang en or LANG=en_… asks for English.
        """
    }

    public func help(_ help: Help) -> String {
        switch help {
        case .home: "The folder holding the local store (default: $SUNSYNC_HOME, else $XDG_DATA_HOME/sunsync)."
        case .json: "Print one JSON document (stable snake_case keys) instead of a table."
        case .reveal: "Show certificate and ID numbers in full instead of masked (310112**********3X**: category and level hidden too). Only on a laptop the administrator allowed; needs --purpose, and is recorded."
        case .purpose: "Why the full numbers are needed (with --reveal; recorded with the reveal, which the district sees)."
        case .passphraseFile: "Read the store's passphrase from the first line of this file (else $SUNSYNC_PASSPHRASE, else it is asked once per working session)."
        case .wide: "Tables with every column, headed in Chinese and English (by default they fit the terminal: 80 columns)."
        case .lang: "The language of messages: zh (default) or en (also chosen by LANG=en_…)."
        case .anyway: "Record the day although it is in the future, outside the contract, or the participant is no longer active (needs --reason; reviewers see it flagged)."
        case .reason: "With --anyway: why it is right all the same (kept as the day's note)."
        case .who: "The participant: a certificate number, resident ID, or unambiguous name."
        case .day: "The day: YYYY-MM-DD, today or yesterday."
        case .onlyMonth: "Only this month."
        case .onlyParticipant: "Only this participant (certificate number, resident ID or name)."
        case .includeDeleted: "Include cleared (deleted) days."
        case .hoursWorked: "Hours worked: 3.5, 3h30m or 210m."
        case .project: "The work project (劳动项目)."
        case .note: "A note."
        case .amount: "The amount in yuan: 15, 15.50 or ¥15."
        case .contract: "part-time (非全日制) or full-time (全日制)."
        case .contractStart: "Contract start date."
        case .contractEnd: "Contract end date."
        case .name: "The participant's name (姓名)."
        case .cert: "The disability certificate number (残疾人证号): 20 characters, maybe ending B1, B2, …"
        case .allParticipants: "Include deactivated participants."
        case .participantRef: "A certificate number, resident ID, or unambiguous name."
        case .newName: "New name."
        case .newCert: "New certificate number (same person: category, level or a B1 reissue suffix may change)."
        case .server: "The server's address, e.g. https://sync.example.org"
        case .token: "The device token (starts with sst_)."
        case .insecureHTTP: "Allow http:// to another machine: the token and the records cross the network in clear."
        case .ca: "The district's certificate authority (ca.pem from `sunsync-server tls init`): kept in the home and trusted alone for this server."
        case .backupToRestore: "The backup to restore."
        case .backupFile: "The new file to write (never overwritten)."
        case .conflictRef: "The conflict's ref from `sunsync conflicts`."
        case .keepValue: "The value to keep, as shown, or its op id."
        case .flagsMonth: "Only flags about this month (also undated ones that concern it: conflicts on participants, overlapping contracts)."
        case .flagsOrg: "Only flags about this organization (a reviewer's laptop)."
        case .onlyDay: "Only this day."
        case .lunchRate: "The daily lunch subsidy (午餐费补贴) in yuan, used when `lunch set` has no --amount."
        case .orgCode: "The organization's code, as the district federation registered it (A-Z, 0-9, '-')."
        case .orgName: "The organization's name, shown in reports."
        case .reportOrgReviewer: "Only this organization (a reviewer's laptop)."
        case .onlyOrg: "Only this organization."
        case .theMonth: "The month."
        case .sheetOrg: "The organization (on a reviewer's laptop, which holds several)."
        case .outputFile: "Write to this file instead of standard output."
        case .reportFormat: "table, csv or json (--json is the same as --format json)."
        case .decisionNote: "A note kept with the decision."
        case .wholeOrgMonth: "Every record of this organization's month that waits for review (with --month)."
        case .flaggedOnly: "Only records with a flag or a conflict."
        case .recordIDs: "Record ids as `review list` shows them."
        case .monthWithOrg: "The month, with --org."
        case .recordID: "The record's id as `review list` shows it."
        case .rejectReason: "Why: the base sees it beside the day."
        case .unflagged: "With --org and --month: skip records with a flag or a conflict."
        case .reviewStatus: "needs-review, approved or rejected."
        case .exportMonth: "Only this month (hours and lunches)."
        case .template: "Print an empty sheet of this kind instead of importing."
        case .csvFile: "The CSV file."
        case .importKind: "What the file holds: participants, hours or lunches."
        case .exportFormat: "csv or json."
        case .exportKind: "participants, hours or lunches."
        }
    }

    public func abstract(_ command: Command) -> String {
        switch command {
        case .sunsync: "Record 阳光基地 working hours (工时) and lunch subsidies (午餐费补贴) offline."
        case .initialize: "Create the local store for one organization (阳光基地 or 扶残涉农经济组织)."
        case .participant: "Register and look after participants (援助对象)."
        case .participantAdd: "Register a participant."
        case .participantList: "List participants (active ones unless --all)."
        case .participantShow: "Show one participant and their recent months."
        case .participantEdit: "Change a participant's name, certificate (re-assessment or reissue) or contract."
        case .participantDeactivate: "Mark a participant as no longer active (their records stay)."
        case .participantActivate: "Mark a deactivated participant active again."
        case .hours: "Record working hours (工时), one record per participant and day."
        case .hoursSet: "Record (or correct) a participant's hours for one day."
        case .hoursClear: "Delete a day's hours (kept in the history; setting them again restores the day)."
        case .hoursList: "List recorded hours."
        case .lunch: "Record lunch subsidies (午餐费补贴), at most one per participant and day."
        case .lunchSet: "Record a participant's lunch for one day."
        case .lunchClear: "Delete a day's lunch (kept in the history)."
        case .lunchList: "List recorded lunches."
        case .importSheet: "Import a spreadsheet (CSV): participants, hours or lunches. All rows or none."
        case .exportSheet: "Export participants, hours or lunches as CSV (opens in Excel) or JSON."
        case .report: "Monthly and payment reports."
        case .reportMonthly: "One month per participant: days worked, hours, lunches, review progress, open conflicts and flags."
        case .reportPayments: "What to pay for a month: approved hours and approved lunches per organization and participant."
        case .reportSheet: "A base's monthly attendance sheet (考勤表) to print and sign, as a page (A4 landscape)."
        case .review: "Review hours and lunches (审核): list, show, approve, reject. On a reviewer's laptop; works offline."
        case .reviewList: "Hours and lunch records with their review status, flags and conflicts, one row each."
        case .reviewShow: "One record: its content, flags, conflicts, decisions and full history."
        case .reviewApprove: "Approve records: by id, or every record of one organization's month that waits for review."
        case .reviewReject: "Reject records, with the reason the base will see (已退回)."
        case .conflicts: "List fields where concurrent edits left different values (冲突)."
        case .resolve: "Resolve a conflict by keeping one of its values."
        case .history: "Every change to a participant's records: when, which replica, old → new (the audit trail)."
        case .flags: "Things a reviewer will ask about: weekly part-time limit, lunch without hours, conflicts, dates outside the contract …"
        case .status: "The replica: organization, counts, changes waiting to sync."
        case .login: "Link this laptop to a sync server with the token its administrator gave it."
        case .sync: "Send this laptop's changes to the server and receive everyone else's."
        case .rejected: "Changes the server refused, with its reasons. They stay in this laptop's records and are not sent again."
        case .verify: "Check every change this laptop holds against the signature of the device that made it."
        case .backup: "Copy the local store to a new file (a USB stick, before a repair), records and unsynced changes alike."
        case .restore: "Put a backup made by `sunsync backup` in place of the local store."
        case .lock: "Lock this laptop's store: the next command asks for the passphrase (口令) again."
        case .unlock: "Unlock this laptop's store for the working day: asks the passphrase once (10 hours, or until `sunsync lock`)."
        case .passphrase: "Change the passphrase (口令) that opens this laptop's store."
        }
    }

    public func say(_ message: Message) -> String {
        switch message {
        case .error(let text): "Error: " + text
        case .hoursRecorded(let who, let date, let hours, let unchanged): "\(who) \(date): \(hours) h\(unchanged ? " (unchanged)" : "")"
        case .lunchRecorded(let who, let date, let yuan, let unchanged): "\(who) \(date): lunch \(yuan) yuan\(unchanged ? " (unchanged)" : "")"
        case .dayCleared(let day, let who, let date):
            "Cleared \(noun(day)) of \(who) on \(date) (kept in history; `\(day == .hours ? "hours" : "lunch") set` restores it)"
        case .nothingToClear(let day, let name, let date): "no \(noun(day)) recorded for \(name) on \(date); nothing to clear"
        case .daysTotal(let day, let count, let total, let rejected):
            "\(count) days, total \(total) \(day == .hours ? "h" : "yuan")"
                + (rejected > 0 ? "; \(rejected) 已退回 rejected by the reviewer (see the reason; correct the day, and it goes back for review)" : "")
        case .noDays(let day, let month): "No \(noun(day)) recorded\(month.map { " in \($0)" } ?? "")."
        case .afterToday(let date, let today): "\(date) is after today (\(today))"
        case .noLongerActive(let name): "\(name) is marked no longer active (`sunsync participant activate` if they are back)"
        case .outsideContract(let date, let name, let start, let end):
            "\(date) is outside \(name)'s contract (\(start?.description ?? "…") to \(end?.description ?? "…"))"
        case .notRecorded(let doubts): "not recorded: " + doubts.joined(separator: "; ") + ". If it is right all the same, add --anyway --reason \"…\" (reviewers see it flagged)."
        case .anywayNeedsReason(let doubts): "--anyway needs --reason \"…\": say why it is right, for the reviewer (" + doubts.joined(separator: "; ") + ")"
        case .anywayNotNeeded: "--anyway is only for a day that would be refused; this one is not: leave it out"
        case .notRegisteredWhole(let name, let missing):
            "\(name) is not registered whole: no \(missing.map(option).joined(separator: ", "))."
                + " The server refuses days of such a participant and they are never paid; complete the registration first:"
                + " sunsync participant edit \(name) --start YYYY-MM-DD"
        case .lunchRateUnknown: "give --amount: the organization's lunch rate is not known yet (set it with `sunsync init --lunch-rate`, or sync)"
        case .notADate(let text, let forms, let words): "'\(text)' is not a real date: write it as \(forms)\(words ? " (or today, yesterday)" : "")"
        case .notAMonth(let text): "'\(text)' is not a month: write it as YYYY-MM, e.g. 2024-03 (or 2024-3)"
        case .notHours(let text, let forms): "cannot read '\(text)' as hours: write \(forms)"
        case .zeroHours: "0 hours is not a day worked: to remove a day's hours, use `sunsync hours clear <who> <date>`"
        case .tooManyHours(let text): "\(text) h is not possible in one day (at most 24 h); check the entry"
        case .notYuan(let text, let forms): "cannot read '\(text)' as yuan: write \(forms)"
        case .negativeYuan(let text): "an amount cannot be negative (\(text) yuan)"
        case .noParticipant(let text, let org, let near):
            "no participant named or numbered '\(text)'\(org.map { " at " + $0 } ?? "")"
                + (near.isEmpty ? "; " : "; did you mean \(near.map { "'\($0)'" }.joined(separator: " or "))? ")
                + "`sunsync participant list` shows who is registered"
        case .sameName(let count, let name, let numbers): "\(count) participants are named \(name) (\(numbers)); give the certificate number instead"
        case .maskedMatchesSeveral(let text, let count): "\(text) matches \(count) participants; give the full certificate number"
        case .noMaskedMatch(let text): "no participant's certificate number looks like \(text)"
        case .registeredAtSeveral(let ref, let orgs): "\(ref) is registered at \(orgs.joined(separator: ", ")); give the participant id (ORG/…) instead"
        case .noCertificate(let ref, let org): "no participant with certificate \(ref)\(org.map { " at " + $0 } ?? ""); register them with `sunsync participant add`"
        case .keysOfAnotherStore(let store, let keys): "\(store) does not open with the key in \(keys): the keys file belongs to another store (restore both from one backup)"
        case .alreadyInitialized(let home): "\(home) is already initialized; use another --home for another organization"
        case .keysMissing(let store, let keys): "\(store) is not a Sunsync store this laptop can open: an encrypted store whose keys file \(keys) is missing (put back the store.keys that was beside it; a backup FILE has FILE.keys beside it), or not a store at all"
        case .cannotEncrypt(let store, let reason): "cannot encrypt \(store): \(reason). The store was left as it was"
        case .mayNotReveal(let device): "this laptop may not show full 残疾人证号 (--reveal): the district's administrator allows it per device, with `sunsync-server device edit \(device ?? "<this device's name>") --may-reveal`; the next `sunsync sync` (or `sunsync login`) brings the permission here." + (device == nil ? " This home was made by `sunsync init` and has never signed in to a server: `sunsync login` first." : "")
        case .revealNeedsPurpose: "--reveal needs --purpose: say why the full numbers are needed (it is recorded, and the district sees it), e.g. --purpose 核对残疾人证"
        case .cannotRecordReveal(let reason): "cannot record the reveal, so nothing is shown: \(reason)"
        case .reviewersLaptop(let district): "this is a reviewer's laptop (district \(district)); records are entered on a base's laptop"
        case .notAReviewer(let org): "review decisions are made on the district federation's (区残联) laptop; this laptop records for \(org), and the server refuses review fields from base staff. `sunsync hours list` shows the reviewer's decisions"
        case .orgRetired(let org, let name): "\(org)\(name.map { " (\($0))" } ?? "") was retired by the district: it takes no new entries. If it still works, ask the district's administrator to run `sunsync-server org activate \(org)`, then `sunsync sync`"
        case .lockedNoTerminal: "this laptop's store is locked and there is no terminal to ask for its passphrase: run `sunsync unlock` first, or give it with SUNSYNC_PASSPHRASE or --passphrase-file"
        case .passphrasesDiffer: "the two passphrases differ; nothing was changed. Run the command again"
        case .passphraseTooShort(let minimum): "a passphrase needs at least \(minimum) characters (Chinese characters count one each); nothing was changed"
        case .cannotReadPassphraseFile(let file): "cannot read the passphrase file \(file)"
        case .longList: "A long list: narrow it with --org CODE, --month YYYY-MM, --flagged or --status needs-review (`sunsync report monthly --month M` shows where to look first)."
        case .notARecordID(let id): "'\(id)' is not a record id: use the id `sunsync review list` shows, like h20240304-3fa9c0d1"
        case .decided(let approved, let count): "\(approved ? "Approved (已通过)" : "Rejected (已退回)") \(count) record\(count == 1 ? "" : "s")." + (count == 0 ? "" : " They reach the bases at the next `sunsync sync`.")
        case .skipped(let n): "Skipped \(n):"
        case .nothingDecided(let approved): "nothing was \(approved ? "approved" : "rejected"): every record asked for was skipped, for the reasons above"
        case .notAContract(let text): "--contract '\(text)': use part-time (非全日制) or full-time (全日制)"
        case .contractEndsBeforeStart(let end, let start): "the contract ends (\(end)) before it starts (\(start))"
        case .noConflict(let ref): "no open conflict '\(ref)'; `sunsync conflicts` lists them"
        case .notOneOfTheValues(let keep, let values): "'\(keep)' is not one of the values: \(values.joined(separator: ", "))"
        case .conflictChanged: "the conflict changed while resolving; run `sunsync conflicts` again"
        case .kept(let value, let name, let date, let field): "Kept \(value) for \(name) \(date) \(field)"
        case .nothingToLock(let home): "\(home) holds no encrypted store (no store.keys): nothing to lock"
        case .noKeyring: "The store opens with that passphrase, but this machine's kernel keyring is not available (a container?): each sunsync command will ask for it again (or read SUNSYNC_PASSPHRASE / --passphrase-file)."
        case .encryptedNow: "The store is encrypted now, with the passphrase just chosen."
        case .cannotWrite(let file): "cannot write \(file): check that its folder exists and is writable"
        case .notText: "the file is neither UTF-8 nor GB18030/GBK text; save it from Excel as \"CSV UTF-8\""
        case .cannotCreate(let dir, let reason): "cannot create \(dir): \(reason)"
        case .cannotRead(let file, let reason): "cannot read \(file): \(reason)"
        case .badRows(let file, let rows):
            "\(file): \(rows.count) bad row\(rows.count == 1 ? "" : "s"); nothing was imported. Fix these and import again:\n" + rows.prefix(200).map { "  line \($0.line): \($0.message)" }.joined(separator: "\n")
                + (rows.count > 200 ? "\n  … and \(rows.count - 200) more" : "")
        case .imported(let rows, let kind, let file, let changes): "Imported \(rows) \(kind) row\(rows == 1 ? "" : "s") from \(file) (\(changes) changes)"
        case .emptyFile(let kind): "the file is empty; `sunsync import --template \(kind)` shows the columns"
        case .missingColumns(let missing, let expected): "the header row (line 1) has no column for \(missing.joined(separator: ", ")); expected columns like: \(expected.joined(separator: ","))"
        case .needsWhoColumn: "the header row needs 姓名 (name) or 残疾人证号 (cert) to know whose row it is"
        case .samePersonAsLine(let line): "the same person as line \(line)"
        case .noDate: "no date"
        case .dayOnLine(let name, let date, let line): "\(name) on \(date) already appears on line \(line)"
        case .noName: "no name (姓名)"
        case .noCertificateNumber: "no certificate number (残疾人证号)"
        case .maskedCertificate(let text): "the certificate number is masked (\(text)); export with --reveal to re-import participants"
        case .notAContractCell(let text): "合同 '\(text)': use part-time (非全日制) or full-time (全日制)"
        case .noHours: "no hours (工时)"
        case .impossibleHours(let hours): "\(hours) h is not possible in one day (0 to 24 h)"
        case .noAmount: "no amount (金额), and the org's lunch rate is not known"
        case .textTooLong(let count, let maximum): "a text of \(count) characters is longer than \(maximum)"
        case .cannotWriteBecause(let file, let reason): "cannot write \(file): \(reason)"
        case .backupExists(let file): "\(file).keys already exists; a backup never overwrites a file: give a new name"
        case .backedUp(let changes, let pending, let file, let kib): "Backed up \(changes) changes (\(pending) not yet synced) to \(file) (\(kib) KiB, encrypted) and its key to \(file).keys."
        case .noSuchFile(let file): "\(file) does not exist"
        case .isAFolder(let file): "\(file) is a folder; give the backup file"
        case .restoredPlain(let file, let home, let aside): "Restored \(file), a backup made before stores were encrypted, into \(home); the store is encrypted now." + (aside.map { " The store it replaced is in \($0)." } ?? "")
        case .syncAfterRestore: "Run `sunsync sync` to get back what this laptop sent after the backup."
        case .backupKeysMissing(let file): "\(file).keys is missing: a backup opens only with the keys file `sunsync backup` wrote beside it"
        case .restored(let file, let home, let aside): "Restored \(file) into \(home).\(aside.map { " The store it replaced is in \($0)." } ?? "")"
        case .notLinked: "this laptop is not linked to a server: run `sunsync login --server URL --token TOKEN` (the administrator gives the token)"
        case .notAServerAddress(let server): "'\(server)' is not a server address: write it like https://sync.example.org or http://127.0.0.1:8080"
        case .plainHTTP(let server): "\(server) is plain HTTP to another machine: the token and every certificate number would cross the network in clear. Use https:// (ask the administrator for the server's HTTPS address), or give --insecure-http to do it anyway"
        case .caNeedsHTTPS(let server): "--ca is for an https:// server; \(server) is plain HTTP"
        case .notAPEM(let file): "\(file) is not a certificate in PEM form (the ca.pem `sunsync-server tls init` wrote)"
        case .loginFailed(let reason, let certificate): "login failed: \(reason)" + (certificate ? ". A district server with its own certificate authority: give its ca.pem with --ca" : "")
        case .tokenForAnotherOrg(let token, let laptop): "the token is for \(token), but this laptop records for \(laptop ?? "a district"); use the token for this laptop's organization"
        case .tokenForAnotherDistrict(let district, let org): "the token is a reviewer's for district \(district); this home is \(org.map { "a base's (\($0))" } ?? "another district's")"
        case .noKeyList: "this laptop has no list of signing keys yet: run `sunsync sync` first"
        case .verified(let signed, let batches, let unsigned): "All \(signed) signed changes in \(batches) batches verify." + (unsigned > 0 ? " \(unsigned) changes were received before signatures began (or rewritten when person keys changed), or wait to be sent, and carry none." : "")
        case .failVerification(let n): "\(n) changes fail verification"
        case .storeTampered(let n): "\(n) changes fail verification: this laptop's store was changed outside sunsync; restore it from a backup (`sunsync restore`), or make a new home and `sunsync login` again"
        case .choosePassphrase: "This laptop's records are kept encrypted. Choose a passphrase (口令) to open them; you type it once a working session."
        case .encryptingNow: "This laptop's store is not encrypted yet (made by an earlier sunsync): it will be now, once. Choose a passphrase (口令) to open it."
        case .chooseNewPassphrase: "Choose the new passphrase (口令) (scripts: SUNSYNC_NEW_PASSPHRASE)."
        case .noTerminalForPassphrase(let why): "\(why) There is no terminal to ask for one: give it with SUNSYNC_PASSPHRASE or --passphrase-file"
        case .giveOrg(let orgs): "give --org: this laptop holds \(orgs.count) organizations (\(orgs.prefix(8).joined(separator: ", ")))"
        case .otherOrg(let scope, let org): "this laptop records for \(scope) only; --org \(org) is another organization"
        case .noSuchOrg(let org, let held): "no organization \(org) on this laptop; it holds \(held.joined(separator: ", ")) (sync to receive new ones)"
        case .upgrading(let path): "Upgrading the store at \(path) to this version of sunsync (once)…"
        case .encrypting(let path): "Encrypting the store at \(path) (once; nothing else may use it meanwhile)…"
        case .encryptedIn(let kib, let time): "Encrypted \(kib) KiB in \(time)."
        case .noOrganization: "the store has no organization; it was not created by `sunsync init` or `sunsync login`"
        case .sheetWritten(let n): "\(n) participants; print it on A4 landscape."
        case .wrote(let file): "Wrote \(file)"
        case .keyNotRegistered(let reason): "Warning: this laptop's signing key is not registered yet (\(reason)); `sunsync sync` will try again."
        case .notACommand(let typed, let near, let commands): "'\(typed)' is not a sunsync command." + (near.map { " Did you mean `sunsync \($0)`?" } ?? "") + " `sunsync --help` lists them: " + commands.joined(separator: ", ") + "."
        case .readsAsOption(let argument, let after): "'\(argument)' after \(after) reads as an option: write \(after)=\(argument)"
        case .negativeNumber(let argument): "'\(argument)' is a negative number: hours, lunch amounts and rates cannot be below 0. To take a day's hours or lunch away, use `sunsync hours clear` or `sunsync lunch clear`."
        case .serverRefused(let detail, let code): "the server refused: \(detail) (\(code))"
        case .serverBusy(let detail, let code, let seconds): "the server cannot take it now: \(detail) (\(code)); it asked to try again in \(seconds) s"
        case .cannotReach(let message): "cannot reach the server: \(message)"
        case .untrustedChanges(let message): "the server sent changes that fail their signatures: \(message). Nothing of them was applied; the server's database may have been altered: tell its administrator (`sunsync-server verify` names every such change)"
        case .netSilent(let at, let seconds): "the server at \(at) accepted the connection but sent nothing for \(seconds) s (a captive portal, a hotspot that lost its uplink, or an overloaded server)"
        case .netClosedEarly(let at): "the server at \(at) closed the connection before it finished answering"
        case .netClosedWithoutAnswer(let at, let tls): "the server at \(at) closed the connection without answering" + (tls ? "" : ": if it serves HTTPS, use https:// in the address")
        case .netNoAnswer(let at, let seconds): "no answer from \(at) within \(seconds) s: check the network (Wi-Fi, hotspot) and the server address"
        case .netNoDNS(let host): "cannot find the server '\(host)' (DNS): check the address, and that this laptop is online"
        case .netRefused(let host, let port): "\(host) refused the connection on port \(port): no Sunsync server listens there (is it running? is the port right?)"
        case .netNoRoute(let host): "no route to \(host): this laptop is not on a network that reaches the server"
        case .netNotHTTPS(let at): "the server at \(at) does not speak HTTPS: use http:// in the address (`sunsync login --server http://…`), or turn on TLS on the server"
        case .netUntrustedCertificate: "the server's certificate is not trusted by this laptop (self-signed, expired, or for another name): install its certificate authority, or check the address"
        case .netTLSFailed(let at, let reason): "the secure connection (TLS) to \(at) failed: \(reason)"
        case .netNotPlainHTTP(let at): "the server at \(at) does not speak plain HTTP (an HTTPS server?): use https:// in the address"
        case .netFailed(let at, let reason): "the connection to \(at) failed: \(reason)"
        case .noFlags(let month): "No flags\(month.map { " in \($0)" } ?? "")."
        case .nothingToList(let month, let org): "Nothing to list\(month.map { " in \($0)" } ?? "")\(org.map { " for \($0)" } ?? "")."
        case .noChanges: "No changes recorded."
        case .noConflicts: "No conflicts."
        case .noRefused: "No refused changes."
        case .noParticipants: "No participants yet: add one with `sunsync participant add --name … --cert … --start YYYY-MM-DD`"
        case .wrongPassphrase: "wrong passphrase: this home's store does not open with it (try again; if it is forgotten, the district's administrator can recover the store)"
        case .storeInUse: "the store is in use by another sunsync command; try again when it has finished"
        case .diskFull: "the disk holding the database is full: nothing of this change was written; free some space and do it again"
        case .storeReadOnly: "cannot write the database file: nothing of this change was written; check that the file and its folder may be written (permissions, a read-only disk) and do it again"
        case .locked(let home, let already): already ? "\(home) was locked already." : "Locked \(home): the next sunsync command asks for the passphrase."
        case .participantChanged(let who, let fields): fields.isEmpty ? "No change: \(who) already has those values" : "Updated \(who): \(fields.joined(separator: ", "))"
        case .idsOrOrgMonth(let verb): "give the ids to \(verb), or --org CODE --month YYYY-MM for one organization's month"
        case .idsOrOrgMonthNotBoth: "give either ids or --org/--month, not both"
        case .rejectNeedsReason: "--reason cannot be empty: the base needs to know what to correct"
        case .rejectNeedsIds: "give the ids to reject, as `sunsync review list` shows them"
        case .notAnOrgCode(let code): "'\(code)' is not an org code: use A-Z, 0-9 and '-', e.g. MH-SB-001"
        case .lunchRateNotYuan(let text): "--lunch-rate '\(text)' is not an amount in yuan, e.g. 15 or 15.50"
        case .giveFileOrTemplate: "give the CSV file to import, or --template <kind>"
        case .giveImportKind: "say what the file holds: --kind participants, hours or lunches"
        case .langTakes(let lang): "--lang takes zh or en, not '\(lang)'"
        case .purposeWithReveal: "--purpose goes with --reveal (it says why the full numbers are shown)"
        case .who(let name, let certificate): "\(name) (\(certificate))"
        case .yes(let yes): yes ? "yes" : "no"
        case .contractKind(let kind): kind
        case .noActiveParticipants(let inactive): "No participant is active; \(inactive) no longer active (`sunsync participant list --all` lists them)"
        case .noStore(let home):
            "\(home) holds no Sunsync store yet. To work with your district's server: "
                + "sunsync login --server <address> --token <token> (the administrator gives both). "
                + "To record alone, offline: sunsync init --org <org code>. (Or pass --home to use another folder.)"
        case .initialized(let org, let name, let home, let replica):
            "Initialized \(org)\(name.map { " (\($0))" } ?? "") in \(home) (this laptop is \(replica) to the server)"
        case .initNext: "Next: sunsync participant add --name 张三 --cert <残疾人证号> --start <合同开始 YYYY-MM-DD>"
        case .unlocked(let home, let until): "Unlocked \(home) until \(until) (Beijing time); `sunsync lock` locks it now."
        case .passphraseChanged(let home): "Changed the passphrase of \(home). Backups made before open with the passphrase they were made with."
        case .status(let item):
            switch item {
            case .organization: "organization"
            case .home: "home"
            case .laptop: "this laptop (这台电脑)"
            case .participants: "participants (active)"
            case .hoursDays: "days with hours"
            case .lunches: "lunches"
            case .rejectedDays: "rejected by reviewer"
            case .ops: "changes recorded"
            case .server: "server"
            case .lastSync: "last sync"
            case .pending: "waiting to sync"
            case .refused: "refused by server"
            case .conflicts: "conflicts"
            case .flags: "flags"
            case .store: "store (加密)"
            case .reveal: "full numbers (--reveal)"
            }
        case .never: "never"
        case .encrypted(let cipher): "encrypted (\(cipher)); `sunsync lock` when you leave the laptop"
        case .notEncrypted: "NOT encrypted"
        case .revealAllowed: "allowed by the district, each reveal recorded"
        case .revealNotAllowed: "not allowed on this laptop"
        case .reviewerOf(let district): "reviewer, district \(district)"
        case .rejectedDays(let n): "\(n) day\(n == 1 ? "" : "s") (`sunsync hours list` shows why)"
        case .noServer: "none linked (`sunsync login`)"
        case .refusedOps(let n): "\(n) (`sunsync rejected`)"
        case .beijingTime: "北京时间"
        case .registered(let name, let certificate, let detail): "Registered \(name) (\(certificate)\(detail))"
        case .alreadyRegistered(let certificate): "\(certificate) is already registered; change it with `sunsync participant edit`"
        case .needsStart: "give --start YYYY-MM-DD, the day the contract (合同开始) starts: a participant is registered with it, and the server refuses one without it"
        case .nowActive(let who, let active): "\(who) is now \(active ? "active" : "inactive")"
        case .nothingToChange: "nothing to change: give --name, --cert, --contract, --start or --end"
        case .linked(let server, let device, let role, let scope):
            "Linked to \(server) as \(device) (\(role), \(scope)). Run `sunsync sync` to exchange records."
        case .scopeDistrict(let district): "district \(district)"
        case .scopeEverything: "every organization"
        case .synced(let sent, let received, let new):
            "Synced: sent \(sent), received \(received) \(received == 1 ? "change" : "changes")"
                + (new.map { " (\($0) new to this laptop; the rest it held already)." } ?? ".")
        case .syncRejected(let n): "\(n) refused by the server: see `sunsync rejected`."
        case .conflictsHint: "`sunsync conflicts` lists any disagreements to resolve."
        case .sentenceGap: " "
        case .serverReplaced(let resent):
            "The server's database is not the one this laptop last synced with (restored from a backup?): sent this laptop's \(resent) changes again and received everything anew."
        case .rekeyed(let people):
            "The records of \(people) \(people == 1 ? "participant" : "participants") registered here before this laptop knew the district's person keys now use them (once; nothing else changed)."
        case .rekeying(let people):
            "Moving the records of \(people) \(people == 1 ? "participant" : "participants") to the district's person keys (once; tens of seconds for a district-year)…"
        case .clockHealed(let restamped):
            "This laptop's clock had run ahead and is right again: \(restamped) changes it stamped ahead were sent again with the right time. Nothing was lost."
        case .clockOff(let minutes):
            "This laptop's clock is \(span(minutes)) \(minutes > 0 ? "ahead of" : "behind") the server's: set its date and time"
                + " (the system settings, or `sudo timedatectl set-ntp true`)."
                + (minutes > 0 ? " Until then the server refuses what is written here; it is kept and sent again once the clock is right." : "")
                + " If this laptop's clock is right, the server's is wrong: tell its administrator."
        case .replicaMoved(let replica, let reissued):
            "The server found another device writing under this laptop's id (a copied home, or a copied token):"
                + " this laptop now writes as \(replica)\(reissued > 0 ? " and sent its \(reissued) refused changes again under new ids" : "")."
                + " Nothing was lost. Tell the administrator if this laptop's home was copied (`sunsync-server device list`)."
        case .clashed(let n): "\(n) changes received carry an id this laptop had used for another change; this laptop's own are kept."
        case .unrecognized(let n):
            "\(n) of the changes received use fields or values this sunsync does not know (the server runs a newer version). They are kept and synced; update sunsync to see them."
        case .syncStopped(let reason, let pending): "sync stopped: \(reason). Nothing was lost; \(pending) changes wait to be sent. Run `sunsync sync` again."
        case .syncStoppedHere(let reason): "sync stopped: \(reason). Run `sunsync sync` again; nothing was lost."
        case .tokenRefused(let detail, let pending):
            "\(detail). Nothing local was lost: \(pending) changes wait to be sent once this laptop has a valid token (`sunsync login`)."
        case .progressSent(let n): "sent \(n) · "
        case .progressReceiving(let done, let total): "\(done) of \(total) changes received"
        case .progressLeft(let s): " · " + (s < 60 ? "\(max(s, 1)) s" : "\(s / 60) min \(s % 60) s") + " left"
        case .progressReceived(let n): "received \(n) changes"
        case .retrying(let reason, let ms, let attempt, let of): "\(reason); trying again in \(ms >= 1000 ? "\(ms / 1000) s" : "\(ms) ms") (\(attempt) of \(of))…"
        case .notAnswering: "the server is not answering"
        case .connectionCut: "the server cut the connection"
        case .cannotConnect: "cannot connect to the server"
        case .networkFailed: "the network failed"
        case .serverAnswered(let status, let code): "the server answered \(status) (\(code))"
        case .serverAskedToWait(let status, let code, let seconds): "the server answered \(status) (\(code)) and asked to wait \(seconds) s"
        case .failingSignatures: "changes that fail their signatures"
        }
    }

    /// `12 minutes`, `3 hours`, `365 days`.
    func span(_ minutes: Int64) -> String {
        let m = abs(minutes)
        if m < 120 { return "\(m) minutes" }
        if m < 48 * 60 { return "\((m + 30) / 60) hours" }
        return "\((m + 720) / (24 * 60)) days"
    }

    func noun(_ day: Message.Day) -> String { day == .hours ? "hours" : "lunch" }

    func option(_ field: String) -> String {
        switch field {
        case "name": "姓名 (--name)"
        case "cert": "残疾人证号 (--cert)"
        case "contract": "合同 (--contract)"
        case "contract_start": "合同开始 (--start)"
        default: field
        }
    }

    /// "2024-03: 4, 5, 11 (3 days)"
    func days(_ days: [CivilDate]) -> String {
        let sorted = Set(days).sorted()
        guard let first = sorted.first else { return "" }
        return "\(first.monthKey): \(sorted.map { String($0.parts.day) }.joined(separator: ", ")) (\(sorted.count) day\(sorted.count == 1 ? "" : "s"))"
    }

    func list(_ items: [String]) -> String { items.joined(separator: ", ") }
}
