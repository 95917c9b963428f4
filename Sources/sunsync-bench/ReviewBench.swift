// review: what a reviewer reads and decides on a laptop holding a district-year (the `sync` data: 1,000,000
// ops over 50 bases), each command a new release `sunsync` process; wall time (median of 5) and peak RSS.
import Foundation
import SunsyncModel
import SunsyncStore

func runReview(ops count: Int) async throws {
    let (sunsync, serverBinary) = try releaseBinaries()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("sunsync-bench-\(UUID().uuidString)").path
    let keep = ProcessInfo.processInfo.environment["SUNSYNC_BENCH_KEEP"] != nil
    defer { if keep { print("kept \(root)") } else { try? FileManager.default.removeItem(atPath: root) } }
    print("sunsync-bench review: a reviewer laptop holding \(count) ops over 50 bases; each command a new process, median of 5")
    let data = try await makeServerData(root + "/server", ops: count)
    let server = try BenchServer(binary: serverBinary, dataDir: root + "/server")
    defer { server.stop() }
    let laptop = root + "/laptop"
    _ = try spawn(sunsync, ["login", "--home", laptop, "--server", server.url, "--token", data.reviewer])
    _ = try spawn(sunsync, ["sync", "--home", laptop])

    func measure(_ args: [String], runs: Int = 5) throws {
        let times = try (0..<runs).map { _ in try spawn(sunsync, args + ["--home", laptop]) }
        let seconds = times.map(\.seconds).sorted()[runs / 2], peak = times.map(\.peakMB).max() ?? 0
        print(args.joined(separator: " ").padding(toLength: 52, withPad: " ", startingAt: 0)
              + String(format: "%6.3f s  peak RSS %6.1f MB", seconds, peak))
    }
    try measure(["review", "list", "--month", "2022-02"])
    try measure(["review", "list", "--month", "2022-02", "--json"])
    try measure(["review", "list", "--month", "2022-02", "--org", "MH-SB-001"])
    try measure(["report", "monthly", "--month", "2022-02"])
    try measure(["report", "payments", "--month", "2022-02"])
    try measure(["flags", "--month", "2022-02"])
    try measure(["status"])
    // Each approval writes decisions: one base's month, then the same again (nothing left to approve).
    try measure(["review", "approve", "--org", "MH-SB-001", "--month", "2022-02"], runs: 1)
    try measure(["review", "approve", "--org", "MH-SB-002", "--month", "2022-02", "--unflagged"], runs: 1)
    try measure(["report", "payments", "--month", "2022-02"])
}
