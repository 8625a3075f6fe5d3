import PVCResolver

/// `rescue:`: tracked files copied out of containers' writable layers (issue 13).
struct RescueConfig: Sendable, Equatable {
    /// The floor of free space on the rescue area's file system.
    enum FreeSpace: Sendable, Equatable {
        case percent(Double)
        case bytes(Int64)
    }

    var enabled = true
    /// Container-path globs beyond the volumes' `mount:` paths, optionally for one namespace.
    var paths: [RescuePath] = []
    var directory = "/var/lib/storage-agent/rescue"
    var maxBytes: Int64 = 2 << 30
    var minFree = FreeSpace.percent(10)
}

extension ConfigReader {
    func readRescue(_ node: YAMLNode, into c: inout Config) throws(ConfigError) {
        for r in try entries(node, "rescue", allowed: ["enabled", "paths", "directory", "max_bytes", "min_free"]) {
            each { () throws(ConfigError) in
                switch r.key {
                case "enabled": c.rescue.enabled = try bool(r.value, "rescue.enabled")
                case "directory": c.rescue.directory = try absolutePath(r.value, "rescue.directory")
                case "max_bytes":
                    let s = try string(r.value, "rescue.max_bytes")
                    guard let bytes = Quantity.bytes(s) else {
                        throw fail(r.value, "rescue.max_bytes: bad size '\(s)'; use e.g. 2Gi")
                    }
                    c.rescue.maxBytes = bytes
                case "min_free":
                    let s = try string(r.value, "rescue.min_free")
                    if s.hasSuffix("%"), let p = Double(s.dropLast()), p >= 0, p < 100 {
                        c.rescue.minFree = .percent(p)
                    } else if let bytes = Quantity.bytes(s) {
                        c.rescue.minFree = .bytes(bytes)
                    } else {
                        throw fail(
                            r.value,
                            "rescue.min_free: bad value '\(s)'; use a percentage such as 10% or a size such as 5Gi")
                    }
                default:
                    c.rescue.paths = []
                    if r.value.isNull { return }
                    for (p, line) in try stringList(r.value, "rescue.paths") {
                        guard let path = RescuePath(p) else {
                            throw fail(
                                line,
                                "rescue.paths: bad entry '\(p)'; use a container-path glob such as /app/data/** or NAMESPACE:/app/data/**"
                            )
                        }
                        c.rescue.paths.append(path)
                    }
                }
            }
        }
    }
}
