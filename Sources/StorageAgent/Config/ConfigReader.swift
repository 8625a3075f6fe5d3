import Alerting
import HostFS
import PVCResolver

/// Reads the YAML tree into `Config`, naming the key and line of every problem. A problem in one
/// key does not stop the reading: every key is read, and every problem is kept (`problems`).
struct ConfigReader {
    let file: String
    let problems = ConfigProblems()

    /// Reads one key (or one list entry); its problem is recorded and reading goes on.
    func each(_ body: () throws(ConfigError) -> Void) {
        do { try body() } catch { problems.all.append(error) }
    }

    func fail(_ node: YAMLNode, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node.line, message: message)
    }
    func fail(_ line: Int, _ message: String) -> ConfigError { ConfigError(file: file, line: line, message: message) }

    func entries(_ node: YAMLNode, _ name: String, allowed: [String]) throws(ConfigError) -> [(
        key: String, line: Int, value: YAMLNode
    )] {
        if node.isNull { return [] }
        guard case .mapping(let entries, _) = node else { throw fail(node, "\(name) must be a mapping") }
        for e in entries where !allowed.contains(e.key) {
            problems.all.append(
                fail(
                    e.line,
                    "unknown key '\(e.key)'\(name == "top level" ? "" : " in \(name)"); known keys: \(allowed.joined(separator: ", "))"
                ))
        }
        return entries.filter { allowed.contains($0.key) }
    }

    func string(_ node: YAMLNode, _ key: String) throws(ConfigError) -> String {
        guard case .scalar(let s, _, _) = node, !node.isNull else { throw fail(node, "\(key) must be a string") }
        return s
    }

    func optionalString(_ node: YAMLNode, _ key: String) throws(ConfigError) -> String? {
        node.isNull ? nil : try string(node, key)
    }

    func bool(_ node: YAMLNode, _ key: String) throws(ConfigError) -> Bool {
        if case .scalar(let s, false, _) = node {
            if ["true", "yes", "on", "True"].contains(s) { return true }
            if ["false", "no", "off", "False"].contains(s) { return false }
        }
        throw fail(node, "\(key) must be true or false")
    }

    func int(_ node: YAMLNode, _ key: String) throws(ConfigError) -> Int {
        guard case .scalar(let s, false, _) = node, let v = Int(s), v >= 0 else {
            throw fail(node, "\(key) must be a whole number")
        }
        return v
    }

    func duration(_ node: YAMLNode, _ key: String) throws(ConfigError) -> Int64 {
        guard let s = try? string(node, key), let seconds = DurationText.seconds(s) else {
            throw fail(node, "\(key): bad duration; use e.g. 30s, 10m, 6h, 3d")
        }
        return seconds
    }

    /// A list of strings, each with its own line for error messages.
    func stringList(_ node: YAMLNode, _ key: String) throws(ConfigError) -> [(value: String, line: Int)] {
        guard case .sequence(let items, _) = node else { throw fail(node, "\(key) must be a list") }
        var out: [(String, Int)] = []
        for item in items { out.append((try string(item, key), item.line)) }
        return out
    }

    func absolutePath(_ node: YAMLNode, _ key: String) throws(ConfigError) -> String {
        let s = try string(node, key)
        guard s.hasPrefix("/") else { throw fail(node, "\(key) must be an absolute path, got '\(s)'") }
        return s
    }

    /// An absolute path the unit can be told to write (`ReadWritePaths=` takes it unquoted).
    func grantablePath(_ node: YAMLNode, _ key: String) throws(ConfigError) -> String {
        let s = try absolutePath(node, key)
        guard WritablePaths.grantable(s) else {
            throw fail(node, "\(key): '\(s)' has a space, quote, %, :, ; or control byte, which the unit cannot grant")
        }
        return s
    }

    func owner(_ node: YAMLNode, _ key: String) throws(ConfigError) -> Owner {
        guard let s = try? string(node, key), let owner = Owner.parse(s) else {
            throw fail(node, "\(key): bad owner; use numeric uid:gid such as \"999:999\"")
        }
        return owner
    }

    func claim(_ node: YAMLNode, _ key: String) throws(ConfigError) -> (String, String) {
        let s = try string(node, key)
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, KubernetesName.isLabel(parts[0]), KubernetesName.isSubdomain(parts[1]) else {
            throw fail(node, "\(key): '\(s)' is not NAMESPACE/NAME")
        }
        return (String(parts[0]), String(parts[1]))
    }

    func read(_ root: YAMLNode, into c: inout Config) {
        let top = [
            "storage_roots", "database", "index", "owner", "kubernetes", "path_pattern", "tracks", "volumes", "alerts",
            "metrics", "ephemeral", "rescue",
        ]
        each { () throws(ConfigError) in
            for e in try entries(root, "top level", allowed: top) {
                each { () throws(ConfigError) in try read(e.key, e.value, into: &c) }
            }
        }
    }

    private func read(_ key: String, _ v: YAMLNode, into c: inout Config) throws(ConfigError) {
        do {
            switch key {
            case "storage_roots":
                c.storageRoots = []
                for (s, line) in try stringList(v, "storage_roots") {
                    guard s.hasPrefix("/") else { throw fail(line, "storage_roots: '\(s)' is not an absolute path") }
                    c.storageRoots.append(s)
                }
            case "database": c.database = try absolutePath(v, "database")
            case "index":
                for i in try entries(v, "index", allowed: ["include", "rescan_interval", "max_watches", "max_depth"]) {
                    each { () throws(ConfigError) in
                        if i.key == "max_depth" {
                            let n = try int(i.value, "index.max_depth")
                            guard n >= 1 else { throw fail(i.value, "index.max_depth must be at least 1") }
                            c.maxDepth = n
                        } else if i.key == "max_watches" {
                            let n = try int(i.value, "index.max_watches")
                            guard n >= 1 else { throw fail(i.value, "index.max_watches must be at least 1") }
                            c.maxWatches = n
                        } else if i.key == "include" {
                            c.include = []
                            for (p, line) in try stringList(i.value, "index.include") {
                                do { c.include.append(try Glob(p)) } catch {
                                    throw fail(
                                        line, "index.include: bad glob '\(p)' (a file-name pattern such as *.jsonl)")
                                }
                            }
                        } else {
                            c.rescanInterval = try duration(i.value, "index.rescan_interval")
                            guard c.rescanInterval >= 10 else {
                                throw fail(i.value, "index.rescan_interval must be at least 10s")
                            }
                        }
                    }
                }
            case "owner": c.owner = try owner(v, "owner")
            case "kubernetes":
                for k in try entries(v, "kubernetes", allowed: ["pv_command", "crictl_command"]) {
                    each { () throws(ConfigError) in
                        if k.key == "pv_command" {
                            c.pvCommand = try optionalString(k.value, "kubernetes.pv_command")
                        } else {
                            c.crictlCommand = try optionalString(k.value, "kubernetes.crictl_command")
                        }
                    }
                }
            case "path_pattern":
                if let p = try optionalString(v, "path_pattern") {
                    do { c.pathPattern = try PathPattern(p) } catch { throw fail(v, error.description) }
                }
            case "tracks": try readTracks(v, into: &c)
            case "volumes": try readVolumes(v, into: &c)
            case "alerts":
                for a in try entries(v, "alerts", allowed: ["renotify", "max_per_cycle", "mount_grace"]) {
                    each { () throws(ConfigError) in
                        switch a.key {
                        case "renotify": c.renotify = try duration(a.value, "alerts.renotify")
                        case "mount_grace": c.mountGrace = try duration(a.value, "alerts.mount_grace")
                        default: c.maxPerCycle = try int(a.value, "alerts.max_per_cycle")
                        }
                    }
                }
            case "metrics":
                for m in try entries(v, "metrics", allowed: ["textfile"]) {
                    c.metricsTextfile = m.value.isNull ? nil : try absolutePath(m.value, "metrics.textfile")
                }
            case "ephemeral":
                for m in try entries(v, "ephemeral", allowed: ["containerd_root"]) {
                    c.containerdRoot = try absolutePath(m.value, "ephemeral.containerd_root")
                }
            case "rescue": try readRescue(v, into: &c)
            default: break
            }
        }
    }

    func readVolumes(_ node: YAMLNode, into c: inout Config) throws(ConfigError) {
        if node.isNull { return }
        guard case .sequence(let items, _) = node else { throw fail(node, "volumes must be a list") }
        let keys = ["pvc", "path", "name", "expect", "mount", "link", "fix_ownership", "owner", "capacity"]
        for item in items { each { () throws(ConfigError) in try readVolume(item, keys: keys, into: &c) } }
    }

    private func readVolume(_ item: YAMLNode, keys: [String], into c: inout Config) throws(ConfigError) {
        do {
            var pvc: (String, String)?
            var path: String?
            var v = VolumeConfig(namespace: "", pvc: "", line: item.line)
            let fields = try entries(item, "volumes entry", allowed: keys)
            for e in fields {
                each { () throws(ConfigError) in
                    switch e.key {
                    case "pvc", "name": pvc = try claim(e.value, "volumes.\(e.key)")
                    case "path": path = try grantablePath(e.value, "volumes.path")
                    case "expect": v.expect = try bool(e.value, "volumes.expect")
                    case "mount": v.mount = try absolutePath(e.value, "volumes.mount")
                    case "link": v.link = try grantablePath(e.value, "volumes.link")
                    case "fix_ownership": v.fixOwnership = try bool(e.value, "volumes.fix_ownership")
                    case "owner": v.owner = try owner(e.value, "volumes.owner")
                    default:
                        let s = try string(e.value, "volumes.capacity")
                        guard let bytes = Quantity.bytes(s) else {
                            throw fail(e.value, "volumes.capacity: bad size '\(s)'; use e.g. 20Gi")
                        }
                        v.capacity = bytes
                    }
                }
            }
            guard let pvc else {
                // A claim that was given but bad has its own error already.
                let named = fields.contains { $0.key == "pvc" || $0.key == "name" }
                if named { return }
                throw fail(item, "volumes entry needs pvc: NAMESPACE/NAME (or path: with name:)")
            }
            v.namespace = pvc.0
            v.pvc = pvc.1
            v.path = path
            if c.volumes.contains(where: { $0.claim == v.claim && $0.path == v.path }) {
                throw fail(item, "volume \(v.claim) is listed twice")
            }
            c.volumes.append(v)
        }
    }
}
