import SunsyncModel

/// What `sunsync-server`'s administration commands say to the district's administrator, with the facts
/// each catalog words (`Words.admin`). Like `Message` for `sunsync`: a new message is a new case here, and
/// the compiler asks `Chinese` and `English` for its words. The log lines of `serve` stay English (they go
/// to journald and to scripts, which wait for "sunsync-server listening on").
public enum AdminMessage: Sendable {
    // The data and the process
    case cannotActAsOwner(directory: String, uid: UInt32, reason: String)
    case cannotOpen(String, reason: String)
    case anotherServer(directory: String, lock: String)
    case serverRunning(directory: String, lock: String)
    case upgrading(String)
    case sqliteOnly(command: String)
    case fileExists(String)
    case cannotWrite(String)
    case cannotRead(String)

    // serve
    case notAPort(Int)
    case notSeconds(option: String, minimum: Int)
    case notConnections(option: String, minimum: Int)
    case tlsBothOrNeither
    case plainBeyondMachine(host: String)
    case cannotUseTLS(String)
    case portInUse(port: Int, host: String)
    case portNeedsRoot(port: Int, host: String)
    case notAnAddress(String)
    case serverStopped(String)

    // backup, restore, migrate, verify
    case noDatabase(String)
    case backedUp(ops: Int, file: String, kib: Int64)
    case restored(from: String, to: String, aside: String?)
    case backupKnowsDevices(Int, active: Int)
    case startAgain
    case newEpochIsForPostgres
    case newEpoch(location: String, epoch: String)
    case upToDate(String)
    case checkingSignatures(done: Int, total: Int)
    case allVerify(ops: Int, batches: Int)
    case failVerification(Int, of: Int)
    case andMore(Int)
    case tampered(Int)

    // org
    case notAnOrgCode(String)
    case notADistrict(String, known: [(code: String, name: String)])
    case emptyName
    case notADate(option: String, text: String, forms: String)
    case sameName(code: String, name: String)
    case orgExists(String)
    case orgRegistered(code: String, name: String, kind: String, district: String)
    case nothingToChangeOrg
    case lunchRateNeedsFrom
    case noOrganization(String)
    case orgChanged(String)
    case orgOpened(code: String, name: String)
    case orgRetired(code: String, name: String)
    case notYuan(String)
    case notALunchRate(String)
    case unusualLunchRate(String)
    case noOrgs
    case orgHeader
    case yuan(String)
    /// An org's kind as `org add --kind` takes it (sunshine-base, rural-org).
    case kind(String)
    case active(Bool)

    // device
    case staffNeedsOrg
    case staffHasNoDistrict
    case reviewerNeedsDistrict
    case reviewerHasNoOrg
    case adminHasNeither
    case noOrgForDevice(String)
    case deviceAdded(role: String, name: String, id: String, token: String)
    case onTheLaptop
    case inABrowser
    case noDevices
    case deviceHeader
    case neverPushed
    case replicas(String)
    case oneTokenSeveralLaptops(Int)
    case revokedAt(String)
    case mayReveal(Bool)
    case noDevice(String)
    case revealAllowed(name: String, allowed: Bool)
    case revoked(name: String, id: String)

    // recovery, tls
    case hasRecoveryKey(publicKey: String)
    case madeRecoveryKey(publicKey: String, file: String)
    case notARecoveryKey(String)
    case openedKeys(file: String, passphrase: String)
    case needHost
    case notAHost(String)
    case nothingOverwritten(String)
    case madeTLS(hosts: String, folder: String, cert: String, key: String, ca: String, url: String, caKey: String)

    // reveals, settings
    case noReveals(org: String?, district: String?)
    case revealHeader
    case morePeople(Int)
    case settingsShown(Rules)
    case nothingToSet
    case weeklyLimitNeedsFrom
    case femaleBase
    case notAWorkingAge(Int)
    case notWeeklyHours(String)
    case saved
}

/// The commands of `sunsync-server`, whose summaries and longer texts `--help` shows.
public enum AdminCommand: Sendable {
    case root, serve, backup, restore, migrate, verify
    case org, orgAdd, orgEdit, orgDeactivate, orgActivate, orgList
    case device, deviceAdd, deviceList, deviceEdit, deviceRevoke
    case reveals, recovery, recoveryInit, recoveryOpen, tls, tlsInit, settings, settingsShow, settingsSet
}

/// The help of `sunsync-server`'s options and arguments.
public enum AdminHelp: Sendable {
    case dataDir, database, json, lang
    case host, port, maxClockSkew, tlsCert, tlsKey, insecureHTTP, behindProxy, idleTimeout, bodyTimeout, maxConnections, maxPerAddress
    case backupTo, restoreFrom, newEpoch
    case orgCode, orgName, orgKind, district, town, lunchRate, lunchRateFrom, confirmRate, newName, rateFrom
    case deviceName, role, deviceOrg, deviceDistrict, mayReveal, deviceRef, revealPermission
    case recoveryOut, replace, recoveryKey, laptopKeys, keysOut
    case tlsHost, tlsOut, caName
    case onlyDistrict, onlyOrg
    case weeklyLimit, weeklyFrom, minimumAge, femaleBase
}
