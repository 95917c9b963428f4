import SunsyncModel

/// What the CLI says to a person, with the facts each catalog words (`Words.say`). A new message is a new
/// case here, and the compiler asks `Chinese` and `English` for its words.
public enum Message: Sendable {
    /// Hours or lunches, as a message names them.
    public enum Day: Sendable { case hours, lunch }

    /// A refusal: "错误：…" / "Error: …".
    case error(String)

    // Entry
    case hoursRecorded(who: String, date: CivilDate, hours: String, unchanged: Bool)
    case lunchRecorded(who: String, date: CivilDate, yuan: String, unchanged: Bool)
    case dayCleared(Day, who: String, date: CivilDate)
    case nothingToClear(Day, name: String, date: CivilDate)
    case daysTotal(Day, count: Int, total: String, rejected: Int)
    case noDays(Day, month: String?)
    case afterToday(date: CivilDate, today: CivilDate)
    case noLongerActive(name: String)
    case outsideContract(date: CivilDate, name: String, start: CivilDate?, end: CivilDate?)
    case notRecorded(doubts: [String])
    case anywayNeedsReason(doubts: [String])
    case anywayNotNeeded
    case notRegisteredWhole(name: String, missing: [String])
    case lunchRateUnknown

    // What was typed
    case notADate(String, forms: String, words: Bool)
    case notAMonth(String)
    case notHours(String, forms: String)
    case zeroHours
    case tooManyHours(String)
    case notYuan(String, forms: String)
    case negativeYuan(String)

    // Finding a participant
    case noParticipant(String, org: String?, near: [String])
    case sameName(count: Int, name: String, numbers: String)
    case maskedMatchesSeveral(String, count: Int)
    case noMaskedMatch(String)
    case registeredAtSeveral(String, orgs: [String])
    case noCertificate(String, org: String?)

    case keysOfAnotherStore(store: String, keys: String)
    case alreadyInitialized(home: String)
    case keysMissing(store: String, keys: String)
    case cannotEncrypt(store: String, reason: String)
    case mayNotReveal(device: String?)
    case revealNeedsPurpose
    case cannotRecordReveal(reason: String)
    case reviewersLaptop(district: String)
    case notAReviewer(org: String)
    case orgRetired(org: String, name: String?)
    case lockedNoTerminal
    case passphrasesDiffer
    case passphraseTooShort(minimum: Int)
    case cannotReadPassphraseFile(String)
    case longList
    case notARecordID(String)
    case decided(approved: Bool, count: Int)
    case skipped(Int)
    case nothingDecided(approved: Bool)
    case notAContract(String)
    case contractEndsBeforeStart(end: CivilDate, start: CivilDate)
    case noConflict(String)
    case notOneOfTheValues(String, values: [String])
    case conflictChanged
    case kept(value: String, name: String, date: String, field: String)
    case nothingToLock(home: String)
    case noKeyring
    case encryptedNow
    case cannotWrite(String)
    case notText
    case cannotCreate(String, reason: String)

    case cannotRead(String, reason: String)
    case badRows(String, rows: [(line: Int, message: String)])
    case imported(rows: Int, kind: String, file: String, changes: Int)
    case emptyFile(kind: String)
    case missingColumns([String], expected: [String])
    case needsWhoColumn
    case samePersonAsLine(Int)
    case noDate
    case dayOnLine(name: String, date: CivilDate, line: Int)
    case noName
    case noCertificateNumber
    case maskedCertificate(String)
    case notAContractCell(String)
    case noHours
    case impossibleHours(String)
    case noAmount
    case textTooLong(Int, maximum: Int)
    case cannotWriteBecause(String, reason: String)
    case backupExists(String)
    case backedUp(changes: Int, pending: Int, file: String, kib: Int64)
    case noSuchFile(String)
    case isAFolder(String)
    case restoredPlain(String, home: String, aside: String?)
    case syncAfterRestore
    case backupKeysMissing(String)
    case restored(String, home: String, aside: String?)
    case notLinked
    case notAServerAddress(String)
    case plainHTTP(String)
    case caNeedsHTTPS(String)
    case notAPEM(String)
    case loginFailed(reason: String, certificate: Bool)
    case tokenForAnotherOrg(token: String, laptop: String?)
    case tokenForAnotherDistrict(district: String, org: String?)
    case noKeyList
    case verified(signed: Int, batches: Int, unsigned: Int)
    case failVerification(Int)
    case storeTampered(Int)
    case choosePassphrase
    case encryptingNow
    case chooseNewPassphrase
    case noTerminalForPassphrase(String)
    case giveOrg([String])
    case otherOrg(scope: String, org: String)
    case noSuchOrg(String, held: [String])

    case upgrading(String)
    case encrypting(String)
    case encryptedIn(kib: Int64, time: String)
    case noOrganization
    case sheetWritten(participants: Int)
    case wrote(String)
    case keyNotRegistered(String)
    case notACommand(String, near: String?, commands: [String])

    case readsAsOption(String, after: String)

    case negativeNumber(String)

