import Foundation
import Synchronization
import SunsyncProtocol

/// The server's Prometheus metrics, in the text exposition format: requests by route and status,
/// ops accepted and rejected, sync latency, database size.
final class Metrics: Sendable {
    private struct State {
        var requests: [String: Int] = [:]
        var accepted = 0
        var rejected: [String: Int] = [:]
        var latencyBuckets: [String: [Int]] = [:]
        var latencySum: [String: Double] = [:]
        var latencyCount: [String: Int] = [:]
    }

    static let bounds: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private let state = Mutex(State())

    func request(path: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.requests["\(path)|\(status)", default: 0] += 1
            guard path == Route.push || path == Route.pull else { return }
            var buckets = s.latencyBuckets[path] ?? Array(repeating: 0, count: Self.bounds.count)
            for (i, bound) in Self.bounds.enumerated() where seconds <= bound { buckets[i] += 1 }
            s.latencyBuckets[path] = buckets
            s.latencySum[path, default: 0] += seconds
            s.latencyCount[path, default: 0] += 1
        }
    }

    func ops(accepted: Int, rejected codes: [String]) {
        state.withLock { s in
            s.accepted += accepted
            for code in codes { s.rejected[code, default: 0] += 1 }
        }
    }

    func render(databaseBytes: Int64?) -> String {
        state.withLock { s in
            var out = "# HELP sunsync_http_requests_total HTTP requests by route and status.\n# TYPE sunsync_http_requests_total counter\n"
            for (key, count) in s.requests.sorted(by: { $0.key < $1.key }) {
                let parts = key.split(separator: "|")
                out += "sunsync_http_requests_total{route=\"\(parts[0])\",status=\"\(parts[1])\"} \(count)\n"
            }
            out += "# HELP sunsync_ops_accepted_total Ops accepted from pushes (new or already held).\n# TYPE sunsync_ops_accepted_total counter\n"
            out += "sunsync_ops_accepted_total \(s.accepted)\n"
            out += "# HELP sunsync_ops_rejected_total Ops refused, by reason code.\n# TYPE sunsync_ops_rejected_total counter\n"
            for (code, count) in s.rejected.sorted(by: { $0.key < $1.key }) {
                out += "sunsync_ops_rejected_total{code=\"\(code)\"} \(count)\n"
            }
            out += "# HELP sunsync_sync_seconds Push and pull latency.\n# TYPE sunsync_sync_seconds histogram\n"
            for (path, buckets) in s.latencyBuckets.sorted(by: { $0.key < $1.key }) {
                for (bound, count) in zip(Self.bounds, buckets) {
                    out += "sunsync_sync_seconds_bucket{route=\"\(path)\",le=\"\(bound)\"} \(count)\n"
                }
                out += "sunsync_sync_seconds_bucket{route=\"\(path)\",le=\"+Inf\"} \(s.latencyCount[path] ?? 0)\n"
                out += "sunsync_sync_seconds_sum{route=\"\(path)\"} \(s.latencySum[path] ?? 0)\n"
                out += "sunsync_sync_seconds_count{route=\"\(path)\"} \(s.latencyCount[path] ?? 0)\n"
            }
            guard let databaseBytes else { return out }
            out += "# HELP sunsync_database_bytes Size of the database (SQLite: the file and its write-ahead log).\n# TYPE sunsync_database_bytes gauge\n"
            out += "sunsync_database_bytes \(databaseBytes)\n"
            return out
        }
    }
}
