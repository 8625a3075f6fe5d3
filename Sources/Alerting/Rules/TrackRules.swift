import Inventory

/// track-stale (a condition: inside the active window, no file of the track grew for
/// `stale_after`) and track-gap (an event once per volume, hourly track and finished window).
/// Both aggregate over every file, so they run on the tick and on full scans only.
package struct TrackRules: Sendable {
    package static let evaluates: Set<AlertScope> = [AlertScope(.trackStale)]

    let tracks: [Track]
    let zones: TimeZones

    package init(tracks: [Track], zones: TimeZones) {
        self.tracks = tracks
        self.zones = zones
    }

    package func stale(
        lastWrites: [(volumeID: Int64, track: String, lastWriteNs: Int64)], volumes: [VolumeRecord], now: Int64
    ) -> [AlertCondition] {
        let byID = Dictionary(volumes.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [AlertCondition] = []
        for track in tracks {
            guard let window = track.active, let staleAfter = track.staleAfter else { continue }
            let local = zones.zone(track).local(now)
            guard track.isActive(at: local),
                Int64(local.minute - window.startMinute) * 60 >= staleAfter
            else { continue }
            for w in lastWrites where w.track == track.name {
                guard let v = byID[w.volumeID], v.goneAt == nil, v.state == .current || v.state == .unknown else {
                    continue
                }
                let age = now - w.lastWriteNs / 1_000_000_000
                guard age > staleAfter else { continue }
                out.append(
                    AlertCondition(
                        type: .trackStale, subject: "\(v.path)#\(track.name)", namespace: v.namespace, pvc: v.pvc,
                        pv: v.pv, volumePath: v.path, track: track.name, numbers: [("AGE_SECONDS", age)],
                        message:
                            "No \(track.name) file in \(VolumeRules.name(v, v.path)) grew for \(age / 60) minutes "
                            + "during its active window (\(window.text) \(track.timezone ?? "UTC"))"))
            }
        }
        return out
    }

    /// Gaps of the last finished window not already reported (`known` subjects).
    package func gaps(_ inventory: Inventory, now: Int64, known: Set<String>) throws(InventoryError) -> [AlertCondition]
    {
        let finder = Gaps(tracks: tracks, zones: zones)
        var out: [AlertCondition] = []
        for track in tracks where track.hourly {
            guard let date = finder.lastFinishedDate(track, now: now) else { continue }
            for gap in try finder.gaps(inventory, track: track, date: date) {
                let subject = "\(gap.volume.path)#\(track.name)#\(date)"
                guard !known.contains(subject) else { continue }
                // A deleted file does not fill its hour: those hours are gaps too, and said so.
                let empty = gap.empty
                let deleted = gap.deleted.isEmpty ? "" : " (\(Self.hours(gap.deleted)) deleted)"
                out.append(
                    AlertCondition(
                        type: .trackGap, subject: subject, namespace: gap.volume.namespace, pvc: gap.volume.pvc,
                        pv: gap.volume.pv, volumePath: gap.volume.path, track: track.name,
                        numbers: [("COUNT", Int64(empty.count))],
                        message:
                            "\(VolumeRules.name(gap.volume, gap.volume.path)) has no \(track.name) file for "
                            + "\(Self.hours(empty)) on \(date)\(deleted)",
                        occurrences: Int64(empty.count)))
            }
        }
        return out
    }

    /// `09:00, 10:00`.
    static func hours(_ hours: [Int]) -> String {
        hours.map { ($0 < 10 ? "0" : "") + "\($0):00" }.joined(separator: ", ")
    }
}
