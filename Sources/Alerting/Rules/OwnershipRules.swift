import HostFS
import PVCResolver

/// ownership-drift when entries of other users were given back, ownership-unfixable when some
/// could not be: events from one ownership walk of one volume.
package enum OwnershipRules {
    package static func events(_ report: OwnershipReport, volume: Volume, owner: Owner) -> [AlertCondition] {
        var out: [AlertCondition] = []
        let name = volume.claim.map { "PVC \($0)" } ?? "volume \(volume.path)"
        if let (uid, count) = report.previousOwners.max(by: { $0.value < $1.value }) {
            let fixed = report.previousOwners.values.reduce(0, +)
            out.append(
                AlertCondition(
                    type: .ownershipDrift, subject: volume.path, namespace: volume.namespace, pvc: volume.pvc,
                    pv: volume.pv, volumePath: volume.path,
                    numbers: [("FILES", Int64(fixed)), ("OFFENDING_UID", Int64(uid))],
                    message:
                        "Gave \(fixed) entries in \(name) back to \(owner) (most were owned by uid \(uid): \(count))",
                    occurrences: Int64(fixed)))
        }
        if let first = report.refused.first {
            out.append(
                AlertCondition(
                    type: .ownershipUnfixable, subject: volume.path, namespace: volume.namespace, pvc: volume.pvc,
                    pv: volume.pv, volumePath: volume.path, filePath: volume.path + "/" + RawName.decoded(first.path),
                    numbers: [("FILES", Int64(report.refused.count))],
                    message: "\(report.refused.count) entries in \(name) were not given to \(owner): \(first.reason)",
                    occurrences: Int64(report.refused.count)))
        }
        return out
    }
}
