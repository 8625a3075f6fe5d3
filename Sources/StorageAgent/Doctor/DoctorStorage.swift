import Alerting
import HostFS
import Inventory

/// Storage roots, expected volumes, and data stranded in stale and orphan directories.
extension Doctor {
    func storageRoots() -> [DoctorCheck] {
        config.storageRoots.map { root in
            guard let dir = try? Descriptor.openDirectory(path: root), let st = try? dir.stat() else {
                return .fail(
                    .storageRoot, root, "missing or unreadable",
                    hint: "check the disk is mounted and storage_roots in \(config.source ?? Config.defaultPath)")
            }
            let mode = String(st.permissions, radix: 8)
            if st.uid != 0 || st.permissions & 0o022 != 0 {
                return .warn(
                    .storageRoot, root, "mode \(mode), owner uid \(st.uid): writable by others than root",
                    hint: "chown root:root \(root) && chmod 700 \(root)")
            }
            return .pass(.storageRoot, root, "mode \(mode), owned by root")
        }
    }

    func expectedVolumes(_ volumes: [VolumeRecord]) -> [DoctorCheck] {
        config.volumes.filter(\.expect).map { v in
            let dirs = volumes.filter { $0.claim == v.claim }
            let current = dirs.filter { $0.state == .current || $0.state == .unknown }
            if current.isEmpty {
                return .fail(
                    .volumeExpected, v.claim, "no directory on this node",
                    hint:
                        "kubectl get pvc -n \(v.namespace); kubectl describe deployment -n \(v.namespace) | grep -A 15 Mounts:"
                )
            }
            if dirs.count > 1 {
                return .warn(
                    .volumeExpected, v.claim,
                    "\(dirs.count) directories (recreated PVC); current: \(current[0].path)",
                    hint: "storage-agent pvc list")
            }
            return .pass(.volumeExpected, v.claim, current[0].path)
        }
    }

    /// Stale and orphan directories that hold data: indexed files, or anything that takes space
    /// (a recreated Postgres volume strands gigabytes without one JSONL file).
    func strandedData(_ volumes: [VolumeRecord]) -> [DoctorCheck] {
        volumes.filter { $0.state == .stale || $0.state == .orphan }.compactMap { v in
            let usage = try? Metrics.usage(volumePath: v.path)
            guard v.files > 0 || usage?.holdsData == true else { return nil }
            let used = usage.map { ($0.limit == nil ? "" : "at least ") + "\(Format.size($0.bytes)) on disk, " } ?? ""
            return .warn(
                v.state == .stale ? .volumeStale : .volumeOrphan, v.path,
                "\(used)\(v.files) indexed files (\(Format.size(v.bytes))) not in use by \(v.claim ?? "any PVC")",
                hint: v.claim.map {
                    v.state == .stale
                        ? "sudo storage-agent adopt \($0) (a dry run), then sudo storage-agent adopt \($0) --apply; then archive \(v.path)"
                        : "sudo storage-agent adopt \($0) --from \(v.path) (a dry run), then add --apply; then archive \(v.path)"
                }
                    ?? "archive or remove \(v.path) once it is not needed")
        }
    }
}
