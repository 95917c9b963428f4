import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL
import Logging
import SunsyncModel
import SunsyncPostgres
import SunsyncProtocol
import SunsyncServerStore
import SunsyncStore

/// How `serve` runs.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// How far ahead of the server's clock an op may be stamped.
    public var maxClockSkewMilliseconds: UInt64 = 5 * 60 * 1000
    /// PEM files of the certificate chain and its private key: serve HTTPS instead of HTTP.
    public var tls: (certificate: String, key: String)?
    /// Idle and body timeouts, and how many connections may be open (SPEC §10: a server under abuse).
    public var connections = ConnectionLimits()
    /// Plain HTTP beyond this machine, as the administrator insisted (`--insecure-http`): said at start,
    /// in `/healthz` and in `/metrics`.
    public var insecureHTTP = false
    /// The address of an HTTPS reverse proxy in front (`--behind-https-proxy`): its forwarded client address
    /// is believed, its connections are not limited per address, and cookies are `Secure`.
    public var httpsProxy: String?

    public init() {}
}

/// The Hummingbird application over a store: `/healthz`, `/metrics`, and protocol v1.
public func buildApplication(store: any ServerStore, configuration: ServerConfiguration, logger: Logger,
                             onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws -> some ApplicationProtocol {
    let books = ReviewBooks(store: store)
    let router = try buildRouter(store: store, books: books, epoch: try await store.epoch(),
                                 personKeys: try await store.personKeys(), configuration: configuration)
    let limits = configuration.connections
    let byAddress = ConnectionsByAddress(limit: limits.perAddress, logger: logger, exempt: configuration.httpsProxy)
    let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [byAddress.handler()], idleTimeout: TimeAmount(limits.idle))
    var server = HTTPServerBuilder.http1(configuration: http1)
    if let tls = configuration.tls {
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
        server = try .tls(.http1(configuration: http1), tlsConfiguration: TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
    }
    return Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "sunsync-server",
                             availableConnectionsDelegate: MaximumAvailableConnections(limits.total, logger: logger)),
        onServerRunning: { channel in
            await onRunning(channel.localAddress?.port ?? configuration.port)
            // The review page's first month for each district with a reviewer, read while no one waits.
            Task(priority: .background) {
                let districts = Set(((try? await store.devices()) ?? []).filter { $0.role == .reviewer && $0.revokedAt == nil }.compactMap(\.district))
                for district in districts.sorted() {
                    guard let orgs = try? await store.orgs(inDistrict: district), !orgs.isEmpty else { continue }
                    try? await books.warm(district: district, orgs: orgs)
                }
            }
        },
        logger: logger)
}

func buildRouter(store: any ServerStore, books: ReviewBooks, epoch: String, personKeys: PersonKeys, configuration: ServerConfiguration) throws -> Router<SunsyncRequestContext> {
    let metrics = Metrics()
    let signIn = SignInGuard()
    let sync = SyncController(store: store, epoch: epoch, personKeys: personKeys, metrics: metrics, configuration: configuration, books: books, signIn: signIn)
    let router = Router(context: SunsyncRequestContext.self)
    let health = Health(directory: store is SQLiteServerStore ? (store.location as NSString).deletingLastPathComponent : nil,
                        unreachable: { (store as? PostgresStore)?.unavailable })
    router.add(middleware: ProblemMiddleware(metrics: metrics, health: health, proxy: configuration.httpsProxy))
    let insecure = configuration.insecureHTTP ? "warning: serving plain HTTP beyond this machine (--insecure-http)\n" : ""
    router.get("/healthz") { _, _ in
        guard let problem = health.problem() else { return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n" + insecure))) }
        return Response(status: .serviceUnavailable, headers: [.retryAfter: "10"], body: ResponseBody(byteBuffer: ByteBuffer(string: "degraded: \(problem)\n")))
    }
    router.get("/metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render(databaseBytes: await store.databaseBytes())
                    + "# HELP sunsync_insecure_http 1 when serving plain HTTP beyond this machine (--insecure-http).\n# TYPE sunsync_insecure_http gauge\n"
                    + "sunsync_insecure_http \(configuration.insecureHTTP ? 1 : 0)\n")))
    }
    router.get(RouterPath(Route.session)) { request, _ in try await sync.session(request) }
    router.post(RouterPath(Route.push)) { request, context in try await sync.push(request, logger: context.logger) }
    router.get(RouterPath(Route.pull)) { request, _ in try await sync.pull(request) }
    router.get(RouterPath(Route.devices)) { request, _ in try await sync.devices(request) }
    router.post(RouterPath(Route.keys)) { request, _ in try await sync.registerKey(request) }
    try ReviewSite(store: store, books: books, secureCookies: configuration.tls != nil || configuration.httpsProxy != nil, signIn: signIn).register(on: router)
    return router
}

