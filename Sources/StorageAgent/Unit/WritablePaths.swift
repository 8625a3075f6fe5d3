import HostFS

/// The directories a configuration asks the agent to write, as the unit grants them
/// (`ReadWritePaths=` in a runtime drop-in, under `ProtectSystem=strict`):
///
/// - the storage roots, when some volume has `fix_ownership` (ownership fixing writes inside
///   volumes; a link needs nothing there: its volume is shown through a mount of its own);
/// - `path:` volumes with `fix_ownership`;
/// - the directory of `metrics.textfile` (node_exporter's textfile collector directory);
/// - for each `link`, the deepest directory on the way to its parent whose name only root can
///   change (`/home/ubuntu` for `/home/ubuntu/observer/data`: `/home` is root's, `ubuntu` is the
///   user's, so `observer` may be swapped for a symlink by the user at any time and is never
///   handed to systemd, which would follow it).
///
/// A directory is granted only when every directory on its way from `/` is a real directory
/// (no symlink), owned by root and not group- or world-writable: nobody but root can make the
/// path lead elsewhere between this check and systemd's bind mount.
///
/// The same drop-in carries the friendly links' exposures (`Exposure`) the unit-sync mounted, so
/// the daemon knows what it was started with and restarts when its links need others.
struct WritablePaths: Equatable {
    var paths: [String]
    var exposed: [Exposure] = []

    /// Names systemd's `ReadWritePaths=` and `Environment=` take without quoting.
    static func grantable(_ path: String) -> Bool {
        path.hasPrefix("/")
            && path.utf8.allSatisfy { b in
                b > 0x20 && b < 0x7F && !"\"'\\%:;$`".utf8.contains(b)
            }
    }

    init(paths: [String], exposed: [Exposure] = []) {
        self.paths = paths
        self.exposed = exposed
    }

    init(config: Config, warn: (String) -> Void) {
        var wanted: [String] = []
        let writesVolumes = config.volumes.contains { $0.fixOwnership }
        if writesVolumes {
            for root in config.storageRoots {
                if let p = Self.trusted(root, whole: true, warn: warn) { wanted.append(p) }
            }
        }
        for v in config.volumes where v.fixOwnership {
            if let path = v.path, let p = Self.trusted(path, whole: true, warn: warn) { wanted.append(p) }
        }
        if let textfile = config.metricsTextfile {
            let dir = String(textfile[..<(textfile.lastIndex(of: "/") ?? textfile.startIndex)])
            if let p = Self.trusted(dir.isEmpty ? "/" : dir, whole: true, warn: warn) { wanted.append(p) }
        }
        // The rescue area, when it is not in the state directory the unit always grants: the
        // directory itself when it exists, else its parent (where it is made).
        let rescue = RescueArea.trimmed(config.rescue.directory)
        if config.rescue.enabled && !rescue.hasPrefix("/var/lib/storage-agent/") {
            let parent = String(rescue[..<(rescue.lastIndex(of: "/") ?? rescue.startIndex)])
            let dir = HostPath.exists(rescue) ? rescue : parent.isEmpty ? "/" : parent
            if let p = Self.trusted(dir, whole: true, warn: warn) { wanted.append(p) }
        }
        for v in config.volumes {
            guard let link = v.link else { continue }
            let parent = String(link[..<(link.lastIndex(of: "/") ?? link.startIndex)])
            if let p = Self.trusted(parent.isEmpty ? "/" : parent, whole: false, warn: warn) { wanted.append(p) }
        }
        paths = Self.minimal(wanted)
    }

