import Alerting
import HostFS
import PVCResolver

extension Config {
    /// Loads `path`, or the built-in defaults when `path` is the default file and it does not exist.
    static func load(path: String?) throws(AgentError) -> Config {
        let file = path ?? defaultPath
        let text: String
        switch readTextFile(file) {
        case .success(let t): text = t
        case .failure(let e):
            if path == nil && e.code == .noEntry { return Config() }
            if e.code == .noEntry {
                throw AgentError(.missingInput, "config file \(file) does not exist; create it or drop --config")
            }
            if e.isPermission {
                throw AgentError(.permission, "cannot read config \(file): permission denied; run with sudo")
            }
            throw AgentError(.ioError, "cannot read config \(file): \(e.message)")
        }
        do {
            var config = try parse(text, file: file)
            config.source = file
            return config
        } catch {
            throw AgentError(.config, "\(error.description); fix the file and retry")
        }
    }

    static func parse(_ text: String, file: String) throws(ConfigError) -> Config {
        let root: YAMLNode
        do {
            root = try YAMLParser.parse(text)
        } catch {
            throw ConfigError(file: file, line: error.line, message: error.message)
        }
        var config = Config()
        var reader = ConfigReader(file: file)
        try reader.read(root, into: &config)
        return config
    }
}

/// Reads the YAML tree into `Config`, naming the key and line of every problem.
struct ConfigReader {
    let file: String

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
            throw fail(
                e.line,
                "unknown key '\(e.key)'\(name == "top level" ? "" : " in \(name)"); known keys: \(allowed.joined(separator: ", "))"
            )
        }
        return entries
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

    mutating func read(_ root: YAMLNode, into c: inout Config) throws(ConfigError) {
        let top = [
            "storage_roots", "database", "index", "owner", "kubernetes", "path_pattern", "tracks", "volumes", "alerts",
            "metrics", "ephemeral",
        ]
        for e in try entries(root, "top level", allowed: top) {
            let v = e.value
            switch e.key {
            case "storage_roots":
                c.storageRoots = []
                for (s, line) in try stringList(v, "storage_roots") {
                    guard s.hasPrefix("/") else { throw fail(line, "storage_roots: '\(s)' is not an absolute path") }
                    c.storageRoots.append(s)
                }
            case "database": c.database = try absolutePath(v, "database")
            case "index":
                for i in try entries(v, "index", allowed: ["include", "rescan_interval"]) {
                    if i.key == "include" {
                        c.include = []
                        for (p, line) in try stringList(i.value, "index.include") {
                            do { c.include.append(try Glob(p)) } catch {
                                throw fail(line, "index.include: bad glob '\(p)' (a file-name pattern such as *.jsonl)")
                            }
                        }
                    } else {
                        c.rescanInterval = try duration(i.value, "index.rescan_interval")
                        guard c.rescanInterval >= 10 else {
                            throw fail(i.value, "index.rescan_interval must be at least 10s")
                        }
                    }
                }
            case "owner": c.owner = try owner(v, "owner")
            case "kubernetes":
                for k in try entries(v, "kubernetes", allowed: ["pv_command", "crictl_command"]) {
                    if k.key == "pv_command" {
                        c.pvCommand = try optionalString(k.value, "kubernetes.pv_command")
                    } else {
                        c.crictlCommand = try optionalString(k.value, "kubernetes.crictl_command")
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
                    switch a.key {
                    case "renotify": c.renotify = try duration(a.value, "alerts.renotify")
                    case "mount_grace": c.mountGrace = try duration(a.value, "alerts.mount_grace")
                    default: c.maxPerCycle = try int(a.value, "alerts.max_per_cycle")
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
            default: break
            }
        }
    }

    func readTracks(_ node: YAMLNode, into c: inout Config) throws(ConfigError) {
        guard case .mapping(let list, _) = node else {
            if node.isNull { return }
            throw fail(node, "tracks must be a mapping of track names")
        }
        for entry in list {
            guard !entry.key.isEmpty, entry.key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
            else {
                throw fail(entry.line, "tracks: '\(entry.key)' is not a valid track name (letters, digits, '-')")
            }
            // A listed track starts from its built-in settings, so `scalp: {retention: 5d}` changes one thing.
            var track = Track.defaults.first { $0.name == entry.key } ?? Track(name: entry.key)
            let keys = ["retention", "active", "timezone", "stale_after", "hourly"]
            for k in try entries(entry.value, "tracks.\(entry.key)", allowed: keys) {
                let key = "tracks.\(entry.key).\(k.key)"
                switch k.key {
                case "retention": track.retention = k.value.isNull ? nil : try duration(k.value, key)
                case "stale_after": track.staleAfter = k.value.isNull ? nil : try duration(k.value, key)
                case "hourly": track.hourly = try bool(k.value, key)
                case "timezone":
                    let tz = try string(k.value, key)
                    guard TimeZoneFile.exists(tz) else {
                        throw fail(k.value, "\(key): unknown time zone '\(tz)' (no /usr/share/zoneinfo/\(tz))")
                    }
                    track.timezone = tz
                default:
                    if k.value.isNull {
                        track.active = nil
                    } else {
                        let s = try string(k.value, key)
                        guard let w = ActiveWindow.parse(s) else {
                            throw fail(k.value, "\(key): bad window '\(s)'; use e.g. \"Mon-Fri 09:00-15:30\"")
                        }
                        track.active = w
                    }
                }
            }
            if let i = c.tracks.firstIndex(where: { $0.name == entry.key }) {
                c.tracks[i] = track
            } else {
                c.tracks.append(track)
            }
        }
    }

    func readVolumes(_ node: YAMLNode, into c: inout Config) throws(ConfigError) {
        if node.isNull { return }
        guard case .sequence(let items, _) = node else { throw fail(node, "volumes must be a list") }
        let keys = ["pvc", "path", "name", "expect", "mount", "link", "fix_ownership", "owner", "capacity"]
        for item in items {
            var pvc: (String, String)?
            var path: String?
            var v = VolumeConfig(namespace: "", pvc: "", line: item.line)
            for e in try entries(item, "volumes entry", allowed: keys) {
                switch e.key {
                case "pvc", "name": pvc = try claim(e.value, "volumes.\(e.key)")
                case "path": path = try absolutePath(e.value, "volumes.path")
                case "expect": v.expect = try bool(e.value, "volumes.expect")
                case "mount": v.mount = try absolutePath(e.value, "volumes.mount")
                case "link": v.link = try absolutePath(e.value, "volumes.link")
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
            guard let pvc else { throw fail(item, "volumes entry needs pvc: NAMESPACE/NAME (or path: with name:)") }
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

extension Owner {
    /// `uid:gid` or `uid` (gid = uid), numeric.
    static func parse(_ s: String) -> Owner? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let uid = UInt32(parts[0]), uid < UInt32.max else { return nil }
        guard parts.count == 2 else { return Owner(uid: uid, gid: uid) }
        guard let gid = UInt32(parts[1]), gid < UInt32.max else { return nil }
        return Owner(uid: uid, gid: gid)
    }
}

enum DurationText {
    /// `90s`, `10m`, `6h`, `3d`, `1w`, or combinations such as `1h30m`.
    static func seconds(_ s: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64?
        for c in s {
            if let d = c.wholeNumberValue, c.isASCII {
                number = (number ?? 0) * 10 + Int64(d)
                guard number! < 10_000_000 else { return nil }
            } else {
                guard let n = number else { return nil }
                switch c {
                case "s": total += n
                case "m": total += n * 60
                case "h": total += n * 3600
                case "d": total += n * 86400
                case "w": total += n * 7 * 86400
                default: return nil
                }
                number = nil
            }
        }
        guard number == nil, !s.isEmpty else { return nil }
        return total
    }
}

extension ActiveWindow {
    /// `Mon-Fri 09:00-15:30`, `Mon,Wed 10:00-12:00`, `Sat-Sun 00:00-24:00`.
    static func parse(_ text: String) -> ActiveWindow? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        func day(_ s: Substring) -> Int? { names.firstIndex(of: s.lowercased()) }
        var days: Set<Int> = []
        for item in parts[0].split(separator: ",") {
            let range = item.split(separator: "-", omittingEmptySubsequences: false)
            if range.count == 1, let d = day(range[0]) {
                days.insert(d)
            } else if range.count == 2, let a = day(range[0]), let b = day(range[1]) {
                var d = a
                while true {
                    days.insert(d)
                    if d == b { break }
                    d = (d + 1) % 7
                }
            } else {
                return nil
            }
        }
        let times = parts[1].split(separator: "-", omittingEmptySubsequences: false)
        func minute(_ s: Substring) -> Int? {
            let hm = s.split(separator: ":", omittingEmptySubsequences: false)
            guard hm.count == 2, hm[0].count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]), m < 60,
                h < 24 || (h == 24 && m == 0)
            else { return nil }
            return h * 60 + m
        }
        guard times.count == 2, let start = minute(times[0]), let end = minute(times[1]), start < end, !days.isEmpty
        else {
            return nil
        }
        return ActiveWindow(days: days, startMinute: start, endMinute: end, text: text)
    }
}
