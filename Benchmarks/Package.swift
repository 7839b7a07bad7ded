// swift-tools-version:6.1
// Benchmark servers, kept out of the product's build. Run Benchmarks/http.sh.
import PackageDescription

let package = Package(
    name: "craft-sync-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "craft-sync", path: "..")],
    targets: [
        .executableTarget(name: "HTTPBenchServer", dependencies: [.product(name: "HTTPServer", package: "craft-sync")]),
        // What the benchmarks share (a quiet logger, a throwaway store, a backlog, clients to the simulators).
        .target(name: "BenchSupport", dependencies: [
            .product(name: "SyncEngine", package: "craft-sync"), .product(name: "Simulators", package: "craft-sync"),
        ]),
        .executableTarget(name: "StoreBench", dependencies: ["BenchSupport"]),
        .executableTarget(name: "IntakeBench", dependencies: ["BenchSupport"]),
        .executableTarget(name: "FirstSyncBench", dependencies: ["BenchSupport"]),
        .executableTarget(name: "ScaleSimulators", dependencies: ["BenchSupport"]),
        .executableTarget(name: "ScaleBench", dependencies: ["BenchSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