/// Protocol v1's three endpoints.
struct SyncController: Sendable {
    let store: any ServerStore
    let epoch: String
    /// The deployment's secret for person keys: handed to devices with the session, and a pushed
    /// certificate must be the person's its participant record names.
    let personKeys: PersonKeys
    let metrics: Metrics
    let configuration: ServerConfiguration
    /// The review page's kept months, brought up to date after each push that brought something new.
    let books: ReviewBooks
    /// Refused tokens, counted per client address (shared with the review page's sign-in).
    let signIn: SignInGuard
    let known = PushService.Known()
    var rules: PushService { PushService(store: store, maxClockSkewMilliseconds: configuration.maxClockSkewMilliseconds, personKeys: personKeys, known: known) }

    static let versionHeader = HTTPField.Name(Wire.versionHeader)!

    func session(_ request: Request) async throws -> Response {
        let access = try await authorize(request)
        var rules = try await store.rules()
        if let orgs = access.orgs { rules.lunchRates = rules.lunchRates.filter { orgs.contains($0.key) } }
        var orgName: String?
        if let org = access.device.org { orgName = try await store.record(RecordKey(collection: .orgs, id: org))?.displayed("name")?.text }
        let info = SessionInfo(deviceId: access.device.id, deviceName: access.device.name, role: access.device.role.rawValue,
                               org: access.device.org, district: access.device.district, orgs: access.orgs,
                               serverTime: Int64(Date().timeIntervalSince1970 * 1000), protocolVersion: Wire.version, epoch: epoch,
                               orgName: orgName, rules: rules, mayReveal: access.device.mayReveal, recoveryKey: try await store.recoveryKey(),
                               personSecret: personKeys.hex)
        return try respond(info, to: request)
    }

