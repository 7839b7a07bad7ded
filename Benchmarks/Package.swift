// swift-tools-version:6.1
// Benchmark servers, kept out of the product's build. Run Benchmarks/http.sh.
import PackageDescription

let package = Package(
    name: "craft-sync-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "craft-sync", path: "..")],
    targets: [
        .executableTarget(name: "HTTPBenchServer", dependencies: [.product(name: "HTTPServer", package: "craft-sync")]),
        .executableTarget(name: "StoreBench", dependencies: [.product(name: "Store", package: "craft-sync")]),
        .executableTarget(name: "IntakeBench", dependencies: [
            .product(name: "SyncEngine", package: "craft-sync"), .product(name: "Simulators", package: "craft-sync"),
        ]),
        .executableTarget(name: "FirstSyncBench", dependencies: [
            .product(name: "SyncEngine", package: "craft-sync"), .product(name: "Simulators", package: "craft-sync"),
        ]),
        .executableTarget(name: "ScaleSimulators", dependencies: [.product(name: "Simulators", package: "craft-sync")]),
        .executableTarget(name: "ScaleBench", dependencies: [
            .product(name: "SyncEngine", package: "craft-sync"), .product(name: "Simulators", package: "craft-sync"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
