// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Sunsync",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SunsyncModel", targets: ["SunsyncModel"]),
        .executable(name: "sunsync-bench", targets: ["sunsync-bench"]),
    ],
    targets: [
        // Records, clocks, merge, validation, review and flags. Pure: no IO, no clock, no randomness.
        .target(name: "SunsyncModel"),
        .executableTarget(name: "sunsync-bench", dependencies: ["SunsyncModel"]),
        .testTarget(name: "SunsyncModelTests", dependencies: ["SunsyncModel"]),
    ]
)
