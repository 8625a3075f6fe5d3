import HostFS
import Inventory
import PVCResolver

/// Whether a writable layer belongs to a running container.
package enum LayerState: String, Sendable {
    /// Mounted: its container runs (or its task still holds the mount).
    case live
    /// No longer mounted, but the snapshot is still there (the container stopped and was not
    /// removed): its files go when the container is removed.
    case exited
}

/// A tracked file in a container's writable overlay layer: it is gone when the container is.
package struct EphemeralFile: Sendable, Equatable {
    /// The host path, as bytes.
    package var pathBytes: [UInt8]
    /// The path inside the container (relative to the writable layer, `/`-prefixed), as bytes.
    package var containerPathBytes: [UInt8]
    package var size: Int64
    package var mtimeNs: Int64
    /// The snapshot directory name, `<n>` in `.../snapshots/<n>/fs`.
    package var snapshot: String
    package var pod: String?
    package var namespace: String?
    package var container: String?
    package var state: LayerState = .live
    /// From the container's cgroup path, when known.
    package var containerID: String? = nil
    /// Bytes of this file saved out of the layer (the rescue fills it).
    package var rescuedBytes: Int64 = 0

    /// The host path for JSON (invalid UTF-8 bytes as `\xNN`).
    package var path: String { RawName.decoded(pathBytes) }
    package var containerPath: String { RawName.decoded(containerPathBytes) }
}

/// A container's writable layer: the `upperdir=` of a live overlay mount, exactly
/// `<snapshots>/<n>/fs`, or a layer remembered from while its container ran.
package struct WritableLayer: Sendable, Equatable {
    package var upperdir: [UInt8]
    /// `<n>`: digits only.
    package var snapshot: String
    /// The process in a pod cgroup whose root (`/`) is this overlay; nil for an exited layer.
    package var pid: Int32?
    /// That process's pod (its UID always; names when the node has them), or whose the index
    /// remembers the layer was.
    package var pod: PodIdentity?
    package var containerID: String? = nil
    package var state: LayerState = .live
}

