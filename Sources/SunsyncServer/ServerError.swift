import Foundation
import Synchronization
import HTTPTypes
import Hummingbird
import SunsyncProtocol
import SunsyncStore

/// An error the server answers as `application/problem+json` (RFC 9457) with a stable type.
struct ServerError: Error {
    let status: HTTPResponse.Status
    let code: String
    let detail: String
    /// Seconds a client should wait before trying again (`Retry-After`), for a fault that passes.
    var retryAfter: Int?

    init(_ status: HTTPResponse.Status, _ code: String, _ detail: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.detail = detail
        self.retryAfter = retryAfter
    }

    /// A store's fault that passes by itself, as the answer that names it (nil: not one of those).
    init?(fault error: StoreError) {
        switch error.code {
        case .diskFull: self.init(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "disk-full", error.message + "; the administrator must free space. Laptops keep their changes and send them later", retryAfter: 60)
        case .unavailable: self.init(.serviceUnavailable, "database-unavailable", error.message + "; laptops keep their changes and send them later", retryAfter: 10)
        case .locked: self.init(.serviceUnavailable, "busy", error.message, retryAfter: 1)
        default: return nil
        }
    }

    var problem: Problem {
        Problem(type: Problem.typeURI(code), title: status.reasonPhrase, status: status.code, detail: detail)
    }

    static func unauthorized(_ detail: String) -> ServerError { ServerError(.unauthorized, "unauthorized", detail) }
}

/// Turns every error into a problem response, counts requests, and logs one line per request.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: Metrics
    let health: Health
    /// The HTTPS proxy in front, whose `X-Forwarded-For` names the client (nil: none is believed).
    var proxy: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var address = (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress
        if let proxy, address == proxy, let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!]?.split(separator: ",").last {
            address = forwarded.trimmingCharacters(in: .whitespaces)   // the address the proxy saw
        }
        let response: Response
        do {
            response = try await ClientAddress.$current.withValue(address) { try await next(request, context) }
        } catch let error as ServerError {
            response = Self.problem(error)
        } catch let error as StoreError where ServerError(fault: error) != nil {
            context.logger.error("request failed", metadata: ["error": "\(error.message)", "path": "\(request.uri.path)"])
            health.failed(error.message)
            response = Self.problem(ServerError(fault: error)!)
        } catch let error as HTTPError {
            response = Self.problem(ServerError(error.status, "http-error", error.body ?? error.status.reasonPhrase))
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            response = Self.problem(ServerError(.internalServerError, "internal", "the server failed to answer; the request changed nothing"))
        }
        if request.method == .post, (200..<300).contains(response.status.code) { health.recovered() }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.request(path: Self.route(request.uri.path), status: response.status.code, seconds: seconds)
        context.logger.info("request", metadata: [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)", "client": "\(address ?? "-")",
            "ms": "\(Int(seconds * 1000))",
        ])
        return response
    }

    static func problem(_ error: ServerError) -> Response {
        let data = (try? Wire.encoder().encode(error.problem)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let seconds = error.retryAfter { headers[.retryAfter] = String(seconds) }
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Paths grouped for metrics, so a label never holds user input.
    static func route(_ path: String) -> String {
        if Route.all.contains(path) || path == "/healthz" || path == "/metrics" { return path }
        return path == "/review" || path.hasPrefix("/review/") ? "/review" : "other"
    }
}

/// What `/healthz` answers: `ok`, or `degraded: <why>` (503) while the database cannot be reached, its disk
/// is nearly full, or a store fault that passes (a full disk, an unreachable database) happened in the last
/// 30 seconds with no write through since.
final class Health: Sendable {
    /// The SQLite database's directory, whose free space is looked at (nil: PostgreSQL).
    let directory: String?
    /// Why the database cannot be reached now, as the store knows it (PostgreSQL's watch).
    let unreachable: @Sendable () -> String?
    private let lastFault = Mutex<(message: String, at: ContinuousClock.Instant)?>(nil)
    static let lowSpace: UInt64 = 16 << 20

    init(directory: String?, unreachable: @escaping @Sendable () -> String? = { nil }) {
        self.directory = directory
        self.unreachable = unreachable
    }

    func failed(_ message: String) { lastFault.withLock { $0 = (message, .now) } }

    /// A write went through: the fault has passed.
    func recovered() { lastFault.withLock { $0 = nil } }

    /// Nil when healthy, else why not.
    func problem() -> String? {
        if let why = unreachable() { return why }
        if let directory {
            var fs = statvfs()
            if statvfs(directory, &fs) == 0 {
                let free = UInt64(fs.f_bavail) * UInt64(fs.f_frsize)
                if free < Self.lowSpace { return "the disk holding \(directory) has \(free >> 10) KiB free" }
            }
        }
        return lastFault.withLock { fault in
            guard let f = fault else { return nil }
            if ContinuousClock.now - f.at > .seconds(30) { fault = nil; return nil }
            return f.message
        }
    }
}
