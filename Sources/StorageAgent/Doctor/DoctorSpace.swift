import Alerting
import HostFS
import Inventory

/// Free space on each volume's file system, and each volume against its capacity.
extension Doctor {
    func freeSpace() -> [DoctorCheck] {
        var seen: Set<UInt64> = []
        var out: [DoctorCheck] = []
        for volume in resolution.volumes where volume.state != .stale {
            guard let dir = try? volume.open(), let st = try? dir.stat(), seen.insert(st.device).inserted else {
                continue
            }
            guard let space = try? dir.fileSystemSpace(), space.totalBytes > 0 else { continue }
            let free = space.freePercent
            let detail =
                "\(Format.size(space.availableBytes)) free (\(Int(free))%) on the file system of \(volume.path)"
            if free < 2 {
                out.append(
                    .fail(.freeSpace, volume.path, detail, hint: "free space: check retention and backups/archives"))
            } else if free < Thresholds.minFreePercent {
                out.append(
                    .warn(.freeSpace, volume.path, detail, hint: "free space: check retention and backups/archives"))
            } else {
                out.append(.pass(.freeSpace, volume.path, detail))
            }
        }
        return out
    }

    /// Allocated bytes (as du counts them) against each volume's capacity.
    func capacity(_ volumes: [VolumeRecord]) -> [DoctorCheck] {
        volumes.filter { $0.capacity != nil && $0.state != .stale }.compactMap { v in
            guard let capacity = v.capacity, capacity > 0, let dir = try? Descriptor.openDirectory(path: v.path) else {
                return nil
            }
            let used = DiskUsage.allocatedBytes(dir)
            let detail = "\(Format.size(used)) of \(Format.size(capacity)) (\(used * 100 / capacity)%)"
            let name = v.claim ?? v.path
            if used > capacity {
                return .fail(
                    .capacity, name, detail, hint: "storage-agent query --pvc \(name) | tail; check retention")
            }
            if used * 100 > capacity * Thresholds.capacityWarnPercent {
                return .warn(
                    .capacity, name, detail, hint: "storage-agent query --pvc \(name) | tail; check retention")
            }
            return .pass(.capacity, name, detail)
        }
    }
}
