import Workloads

/// Which tracked files of writable layers are copied out: those under the `mount:` path of a
/// configured volume of their container's namespace (where a volume was meant to be), and those
/// a `rescue.paths` glob names. The rest is only reported by `ephemeral`.
struct RescueSelection: Sendable {
    /// A configured volume with a `mount:`: its namespace and the mount path with a trailing `/`.
    let mounts: [(namespace: String, prefix: [UInt8])]
    let paths: [RescuePath]

    init(_ config: Config) {
        mounts = config.volumes.compactMap { v in v.mount.map { (v.namespace, Self.prefix($0)) } }
        paths = config.rescue.paths
    }

    /// `/app/data/` for `/app/data` or `/app/data/`, `/` for `/`.
    static func prefix(_ mount: String) -> [UInt8] {
        var bytes = Array(mount.utf8)
        while bytes.last == 0x2F { bytes.removeLast() }
        return bytes + [0x2F]
    }

    func wants(_ f: EphemeralFile) -> Bool {
        mounts.contains { $0.namespace == f.namespace && f.containerPathBytes.starts(with: $0.prefix) }
            || paths.contains { $0.matches(f.containerPathBytes, namespace: f.namespace) }
    }
}
