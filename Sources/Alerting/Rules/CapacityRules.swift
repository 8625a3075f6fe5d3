import Inventory

/// capacity: used bytes (allocated, as du counts them) over 90% of the volume's capacity warns,
/// over 100% is an error; local-path ignores capacity, so nothing else will say it. Free space
/// under 10% on a volume's file system warns.
package enum CapacityRules {
    package static let evaluates: Set<AlertScope> = [AlertScope(.capacity)]

    package static func conditions(
        _ volumes: [VolumeRecord], used: [String: Int64], freePercent: [String: Double]
    ) -> [AlertCondition] {
        var out: [AlertCondition] = []
        for v in volumes where v.goneAt == nil && v.state != .stale {
            if let capacity = v.capacity, capacity > 0, let bytes = used[v.path],
                bytes * 100 > capacity * Thresholds.capacityWarnPercent
            {
                out.append(
                    AlertCondition(
                        type: .capacity, subject: v.path, namespace: v.namespace, pvc: v.pvc, pv: v.pv,
                        volumePath: v.path, numbers: [("BYTES", bytes), ("CAPACITY_BYTES", capacity)],
                        message: "\(VolumeRules.name(v, v.path)) uses \(Format.size(bytes)) of its "
                            + "\(Format.size(capacity)) (\(bytes * 100 / capacity)%)",
                        priority: bytes > capacity ? 3 : 4))
            }
            if let free = freePercent[v.path], free < Thresholds.minFreePercent {
                out.append(
                    AlertCondition(
                        type: .capacity, subject: v.path + "#filesystem", namespace: v.namespace, pvc: v.pvc, pv: v.pv,
                        volumePath: v.path,
                        message: "The file system of \(VolumeRules.name(v, v.path)) has \(Int(free))% free space left"))
            }
        }
        return out
    }
}
