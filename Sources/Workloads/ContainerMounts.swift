import HostFS
import Inventory
import PVCResolver

/// One volume mounted into one running container.
package struct ContainerMount: Sendable, Equatable {
    package var namespace: String?
    package var pvc: String?
    package var volumePath: String
    /// The mount point as the container sees it.
    package var containerPath: String
    package var podUID: String?
    package var pod: String?
    package var podNamespace: String?
    package var container: String?
    package var pid: Int32
    package var readOnly: Bool?
}

/// Which running container mounts which volume, where, from the node alone: every process in a
/// pod's cgroup (one per mount namespace) and its `/proc/<pid>/mountinfo`. A bind mount of a
/// volume shows the volume's device and its path inside that file system, which the host's
/// own mountinfo translates from the host path.
package struct ContainerMounts {
    package var procRoot = "/proc"
    package var kubeletRoot = PodIdentity.defaultKubeletRoot
    /// Names from the container runtime, when configured; the kubelet directory otherwise.
    package var cri = CRIContainers()

    package init(cri: CRIContainers = CRIContainers()) { self.cri = cri }

    /// A finder with container names from `crictlCommand` (`crictl ps -o json`) when given and
    /// working; from the kubelet's pod directory alone otherwise, after telling `warn` why.
    package static func discover(crictlCommand: String?, warn: (CommandProblem) -> Void) -> ContainerMounts {
        guard let crictlCommand else { return ContainerMounts() }
        let output: [UInt8]
        do {
            output = try ExternalCommand.run(crictlCommand)
        } catch {
            warn(.failed(error))
            return ContainerMounts()
        }
        do {
            return ContainerMounts(cri: try CRIContainers.parse(output))
        } catch {
            warn(.unreadable(error))
            return ContainerMounts()
        }
    }

    /// A running container: its first process and pod.
    package struct Container: Sendable {
        package var pid: Int32
        package var pod: PodIdentity
        package var mounts: [MountInfoEntry]
    }

    /// Processes in pod cgroups, one per mount namespace (the lowest pid, the container's init).
    package func containers() -> [Container] {
        var byNamespace: [String: (Int32, String)] = [:]
        var containerIDs: [Int32: String] = [:]
        for pid in Self.pids(procRoot) {
            guard case .success(let cgroup) = readFile("\(procRoot)/\(pid)/cgroup"),
                let uid = PodIdentity.podUID(cgroup: cgroup)
            else { continue }
            containerIDs[pid] = CRIContainers.containerID(cgroup: cgroup)
            // Without ptrace access to another uid's process (the unit has no CAP_SYS_PTRACE), its
            // namespace link cannot be read: keep the process as its own entry rather than miss it.
            let ns =
                ProcFS.readLink("\(procRoot)/\(pid)/ns/mnt", capacity: 128).map { String(decoding: $0, as: UTF8.self) }
                ?? "pid:\(pid)"
            if let existing = byNamespace[ns], existing.0 < pid { continue }
            byNamespace[ns] = (pid, uid)
        }
        var pods: [String: PodIdentity] = [:]
        return byNamespace.values.sorted { $0.0 < $1.0 }.compactMap { pid, uid in
            guard let mounts = MountInfo.read(pid: pid, procRoot: procRoot) else { return nil }
            var pod = pods[uid] ?? PodIdentity.read(uid: uid, kubeletRoot: kubeletRoot)
            pods[uid] = pod
            if let id = containerIDs[pid], let entry = cri.byID[id], entry.podUID == nil || entry.podUID == uid {
                pod.name = entry.pod ?? pod.name
                pod.namespace = entry.namespace ?? pod.namespace
                pod.container = entry.container
            }
            return Container(pid: pid, pod: pod, mounts: mounts)
        }
    }

    /// Every mount of a known volume in a running container.
    package func scan(volumes: [VolumeRecord], containers: [Container]) -> [ContainerMount] {
        let host = MountInfo.read(pid: CurrentProcess.id, procRoot: procRoot) ?? []
        // volume -> (device, path inside its file system)
        var sources: [(VolumeRecord, String, [UInt8])] = []
        for v in volumes where v.goneAt == nil {
            if let (device, inside) = Self.locate(Array(v.path.utf8), in: host) { sources.append((v, device, inside)) }
        }
        var out: [ContainerMount] = []
        for c in containers {
            for m in c.mounts {
                for (v, device, inside) in sources where m.device == device && Self.within(m.root, inside) {
                    out.append(
                        ContainerMount(
                            namespace: v.namespace, pvc: v.pvc, volumePath: v.path,
                            containerPath: RawName.decoded(m.mountPoint), podUID: c.pod.uid, pod: c.pod.name,
                            podNamespace: c.pod.namespace, container: c.pod.container, pid: c.pid, readOnly: m.readOnly)
                    )
                }
            }
        }
        return out.sorted { ($0.volumePath, $0.pid, $0.containerPath) < ($1.volumePath, $1.pid, $1.containerPath) }
    }

    /// The device and path-inside-the-file-system of a host path, from the host's mountinfo.
    package static func locate(_ path: [UInt8], in host: [MountInfoEntry]) -> (String, [UInt8])? {
        var best: MountInfoEntry?
        for m in host where within(path, m.mountPoint) {
            if best == nil || m.mountPoint.count >= best!.mountPoint.count { best = m }
        }
        guard let m = best else { return nil }
        let rest = m.mountPoint == [0x2F] ? Array(path.dropFirst()) : Array(path.dropFirst(m.mountPoint.count + 1))
        let root = m.root == [0x2F] ? [] : m.root
        return (m.device, rest.isEmpty ? (root.isEmpty ? [0x2F] : root) : root + [0x2F] + rest)
    }

    /// `path` is `base` or below it.
    package static func within(_ path: [UInt8], _ base: [UInt8]) -> Bool {
        if base == [0x2F] { return path.first == 0x2F }
        return path == base || (path.starts(with: base) && path.count > base.count && path[base.count] == 0x2F)
    }

    package static func pids(_ procRoot: String) -> [Int32] {
        guard let dir = try? Descriptor.openDirectory(path: procRoot) else { return [] }
        var out: [Int32] = []
        try? dir.forEachEntry { e in
            if let pid = Int32(String(decoding: e.nameBytes, as: UTF8.self)) { out.append(pid) }
        }
        return out
    }
}
