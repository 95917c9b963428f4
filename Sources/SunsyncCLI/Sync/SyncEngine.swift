import Foundation
import SunsyncClient
import SunsyncModel
import SunsyncProtocol
import SunsyncReports
import SunsyncStore

/// One sync of this laptop's store (`sunsync sync`): the `SunsyncClient` state machine driven over the
/// transport, the laptop's `Store` and the clock. Each push answer and each pulled page is saved in its own
/// transaction, so a sync cut off anywhere resumes where it stopped.
struct SyncEngine {
    typealias Report = SyncReport
    typealias Retry = SyncRetry

    let store: Store
    let transport: any SyncTransport
    var pushBatch = 1_000
    var pageSize = Wire.defaultPage
    /// Waits between tries on a network error; a refusal is never retried.
    var backoff: [Duration] = SunsyncClient.Settings().backoff
    var progress: @Sendable (Report) -> Void = { _ in }
    var onRetry: @Sendable (Retry) -> Void = { _ in }
    /// How long to keep trying again after network failures (each try is bounded on its own).
    var retryLimit: Duration = .seconds(60)
    /// What the waits between tries wait on.
    var clock: any SyncClock = SystemSyncClock()

    static let cursorKey = "sync_cursor"
    static let epochKey = "server_epoch"
    static let directoryKey = "device_directory"
    static let registeredKey = "signing_key_registered"

    func run(expectOrg: String?) async throws -> Report {
        var settings = SunsyncClient.Settings()
        settings.pushBatch = pushBatch
        settings.pageSize = pageSize
        settings.backoff = backoff
        settings.retryLimit = retryLimit
        settings.expectOrg = expectOrg
        settings.clockAllowance = Store.clockAllowance
        var driver = SyncDriver(transport: transport, store: try LaptopSyncStore(store: store), clock: clock,
                                localTime: { Int64(Date().timeIntervalSince1970 * 1000) })
        driver.progress = progress
        driver.onRetry = onRetry
        if ProcessInfo.processInfo.environment["SUNSYNC_TRACE"] != nil {
            driver.onTimes = { waited, applying in FileHandle.standardError.write(Data("pull: waited \(waited), applying \(applying)\n".utf8)) }
        }
        return try await driver.run(settings)
    }

    /// The directory as the laptop keeps it: names to label writers with, and the keys `sunsync verify` checks against.
    static func keep(_ directory: DeviceDirectory, _ store: Store) throws {
        try store.setMeta(Workspace.deviceNamesKey, String(decoding: try JSONEncoder().encode(directory.labels), as: UTF8.self))
        try store.setMeta(Self.directoryKey, String(decoding: try Wire.encoder().encode(directory), as: UTF8.self))
    }

    /// What the session says that the laptop keeps for offline use: the rules the flags use, the org's
    /// name, whether this device may reveal (taken away as soon as a session says so), and the secret
    /// person keys are made with: a store that made its own (offline, or before secrets) has its records'
    /// ids rewritten under the server's once (`Store.adoptPersonKeys`), which this returns.
    @discardableResult
    static func keep(_ info: SessionInfo, _ store: Store) throws -> OpLog.Rekeyed? {
        var rekeyed: OpLog.Rekeyed?
        if let text = info.personSecret {
            guard let keys = PersonKeys(hex: text) else {
                throw SyncError.untrusted("the server's person-key secret is not 64 hex digits; nothing was changed here")
            }
            rekeyed = try store.adoptPersonKeys(keys) { people in
                FileHandle.standardError.write(Data((say(.rekeying(people: people)) + "\n").utf8))
            }
        }
        if let rules = info.rules { try store.setRules(rules) }
        if let name = info.orgName { try store.setMeta("org_name", name) }
        try store.setMeta(Workspace.mayRevealKey, info.mayReveal == true ? "true" : "false")
        if let recovery = info.recoveryKey { try store.setMeta(Home.recoveryKeyMeta, recovery) }
        return rekeyed
    }
}