/// Finds tracked files (`index.include`) in the writable layers of containers.
///
/// Live overlay mounts come from `/proc/<pid>/mountinfo` of processes in pod cgroups, where the
/// overlay is the process's root; only `upperdir=` paths of exactly the shape
/// `<containerd_root>/io.containerd.snapshotter.v1.overlayfs/snapshots/<n>/fs` (n all digits)
/// count (image layers are only ever `lowerdir=`). With an index, live layers are
/// remembered with their pod, and a remembered layer no longer mounted is listed as `exited` while
/// its snapshot is still there. Each layer is opened by descriptor step by step (snapshots, `<n>`,
/// `fs`, never following a symlink) and walked with `O_NOFOLLOW`, on its own device, with an
/// explicit stack.
package struct EphemeralScanner: Sendable {
    package static let snapshotsSubpath = "io.containerd.snapshotter.v1.overlayfs/snapshots"

    package var containerdRoot: String
    package var include: [Glob]
    package var procRoot: String
    package var kubeletRoot: String
    /// Names from the container runtime, when it was asked.
    package var cri = CRIContainers()

    package init(
        containerdRoot: String, include: [Glob], procRoot: String = "/proc",
        kubeletRoot: String = PodIdentity.defaultKubeletRoot
    ) {
        var root = containerdRoot
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.containerdRoot = root
        self.include = include
        self.procRoot = procRoot
        self.kubeletRoot = kubeletRoot
    }

    package var snapshotsPath: String { (containerdRoot == "/" ? "" : containerdRoot) + "/" + Self.snapshotsSubpath }

    /// Every tracked file in every live writable layer, sorted by host path. Layers that cannot
    /// be walked are passed to `skipped` with the reason.
    package func scan(skipped: (_ path: String, _ reason: String) -> Void = { _, _ in }) -> [EphemeralFile] {
        files(in: writableLayers(), skipped: skipped)
    }

    /// Live layers and, from `memory`, exited ones: live layers are remembered at `now` (unix
    /// seconds) with whose they are, and remembered layers whose snapshot directory is gone are
    /// forgotten. A snapshots directory that cannot be opened forgets nothing.
    package func scan(
        remembering memory: Inventory, now: Int64, skipped: (_ path: String, _ reason: String) -> Void = { _, _ in }
    ) throws(InventoryError) -> [EphemeralFile] {
        try files(in: layers(remembering: memory, now: now, skipped: skipped), skipped: skipped)
    }

    /// Live layers (named from memory when the live sighting has no pod), then exited ones.
    package func layers(
        remembering memory: Inventory, now: Int64, skipped: (_ path: String, _ reason: String) -> Void = { _, _ in }
    ) throws(InventoryError) -> [WritableLayer] {
        var live = writableLayers()
        try memory.rememberLayers(live.map(Self.remembered), snapshots: snapshotsPath, now: now)
        // A layer remembered without a pod was seen by an older build from a process outside every
        // pod cgroup (which this one never accepts): forgotten, never listed as exited.
        let all = try memory.rememberedLayers(snapshots: snapshotsPath)
        let remembered = all.filter { $0.podUID != nil }
        try memory.forgetLayers(all.filter { $0.podUID == nil }.map(\.snapshot), snapshots: snapshotsPath)
        let known = Dictionary(remembered.map { ($0.snapshot, $0) }, uniquingKeysWith: { a, _ in a })
        for i in live.indices {
            // The kubelet may have removed the pod's directory while its container still runs.
            guard let r = known[live[i].snapshot], var pod = live[i].pod, r.podUID == pod.uid else { continue }
            pod.name = pod.name ?? r.pod
            pod.namespace = pod.namespace ?? r.namespace
            pod.container = pod.container ?? r.container
            live[i].pod = pod
            live[i].containerID = live[i].containerID ?? r.containerID
        }
        let liveNumbers = Set(live.map(\.snapshot))
        let snapshots: Descriptor
        do {
            snapshots = try Descriptor.openDirectory(path: snapshotsPath)
        } catch {
            if !error.isVanished { skipped(snapshotsPath, error.message) }
            return live
        }
        var exited: [WritableLayer] = []
        var gone: [String] = []
        for r in remembered where !liveNumbers.contains(r.snapshot) {
            switch Self.openLayer(snapshots, r.snapshot) {
            case .success: break
            case .failure(let error) where error.isVanished || error.code == .notDirectory:
                gone.append(r.snapshot)
                continue
            case .failure(let error):
                skipped(layerPath(r.snapshot), error.message)
                continue
            }
            exited.append(
                WritableLayer(
                    upperdir: Array(layerPath(r.snapshot).utf8), snapshot: r.snapshot, pid: nil,
                    pod: r.podUID.map {
                        PodIdentity(uid: $0, name: r.pod, namespace: r.namespace, container: r.container)
                    },
                    containerID: r.containerID, state: .exited))
        }
        try memory.forgetLayers(gone, snapshots: snapshotsPath)
        return live + exited
    }

    package static func remembered(_ l: WritableLayer) -> RememberedLayer {
        RememberedLayer(
            snapshot: l.snapshot, containerID: l.containerID, podUID: l.pod?.uid, pod: l.pod?.name,
            namespace: l.pod?.namespace, container: l.pod?.container)
    }

    /// `<snapshots>/<n>/fs` as shown.
    package func layerPath(_ snapshot: String) -> String { snapshotsPath + "/" + snapshot + "/fs" }

    /// Tracked files of `layers`, sorted by host path.
    package func files(in layers: [WritableLayer], skipped: (_ path: String, _ reason: String) -> Void)
        -> [EphemeralFile]
    {
        layers.flatMap { files(in: $0, skipped: skipped) }.sorted {
            $0.pathBytes.lexicographicallyPrecedes($1.pathBytes)
        }
    }

    /// The live writable layers, deduplicated by snapshot, in the order first seen: the overlay at
    /// `/` of a process in a pod cgroup. A process outside every pod cgroup contributes nothing,
    /// whatever its mountinfo says: an unprivileged user in a user namespace can mount an overlay
    /// whose `upperdir=` has the exact shape of any snapshot (a tmpfs over the containerd root in
    /// its own mount namespace), but cannot enter a pod's cgroup (nor make one in a cgroup subtree
    /// systemd delegated to it: `ContainerCgroup.isRootOwned`). A pod whose UID the kubelet does
    /// not know keeps its UID with no names (`pod: null` in `ephemeral`).
    package func writableLayers() -> [WritableLayer] {
        let prefixes = snapshotPrefixes()
        var layers: [String: WritableLayer] = [:]
        var order: [String] = []
        var seenNamespaces = Set<[UInt64]>()
        var seenContainers = Set<String>()
        var names = PodNames(kubeletRoot: kubeletRoot, cri: cri)
        let ownMounts = MountInfo.read(pid: CurrentProcess.id, procRoot: procRoot) ?? []
        for pid in processIDs() {
            guard case .success(let text) = readFile("\(procRoot)/\(pid)/cgroup"),
                let cgroup = ContainerCgroup.parse(text), ContainerCgroup.isRootOwned(text, mounts: ownMounts)
            else { continue }
            // Processes of one container, or sharing a mount namespace and root, see the same
            // mounts: read one of them (the namespace link needs ptrace access; the cgroup does not).
            if let id = cgroup.containerID {
                if !seenContainers.insert(id).inserted { continue }
            } else if let key = namespaceKey(pid), !seenNamespaces.insert(key).inserted {
                continue
            }
            guard let entries = MountInfo.read(pid: pid, procRoot: procRoot) else { continue }
            for entry in entries where entry.fsType == "overlay" && entry.mountPoint == [0x2F] {
                guard let upper = entry.superOption("upperdir"), let snapshot = Self.snapshot(of: upper, prefixes),
                    layers[snapshot] == nil
                else { continue }
                layers[snapshot] = WritableLayer(
                    upperdir: upper, snapshot: snapshot, pid: pid, pod: names.identity(cgroup),
                    containerID: cgroup.containerID)
                order.append(snapshot)
            }
        }
        return order.compactMap { layers[$0] }
    }

    /// `.../snapshots/` as configured and, when it differs, with symlinks resolved (the kernel
    /// shows an overlay's upperdir resolved).
    package func snapshotPrefixes() -> [[UInt8]] {
        var prefixes = [Array(snapshotsPath.utf8) + [0x2F]]
        if let r = ProcFS.realPath(containerdRoot) {
            let p = Array(((r == "/" ? "" : r) + "/" + Self.snapshotsSubpath + "/").utf8)
            if p != prefixes[0] { prefixes.append(p) }
        }
        return prefixes
    }

    /// The `<n>` of an upperdir of exactly the shape `<prefix><n>/fs` with `n` all digits (at
    /// most 19 of them), or nil.
    package static func snapshot(of upper: [UInt8], _ prefixes: [[UInt8]]) -> String? {
        guard let prefix = prefixes.first(where: { upper.starts(with: $0) }) else { return nil }
        let rest = upper.dropFirst(prefix.count).split(separator: 0x2F, omittingEmptySubsequences: false)
        guard rest.count == 2, rest[1].elementsEqual([0x66, 0x73]), isSnapshotNumber(rest[0]) else { return nil }
        return String(decoding: rest[0], as: UTF8.self)
    }

    /// Digits only, 1 to 19 of them.
    package static func isSnapshotNumber<C: Collection<UInt8>>(_ s: C) -> Bool {
        !s.isEmpty && s.count <= 19 && s.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Opens `<n>/fs` below the snapshots directory, one `O_NOFOLLOW` step at a time.
    package static func openLayer(_ snapshots: Descriptor, _ n: String) -> Result<Descriptor, SystemError> {
        guard isSnapshotNumber(n.utf8) else {
            return .failure(SystemError("openat", path: n, errno: Errno.noEntry.rawValue))
        }
        do {
            return .success(try snapshots.openDirectory(name: n).openDirectory(name: "fs"))
        } catch {
            return .failure(error)
        }
    }

    /// Numeric entries of `/proc`.
    package func processIDs() -> [Int32] {
        guard let proc = try? Descriptor.openDirectory(path: procRoot) else { return [] }
        var pids: [Int32] = []
        try? proc.forEachEntry { entry in
            guard entry.nameLength <= 10, entry.nameBytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let pid = Int32(RawName.decoded(entry.nameBytes))
            else { return }
            pids.append(pid)
        }
        return pids.sorted()
    }

    /// Mount namespace inode and root directory identity of a process, when readable.
    package func namespaceKey(_ pid: Int32) -> [UInt64]? {
        guard let ns = ProcFS.stat("\(procRoot)/\(pid)/ns/mnt"), let root = ProcFS.stat("\(procRoot)/\(pid)/root")
        else {
            return nil
        }
        return [ns.device, ns.inode, root.device, root.inode]
    }
}
