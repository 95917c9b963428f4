// page: the review page served by a release `sunsync-server` holding a district-year (the `sync` data:
// 1,000,000 ops over 50 bases): time to the last byte of each page over loopback, first and warm.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SunsyncModel
import SunsyncProtocol

func runPage(ops count: Int) async throws {
    let (_, serverBinary) = try releaseBinaries()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("sunsync-bench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    print("sunsync-bench page: the review page on a server holding \(count) ops over 50 bases; warm figures are the median of 9")
    let data = try await makeServerData(root + "/server", ops: count)
    // The server warms each reviewer district's latest month when it starts: a reviewer who arrives a few
    // seconds later finds it read. Then one who arrives at once (a fresh start: it waits for that read).
    var server = try BenchServer(binary: serverBinary, dataDir: root + "/server")
    try await Task.sleep(for: .seconds(8))
    var browser = PageBrowser(base: server.url)
    try await browser.signIn(data.reviewer)
    let latest = try await browser.timedGet("/review")
    print("/review, 8 s after the server started (warmed)".padding(toLength: 64, withPad: " ", startingAt: 0) + String(format: "%7.3f s", latest))
    // The reviewer looks at February too; the server keeps what its page showed (in the background).
    _ = try await browser.timedGet("/review?month=2022-02")
    try await Task.sleep(for: .seconds(3))
    server.stop()
    server = try BenchServer(binary: serverBinary, dataDir: root + "/server")
    defer { server.stop() }
    browser = PageBrowser(base: server.url)
    try await browser.signIn(data.reviewer)

    func measure(_ label: String, _ path: String, runs: Int) async throws {
        var times = [Double]()
        var bytes = 0
        for _ in 0..<runs {
            let started = Date()
            let (status, body) = try await browser.get(path)
            times.append(Date().timeIntervalSince(started))
            guard status == 200 else { throw BenchError("\(path): \(status)") }
            bytes = body
        }
        print(label.padding(toLength: 64, withPad: " ", startingAt: 0)
              + String(format: "%7.3f s  (%d KB)", times.sorted()[runs / 2], bytes / 1024))
    }
    let month = "2022-02", org = "MH-SB-001"
    try await measure("/review?month=\(month), at once after a restart (seen before)", "/review?month=\(month)", runs: 1)
    try await measure("/review?month=2022-01, then (never seen)", "/review?month=2022-01", runs: 1)
    try await measure("/review, warm", "/review?month=\(month)", runs: 9)
    try await measure("/review/orgs/\(org), warm", "/review/orgs/\(org)?month=\(month)", runs: 9)
    try await measure("/review/orgs/\(org), all days, warm", "/review/orgs/\(org)?month=\(month)&show=all", runs: 9)
    // A base syncs an edit of that month: the month is read again, once.
    let edit = Op(id: OpID(timestamp: Timestamp(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000), counter: 0), replica: ReplicaID(0xbe)),
                  collection: .hours, record: "\(org)/\(BenchPeople.personKeys[1])/\(month)-07", field: "minutes", value: .integer(240))
    let staff = data.staff.first { $0.org == org }!.token
    _ = try await signedPush(server.url, token: staff, [edit])
    try await measure("/review/orgs/\(org), at once after a push into the month", "/review/orgs/\(org)?month=\(month)", runs: 1)
    try await measure("/review, then", "/review?month=\(month)", runs: 1)
    // The usual case: the page is opened a few seconds after a base synced (the server refreshed it meanwhile).
    var again = edit
    again.id = OpID(timestamp: Timestamp(milliseconds: edit.id.timestamp.milliseconds + 1000, counter: 0), replica: edit.id.replica)
    again.pred = [edit.id]
    again.value = .integer(300)
    _ = try await signedPush(server.url, token: staff, [again])
    try await Task.sleep(for: .seconds(3))
    try await measure("/review/orgs/\(org), 3 s after a push into the month", "/review/orgs/\(org)?month=\(month)", runs: 1)
    try await measure("/review, then", "/review?month=\(month)", runs: 1)
}

/// Signs in like a browser and keeps the cookie; follows no redirect.
final class PageBrowser: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    let base: String
    var cookie = ""
    lazy var session = URLSession(configuration: .ephemeral, delegate: self, delegateQueue: nil)

    init(base: String) { self.base = base }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func signIn(_ token: String) async throws {
        var request = URLRequest(url: URL(string: base + "/review/login")!)
        request.httpMethod = "POST"
        request.httpBody = Data("token=\(token)".utf8)
        let (_, response) = try await session.data(for: request)
        let header = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Set-Cookie") ?? ""
        guard let pair = header.split(separator: ";").first, pair.hasPrefix("sunsync_review=") else { throw BenchError("sign-in failed: \(header)") }
        cookie = String(pair)
    }

    func timedGet(_ path: String) async throws -> Double {
        let started = Date()
        let (status, _) = try await get(path)
        guard status == 200 else { throw BenchError("\(path): \(status)") }
        return Date().timeIntervalSince(started)
    }

    func get(_ path: String) async throws -> (status: Int, bytes: Int) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.setValue(cookie, forHTTPHeaderField: "Cookie")
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data.count)
    }
}
