// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Sunsync",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SunsyncModel", targets: ["SunsyncModel"]),
        .library(name: "SunsyncStore", targets: ["SunsyncStore"]),
        .executable(name: "sunsync", targets: ["sunsync"]),
        .executable(name: "sunsync-bench", targets: ["sunsync-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // Records, clocks, merge, validation, review and flags. Pure: no IO, no clock, no randomness.
        .target(name: "SunsyncModel"),
        // The op log, materialized current values and outbox in SQLite (WAL), shared by client and server.
        .target(name: "SunsyncStore", dependencies: ["SunsyncModel", .product(name: "GRDB", package: "GRDB.swift"),
                                                    .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        // The `sunsync` commands, as a library so tests can call them.
        .target(name: "SunsyncCLI", dependencies: [
            "SunsyncModel", "SunsyncStore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "sunsync", dependencies: ["SunsyncCLI"], path: "client-cli"),
        .executableTarget(name: "sunsync-bench", dependencies: ["SunsyncModel", "SunsyncStore",
                                                                 .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        .testTarget(name: "SunsyncModelTests", dependencies: ["SunsyncModel"]),
        .testTarget(name: "SunsyncStoreTests", dependencies: ["SunsyncStore", "SunsyncModel"]),
        // End-to-end: runs the built `sunsync` binary in temporary homes.
        .testTarget(name: "SunsyncCLITests", dependencies: ["SunsyncStore", "SunsyncModel", .product(name: "GRDB", package: "GRDB.swift")],
                    exclude: ["Fixtures"]),
    ]
)
