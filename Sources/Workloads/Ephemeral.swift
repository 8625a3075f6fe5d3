import HostFS
import PVCResolver

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

    /// The host path for JSON (invalid UTF-8 bytes as `\xNN`).
    package var path: String { RawName.decoded(pathBytes) }
    package var containerPath: String { RawName.decoded(containerPathBytes) }
}

/// A container's writable layer: the `upperdir=` of a live overlay mount under the snapshots directory.
package struct WritableLayer: Sendable, Equatable {
    package var upperdir: [UInt8]
    package var snapshot: String
    /// A process whose root (`/`) is this overlay, when one was seen.
    package var pid: Int32?
    /// Set when that process sits in a pod cgroup.
    package var pod: PodIdentity?
}

/// Finds tracked files (`index.include`) in the writable layers of running containers.
///
/// Live overlay mounts come from `/proc/<pid>/mountinfo`; only `upperdir=` paths under
/// `<containerd_root>/io.containerd.snapshotter.v1.overlayfs/snapshots/` count (image layers
/// are only ever `lowerdir=`). Each layer is walked by descriptor with `O_NOFOLLOW`, on its own
/// device, with an explicit stack.
package struct EphemeralScanner: Sendable {
    package static let snapshotsSubpath = "io.containerd.snapshotter.v1.overlayfs/snapshots"

    package var containerdRoot: String
    package var include: [Glob]
    package var procRoot: String
    package var kubeletRoot: String

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
        writableLayers().flatMap { files(in: $0, skipped: skipped) }.sorted {
            $0.pathBytes.lexicographicallyPrecedes($1.pathBytes)
        }
    }

    /// The live writable layers, deduplicated by upperdir, in the order first seen.
    package func writableLayers() -> [WritableLayer] {
        let prefixes = snapshotPrefixes()
        var layers: [[UInt8]: WritableLayer] = [:]
        var order: [[UInt8]] = []
        var seen = Set<[UInt64]>()
        for pid in processIDs() {
            // Processes sharing a mount namespace and root see the same mounts: read one of them.
            if let key = namespaceKey(pid), !seen.insert(key).inserted { continue }
            guard let entries = MountInfo.read(pid: pid, procRoot: procRoot) else { continue }
            for entry in entries where entry.fsType == "overlay" {
                guard let upper = entry.superOption("upperdir"), let snapshot = Self.snapshot(of: upper, prefixes)
                else { continue }
                if layers[upper] == nil {
                    layers[upper] = WritableLayer(upperdir: upper, snapshot: snapshot)
                    order.append(upper)
                }
                guard entry.mountPoint == [0x2F], layers[upper]?.pod == nil else { continue }
                if layers[upper]?.pid == nil { layers[upper]?.pid = pid }
                if case .success(let cgroup) = readFile("\(procRoot)/\(pid)/cgroup"),
                    let uid = PodIdentity.podUID(cgroup: cgroup)
                {
                    layers[upper]?.pid = pid
                    layers[upper]?.pod = PodIdentity.read(uid: uid, kubeletRoot: kubeletRoot)
                }
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

    /// The `<n>` of an upperdir `<prefix><n>[/...]`, or nil when it is not under a prefix.
    package static func snapshot(of upper: [UInt8], _ prefixes: [[UInt8]]) -> String? {
        guard let prefix = prefixes.first(where: { upper.starts(with: $0) }) else { return nil }
        let rest = upper.dropFirst(prefix.count).split(separator: 0x2F, omittingEmptySubsequences: false)
        guard let first = rest.first, !first.isEmpty,
            !rest.contains(where: { $0.elementsEqual([0x2E, 0x2E]) || $0.elementsEqual([0x2E]) })
        else { return nil }
        return RawName.decoded(first)
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

    private struct Pending {
        package let parent: Descriptor
        package let name: [CChar]
        package let path: [UInt8]
    }

    /// Tracked regular files of one writable layer; symlinks, devices (whiteouts), FIFOs and
    /// sockets are never opened, and directories on another device are not entered.
    package func files(in layer: WritableLayer, skipped: (_ path: String, _ reason: String) -> Void) -> [EphemeralFile]
    {
        let display = RawName.display(layer.upperdir)
        let path = String(decoding: layer.upperdir, as: UTF8.self)
        guard Array(path.utf8) == layer.upperdir else {
            skipped(display, "not valid UTF-8")
            return []
        }
        let root: Descriptor
        let device: UInt64
        do {
            root = try Descriptor.openDirectory(path: path)
            device = try root.stat().device
        } catch {
            if !error.isVanished { skipped(display, error.message) }
            return []
        }
        var found: [EphemeralFile] = []
        var stack: [Pending] = []
        visit(root, path: [], layer: layer, device: device, stack: &stack, found: &found, skipped: skipped)
        while let next = stack.popLast() {
            let dir: Descriptor
            do {
                dir = try next.parent.openDirectory(cName: next.name)
            } catch {
                if !error.isVanished { skipped(display + RawName.display(next.path), error.message) }
                continue
            }
            guard let st = try? dir.stat(), st.isDirectory, st.device == device else { continue }
            visit(dir, path: next.path, layer: layer, device: device, stack: &stack, found: &found, skipped: skipped)
        }
        return found
    }

    private func visit(
        _ dir: Descriptor, path: [UInt8], layer: WritableLayer, device: UInt64, stack: inout [Pending],
        found: inout [EphemeralFile], skipped: (_ path: String, _ reason: String) -> Void
    ) {
        do {
            try dir.forEachEntry { entry in
                let childPath = path + [0x2F] + entry.nameBytes
                var type = entry.type
                if type == .unknown { type = (try? dir.stat(named: entry.name))?.type ?? .unknown }
                switch type {
                case .directory:
                    let name = Array(UnsafeBufferPointer(start: entry.name, count: entry.nameLength + 1))
                    stack.append(Pending(parent: dir, name: name, path: childPath))
                case .regular:
                    guard include.contains(where: { $0.matches(entry.name, length: entry.nameLength) }),
                        let st = try? dir.stat(named: entry.name), st.isRegular, st.device == device
                    else { return }
                    found.append(
                        EphemeralFile(
                            pathBytes: layer.upperdir + childPath, containerPathBytes: childPath, size: st.size,
                            mtimeNs: st.mtimeNs, snapshot: layer.snapshot, pod: layer.pod?.name,
                            namespace: layer.pod?.namespace, container: layer.pod?.container))
                default:
                    return
                }
            }
        } catch {
            skipped(RawName.display(layer.upperdir + path), "cannot list: \(error)")
        }
    }
}
