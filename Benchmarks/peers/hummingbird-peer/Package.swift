// swift-tools-version:6.1
// The comparison peer for Benchmarks/http.sh: Hummingbird 2 doing the same work as HTTPBenchServer.
// Never a dependency of the product.
import PackageDescription

let package = Package(
    name: "hummingbird-peer",
    platforms: [.macOS(.v15)],
    dependencies: [.package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1")],
    targets: [
        .executableTarget(name: "HummingbirdPeer", dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),
    ],
    swiftLanguageModes: [.v6]
)
