import HostFS

/// A volume the configuration names by path (`path:` entries, hostPath layouts).
package struct ConfiguredPath: Sendable, Equatable {
    package var path: String
    package var namespace: String
    package var pvc: String

    package init(path: String, namespace: String, pvc: String) {
        self.path = path
        self.namespace = namespace
        self.pvc = pvc
    }
}

/// A volume the kubelet mounted for a pod (found by the executable, which knows pods).
package struct KubeletVolume: Sendable, Equatable {
    package var path: String
    package var namespace: String?
    package var pvc: String?
    package var pv: String?
    package var ephemeral: Bool

    package init(path: String, namespace: String?, pvc: String?, pv: String?, ephemeral: Bool) {
        self.path = path
        self.namespace = namespace
        self.pvc = pvc
        self.pv = pv
        self.ephemeral = ephemeral
    }
}

/// A storage root or configured path that could not be read.
package struct ResolveProblem: Sendable, CustomStringConvertible {
    package let path: String
    package let error: SystemError
    package var description: String { error.description }
}

package struct Resolution: Sendable {
    package var volumes: [Volume]
    package var problems: [ResolveProblem]

    package init(volumes: [Volume], problems: [ResolveProblem]) {
        self.volumes = volumes
        self.problems = problems
    }
}

/// Turns storage roots (and, when known, PV objects) into volumes. Reads directory names
/// only; never follows a symlink below a root and never opens anything that is not a directory.
package struct Resolver: Sendable {
    package var roots: [String]
    package var pattern: PathPattern?
    package var configured: [ConfiguredPath]
    /// nil when `kubernetes.pv_command` is off or failed: directory names are all we know.
    package var persistentVolumes: [PersistentVolume]?
    package var kubelet: [KubeletVolume]

    package init(
        roots: [String], pattern: PathPattern? = nil, configured: [ConfiguredPath] = [],
        persistentVolumes: [PersistentVolume]? = nil, kubelet: [KubeletVolume] = []
    ) {
        self.roots = roots.map(Self.normalize)
        self.pattern = pattern
        self.configured = configured
        self.persistentVolumes = persistentVolumes
        self.kubelet = kubelet
    }

    package func resolve() -> Resolution {
        var problems: [ResolveProblem] = []
        var found: [Volume] = []
        for root in roots {
            do {
                found += try scanRoot(root)
            } catch {
                problems.append(ResolveProblem(path: root, error: error))
            }
        }
        var volumes: [Volume] = []
        var taken: Set<String> = []
        if let persistentVolumes {
            for pv in persistentVolumes {
                let path = Self.normalize(pv.path)
                guard !taken.contains(path), let created = Self.directoryTime(path) else { continue }
                let (root, components) = split(path)
                volumes.append(
                    Volume(
                        namespace: pv.claimNamespace, pvc: pv.claimName, pv: pv.name, root: root,
                        components: components, state: pv.claimName == nil ? .unknown : .current, source: .api,
                        capacity: pv.capacity, createdNs: pv.createdNs ?? created))
                taken.insert(path)
            }
            // The API is authoritative: a volume directory no PV claims is an orphan.
            for var volume in found where !taken.contains(volume.path) {
                volume.state = .orphan
                volumes.append(volume)
                taken.insert(volume.path)
            }
        } else {
            for volume in found where !taken.contains(volume.path) {
                volumes.append(volume)
                taken.insert(volume.path)
            }
        }
        for entry in configured {
            let path = Self.normalize(entry.path)
            guard !taken.contains(path) else { continue }
            guard let created = Self.directoryTime(path) else {
                problems.append(ResolveProblem(path: path, error: SystemError("open", path: path)))
                continue
            }
            let (root, components) = split(path)
            volumes.append(
                Volume(
                    namespace: entry.namespace, pvc: entry.pvc, pv: nil, root: root, components: components,
                    state: .current, source: .config, capacity: nil, createdNs: created))
            taken.insert(path)
        }
        // Kubelet pod volumes, except the ones that are a bind of a directory already found (a
        // local PV's directory under a storage root shows up again under the pod).
        var identities: Set<[UInt64]> = []
        for v in volumes {
            if let st = try? v.open().stat() { identities.insert([st.device, st.inode]) }
        }
        for k in kubelet where !taken.contains(Self.normalize(k.path)) {
            guard let dir = try? Descriptor.openDirectory(path: k.path), let st = try? dir.stat(),
                identities.insert([st.device, st.inode]).inserted
            else { continue }
            let (root, components) = split(Self.normalize(k.path))
            volumes.append(
                Volume(
                    namespace: k.namespace, pvc: k.pvc, pv: k.pv, root: root, components: components,
                    state: k.ephemeral ? .ephemeral : (k.pvc == nil ? .unknown : .current), source: .kubelet,
                    capacity: nil,
                    createdNs: Self.createdNs(dir)))
            taken.insert(Self.normalize(k.path))
        }
        Self.rankRecreated(&volumes)
        volumes.sort { ($0.path.utf8.lexicographicallyPrecedes($1.path.utf8)) }
        return Resolution(volumes: volumes, problems: problems)
    }

    /// Several directories for one namespace/name: the newest is `current`, the rest `stale`.
    static func rankRecreated(_ volumes: inout [Volume]) {
        var newest: [String: Int] = [:]
        for (i, v) in volumes.enumerated() where v.state == .current || v.state == .stale {
            guard let claim = v.claim else { continue }
            if let j = newest[claim] {
                let other = volumes[j]
                let newer = v.createdNs != other.createdNs ? v.createdNs > other.createdNs : v.path > other.path
                if newer {
                    volumes[j].state = .stale
                    newest[claim] = i
                } else {
                    volumes[i].state = .stale
                }
            } else {
                newest[claim] = i
            }
        }
    }

    func scanRoot(_ root: String) throws(SystemError) -> [Volume] {
        let dir = try Descriptor.openDirectory(path: root)
        var volumes: [Volume] = []
        var children: [(String, FileType)] = []
        try? dir.forEachEntry { entry in
            children.append((String(decoding: entry.nameBytes, as: UTF8.self), entry.type))
        }
        for (name, type) in children {
            guard let parsed = DirectoryName.parse(name), let sub = Self.directory(dir, name, type) else { continue }
            volumes.append(
                Volume(
                    namespace: parsed.namespace, pvc: parsed.pvc, pv: parsed.pv, root: root, components: [name],
                    state: parsed.namespace == nil ? .unknown : .current, source: .dirname, capacity: nil,
                    createdNs: Self.createdNs(sub)))
        }
        if let pattern {
            walkPattern(pattern, dir, root: root, level: 0, components: [], bound: [:], into: &volumes)
        }
        return volumes
    }

    func walkPattern(
        _ pattern: PathPattern, _ dir: Descriptor, root: String, level: Int, components: [String],
        bound: [PathPattern.Field: String], into volumes: inout [Volume]
    ) {
        var children: [(String, FileType)] = []
        try? dir.forEachEntry { entry in
            children.append((String(decoding: entry.nameBytes, as: UTF8.self), entry.type))
        }
        for (name, type) in children.sorted(by: { $0.0 < $1.0 }) {
            // A default-named volume directory is a volume itself, never a pattern level.
            if level == 0 && DirectoryName.parse(name) != nil { continue }
            guard let next = pattern.match(name, level: level, bound: bound), let sub = Self.directory(dir, name, type)
            else { continue }
            if level + 1 == pattern.depth {
                volumes.append(
                    Volume(
                        namespace: next[.namespace], pvc: next[.pvc], pv: next[.pv], root: root,
                        components: components + [name], state: .current, source: .pattern, capacity: nil,
                        createdNs: Self.createdNs(sub)))
            } else {
                walkPattern(
                    pattern, sub, root: root, level: level + 1, components: components + [name], bound: next,
                    into: &volumes)
            }
        }
    }

    /// Opens a child only when it is a real directory (no symlink followed).
    static func directory(_ parent: Descriptor, _ name: String, _ type: FileType) -> Descriptor? {
        guard type == .directory || type == .unknown else { return nil }
        return name.withCString { try? parent.openDirectory(named: $0) }
    }

    static func createdNs(_ dir: Descriptor) -> Int64 {
        dir.birthTimeNs() ?? (try? dir.stat().mtimeNs) ?? 0
    }

    static func directoryTime(_ path: String) -> Int64? {
        guard let dir = try? Descriptor.openDirectory(path: path) else { return nil }
        return createdNs(dir)
    }

    func split(_ path: String) -> (String?, [String]) {
        for root in roots where path.hasPrefix(root + "/") {
            return (root, path.dropFirst(root.count + 1).split(separator: "/").map(String.init))
        }
        return (nil, path.split(separator: "/").map(String.init))
    }

    static func normalize(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
