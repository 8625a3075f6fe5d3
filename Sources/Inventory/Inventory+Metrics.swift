/// Live indexed files of one track in one volume.
package struct TrackUsage: Sendable, Equatable {
    package var volumeID: Int64
    package var track: String
    package var files: Int64
    /// Sum of their sizes (apparent bytes).
    package var bytes: Int64
    /// Newest mtime among them.
    package var lastWriteNs: Int64

    package init(volumeID: Int64, track: String, files: Int64, bytes: Int64, lastWriteNs: Int64) {
        self.volumeID = volumeID
        self.track = track
        self.files = files
        self.bytes = bytes
        self.lastWriteNs = lastWriteNs
    }
}

/// One finished scan, as the `scans` table keeps it.
package struct ScanRecord: Sendable, Equatable {
    /// Unix seconds.
    package var started: Int64
    package var finished: Int64
    package var durationMs: Int64
    package var volumes: Int64
    package var files: Int64
    package var skipped: Int64
}

extension Inventory {
    /// Live files per volume and track (files without a track are left out), by volume and track.
    package func trackUsage() throws(InventoryError) -> [TrackUsage] {
        try guarded {
            let s = try db.prepare(
                """
                SELECT volume_id, track, count(*), sum(size), max(mtime_ns) FROM files
                WHERE deleted_at IS NULL AND track IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
                """)
            var out: [TrackUsage] = []
            while try s.step() {
                out.append(
                    TrackUsage(
                        volumeID: s.int(0), track: s.text(1) ?? "", files: s.int(2), bytes: s.int(3),
                        lastWriteNs: s.int(4)))
            }
            return out
        }
    }

    /// The newest scan (full or partial), or nil when the index was never filled.
    package func lastScan() throws(InventoryError) -> ScanRecord? {
        try guarded {
            let s = try db.prepare(
                "SELECT started, finished, duration_ms, volumes, files, skipped FROM scans ORDER BY id DESC LIMIT 1")
            guard try s.step() else { return nil }
            return ScanRecord(
                started: s.int(0), finished: s.int(1), durationMs: s.int(2), volumes: s.int(3), files: s.int(4),
                skipped: s.int(5))
        }
    }
}
