import HostFS
import Inventory
import PVCResolver

/// Which volumes get their ownership fixed, for whom, and the alerts a walk leads to.
struct VolumeOwnership {
    let config: Config

    /// The owner a volume is fixed for: its own `owner:`, else the global one; nil when the
    /// configuration does not ask for fixing (unless `force`, for an explicit command).
    func owner(for volume: Volume, force: Bool = false) -> Owner? {
        let entry = config.volumes.first { $0.claim == volume.claim && ($0.path == nil || $0.path == volume.path) }
        guard force || entry?.fixOwnership == true else { return nil }
        return entry?.owner ?? config.owner
    }

    /// Walks one volume (all of it, or only `directories` without recursion).
    func fix(_ volume: Volume, owner: Owner, directories: [[UInt8]]? = nil, dryRun: Bool = false, verbose: Bool = false)
        -> OwnershipReport
    {
        let walk = OwnershipWalk(uid: owner.uid, gid: owner.gid, dryRun: dryRun, recordPaths: verbose)
        guard let root = try? volume.open() else {
            var report = OwnershipReport()
            report.skipped.append(([], "cannot open \(volume.path)"))
            return report
        }
        guard let directories else { return walk.run(root) }
        var total = OwnershipReport()
        for path in directories {
            var dir = root
            var reachable = true
            for component in path.split(separator: 0x2F) {
                guard let next = try? dir.openDirectory(name: String(decoding: component, as: UTF8.self)) else {
                    reachable = false
                    break
                }
                dir = next
            }
            guard reachable else { continue }
            let r = walk.run(dir, path: path, recursive: false)
            total.checked += r.checked
            total.changed += r.changed
            total.changedPaths += r.changedPaths
            total.refused += r.refused
            total.skipped += r.skipped
            for (uid, n) in r.previousOwners { total.previousOwners[uid, default: 0] += n }
        }
        return total
    }

    /// `ownership-drift` when entries of other users were given back, `ownership-unfixable` when
    /// some could not be.
    static func conditions(_ report: OwnershipReport, volume: Volume, owner: Owner) -> [AlertCondition] {
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
                    pv: volume.pv, volumePath: volume.path,
                    filePath: volume.path + "/" + RawName.decoded(first.path),
                    numbers: [("FILES", Int64(report.refused.count))],
                    message: "\(report.refused.count) entries in \(name) were not given to \(owner): \(first.reason)",
                    occurrences: Int64(report.refused.count)))
        }
        return out
    }
}
