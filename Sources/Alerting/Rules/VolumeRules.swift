import Inventory
import PVCResolver

/// volume-missing, volume-recreated, orphan-volume, storage-root-unavailable, and
/// ephemeral-writes for emptyDir volumes: what the index and the last resolution say of volumes.
package enum VolumeRules {
    package static let evaluates: Set<AlertScope> = [
        AlertScope(.volumeMissing), AlertScope(.volumeRecreated), AlertScope(.orphanVolume),
        AlertScope(.storageRootUnavailable), AlertScope(.ephemeralWrites, .withVolume),
    ]

    package static func conditions(
        _ settings: AlertSettings, volumes: [VolumeRecord], problems: [ResolveProblem]
    ) -> [AlertCondition] {
        let live = volumes.filter { $0.goneAt == nil }
        var out = missing(settings.expected, live: live)
        for (claim, group) in Dictionary(grouping: live.filter { $0.claim != nil }, by: { $0.claim! }) {
            guard let current = group.first(where: { $0.state == .current }) else { continue }
            let stranded = group.filter { $0.state == .stale && $0.files > 0 }
            guard let oldest = stranded.first else { continue }
            let bytes = stranded.reduce(0) { $0 + $1.bytes }
            let files = stranded.reduce(0) { $0 + $1.files }
            out.append(
                AlertCondition(
                    type: .volumeRecreated, subject: claim, namespace: current.namespace, pvc: current.pvc,
                    pv: oldest.pv, volumePath: oldest.path, numbers: [("BYTES", bytes), ("FILES", files)],
                    message: "PVC \(claim) was recreated: \(Format.size(bytes)) in \(files) files are stranded in "
                        + "\(stranded.map(\.path).joined(separator: ", ")); the current directory is \(current.path)"))
        }
        for v in live where v.state == .orphan && v.files > 0 {
            out.append(
                AlertCondition(
                    type: .orphanVolume, subject: v.path, namespace: v.namespace, pvc: v.pvc, pv: v.pv,
                    volumePath: v.path, numbers: [("BYTES", v.bytes), ("FILES", Int64(v.files))],
                    message:
                        "Volume directory \(v.path) is claimed by no PersistentVolume and holds \(Format.size(v.bytes)) "
                        + "in \(v.files) files"))
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
