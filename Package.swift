// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "famol",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "famol", targets: ["Coordinator"]),
        .library(name: "Ranking", targets: ["Ranking"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .target(
            name: "Ranking",
            dependencies: ["COpenBLAS"]
        ),
        .executableTarget(
            name: "Coordinator",
            dependencies: [
                "Ranking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "RankingTests", dependencies: ["Ranking"]),
    ]
)
