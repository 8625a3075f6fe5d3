import Alerting
import HostFS
import Inventory
import Journal
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
            total.capabilitiesRemoved += r.capabilitiesRemoved
            total.setIDCleared += r.setIDCleared
            total.changedPaths += r.changedPaths
            total.refused += r.refused
            total.skipped += r.skipped
            for (uid, n) in r.previousOwners { total.previousOwners[uid, default: 0] += n }
        }
        return total
    }

    /// Gives fix_ownership volumes to their owner: whole volumes, or only the directories an
    /// inotify batch named (`only`); returns the ownership events for the alert cycle.
    func fixAll(_ volumes: [Volume], only: [String: [[UInt8]]]?) -> [AlertCondition] {
        var events: [AlertCondition] = []
        for volume in volumes where volume.state != .stale {
            guard let owner = owner(for: volume) else { continue }
            if let only, only[volume.path] == nil { continue }
            let report = fix(volume, owner: owner, directories: only?[volume.path])
            if report.changed > 0 {
                Log.notice("ownership: \(report.changed) entries in \(volume.path) given to \(owner)")
            }
            events += OwnershipRules.events(report, volume: volume, owner: owner)
        }
        return events
    }
}