    /// `path` itself when root alone controls every step to it (`whole`), else the deepest
    /// directory on its way that root alone names (for a link's parent); nil when none is.
    /// The walk starts at `base` (tests start in a directory of their own; the unit at `/`).
    static func trusted(_ path: String, whole: Bool, base: String = "/", warn: (String) -> Void) -> String? {
        guard grantable(path) else {
            warn("\(path): a name the unit cannot grant (space, quote, %, : or a control byte); not writable")
            return nil
        }
        let start = base == "/" ? "" : base
        guard path.hasPrefix(start + "/") || path == base else { return nil }
        let parts = path.dropFirst(start.count).split(separator: "/").map(String.init)
        guard !parts.contains(".."), !parts.contains(".") else {
            warn("\(path): not a plain absolute path; not writable")
            return nil
        }
        guard var dir = try? Descriptor.openDirectory(path: base), var st = try? dir.stat() else { return nil }
        var reached = base
        for part in parts {
            // Only root may rename or replace entries of this directory.
            guard st.uid == 0, st.permissions & 0o022 == 0 else { break }
            guard let next = try? dir.openDirectory(name: part), let nst = try? next.stat() else {
                if whole { warn("\(path): missing, a symlink or unreadable below \(reached); not writable") }
                return whole || reached == base ? nil : reached
            }
            dir = next
            st = nst
            reached = reached == "/" ? "/" + part : reached + "/" + part
        }
        if whole && reached != path {
            warn("\(path): \(reached) is not root's alone (owner or group/world-writable); not writable")
            return nil
        }
        return reached == base ? nil : reached
    }

    /// Sorted, without duplicates or paths inside another listed one.
    static func minimal(_ paths: [String]) -> [String] {
        var out: [String] = []
        for p in Set(paths).sorted() where !out.contains(where: { p == $0 || p.hasPrefix($0 + "/") }) {
            out.append(p)
        }
        return out
    }

    // MARK: - The runtime drop-in

    static let dropInDirectory = "/run/systemd/system/storage-agent.service.d"
    static let dropInName = "50-writable-paths.conf"
    static let environmentName = "STORAGE_AGENT_WRITABLE_PATHS"

    /// The drop-in's text; nil when nothing needs to be writable (no drop-in at all).
    func dropIn(source: String) -> String? {
        guard !paths.isEmpty || !exposed.isEmpty else { return nil }
        var text = """
            # Written by `storage-agent unit-sync` (the unit's ExecStartPre= and ExecReload=) from
            # \(source): the directories that configuration asks the agent to write, and the
            # volumes its friendly links are shown through (mount units of their own).
            # Rewritten on every start and reload; edit the configuration, not this file.
            [Service]

            """
        if !paths.isEmpty {
            text += "ReadWritePaths=\(paths.map { "-" + $0 }.joined(separator: " "))\n"
            text += "Environment=\(Self.environmentName)=\(paths.joined(separator: ":"))\n"
        }
        if !exposed.isEmpty {
            text += "Environment=\(Exposure.environmentName)=\(Exposure.environmentValue(exposed))\n"
        }
        return text + "\n"
    }

    /// What a drop-in's `Environment=` lines grant (the paths and exposures of `dropIn`).
    static func parse(dropIn text: String) -> WritablePaths {
        var out = WritablePaths(paths: [])
        let writable = "Environment=\(environmentName)="
        let exposed = "Environment=\(Exposure.environmentName)="
        for line in text.split(separator: "\n") {
            if line.hasPrefix(writable) {
                out.paths = line.dropFirst(writable.count).split(separator: ":").map(String.init)
            } else if line.hasPrefix(exposed) {
                out.exposed = Exposure.parse(environment: line.dropFirst(exposed.count))
            }
        }
        return out
    }

    /// What this process was started with under the unit: the drop-in's paths, none when systemd
    /// started it without one, nil when not started by systemd.
    static func granted() -> WritablePaths? {
        let writable = CurrentProcess.environment(environmentName)
        let exposed = CurrentProcess.environment(Exposure.environmentName)
        guard writable != nil || exposed != nil || CurrentProcess.environment("INVOCATION_ID") != nil else {
            return nil
        }
        return WritablePaths(
            paths: writable?.split(separator: ":").map(String.init) ?? [],
            exposed: exposed.map { Exposure.parse(environment: Substring($0)) } ?? [])
    }

    /// What the unit's drop-in on disk grants now (empty when there is none).
    static func current() -> WritablePaths {
        switch readTextFile(dropInDirectory + "/" + dropInName) {
        case .success(let text): return parse(dropIn: text)
        case .failure: return WritablePaths(paths: [])
        }
    }
}
