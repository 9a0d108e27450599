// swift-tools-version:6.0
// famol's fuzz targets: one libFuzzer binary over every reader, built with the toolchain's
// sanitizers (scripts/fuzz builds it with -sanitize=fuzzer,address -parse-as-library). A
// package of its own, so that instrumented builds never mix with famol's normal ones.
import PackageDescription

let package = Package(
    name: "famol-fuzz",
    dependencies: [.package(name: "famol", path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .executableTarget(
            name: "famol-fuzz",
            dependencies: [
                "CFuzzDriver",
                .product(name: "Ranking", package: "famol"),
                .product(name: "Cluster", package: "famol"),
                .product(name: "FamolConfig", package: "famol"),
            ]
        ),
    ]
)
