import Foundation
import Hummingbird
import SunsyncProtocol

/// An error the server answers as `application/problem+json` (RFC 9457) with a stable type.
struct ServerError: Error {
    let status: HTTPResponse.Status
    let code: String
    let detail: String

    init(_ status: HTTPResponse.Status, _ code: String, _ detail: String) {
        self.status = status
        self.code = code
        self.detail = detail
    }

    var problem: Problem {
        Problem(type: Problem.typeURI(code), title: status.reasonPhrase, status: status.code, detail: detail)
    }

    static func unauthorized(_ detail: String) -> ServerError { ServerError(.unauthorized, "unauthorized", detail) }
}

/// Turns every error into a problem response, counts requests, and logs one line per request.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: Metrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as ServerError {
            response = Self.problem(error)
        } catch let error as HTTPError {
            response = Self.problem(ServerError(error.status, "http-error", error.body ?? error.status.reasonPhrase))
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            response = Self.problem(ServerError(.internalServerError, "internal", "the server failed to answer; the request changed nothing"))
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.request(path: Self.route(request.uri.path), status: response.status.code, seconds: seconds)
        context.logger.info("request", metadata: [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
            "ms": "\(Int(seconds * 1000))",
        ])
        return response
    }

    static func problem(_ error: ServerError) -> Response {
        let data = (try? Wire.encoder().encode(error.problem)) ?? Data()
        return Response(status: error.status, headers: [.contentType: "application/problem+json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Paths grouped for metrics, so a label never holds user input.
    static func route(_ path: String) -> String {
        if ["/v1/session", "/v1/push", "/v1/pull", "/v1/devices", "/healthz", "/metrics"].contains(path) { return path }
        return path == "/review" || path.hasPrefix("/review/") ? "/review" : "other"
    }
}
