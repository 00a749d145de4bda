// swift-tools-version:6.0
import PackageDescription

/// sslsan: a terminal explorer and on-CPU engine for SSL-SaN visual sound source localisation.
///
/// C libraries are system-library targets (module map + shim header); see `Sources/C*/`.
/// Release builds use SwiftPM's default `-O` with whole-module optimisation: bounds and precondition
/// checks stay on, because `-Ounchecked` turns a failed precondition into memory corruption.

let package = Package(
    name: "sslsan",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sslsan", targets: ["sslsan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CSndfile", path: "Sources/CSndfile"),
        .systemLibrary(name: "CSamplerate", path: "Sources/CSamplerate"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG"),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "Core",
            dependencies: ["CBLAS", "CSndfile", "CSamplerate", "CPNG", "CTurboJPEG", "CZlib"]
        ),
        .target(name: "Render", dependencies: ["Core"]),
        .target(name: "TUI", dependencies: ["Core", "Render", "CNcursesw"]),
        .executableTarget(
            name: "sslsan",
            dependencies: ["Core", "Render", "TUI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(name: "RenderTests", dependencies: ["Render", "Core"]),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Render", "Core"], exclude: ["Snapshots"]),
    ],
    swiftLanguageModes: [.v6]
)
