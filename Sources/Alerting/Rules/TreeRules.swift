import Inventory
import PVCResolver

/// subtree-skipped: parts of a volume the scan left out on purpose, deeper than
/// `index.max_depth` or longer than PATH_MAX (security rule 10): one event per volume per scan.
package enum TreeRules {
    package static func events(_ skipped: [SkippedPath], volumes: [Volume]) -> [AlertCondition] {
        let byVolume = Dictionary(grouping: skipped.filter(\.tampering), by: \.volumePath)
        return byVolume.keys.sorted().compactMap { path in
            guard let list = byVolume[path], let first = list.first else { return nil }
            let volume = volumes.first { $0.path == path }
            let name = volume?.claim.map { "PVC \($0)" } ?? "volume \(path)"
            return AlertCondition(
                type: .subtreeSkipped, subject: path, namespace: volume?.namespace, pvc: volume?.pvc, pv: volume?.pv,
                volumePath: path, filePath: first.path, numbers: [("COUNT", Int64(list.count))],
                message:
                    "\(list.count == 1 ? "A part" : "\(list.count) parts") of \(name) deeper than index.max_depth "
                    + "or longer than PATH_MAX were not indexed (tampering?)",
                occurrences: Int64(list.count))
        }
    }
}