    case serverRefused(detail: String, code: String)
    case serverBusy(detail: String, code: String, seconds: Int64)
    case cannotReach(String)
    case untrustedChanges(String)
    case netSilent(String, seconds: String)
    case netClosedEarly(String)
    case netClosedWithoutAnswer(String, tls: Bool)
    case netNoAnswer(String, seconds: String)
    case netNoDNS(String)
    case netRefused(host: String, port: Int)
    case netNoRoute(String)
    case netNotHTTPS(String)
    case netUntrustedCertificate
    case netTLSFailed(String, reason: String)
    case netNotPlainHTTP(String)
    case netFailed(String, reason: String)

    case noFlags(month: String?)

    case nothingToList(month: String?, org: String?)
    case noChanges
    case noConflicts
    case noRefused
    case noParticipants

    case wrongPassphrase
    case storeInUse
    case diskFull
    /// The store cannot be written (its permissions, a read-only disk).
    case storeReadOnly

    // The home
    case locked(home: String, already: Bool)
    case participantChanged(who: String, fields: [String])
    case idsOrOrgMonth(verb: String)
    case idsOrOrgMonthNotBoth
    case rejectNeedsReason
    case rejectNeedsIds
    case notAnOrgCode(String)
    case lunchRateNotYuan(String)
    case giveFileOrTemplate
    case giveImportKind
    case langTakes(String)
    case purposeWithReveal
    case who(name: String, certificate: String)
    case yes(Bool)
    case contractKind(String)
    case noActiveParticipants(inactive: Int)
    case noStore(home: String)
    case initialized(org: String, name: String?, home: String, replica: String)
    case initNext
    case unlocked(home: String, until: String)
    case passphraseChanged(home: String)

    // Status
    case status(StatusItem)
    case never
    case encrypted(String)
    case notEncrypted
    case revealAllowed
    case revealNotAllowed
    case reviewerOf(district: String)
    case rejectedDays(Int)
    case noServer
    case refusedOps(Int)
    case beijingTime

    // Participants
    case registered(name: String, certificate: String, detail: String)
    case alreadyRegistered(certificate: String)
    case needsStart
    case nowActive(who: String, active: Bool)
    case nothingToChange

    // Sync
    case linked(server: String, device: String, role: String, scope: String)
    case scopeDistrict(String)
    case scopeEverything
    case synced(sent: Int, received: Int64, new: Int?)
    case syncRejected(Int)
    case conflictsHint
    /// Between two sentences of one line: a space in English, none in Chinese.
    case sentenceGap
    case serverReplaced(resent: Int)
    case rekeyed(people: Int)
    case rekeying(people: Int)
    case clockHealed(restamped: Int)
    case clockOff(minutes: Int64)
    case replicaMoved(replica: String, reissued: Int)
    case clashed(Int)
    case unrecognized(Int)
    case syncStopped(reason: String, pending: Int)
    case syncStoppedHere(reason: String)
    case tokenRefused(detail: String, pending: Int)
    /// The progress line: what was sent, and what is received of how many.
    case progressSent(String)
    case progressReceiving(done: String, total: String)
    case progressLeft(seconds: Int)
    case progressReceived(String)
    case retrying(reason: String, waitMilliseconds: Int64, attempt: Int, of: Int)
    case notAnswering, connectionCut, cannotConnect, networkFailed
    case serverAnswered(status: Int, code: String)
    case serverAskedToWait(status: Int, code: String, seconds: Int64)
    case failingSignatures
}

/// The lines of `sunsync status`.
public enum StatusItem: Sendable {
    case organization, home, laptop, participants, hoursDays, lunches, rejectedDays, ops, server, lastSync, pending, refused
    case conflicts, flags, store, reveal
}

/// The commands of `sunsync`, whose summaries `sunsync --help` shows in the reader's language.
public enum Command: Sendable {
    case sunsync, initialize, participant, participantAdd, participantList, participantShow, participantEdit, participantDeactivate, participantActivate, hours, hoursSet, hoursClear, hoursList, lunch, lunchSet, lunchClear, lunchList, importSheet, exportSheet, report, reportMonthly, reportPayments, reportSheet, review, reviewList, reviewShow, reviewApprove, reviewReject, conflicts, resolve, history, flags, status, login, sync, rejected, verify, backup, restore, lock, unlock, passphrase
}

/// The help of `sunsync`'s options and arguments (`--help` below a command's summary).
public enum Help: Sendable {
    case home, json, reveal, purpose, passphraseFile, wide, lang, anyway, reason, who, day, onlyMonth, onlyParticipant, includeDeleted, hoursWorked, project, note, amount, contract, contractStart, contractEnd, name, cert, allParticipants, participantRef, newName, newCert, server, token, insecureHTTP, ca, backupToRestore, backupFile, conflictRef, keepValue, flagsMonth, flagsOrg, onlyDay, lunchRate, orgCode, orgName, reportOrgReviewer, onlyOrg, theMonth, sheetOrg, outputFile, reportFormat, decisionNote, wholeOrgMonth, flaggedOnly, recordIDs, monthWithOrg, recordID, rejectReason, unflagged, reviewStatus, exportMonth, template, csvFile, importKind, exportFormat, exportKind
}
