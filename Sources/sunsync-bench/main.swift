// sunsync-bench: the figures in BENCHMARKS.md. Build with -c release.
//
//   sunsync-bench merge [ops] [typical|conflict|all]   merge rate and memory (default 1,000,000 ops, all)
//   sunsync-bench store [ops]                          store apply vs raw SQLite inserts, and in sync-sized pages (default 200,000)
//   sunsync-bench cli [rows]                           `sunsync import` of an hours CSV (default 100,000 rows)
//                                                      and cold `sunsync hours set` (median of 30)
//   sunsync-bench sync [ops] [postgres://URL]          first sync, idle syncs, wire bytes, concurrent pushes (on PostgreSQL: also two servers)
//                                                      (default 1,000,000 ops)
//   sunsync-bench push [ops] [seconds] [postgres://URL] 50 devices pushing into a server holding ops (default 100,000, 5 s)
//   sunsync-bench review [ops]                         a reviewer's reads and approvals on that district-year
//   sunsync-bench page [ops]                           the review page served from that district-year
import Foundation

// The laptops the benches run keep their stores encrypted, as every laptop does: the passphrase a person
// would type (once per working session; the key is kept in the kernel keyring after it).
setenv("SUNSYNC_PASSPHRASE", "sunsync-bench 口令", 0)

let arguments = Array(CommandLine.arguments.dropFirst())
let mode = arguments.first ?? "merge"
let numbers = arguments.dropFirst().compactMap { Int($0) }
switch mode {
case "merge":
    let count = numbers.first ?? 1_000_000
    let mix = arguments.dropFirst().first { Int($0) == nil } ?? "all"
    guard ["typical", "conflict", "all"].contains(mix) else { usage() }
    print("sunsync-bench merge: \(count) field ops per mix, best of 3 runs, one core")
    for m in mix == "all" ? ["typical", "conflict"] : [mix] { runMerge(mix: m, count: count) }
case "store":
    try runStore(count: numbers.first ?? 200_000)
case "cli":
    try runCLI(rows: numbers.first ?? 100_000)
case "sync":
    // `sunsync-bench sync [ops] [postgres://…]`: the same on PostgreSQL (databases made in that server).
    try await runSync(ops: numbers.first ?? 1_000_000, postgres: CommandLine.arguments.dropFirst(2).first { $0.hasPrefix("postgres") })
case "push":
    try await runPushes(ops: numbers.first ?? 100_000, seconds: Double(numbers.dropFirst().first ?? 5),
                        postgres: CommandLine.arguments.dropFirst(2).first { $0.hasPrefix("postgres") })
case "review":
    try await runReview(ops: numbers.first ?? 1_000_000)
case "page":
    try await runPage(ops: numbers.first ?? 1_000_000)
default:
    usage()
}

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: sunsync-bench merge [ops] [typical|conflict|all] | store [ops] | cli [rows] | sync [ops] [postgres://URL] | push [ops] [seconds] [postgres://URL] | review [ops] | page [ops]\n".utf8))
    exit(64)
}
