// swift-tools-version:6.0
import PackageDescription

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
        .executableTarget(
            name: "StorageAgent",
            dependencies: [
                "Inventory", "PVCResolver", "HostFS", "CSystemd", "CYAML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "HostFSTests", dependencies: ["HostFS"]),
        .testTarget(name: "PVCResolverTests", dependencies: ["PVCResolver", "HostFS"]),
        .testTarget(name: "InventoryTests", dependencies: ["Inventory", "PVCResolver", "HostFS", "CSQLite"]),
        .testTarget(name: "StorageAgentTests", dependencies: ["StorageAgent", "Inventory", "PVCResolver", "HostFS"]),
    ]
)
