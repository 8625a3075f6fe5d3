import Alerting
import HostFS
import Inventory

/// The Prometheus text exposition format 0.0.4 for storage-agent's metrics. Plain inputs in,
/// text out: the daemon can pass `du` results it measured earlier.
enum MetricsRenderer {
    /// What the daemon's inotify budget covers (index.max_watches): only the daemon knows it.
    struct Watches: Equatable {
        var watched: Int
        var polled: Int
    }

    /// Volume labels; empty strings for what the directory name does not say.
    static let volumeLabels = ["namespace", "pvc", "pv", "state"]

    /// Every family, with HELP and TYPE lines; empty families are left out. Gone volumes and their
    /// tracks are skipped; a volume missing from `usedBytes` (keyed by path) has no used-bytes sample.
    /// The watch families are there when `watches` is (the daemon's textfile, not `metrics` by hand).
    /// Tracks are summed per (namespace, pvc, track), newest write winning, so a recreated PVC's stale
    /// directory never looks like a stalled writer (volumes without a claim share empty labels).
    /// Volumes with identical labels also get a `path` label: a duplicate series would be dropped.
    static func render(
        volumes: [VolumeRecord], usedBytes: [String: Int64], tracks: [TrackUsage], alerts: [AlertRecord],
        scanDurationMs: Int64?, watches: Watches? = nil, alertTypes: [String] = AlertType.allCases.map(\.rawValue)
    ) -> String {
        let live = volumes.filter { $0.goneAt == nil }
        var out = ""

        var labelSets: [[String]: Int] = [:]
        for v in live { labelSets[volumeLabelValues(v), default: 0] += 1 }
        func labels(_ v: VolumeRecord) -> [(String, String)] {
            let values = volumeLabelValues(v)
            var pairs = Array(zip(volumeLabels, values))
            if labelSets[values, default: 0] > 1 { pairs.append(("path", pathLabel(v.path))) }
            return pairs
        }

        family(
            &out, "storage_agent_volumes", "Volume directories storage-agent knows (not gone).",
            [([], String(live.count))])
        family(
            &out, "storage_agent_volume_info",
            "One series per volume directory, always 1: which node holds which directory of a PVC, in which state.",
            live.map { (infoLabels($0), "1") })
        family(
            &out, "storage_agent_volume_used_bytes",
            "Bytes allocated on disk below the volume directory, as du -s -B1 -x counts them.",
            live.compactMap { v in usedBytes[v.path].map { (labels(v), String($0)) } })
        family(
            &out, "storage_agent_volume_files", "Live indexed files (those matching index.include) in the volume.",
            live.map { (labels($0), String($0.files)) })
        family(
            &out, "storage_agent_volume_capacity_bytes", "Capacity of the volume, from its PV or the configuration.",
            live.compactMap { v in v.capacity.map { (labels(v), String($0)) } })
        family(
            &out, "storage_agent_volume_last_write_timestamp_seconds",
            "Newest modification time among the volume's live indexed files, in Unix seconds.",
            live.compactMap { v in v.lastWriteNs.map { (labels(v), decimal($0, scale: 1_000_000_000)) } })

        let perClaim = claimTracks(live, tracks)
        family(
            &out, "storage_agent_track_last_write_timestamp_seconds",
            "Newest modification time among the track's live indexed files in the PVC's directories, in Unix seconds.",
            perClaim.map { (trackLabels($0.key), decimal($0.lastWriteNs, scale: 1_000_000_000)) })
        family(
            &out, "storage_agent_track_bytes",
            "Sum of the sizes of the track's live indexed files in the PVC's directories.",
            perClaim.map { (trackLabels($0.key), String($0.bytes)) })

        var firing: [String: Int] = [:]
        for a in alerts where a.state == .firing { firing[a.type, default: 0] += 1 }
        let types = alertTypes + firing.keys.filter { !alertTypes.contains($0) }.sorted()
        family(
            &out, "storage_agent_alerts_firing", "Alerts firing now, by type (see storage-agent alerts).",
            types.map { ([("type", $0)], String(firing[$0, default: 0])) })

        family(
            &out, "storage_agent_scan_duration_seconds", "Duration of the last scan (full or partial).",
            scanDurationMs.map { [([], decimal($0, scale: 1000))] } ?? [])
        family(
            &out, "storage_agent_watched_directories",
            "Directories the daemon watches with inotify (at most index.max_watches).",
            watches.map { [([], String($0.watched))] } ?? [])
        family(
            &out, "storage_agent_polled_directories",
            "Directories over the inotify budget (index.max_watches), re-read on the daemon's 30 s tick instead.",
            watches.map { [([], String($0.polled))] } ?? [])
        return out
    }

    /// A label value with backslash, double quote and newline escaped.
    static func escape(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 4)
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `value / scale` written exactly in decimal (no float rounding): 1500 / 1000 is "1.5".
    static func decimal(_ value: Int64, scale: Int64) -> String {
        var whole = value / scale
        var fraction = value % scale
        if fraction < 0 {
            whole -= 1
            fraction += scale
        }
        guard fraction != 0 else { return String(whole) }
        var digits = String(fraction)
        let width = String(scale).count - 1
        digits = String(repeating: "0", count: width - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    private struct ClaimTrack {
        var key: [String]
        var bytes: Int64
        var lastWriteNs: Int64
    }

    /// The volume labels plus `path` and `source`: still one series per volume directory, never per file.
    private static func infoLabels(_ v: VolumeRecord) -> [(String, String)] {
        Array(zip(volumeLabels, volumeLabelValues(v))) + [("path", pathLabel(v.path)), ("source", v.source)]
    }

    /// A directory name is the tenant's: shown as `pvc list` shows it, control characters as `\xNN`
    /// and a backslash doubled, so no name can forge a line or another label (then exposition-escaped).
    static func pathLabel(_ path: String) -> String { RawName.display(Array(path.utf8)) }

    private static func volumeLabelValues(_ v: VolumeRecord) -> [String] {
        [v.namespace ?? "", v.pvc ?? "", v.pv ?? "", v.state.rawValue]
    }

    private static func trackLabels(_ key: [String]) -> [(String, String)] {
        Array(zip(["namespace", "pvc", "track"], key))
    }

    /// Track rows of live volumes, summed per (namespace, pvc, track), sorted by those.
    private static func claimTracks(_ live: [VolumeRecord], _ tracks: [TrackUsage]) -> [ClaimTrack] {
        var byID: [Int64: VolumeRecord] = [:]
        for v in live { byID[v.id] = v }
        var merged: [[String]: ClaimTrack] = [:]
        for t in tracks {
            guard let v = byID[t.volumeID] else { continue }
            let key = [v.namespace ?? "", v.pvc ?? "", t.track]
            var entry = merged[key] ?? ClaimTrack(key: key, bytes: 0, lastWriteNs: t.lastWriteNs)
            entry.bytes += t.bytes
            entry.lastWriteNs = max(entry.lastWriteNs, t.lastWriteNs)
            merged[key] = entry
        }
        return merged.values.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// One gauge family; nothing at all when it has no samples.
    private static func family(
        _ out: inout String, _ name: String, _ help: String, _ samples: [([(String, String)], String)]
    ) {
        guard !samples.isEmpty else { return }
        out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
        for (labels, value) in samples {
            out += name
            if !labels.isEmpty {
                out += "{" + labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
            }
            out += " \(value)\n"
        }
    }
}
