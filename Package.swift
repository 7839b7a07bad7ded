// swift-tools-version:6.1
import PackageDescription

/// Targets follow the layers in ARCHITECTURE.md: arrows point down only.
let package = Package(
    name: "craft-sync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "craft-sync", targets: ["craft-sync"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "Store", targets: ["Store"]),
        // For Benchmarks/, which builds against the same targets.
        .library(name: "SyncEngine", targets: ["SyncEngine"]),
        .library(name: "Simulators", targets: ["Simulators"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries. The shims wrap what Swift cannot call directly (zlib's macros).
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", providers: [.apt(["libssl-dev"])]),
        // PostgreSQL's client library, for the shared store (libpq: a system library like SQLite, nothing to build).
        .systemLibrary(name: "CLibPQ", providers: [.apt(["libpq-dev"])]),

        // What several layers need and none owns: the clock, Duration conversions, one backoff, digests and
        // constant-time comparison (OpenSSL's libcrypto).
        .target(name: "Support", dependencies: ["CCrypto"]),
        .target(name: "Compression", dependencies: ["CZlib"]),
        // epoll, eventfd and mallopt, which Swift's Glibc module does not export (an empty module elsewhere).
        .target(name: "CLinux"),
        .target(name: "HTTPServer", dependencies: [
            "Compression", "CLinux", "Support",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Store", dependencies: ["Compression", "CSQLite", "CLibPQ", "Support"]),
        .target(name: "OutboundHTTP", dependencies: ["Support"]),
        .target(name: "CraftAPI", dependencies: ["OutboundHTTP"]),
        .target(name: "DevTools", dependencies: ["Compression", "OutboundHTTP", "Support"]),
        .target(name: "SyncEngine", dependencies: [
            "CraftAPI", "DevTools", "Store", "Support", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Simulators", dependencies: ["HTTPServer", "OutboundHTTP", "Support", .product(name: "Logging", package: "swift-log")]),
        .target(name: "App", dependencies: [
            "HTTPServer", "CLinux", "Store", "OutboundHTTP", "CraftAPI", "DevTools", "SyncEngine", "Support",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // `demo` and `simulate`: craft-sync on the simulators. Kept out of App so the service's library holds no
        // scenario and no simulator wiring.
        .target(name: "SimulatorCommands", dependencies: [
            "App", "Simulators", "CraftAPI", "DevTools", "OutboundHTTP", "Store", "SyncEngine", "Support",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "craft-sync", dependencies: [
            "App", "SimulatorCommands",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // libFuzzer entry point for the request parser, built on demand by Scripts/fuzz.sh with
        // `--sanitize=fuzzer`; a plain build produces a binary that does nothing.
        .executableTarget(name: "FuzzHTTPParser", dependencies: ["HTTPServer"]),

        // Signals and bounded waits shared by the test targets (no sleeps where a signal exists).
        .target(name: "TestSupport", dependencies: ["Support", "OutboundHTTP", "CLibPQ"], path: "Tests/TestSupport"),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "Compression", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "CompressionTests", dependencies: ["Compression"]),
        // Writes events and acknowledges each after commit; the store's crash test SIGKILLs it.
        .executableTarget(name: "StoreCrashWriter", dependencies: ["Store"]),

        .testTarget(name: "StoreTests", dependencies: ["Store", "StoreCrashWriter", "TestSupport"]),
        .testTarget(name: "OutboundHTTPTests", dependencies: ["OutboundHTTP", "HTTPServer", "Support", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "CraftAPITests", dependencies: ["CraftAPI", "OutboundHTTP", "Simulators", "Support", "TestSupport"]),
        .testTarget(name: "DevToolsTests", dependencies: ["DevTools", "OutboundHTTP", "Simulators", "TestSupport"]),
        .testTarget(name: "SyncEngineTests", dependencies: ["SyncEngine", "CraftAPI", "DevTools", "Simulators", "Store", "OutboundHTTP", "Support", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        // Runs the built `craft-sync` executable as separate processes (simulate, serve) and kills them.
        .testTarget(name: "EndToEndTests", dependencies: ["craft-sync", "Store", "TestSupport"]),
        .testTarget(name: "AppTests", dependencies: ["App", "TestSupport", "HTTPServer", "Store", "DevTools", "OutboundHTTP", "CraftAPI", "Simulators", "SimulatorCommands", "Compression",
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
