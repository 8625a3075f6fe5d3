// swift-tools-version:6.0
import PackageDescription

// Arrows point down only: StorageAgent -> Journal -> Alerting -> Workloads -> Inventory ->
// PVCResolver -> HostFS -> C shims. tools/check-layers enforces it (and that only HostFS
// imports Glibc).
let package = Package(
    name: "storage-agent",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "storage-agent", targets: ["StorageAgent"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .target(name: "CHostFS"),
        .target(name: "HostFS", dependencies: ["CHostFS"]),
        .target(name: "PVCResolver", dependencies: ["HostFS"]),
        .target(name: "Inventory", dependencies: ["PVCResolver", "HostFS", "CSQLite"]),
        .target(name: "Workloads", dependencies: ["Inventory", "PVCResolver", "HostFS"]),
        .target(name: "Alerting", dependencies: ["Workloads", "Inventory", "PVCResolver", "HostFS"]),
        .target(name: "Journal", dependencies: ["Alerting", "Inventory", "HostFS", "CSystemd"]),
        .executableTarget(
            name: "StorageAgent",
            dependencies: [
                "Journal", "Alerting", "Workloads", "Inventory", "PVCResolver", "HostFS", "CYAML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers every test target shares: temporary trees, the sandboxes, the CLI runner, a
        // recording AlertSink, a node with real overlay mounts.
        .target(
            name: "TestSupport", dependencies: ["Alerting", "Workloads", "Inventory", "PVCResolver", "HostFS"],
            path: "Tests/TestSupport"),
        .testTarget(name: "HostFSTests", dependencies: ["HostFS", "TestSupport"]),
        .testTarget(name: "PVCResolverTests", dependencies: ["PVCResolver", "HostFS", "TestSupport"]),
        .testTarget(
            name: "InventoryTests", dependencies: ["Inventory", "PVCResolver", "HostFS", "CSQLite", "TestSupport"]),
        .testTarget(
            name: "WorkloadsTests", dependencies: ["Workloads", "Inventory", "PVCResolver", "HostFS", "TestSupport"]),
        .testTarget(
            name: "AlertingTests",
            dependencies: ["Alerting", "Workloads", "Inventory", "PVCResolver", "HostFS", "TestSupport"]),
        .testTarget(
            name: "StorageAgentTests",
            dependencies: [
                "StorageAgent", "Journal", "Alerting", "Workloads", "Inventory", "PVCResolver", "HostFS", "TestSupport",
            ]),
    ]
)
