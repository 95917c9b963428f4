import ArgumentParser
import Foundation
import SunsyncClient
import SunsyncModel
import SunsyncReports
import SunsyncProtocol
import SunsyncStore

/// Where a linked laptop keeps its server and token: the URL in the store, the token in a file only
/// its user can read.
enum Link {
    static func tokenPath(_ home: Home) -> String { home.directory + "/token" }
    /// The server's own certificate authority, where `login --ca` gave one: trusted alone for that server.
    static func caPath(_ home: Home) -> String { home.directory + "/ca.pem" }

    static func ca(_ home: Home) -> String? {
        FileManager.default.fileExists(atPath: caPath(home)) ? caPath(home) : nil
    }

    static func transport(_ ws: Workspace) throws -> HTTPTransport {
        let home = Home(ws.options)
        guard let server = try? ws.store.meta("server"), let url = URL(string: server),
              let token = try? String(contentsOfFile: tokenPath(home), encoding: .utf8) else {
            throw CLIError(.notLinked)
        }
        return HTTPTransport(server: url, token: token.trimmingCharacters(in: .whitespacesAndNewlines), ca: ca(home))
    }
}

@available(macOS 10.15, *)
struct Login: AsyncParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Say.words.abstract(.login),
        discussion: Say.words.discussion(.login)) }

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(Say.words.help(.server), valueName: "url")) var server: String
    @Option(help: ArgumentHelp(Say.words.help(.token))) var token: String
    @Flag(name: .customLong("insecure-http"), help: ArgumentHelp(Say.words.help(.insecureHTTP)))
    var insecureHTTP = false
    @Option(help: ArgumentHelp(Say.words.help(.ca), valueName: "file"))
    var ca: String?

    func run() async throws {
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", let host = url.host else {
            throw CLIError(.notAServerAddress(server))
        }
        if url.scheme == "http", !Wire.isLoopback(host), !insecureHTTP {
            throw CLIError(.plainHTTP(server))
        }
        let home = Home(global)
        if let ca {
            guard url.scheme == "https" else { throw CLIError(.caNeedsHTTPS(server)) }
            guard let text = try? String(contentsOfFile: ca, encoding: .utf8), text.contains("-----BEGIN CERTIFICATE-----") else {
                throw CLIError(.notAPEM(ca))
            }
        }
        let info: SessionInfo
        do { info = try await HTTPTransport(server: url, token: token, ca: ca).session() } catch let error as SyncError {
            throw CLIError(.loginFailed(reason: "\(error)", certificate: ca == nil && "\(error)".lowercased().contains("certificate")))
        }
        let store: Store
        if FileManager.default.fileExists(atPath: home.storePath) {
            store = try home.open()
            let org = try? store.meta("org"), district = try? store.meta("district")
            if info.knownRole == .staff, org != info.org {
                throw CLIError(.tokenForAnotherOrg(token: info.org ?? "?", laptop: org))
            }
            if info.knownRole == .reviewer, district != info.district {
                throw CLIError(.tokenForAnotherDistrict(district: info.district ?? "?", org: org))
            }
        } else {
            try FileManager.default.createDirectory(atPath: home.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            var metadata = [String: String]()
            if let org = info.org { metadata["org"] = org }
            if info.knownRole != .staff, let district = info.district { metadata["district"] = district }
            if info.knownRole == .admin { metadata["district"] = "all" }
            var rng = SystemRandomNumberGenerator()
            store = try home.create(replica: ReplicaID(rng.next() | 1), metadata: metadata)
            home.makePrivate()
        }
        guard FileManager.default.createFile(atPath: Link.tokenPath(home), contents: Data(token.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError(.cannotWrite(Link.tokenPath(home)))
        }
        // The CA this server is trusted by from now on (none: the system's, for a server with a public certificate).
        try? FileManager.default.removeItem(atPath: Link.caPath(home))
        if let ca, !FileManager.default.createFile(atPath: Link.caPath(home), contents: FileManager.default.contents(atPath: ca), attributes: [.posixPermissions: 0o600]) {
            throw CLIError(.cannotWrite(Link.caPath(home)))
        }
        var rekeyed = 0
        do {
            try store.setMeta("server", url.absoluteString)
            try store.setMeta("device", info.deviceName)
            try store.setMeta("role", info.role)
            rekeyed = try SyncEngine.keep(info, store)?.people ?? 0
            try home.sealForRecovery(store)
        } catch let error as StoreError { throw CLIError(error) } catch { throw CLIError("cannot keep the server's settings: \(error)") }
        // This laptop's signing key, made now and registered to this device (SPEC §9): every change it
        // sends is signed with it. A failure here is not final: `sync` registers the key before it pushes.
        do {
            let key = try store.signingKey()
            _ = try await HTTPTransport(server: url, token: token, ca: Link.ca(home)).registerKey(publicKey: key.publicKey)
            try store.setMeta(SyncEngine.registeredKey, "\(info.epoch ?? ""):\(key.id)")
        } catch let error as SyncError {
            FileHandle.standardError.write(Data((say(.keyNotRegistered("\(error)")) + "\n").utf8))
        } catch { throw CLIError("cannot make this laptop's signing key: \(error)") }
        if global.json { return try Output.json(info) }
        let scope = info.org ?? info.district.map { say(.scopeDistrict($0)) } ?? say(.scopeEverything)
        if rekeyed > 0 { print(say(.rekeyed(people: rekeyed))) }
        print(say(.linked(server: url.absoluteString, device: info.deviceName, role: info.role, scope: scope)))
    }
}

