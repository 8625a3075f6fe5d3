import Alerting
import HostFS
import Inventory

/// A recent write per track with an active window, and the file count per volume across runs.
extension Doctor {
    func recentWrites(_ lastWrites: [(volumeID: Int64, track: String, lastWriteNs: Int64)], _ volumes: [VolumeRecord])
        -> [DoctorCheck]
    {
        let zones = TimeZones(tracks: config.tracks)
        return config.tracks.compactMap { track in
            guard track.active != nil else { return nil }
            let live = Set(volumes.filter { $0.state == .current || $0.state == .unknown }.map(\.id))
            let newest = lastWrites.filter { $0.track == track.name && live.contains($0.volumeID) }.map(\.lastWriteNs)
                .max()
            if let newest, now - newest / 1_000_000_000 <= 86400 {
                return .pass(.trackRecent, track.name, "last write \(SystemClock.local(ns: newest))")
            }
            // Was any of the last 24 hours inside the active window? (Weekends are quiet.)
            let zone = zones.zone(track)
            let wasActive = stride(from: now - 86400, through: now, by: 900).contains { t in
                return track.isActive(at: zone.local(t))
            }
            guard wasActive else { return .pass(.trackRecent, track.name, "no active window in the last 24 h") }
            let when = newest.map { "last write \(SystemClock.local(ns: $0))" } ?? "no file ever"
            return .fail(
                .trackRecent, track.name, "no \(track.name) file written in the last 24 h (\(when))",
                hint: "kubectl get pods -A; storage-agent query --track \(track.name) --include-deleted | tail")
        }
    }

    /// The runbook's persistence check: a volume's file count must not fall between two doctor
    /// runs, except by deletions its tracks' retention explains.
    func persistence(_ volumes: [VolumeRecord]) throws(InventoryError) -> [DoctorCheck] {
        let previous = try inventory.volumeBaselines()
        var out: [DoctorCheck] = []
        var counts: [String: Int64] = [:]
        for v in volumes where v.state != .stale {
            counts[v.path] = v.files
            guard let before = previous[v.path] else { continue }
            let name = v.claim ?? v.path
            guard v.files < before.files else {
                out.append(.pass(.persistence, name, "\(v.files) files (was \(before.files))"))
                continue
            }
            let explained = try inventory.deletions(volumeID: v.id, since: before.at).filter { d in
                guard let retention = config.track(d.track)?.retention else { return false }
                return now - d.mtimeNs / 1_000_000_000 >= retention
            }.count
            if Int64(explained) >= before.files - v.files {
                out.append(
                    .pass(
                        .persistence, name, "\(v.files) files (was \(before.files); \(explained) removed by retention)"
                    ))
            } else {
                out.append(
                    .fail(
                        .persistence, name,
                        "file count fell from \(before.files) to \(v.files); retention explains \(explained)",
                        hint: "storage-agent query --include-deleted --pvc \(name)"))
            }
        }
        try inventory.saveVolumeBaselines(counts, at: now)
        return out
    }
}
