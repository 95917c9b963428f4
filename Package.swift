// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Sunsync",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SunsyncModel", targets: ["SunsyncModel"]),
        .library(name: "SunsyncStore", targets: ["SunsyncStore"]),
        .executable(name: "sunsync", targets: ["sunsync"]),
        .executable(name: "sunsync-server", targets: ["sunsync-server"]),
        .executable(name: "sunsync-bench", targets: ["sunsync-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // Already built for the server (Hummingbird): the laptop's HTTP client uses them too.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The review page's templates; HTML-escapes every value by default. Small, no dependencies.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        // The server's PostgreSQL store (SunsyncPostgres only: the laptop's `sunsync` never links it).
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        // SHA-256 and Ed25519 (op signatures). Already built for postgres-nio; the model uses it for digests.
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        // X.509 for `sunsync-server tls init` (a district's CA and its server certificate). Already built for
        // swift-nio-extras (Hummingbird's), so it costs no build time.
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", exact: "1.7.4"),
    ],
    targets: [
        // Records, clocks, merge, validation, review and flags. Pure: no IO, no clock, no randomness.
        .target(name: "SunsyncModel", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The op log, materialized current values and outbox in SQLite (WAL), shared by client and server.
        // SQLCipher in place of the system SQLite (Debian 12 backports' libsqlcipher-dev 4.6.1, linked statically):
        // GRDB links `sqlite3`, and sqlcipher/libsqlite3.a (a link to libsqlcipher.a) is found first. Stores
        // refuse to open where the cipher is missing (`Cipher.check`), so a build that linked plain SQLite fails closed.
        // Crypto and its extras (scrypt, HPKE): the keys file that wraps a store's key (swift-crypto is built already).
        .target(name: "SunsyncStore", dependencies: ["SunsyncModel", .product(name: "GRDB", package: "GRDB.swift"),
                                                    .product(name: "GRDBSQLite", package: "GRDB.swift"),
                                                    .product(name: "Crypto", package: "swift-crypto"),
                                                    .product(name: "_CryptoExtras", package: "swift-crypto")],
                linkerSettings: [.unsafeFlags(["-L", Context.packageDirectory + "/sqlcipher"]), .linkedLibrary("crypto"), .linkedLibrary("m")]),
        // The version and the git commit a binary was built from (`--version`).
        .target(name: "SunsyncVersion", plugins: ["GitCommit"]),
        .plugin(name: "GitCommit", capability: .buildTool()),
        // The read model over merged state: day lines, review list, monthly and payment reports, flag lines.
        // Pure like the model; the CLI and the review page render the same numbers from it.
        .target(name: "SunsyncReports", dependencies: ["SunsyncModel"]),
        // zlib, from the system (zlib1g-dev), for gzip on the wire.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // The wire contract shared by client and server: request and response types, versioning, gzip.
        .target(name: "SunsyncProtocol", dependencies: ["SunsyncModel", "CZlib"]),
        // The server's storage seam: the op log, devices, sessions and settings behind `ServerStore`, with
        // the embedded SQLite implementation (SunsyncStore's file).
        .target(name: "SunsyncServerStore", dependencies: ["SunsyncModel", "SunsyncStore", "SunsyncProtocol", .product(name: "GRDB", package: "GRDB.swift")]),
        // `ServerStore` on PostgreSQL: several server processes, one database.
        .target(name: "SunsyncPostgres", dependencies: [
            "SunsyncModel", "SunsyncStore", "SunsyncServerStore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The sync server: a Hummingbird app over a ServerStore, the review page, and its admin commands.
        .target(name: "SunsyncServer", dependencies: [
            "SunsyncModel", "SunsyncStore", "SunsyncProtocol", "SunsyncReports", "SunsyncVersion",
            "SunsyncServerStore", "SunsyncPostgres",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "sunsync-server", dependencies: ["SunsyncServer"], path: "server"),
        // The kernel keyring (keyrings(7)) through `syscall`, which Swift cannot call: the store's key kept for a session.
        .target(name: "CKeyring"),
        // A sync as a state machine (no IO), and its driver over a transport, a store and a clock (protocols).
        .target(name: "SunsyncClient", dependencies: ["SunsyncModel", "SunsyncProtocol"]),
        // The `sunsync` commands, as a library so tests can call them.
        .target(name: "SunsyncCLI", dependencies: [
            "SunsyncModel", "SunsyncStore", "SunsyncProtocol", "SunsyncReports", "SunsyncVersion", "CKeyring", "SunsyncClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .executableTarget(name: "sunsync", dependencies: ["SunsyncCLI"], path: "client-cli"),
        .executableTarget(name: "sunsync-bench", dependencies: ["SunsyncModel", "SunsyncStore", "SunsyncProtocol", "SunsyncServerStore", "SunsyncPostgres",
                                                                 .product(name: "PostgresNIO", package: "postgres-nio"),
                                                                 .product(name: "NIOCore", package: "swift-nio"),
                                                                 .product(name: "NIOPosix", package: "swift-nio"),
                                                                 .product(name: "NIOHTTP1", package: "swift-nio"),
                                                                 .product(name: "Logging", package: "swift-log"),
                                                                 .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        // Where the tests below write their files (one folder per test process, removed at its exit).
        .target(name: "SunsyncTestSupport", path: "Tests/SunsyncTestSupport"),
        .testTarget(name: "SunsyncModelTests", dependencies: ["SunsyncModel"]),
        .testTarget(name: "SunsyncReportsTests", dependencies: ["SunsyncReports", "SunsyncModel"]),
        .testTarget(name: "SunsyncStoreTests", dependencies: ["SunsyncStore", "SunsyncModel", "SunsyncTestSupport"]),
        .testTarget(name: "SunsyncProtocolTests", dependencies: ["SunsyncProtocol", "SunsyncModel"]),
        // The server's parts in process: what the review page keeps of a month against a fresh read; the
        // rules of a push through the router (`app.test(.router)`), no socket.
        .testTarget(name: "SunsyncServerTests", dependencies: ["SunsyncServer", "SunsyncStore", "SunsyncModel", "SunsyncReports", "SunsyncTestSupport",
                                                            "SunsyncServerStore", "SunsyncPostgres", "SunsyncProtocol",
                                                            .product(name: "HummingbirdTesting", package: "hummingbird"),
                                                            .product(name: "Mustache", package: "swift-mustache"),
                                                            .product(name: "HTTPTypes", package: "swift-http-types"),
                                                            .product(name: "PostgresNIO", package: "postgres-nio"),
                                                            .product(name: "Logging", package: "swift-log"),
                                                            .product(name: "GRDB", package: "GRDB.swift")],
                    exclude: ["Fixtures"]),
        // End-to-end: runs the built `sunsync` and `sunsync-server` binaries, in temporary homes, on 127.0.0.1.
        // And the sync engine in process, against a fake server (SyncEngineTests).
        .testTarget(name: "SunsyncCLITests", dependencies: ["SunsyncCLI", "SunsyncClient", "SunsyncStore", "SunsyncServerStore", "SunsyncModel", "SunsyncProtocol", "SunsyncTestSupport",
                                                           "SunsyncReports", .product(name: "GRDB", package: "GRDB.swift")],
                    exclude: ["Fixtures"]),
    ]
)
