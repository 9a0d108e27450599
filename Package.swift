// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "famol",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "famol", targets: ["Coordinator"]),
        .executable(name: "famol-worker", targets: ["Worker"]),
        .library(name: "Ranking", targets: ["Ranking"]),
        // For the fuzz targets in Fuzz/ (the wire codec).
        .library(name: "Cluster", targets: ["Cluster"]),
        .library(name: "FamolConfig", targets: ["FamolConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CZMQ", path: "Sources/CZMQ"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .target(name: "CCRC32C", path: "Sources/CCRC32C"),
        .target(name: "CSHA256", path: "Sources/CSHA256"),
        .target(
            name: "Proto",
            path: "Sources/Proto",
            linkerSettings: [.linkedLibrary("protobuf-c")]
        ),
        .target(
            name: "Annotation",
            dependencies: ["Ranking", "COpenBLAS", "CSQLite", "CCurl", .product(name: "Metrics", package: "swift-metrics")]
        ),
        .target(
            name: "FamolConfig",
            dependencies: ["Ranking"]
        ),
        .target(
            name: "FamolLog",
            dependencies: [.product(name: "Logging", package: "swift-log"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(
            name: "Cluster",
            dependencies: ["CZMQ", "Proto", "CCRC32C", "Ranking", "COpenBLAS",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus")]
        ),
        .target(
            name: "ClusterAnnotation",
            dependencies: ["Cluster", "Annotation", "Ranking"]
        ),
        .executableTarget(
            name: "Worker",
            dependencies: [
                "Cluster",
                "ClusterAnnotation",
                "FamolLog",
                .product(name: "Logging", package: "swift-log"),
                "Ranking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "Ranking",
            dependencies: ["COpenBLAS", "CMalloc", "CSHA256", "CCRC32C"]
        ),
        .executableTarget(
            name: "Coordinator",
            dependencies: [
                "Ranking",
                "FamolLog",
                "FamolConfig",
                .product(name: "Logging", package: "swift-log"),
                "Cluster",
                "ClusterAnnotation",
                "Annotation",
                "COpenBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "RankingTests", dependencies: ["Ranking", "CSHA256"]),
        .testTarget(name: "AnnotationTests", dependencies: ["Annotation", "Ranking", "CSQLite"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Ranking", "CZMQ"]),
        .testTarget(name: "FamolConfigTests", dependencies: ["FamolConfig", "Ranking"]),
    ]
)