    /// The devices whose ops this token sees, with their replicas: devices of the orgs in scope, the
    /// reviewers of those orgs' districts, and administrators. Names and scopes only; never tokens.
    func devices(_ request: Request) async throws -> Response {
        let access = try await authorize(request)
        let districts: Set<String>
        if let orgs = access.orgs {
            let state = try await store.mergedState([.orgs], days: nil)
            districts = Set(orgs.compactMap { state[RecordKey(collection: .orgs, id: $0)]?.displayed("district")?.text })
        } else {
            districts = []
        }
        let visible = try await store.devices().filter { d in
            guard let orgs = access.orgs else { return true }
            switch d.role {
            case .staff: return orgs.contains(d.org ?? "")
            case .reviewer: return districts.contains(d.district ?? "")
            case .admin: return true
            }
        }
        let names = Dictionary(try await store.devices().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let visibleIDs = Set(visible.map(\.id))
        // Keys are stored by owner (a device id, or the server's own signers); the directory names devices.
        let serverSigners = [Signing.server, Signing.attested]
        let keys = try await store.signingKeys().filter { serverSigners.contains($0.owner) || visibleIDs.contains($0.owner) }.map {
            DeviceDirectory.Key(key: $0.id, publicKey: Hex.encode($0.publicKey), signer: serverSigners.contains($0.owner) ? $0.owner : names[$0.owner] ?? $0.owner)
        }
        let own = DeviceDirectory.Entry(replica: try await store.ownReplica().description, device: "sunsync-server", role: "server",
                                        org: nil, district: nil, signer: Signing.server)
        return try respond(Self.directory(visible, keys: keys, extra: [own]), to: request)
    }

    /// The devices by replica, names and scopes only: a device's web replica (its decisions on the review
    /// page, which the server signs) is named `<device> (网页 review page)`. What laptops and the review page
    /// label ops with, and check signatures against.
    static func directory(_ devices: [Device], keys: [DeviceDirectory.Key]? = nil, extra: [DeviceDirectory.Entry] = []) -> DeviceDirectory {
        DeviceDirectory(devices: devices.flatMap { d in
            d.replicas.map { DeviceDirectory.Entry(replica: $0, device: d.name, role: d.role.rawValue, org: d.org, district: d.district, signer: d.name) }
                + (d.webReplica.map { [DeviceDirectory.Entry(replica: $0, device: d.name + " (网页 review page)", role: d.role.rawValue,
                                                             org: d.org, district: d.district, signer: Signing.server)] } ?? [])
        } + extra, keys: keys)
    }

    /// `POST /v1/keys`: registers the device's Ed25519 public key (a laptop does at login and before its first signed push).
    func registerKey(_ request: Request) async throws -> Response {
        let access = try await authorize(request)
        let body = try await readBody(request)
        guard let registration = try? Wire.decoder().decode(KeyRegistration.self, from: body),
              let publicKey = Hex.decode(registration.publicKey), publicKey.count == 32 else {
            throw ServerError(.badRequest, "malformed-json", "send {\"public_key\": \"<64 hex digits of an Ed25519 public key>\"}")
        }
        do {
            let id = try await store.registerKey(publicKey, owner: access.device.id, at: Date().formatted(.iso8601))
            return try respond(KeyRegistered(key: id), to: request)
        } catch let error as StoreError where error.code == .invalid {
            throw ServerError(.conflict, "key-taken", error.message)
        }
    }

    func push(_ request: Request, logger: Logger) async throws -> Response {
        let access = try await authorize(request)
        let body = try await readBody(request)
        let pushed: PushRequest
        do { pushed = try PageReader.pushRequest(body) ?? Wire.decoder().decode(PushRequest.self, from: body) } catch {
            throw ServerError(.badRequest, "malformed-json", "the body is not a push request ({\"ops\": [...]}): \(Self.describe(error))")
        }
        guard pushed.ops.count <= Wire.maxBatch else {
            throw ServerError(.contentTooLarge, "batch-too-large", "\(pushed.ops.count) ops in one push; send at most \(Wire.maxBatch)")
        }
        let now = Date()
        let time = now.formatted(.iso8601)
        var (accepted, rejected, signed) = try await rules.admit(pushed, access, now: UInt64(now.timeIntervalSince1970 * 1000), at: time)
        let result = try await store.push(accepted, device: access.device.id, at: time, signed: signed)
        if result.new > 0 { Task(priority: .background) { await books.refreshKept() } }
        if result.deviceReplicas > 1 {
            logger.warning("device \(access.device.name) (\(access.device.id)) has pushed from \(result.deviceReplicas) replicas: its token is used on more than one laptop (a copied home, or a leaked token); see `sunsync-server device list`")
        }
        let reused = Set(result.reused)
        rejected += result.reused.map {
            .init(id: $0.description, code: ProblemCode.opIDReused.rawValue, reason: "op \($0) is already held with different content; a replica reused an id")
        }
        let acceptedIDs = accepted.filter { !reused.contains($0.id) }.map(\.id.description)
        metrics.ops(accepted: acceptedIDs.count, rejected: rejected.map(\.code))
        return try respond(PushResponse(accepted: acceptedIDs, rejected: rejected), to: request)
    }

    func pull(_ request: Request) async throws -> Response {
        let access = try await authorize(request)
        let query = request.uri.queryParameters
        guard let after = Int64(query["after"].map(String.init) ?? "0"), after >= 0 else {
            throw ServerError(.badRequest, "bad-cursor", "after must be a cursor from an earlier pull (a whole number ≥ 0)")
        }
        let limitText = query["limit"].map(String.init) ?? String(Wire.defaultPage)
        guard let limit = Int(limitText), (1...Wire.maxBatch).contains(limit) else {
            throw ServerError(.badRequest, "bad-limit", "limit must be 1 to \(Wire.maxBatch)")
        }
        let page = try await pullPage(after: after, orgs: access.orgs, limit: limit)
        // `count=1` (a sync's first page): how many ops it has still to receive, for its progress.
        let remaining = query["count"] == "1" ? try await store.remaining(after: after, orgs: access.orgs) : nil
        let batches = page.batches.map { PageBatch($0.batch.batch, runs: PageBatch.runs($0.places)) }
        return try respond(json: PageWriter.pullResponse(ops: page.ops.map(\.op), cursor: page.cursor, more: page.more, remaining: remaining,
                                                         batches: batches), to: request)
    }

    func pullPage(after: Int64, orgs: [String]?, limit: Int) async throws -> PullPage {
        do {
            return try await store.pull(after: after, orgs: orgs, limit: limit)
        } catch let error as StoreError {
            guard error.code == .cursorAhead else { throw error }
            throw ServerError(.conflict, "cursor-ahead", error.message + ": this server's database was restored from an older copy or "
                + "replaced; the laptop must send its changes again and pull from the start (sunsync does this by itself)")
        }
    }

    // MARK: Plumbing

    /// Checks the protocol version and the bearer token; returns what the device may do.
    func authorize(_ request: Request) async throws -> Access {
        guard let version = request.headers[Self.versionHeader] else {
            throw ServerError(.badRequest, "missing-protocol-version", "send the header \(Wire.versionHeader): \(Wire.version)")
        }
        guard version == String(Wire.version) else {
            throw ServerError(.badRequest, "unsupported-protocol-version",
                              "this server speaks protocol \(Wire.version), not \(version); update sunsync or the server")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw ServerError.unauthorized("send the device's token as Authorization: Bearer <token>")
        }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        let address = ClientAddress.current
        try signIn.check(address)
        guard let device = try await known.access.device(tokenHash: Token.hash(token), store) else {
            await signIn.failed(address)
            throw ServerError.unauthorized("the token is not known to this server; ask the administrator for a device token")
        }
        guard device.revokedAt == nil else {
            await signIn.failed(address)
            throw ServerError(.unauthorized, "token-revoked", "device \(device.name)'s token was revoked on \(device.revokedAt ?? ""); ask the administrator for a new one")
        }
        switch device.role {
        case .admin: return Access(device: device, orgs: nil)
        case .staff: return Access(device: device, orgs: [device.org ?? ""])
        case .reviewer: return Access(device: device, orgs: try await known.access.orgs(inDistrict: device.district ?? "", store))
        }
    }

    func readBody(_ request: Request) async throws -> Data {
        let buffer = try await Self.collect(request.body, within: configuration.connections.body)
        let data = Data(buffer.readableBytesView)
        guard request.headers[.contentEncoding]?.lowercased() == "gzip" else { return data }
        guard Gzip.isGzip(data) else {
            throw ServerError(.badRequest, "bad-gzip", "the body is marked Content-Encoding: gzip but is not gzip")
        }
        do { return try Gzip.decompress(data, limit: Wire.maxInflatedBody) } catch {
            throw ServerError(.badRequest, "bad-gzip", "the gzip body cannot be read: \(error)")
        }
    }

    /// The body whole, refused when larger than the protocol allows or not received within `deadline`
    /// (a body sent a byte at a time would hold a connection and a task for as long as its sender likes).
    static func collect(_ body: RequestBody, within deadline: Duration) async throws -> ByteBuffer {
        enum Outcome: Sendable { case body(ByteBuffer), tooLarge, late }
        let outcome = await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do { return .body(try await body.collect(upTo: Wire.maxCompressedBody)) } catch { return .tooLarge }
            }
            group.addTask {
                try? await Task.sleep(for: deadline)
                return .late
            }
            let first = await group.next() ?? .late
            group.cancelAll()
            return first
        }
        switch outcome {
        case .body(let buffer): return buffer
        case .tooLarge:
            throw ServerError(.contentTooLarge, "body-too-large", "the request body is larger than \(Wire.maxCompressedBody) bytes; send fewer ops per batch")
        case .late:
            throw ServerError(.requestTimeout, "body-too-slow",
                              "the request body did not arrive within \(deadline.components.seconds) s; the network is too slow for one batch: try again, or on a better connection")
        }
    }

    /// JSON, gzipped when the client accepts it and the body is worth it.
    func respond(_ value: some Encodable, to request: Request) throws -> Response {
        try respond(json: try Wire.encoder().encode(value), to: request)
    }

    func respond(json: Data, to request: Request) throws -> Response {
        var data = json
        var headers: HTTPFields = [.contentType: "application/json"]
        if data.count > 512, request.headers[.acceptEncoding]?.contains("gzip") == true {
            data = try Gzip.compress(data, level: 1)
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): c.debugDescription
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let c): "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        default: "\(error)"
        }
    }
}
