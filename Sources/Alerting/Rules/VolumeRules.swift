import HostFS
import Inventory
import PVCResolver

/// volume-missing, volume-recreated, orphan-volume, storage-root-unavailable, and
/// ephemeral-writes for emptyDir volumes: what the index and the last resolution say of volumes.
package enum VolumeRules {
    package static let evaluates: Set<AlertScope> = [
        AlertScope(.volumeMissing), AlertScope(.volumeRecreated), AlertScope(.orphanVolume),
        AlertScope(.storageRootUnavailable), AlertScope(.ephemeralWrites, .withVolume),
    ]

    /// - Parameter allocated: allocated space per volume path as last measured (du). A stale or
    ///   orphan directory holds data when it has indexed files or anything that takes space: a
    ///   recreated Postgres volume strands gigabytes without one JSONL file. BYTES is what it
    ///   measured (indexed bytes when it was not measured).
    package static func conditions(
        _ settings: AlertSettings, volumes: [VolumeRecord], problems: [ResolveProblem],
        allocated: [String: DiskUsage.Usage] = [:]
    ) -> [AlertCondition] {
        let live = volumes.filter { $0.goneAt == nil }
        func holdsData(_ v: VolumeRecord) -> Bool { v.files > 0 || allocated[v.path]?.holdsData == true }
        func bytes(_ v: VolumeRecord) -> Int64 { allocated[v.path]?.bytes ?? v.bytes }
        /// "34M", or "at least 34M" when a budget stopped the measurement.
        func size(_ vs: [VolumeRecord]) -> String {
            let total = Format.size(vs.reduce(0) { $0 + bytes($1) })
            return vs.contains { allocated[$0.path]?.limit != nil } ? "at least \(total)" : total
        }
        var out = missing(settings.expected, live: live)
        for (claim, group) in Dictionary(grouping: live.filter { $0.claim != nil }, by: { $0.claim! }) {
            guard let current = group.first(where: { $0.state == .current }) else { continue }
            let stranded = group.filter { $0.state == .stale && holdsData($0) }
            guard let oldest = stranded.first else { continue }
            let total = stranded.reduce(0) { $0 + bytes($1) }
            let files = stranded.reduce(0) { $0 + $1.files }
            out.append(
                AlertCondition(
                    type: .volumeRecreated, subject: claim, namespace: current.namespace, pvc: current.pvc,
                    pv: oldest.pv, volumePath: oldest.path, numbers: [("BYTES", total), ("FILES", files)],
                    message: "PVC \(claim) was recreated: \(size(stranded)) (\(files) indexed files) are stranded in "
                        + "\(stranded.map(\.path).joined(separator: ", ")); the current directory is \(current.path); "
                        + "see what would be brought back with sudo storage-agent adopt \(claim), then add --apply"))
        }
        for v in live where v.state == .orphan && holdsData(v) {
            out.append(
                AlertCondition(
                    type: .orphanVolume, subject: v.path, namespace: v.namespace, pvc: v.pvc, pv: v.pv,
                    volumePath: v.path, numbers: [("BYTES", bytes(v)), ("FILES", Int64(v.files))],
                    message:
                        "Volume directory \(v.path) is claimed by no PersistentVolume and holds \(size([v])) "
                        + "(\(v.files) indexed files)"))
        }
        for v in live where v.state == .ephemeral && v.files > 0 {
            out.append(
                AlertCondition(
                    type: .ephemeralWrites, subject: v.path, namespace: v.namespace, volumePath: v.path,
                    numbers: [("BYTES", v.bytes), ("FILES", Int64(v.files))],
                    message: "\(v.files) tracked files (\(Format.size(v.bytes))) are in an emptyDir volume "
                        + "(\(v.path)): they die with the pod"))
        }
        for p in problems where settings.storageRoots.contains(p.path) {
            out.append(
                AlertCondition(
                    type: .storageRootUnavailable, subject: p.path, volumePath: p.path,
                    message: "Storage root \(p.path) cannot be read (\(p.error.message)); its volumes are not watched"))
        }
        return out
    }

    /// Expected volumes with no live, current directory.
    static func missing(_ expected: [ExpectedVolume], live: [VolumeRecord]) -> [AlertCondition] {
        expected.filter { e in
            !live.contains { $0.claim == e.claim && $0.state != .stale && $0.state != .orphan }
        }.map { e in
            AlertCondition(
                type: .volumeMissing, subject: e.claim, namespace: e.namespace, pvc: e.pvc, volumePath: e.path,
                message: "Expected volume \(e.claim) has no directory on this node; its data is not being kept")
        }
    }

    /// `PVC ns/name` when the volume has a claim, else `volume PATH`.
    package static func name(_ v: VolumeRecord?, _ path: String) -> String {
        v?.claim.map { "PVC \($0)" } ?? "volume \(path)"
    }
}