@available(macOS 10.15, *)
struct SyncCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "sync",
        abstract: Say.words.abstract(.sync),
        discussion: Say.words.discussion(.sync)) }

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let ws = try Workspace(global)
        let transport = try Link.transport(ws)
        var engine = SyncEngine(store: ws.store, transport: transport)
        engine.retryLimit = transport.client.timeouts.retryFor
        let line = ProgressLine(enabled: !global.json && isatty(STDERR_FILENO) == 1)
        engine.progress = { line.report($0) }
        engine.onRetry = { line.retry($0) }
        let report: SyncEngine.Report
        do {
            report = try await engine.run(expectOrg: ws.org)
        } catch let error as SyncError {
            line.finish()
            let pending = (try? ws.store.counts().pending) ?? 0
            if case .refused(let problem) = error, problem.code == "token-revoked" || problem.code == "unauthorized" {
                throw CLIError(.tokenRefused(detail: problem.detail, pending: pending))
            }
            throw CLIError(.syncStopped(reason: "\(error)", pending: pending))
        } catch let error as StoreError {
            throw CLIError(.syncStoppedHere(reason: CLIError(error).message))
        }
        line.finish()
        try Home(global).sealForRecovery(ws.store)
        if global.json { return try Output.json(report) }
        var text = report.resent == 0 ? "" : say(.serverReplaced(resent: report.resent)) + "\n"
        // What the progress bar counted (every change received, this laptop's own coming back included), and how
        // many of them were new here.
        let received = max(report.received, Int64(report.pulled))
        text += say(.synced(sent: report.pushed, received: received, new: report.received > Int64(report.pulled) ? report.pulled : nil))
        if report.rejected > 0 { text += say(.sentenceGap) + say(.syncRejected(report.rejected)) }
        if report.pulled > 0 { text += say(.sentenceGap) + say(.conflictsHint) }
        if report.rekeyedPeople > 0 { text += "\n" + say(.rekeyed(people: report.rekeyedPeople)) }
        if report.movedFor == "clock-ahead" { text += "\n" + say(.clockHealed(restamped: report.restamped)) }
        if let minutes = report.clockOffsetMinutes { text += "\n" + say(.clockOff(minutes: minutes)) }
        if let replica = report.newReplica, report.movedFor == "id-in-use" {
            text += "\n" + say(.replicaMoved(replica: replica, reissued: report.reissued))
        }
        if report.clashed > 0 { text += "\n" + say(.clashed(report.clashed)) }
        if report.unrecognized > 0 { text += "\n" + say(.unrecognized(report.unrecognized)) }
        print(text)
    }
}

extension SyncCommand {

}

struct Rejected: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Say.words.abstract(.rejected)) }
    @OptionGroup var global: GlobalOptions

    struct Line: Encodable {
        let opId: String
        let record: String
        let field: String
        let value: String
        let code: String
        let reason: String
        let rejectedAt: String
    }

    func run() throws {
        let ws = try Workspace(global)
        let rejected: [RejectedOp]
        do { rejected = try ws.store.rejectedOps() } catch { throw CLIError(error) }
        let lines = rejected.map { r in
            Line(opId: r.op.op.id.description, record: r.op.op.key.description, field: r.op.op.field,
                 value: Display.value(r.op.op.value, field: r.op.op.field), code: r.code, reason: r.reason, rejectedAt: r.rejectedAt)
        }
        if global.json { return try Output.json(lines) }
        // What the code means in the reader's language, beside the server's own words (in English), which go
        // first when the table is too wide.
        let headers = ["时间 refused", "记录 record", "字段 field", "值 value", "原因 why", "代码 code", "服务器说明 server's reason"]
        Output.table(headers,
                     lines.map { [$0.rejectedAt, $0.record, $0.field, $0.value, Say.words.refusal($0.code) ?? $0.reason, $0.code, $0.reason] },
                     empty: say(.noRefused), optional: [6])
    }
}

struct VerifyCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "verify",
        abstract: Say.words.abstract(.verify),
        discussion: Say.words.discussion(.verify)) }
    @OptionGroup var global: GlobalOptions

    struct Line: Encodable { let opId: String?; let record: String; let reason: String }
    struct Answer: Encodable { let ops: Int; let batches: Int; let unsigned: Int; let failures: [Line] }

    func run() throws {
        let ws = try Workspace(global)
        guard let text = try ws.store.meta(SyncEngine.directoryKey),
              let directory = try? Wire.decoder().decode(DeviceDirectory.self, from: Data(text.utf8)) else {
            throw CLIError(.noKeyList)
        }
        var keys = [String: SigningKey]()
        for key in directory.keys ?? [] {
            if let publicKey = Hex.decode(key.publicKey) { keys[key.key] = SigningKey(id: key.key, owner: key.signer, publicKey: publicKey) }
        }
        let signers = directory.signers
        let result: (ops: Int, batches: Int, failures: [VerifyFailure], unsigned: Int)
        do {
            result = try ws.store.verify(keys: keys, owner: { signers[$0.description] }, unsignedMeans: nil)
        } catch { throw CLIError(error) }
        let lines = result.failures.map { Line(opId: $0.op?.description, record: $0.record, reason: $0.reason) }
        if global.json {
            try Output.json(Answer(ops: result.ops, batches: result.batches, unsigned: result.unsigned, failures: lines))
        } else if lines.isEmpty {
            print(say(.verified(signed: result.ops - result.unsigned, batches: result.batches, unsigned: result.unsigned)))
        } else {
            print(say(.failVerification(lines.count)) + (Say.language == .zh ? "：" : ":"))
            Output.table(["修改 op", "记录 record", "原因 why"], lines.prefix(200).map { [$0.opId ?? "-", $0.record, $0.reason] })
        }
        if !lines.isEmpty {
            throw CLIError(.storeTampered(lines.count))
        }
    }
}
