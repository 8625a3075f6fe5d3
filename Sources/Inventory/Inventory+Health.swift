/// Queries for health checks and the gap rule.
extension Inventory {
    /// The hours of one track and date that have files, per volume: `live` when some file of
    /// the hour is still there, `deletedOnly` when every file of it was deleted (data that is
    /// gone does not fill an hour). `kind` (nil: any) keeps only files of that extension.
    package func hourFiles(
        track: String, date: String, kind: String? = nil
    ) throws(InventoryError) -> [Int64: (live: Set<Int>, deletedOnly: Set<Int>)] {
        try guarded {
            let s = try db.prepare(
                """
                SELECT volume_id, hour, max(deleted_at IS NULL) FROM files
                WHERE track = ?1 AND date = ?2 AND hour IS NOT NULL AND (?3 IS NULL OR kind = ?3)
                GROUP BY volume_id, hour
                """)
            s.bind(.text(track), .text(date), .text(kind))
            var out: [Int64: (live: Set<Int>, deletedOnly: Set<Int>)] = [:]
            while try s.step() {
                let hour = Int(s.int(1))
                if s.int(2) != 0 {
                    out[s.int(0), default: ([], [])].live.insert(hour)
                } else {
                    out[s.int(0), default: ([], [])].deletedOnly.insert(hour)
                }
            }
            return out
        }
    }

    /// Volumes that have ever held hourly files of a track (of `kind`, nil: any), deleted ones
    /// included: the ones a missing hour is news for.
    package func hourlyVolumes(track: String, kind: String? = nil) throws(InventoryError) -> Set<Int64> {
        try guarded {
            // Every hourly track's tick asks this (track-gap), and it visits each of the track's
            // rows (0.2 s at 1M files): kept, as trackLastWrites is, until a file row is written.
            let key = track + "\u{0}" + (kind ?? "")
            let stamp = try filesStamp()
            if let cache = hourlyVolumesCache[key], cache.stamp == stamp { return cache.volumes }
            let s = try db.prepare(
                "SELECT DISTINCT volume_id FROM files WHERE track = ?1 AND hour IS NOT NULL AND (?2 IS NULL OR kind = ?2)"
            )
            s.bind(.text(track), .text(kind))
            var out: Set<Int64> = []
            while try s.step() { out.insert(s.int(0)) }
            hourlyVolumesCache[key] = (stamp, out)
            return out
        }
    }

    /// Files of a volume deleted at or after `since` (unix seconds): their track and mtime.
    package func deletions(volumeID: Int64, since: Int64) throws(InventoryError) -> [(track: String?, mtimeNs: Int64)] {
        try guarded {
            let s = try db.prepare("SELECT track, mtime_ns FROM files WHERE volume_id = ?1 AND deleted_at >= ?2")
            s.bind(.int(volumeID), .int(since))
            var out: [(String?, Int64)] = []
            while try s.step() { out.append((s.text(0), s.int(1))) }
            return out
        }
    }

    /// Live file counts saved last time by `saveVolumeBaselines`, by volume path, with when.
    package func volumeBaselines() throws(InventoryError) -> [String: (files: Int64, at: Int64)] {
        try guarded {
            let s = try db.prepare("SELECT volume_path, files, at FROM volume_baselines")
            var out: [String: (Int64, Int64)] = [:]
            while try s.step() { out[s.text(0) ?? ""] = (s.int(1), s.int(2)) }
            return out
        }
    }

    /// Records live file counts by volume path (unix seconds `at`), replacing earlier ones.
    package func saveVolumeBaselines(_ counts: [String: Int64], at: Int64) throws(InventoryError) {
        try guarded {
            let s = try db.prepare(
                "INSERT INTO volume_baselines (volume_path, files, at) VALUES (?1, ?2, ?3) ON CONFLICT (volume_path) DO UPDATE SET files = excluded.files, at = excluded.at"
            )
            try db.transaction {
                for (path, files) in counts { try s.bind(.text(path), .int(files), .int(at)).run() }
            }
        }
    }
}
