// cli: the release `sunsync` binary as staff run it: importing a large hours sheet, and one
// `hours set` from a cold process.
import Foundation
import SunsyncModel

func runCLI(rows: Int) throws {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sunsync").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw BenchError("\(binary) is missing: build it first (swift build -c release)")
    }
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("sunsync-bench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: home) }
    /// Wall time of one run, spawned and reaped directly (Foundation's Process adds milliseconds of its own).
    func sunsync(_ args: [String]) throws -> Double {
        let argv = ([binary] + args + ["--home", home]).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pid: pid_t = 0
        var status: Int32 = 0
        let time = seconds {
            guard posix_spawn(&pid, binary, &actions, nil, argv, environ) == 0 else { return }
            waitpid(pid, &status, 0)
        }
        guard pid != 0, status == 0 else { throw BenchError("sunsync \(args.joined(separator: " ")) failed") }
        return time
    }

    // 100 participants; `rows` hours rows spread over them, one per participant and day.
    let people = 100
    let certs = (0..<people).map { certificate(sequence: 100 + $0) }
    _ = try sunsync(["init", "--org", "MH-SB-001", "--lunch-rate", "15"])
    var sheet = "姓名,残疾人证号,合同,合同开始\n" + certs.enumerated().map { "参与者\($0.offset),\($0.element),非全日制,2020-01-01" }.joined(separator: "\n")
    let participants = home + "/participants.csv"
    try Data(sheet.utf8).write(to: URL(fileURLWithPath: participants))
    _ = try sunsync(["import", participants, "--kind", "participants"])
    sheet = "残疾人证号,日期,工时,劳动项目\n"
    let start = CivilDate("2020-01-01")!
    for i in 0..<rows {
        sheet += "\(certs[i % people]),\(start.adding(days: i / people)),\(["3.5", "4", "2h30m", "6"][i % 4]),包装\n"
    }
    let hours = home + "/hours.csv"
    try Data(sheet.utf8).write(to: URL(fileURLWithPath: hours))
    let importTime = try sunsync(["import", hours, "--kind", "hours"])

    var times = [Double]()
    for i in 0..<30 {
        times.append(try sunsync(["hours", "set", certs[i % people], start.adding(days: 5000 + i).description, "3.5"]))
    }
    times.sort()
    print("sunsync-bench cli: release sunsync binary, store with \(rows) days of hours")
    print(String(format: "import %d-row hours CSV       %6.2f s  (%.0f rows/s)", rows, importTime, Double(rows) / importTime))
    print(String(format: "hours set, cold process       median %5.1f ms  (min %.1f, max %.1f, 30 runs)",
                 times[times.count / 2] * 1000, times[0] * 1000, times[times.count - 1] * 1000))
}

/// A valid certificate number: a Minhang resident ID with its check character, category 5, level 2.
func certificate(sequence: Int) -> String {
    let body = Array("31011219900315" + String(format: "%03d", sequence % 1000))
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    let sum = zip(body, weights).reduce(0) { $0 + $1.0.wholeNumberValue! * $1.1 }
    return String(body) + String(Array("10X98765432")[sum % 11]) + "52"
}
