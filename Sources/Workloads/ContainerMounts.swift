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

/// Which running container mounts which volume, where, from the node alone: every container in
/// a pod's cgroup (keyed by the container id in its cgroup path, so a container with many
/// processes is one container, with or without ptrace access to them) and the
/// `/proc/<pid>/mountinfo` of its lowest pid. A bind mount of a volume shows the volume's device
/// and its path inside that file system, which the host's own mountinfo translates from the host path.
package struct ContainerMounts: Sendable {
    package var procRoot = "/proc"
    package var kubeletRoot = PodIdentity.defaultKubeletRoot
    /// Names from the container runtime, when it was asked; the kubelet directory otherwise.
    package var cri = CRIContainers()
    /// What asking the runtime gave (for doctor).
    package var criAnswer = CRIAnswer.notAsked

    package init(cri: CRIContainers = CRIContainers(), criAnswer: CRIAnswer = .notAsked) {
        self.cri = cri
        self.criAnswer = criAnswer
    }

    /// A finder with container names from `source` (`crictl ps -o json`) when there is one and it
    /// works; from the kubelet's pod directory alone otherwise, after telling `warn` why.
    package static func discover(_ source: CRISource, warn: (CommandProblem) -> Void) -> ContainerMounts {
        let (cri, answer) = CRIContainers.ask(source, warn: warn)
        return ContainerMounts(cri: cri, criAnswer: answer)
    }

    /// A running container: its lowest pid, its pod and its mounts.
    package struct Container: Sendable {
        package var pid: Int32
        package var pod: PodIdentity
        package var mounts: [MountInfoEntry]
        /// From the cgroup path; nil for a process in the pod's own cgroup.
        package var containerID: String? = nil
    }

    /// One entry per container of a pod: by container id, else (a process in the pod's own
    /// cgroup) by mount namespace, else by pid; the lowest pid stands for it.
    package func containers() -> [Container] {
        var byKey: [String: (pid: Int32, cgroup: ContainerCgroup)] = [:]
        for pid in Self.pids(procRoot) {
            guard case .success(let text) = readFile("\(procRoot)/\(pid)/cgroup"),
                let cgroup = ContainerCgroup.parse(text)
            else { continue }
            let key: String
            if let id = cgroup.containerID {
                key = "id:" + id
            } else if let ns = ProcFS.readLink("\(procRoot)/\(pid)/ns/mnt", capacity: 128) {
                key = "ns:" + String(decoding: ns, as: UTF8.self)
            } else {
                key = "pid:\(pid)"
            }
            if let existing = byKey[key], existing.pid < pid { continue }
            byKey[key] = (pid, cgroup)
        }
        var names = PodNames(kubeletRoot: kubeletRoot, cri: cri)
        return byKey.values.sorted { $0.pid < $1.pid }.compactMap { pid, cgroup in
            guard let mounts = MountInfo.read(pid: pid, procRoot: procRoot) else { return nil }
            return Container(pid: pid, pod: names.identity(cgroup), mounts: mounts, containerID: cgroup.containerID)
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
