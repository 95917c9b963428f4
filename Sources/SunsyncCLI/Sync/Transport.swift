import Foundation
import SunsyncModel
import SunsyncProtocol
import SunsyncReports
import SunsyncClient

extension SyncError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .refused(let p): say(.serverRefused(detail: p.detail, code: p.code))
        case .refusedForNow(let p, let wait): say(.serverBusy(detail: p.detail, code: p.code, seconds: wait.components.seconds))
        case .network(let message, _): say(.cannotReach(message))
        case .untrusted(let message): say(.untrustedChanges(message))
        }
    }
}

/// Protocol v1 over HTTP (`HTTPClient`, on SwiftNIO): JSON bodies, gzip both ways, the token as a bearer.
struct HTTPTransport: SyncTransport {
    let server: URL
    let token: String
    let client: HTTPClient

    init(server: URL, token: String, ca: String? = nil, timeouts: HTTPClient.Timeouts = .fromEnvironment) {
        self.server = server
        self.token = token
        client = HTTPClient(timeouts: timeouts, ca: ca)
    }

    func session() async throws -> SessionInfo {
        try await send("GET", Route.session, body: nil)
    }

    func push(_ request: PushRequest) async throws -> PushResponse {
        let body = try Gzip.compress(try Wire.encoder().encode(request), level: 1)
        return try await send("POST", Route.push, body: body)
    }

    func registerKey(publicKey: [UInt8]) async throws -> KeyRegistered {
        let body = try Gzip.compress(try Wire.encoder().encode(KeyRegistration(publicKey: Hex.encode(publicKey))), level: 1)
        return try await send("POST", Route.keys, body: body)
    }

    func pull(after cursor: Int64, limit: Int, count: Bool = false) async throws -> PullResponse {
        let data = try await sendRaw("GET", Route.pull + "?after=\(cursor)&limit=\(limit)" + (count ? "&count=1" : ""), body: nil)
        return try PageReader.pullResponse(data) ?? decode(data)
    }

    func devices() async throws -> DeviceDirectory {
        try await send("GET", Route.devices, body: nil)
    }

    private func send<T: Decodable>(_ method: String, _ path: String, body: Data?) async throws -> T {
        try decode(try await sendRaw(method, path, body: body))
    }

    private func decode<T: Decodable>(_ payload: Data) throws -> T {
        do { return try Wire.decoder().decode(T.self, from: payload) } catch {
            throw SyncError.network("the server's answer could not be read (\(error)); is \(server) a Sunsync server?")
        }
    }

    /// One exchange; returns the (inflated) body of a 2xx answer, or throws the server's problem.
    private func sendRaw(_ method: String, _ path: String, body: Data?) async throws -> Data {
        guard let url = URL(string: server.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path) else {
            throw SyncError.network("\(server) is not a URL")
        }
        var headers = [(Wire.versionHeader, String(Wire.version)), ("Authorization", "Bearer \(token)"), ("Accept-Encoding", "gzip")]
        if body != nil { headers += [("Content-Type", "application/json"), ("Content-Encoding", "gzip")] }
        let started = ContinuousClock.now
        defer {
            if ProcessInfo.processInfo.environment["SUNSYNC_TRACE"] != nil {
                FileHandle.standardError.write(Data("\(method) \(path): \(ContinuousClock.now - started)\n".utf8))
            }
        }
        let response = try await client.send(method == "POST" ? .POST : .GET, url, headers: headers, body: body)
        let data = response.body
        var payload = data
        if Gzip.isGzip(payload) {
            do { payload = try Gzip.decompress(payload, limit: Wire.maxInflatedBody) } catch {
                throw SyncError.network("the answer was cut off (\(error))")
            }
        }
        guard (200..<300).contains(response.status) else {
            if let problem = try? Wire.decoder().decode(Problem.self, from: payload) {
                // A wait the server names (RFC 9110 §10.2.3: seconds; an HTTP date is not sent by Sunsync servers).
                if let seconds = response.headers.first(name: "Retry-After").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), seconds >= 0,
                   problem.status >= 500 || problem.status == 408 || problem.status == 429 {
                    throw SyncError.refusedForNow(problem, retryAfter: .seconds(min(seconds, 3600)))
                }
                throw SyncError.refused(problem)
            }
            let problem = Problem(type: Problem.typeURI("http-\(response.status)"), title: "HTTP \(response.status)",
                                  status: response.status,
                                  detail: "the server at \(server) answered HTTP \(response.status), not as a Sunsync server would: is the address right?")
            throw SyncError.refused(problem)
        }
        return payload
    }
}

