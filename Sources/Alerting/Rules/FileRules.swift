import HostFS
import Inventory

/// file-vanished (one per volume per cycle, with a count) and file-truncated (per file): events
/// from the scan's changes. Deletions a track's retention explains are the application's cleanup.
package enum FileRules {
    package static func events(
        _ settings: AlertSettings, changes: [ChangeEvent], volumes: [VolumeRecord], now: Int64
    ) -> [AlertCondition] {
        let byPath = Dictionary(volumes.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [AlertCondition] = []
        var vanished: [String: [ChangeEvent]] = [:]
        for e in changes {
            switch e.kind {
            case .deleted:
                if let retention = settings.track(e.track)?.retention, now - e.mtimeNs / 1_000_000_000 >= retention {
                    continue
                }
                vanished[e.volumePath, default: []].append(e)
            case .truncated, .replaced:
                guard let old = e.oldSize, let new = e.newSize, new < old else { continue }
                let v = byPath[e.volumePath]
                let path = e.volumePath + "/" + RawName.decoded(e.relativePath)
                out.append(
                    AlertCondition(
                        type: .fileTruncated, subject: path, namespace: v?.namespace, pvc: v?.pvc, pv: v?.pv,
                        volumePath: e.volumePath, track: e.track, filePath: path, numbers: [("BYTES", old - new)],
                        message: "An indexed file in \(VolumeRules.name(v, e.volumePath)) shrank from "
                            + "\(Format.size(old)) to \(Format.size(new)); data written to it is gone"))
            }
        }
        for (volumePath, list) in vanished {
            let v = byPath[volumePath]
            let bytes = list.reduce(0) { $0 + ($1.oldSize ?? 0) }
            // The file when one went, the deepest directory they share when several did.
            let common = list.count == 1 ? list[0].relativePath : commonDirectory(list.map(\.relativePath))
            out.append(
                AlertCondition(
                    type: .fileVanished, subject: volumePath, namespace: v?.namespace, pvc: v?.pvc, pv: v?.pv,
                    volumePath: volumePath, track: Set(list.map(\.track)).count == 1 ? list[0].track : nil,
                    filePath: volumePath + (common.isEmpty ? "" : "/" + RawName.decoded(common)),
                    numbers: [("BYTES", bytes), ("FILES", Int64(list.count))],
                    message:
                        "\(list.count) indexed file\(list.count == 1 ? "" : "s") (\(Format.size(bytes))) vanished from "
                        + "\(VolumeRules.name(v, volumePath)) before their retention",
                    occurrences: Int64(list.count)))
        }
        return out
    }

    /// The deepest directory all relative paths share.
    package static func commonDirectory(_ paths: [[UInt8]]) -> [UInt8] {
        guard var prefix = paths.first.map({ Array($0.split(separator: 0x2F).dropLast()) }) else { return [] }
        for p in paths.dropFirst() {
            let parts = Array(p.split(separator: 0x2F).dropLast())
            var n = 0
            while n < min(prefix.count, parts.count) && prefix[n].elementsEqual(parts[n]) { n += 1 }
            prefix = Array(prefix.prefix(n))
        }
        return Array(prefix.map { Array($0) }.joined(separator: [0x2F]))
    }
}
