/// Live indexed files of one track in one volume.
public struct TrackUsage: Sendable, Equatable {
    public var volumeID: Int64
    public var track: String
    public var files: Int64
    /// Sum of their sizes (apparent bytes).
    public var bytes: Int64
    /// Newest mtime among them.
    public var lastWriteNs: Int64

    public init(volumeID: Int64, track: String, files: Int64, bytes: Int64, lastWriteNs: Int64) {
        self.volumeID = volumeID
        self.track = track
        self.files = files
        self.bytes = bytes
        self.lastWriteNs = lastWriteNs
    }
}

/// One finished scan, as the `scans` table keeps it.
public struct ScanRecord: Sendable, Equatable {
    /// Unix seconds.
    public var started: Int64
    public var finished: Int64
    public var durationMs: Int64
    public var volumes: Int64
    public var files: Int64
    public var skipped: Int64
}

extension Inventory {
    /// Live files per volume and track (files without a track are left out), by volume and track.
    public func trackUsage() throws(InventoryError) -> [TrackUsage] {
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
    public func lastScan() throws(InventoryError) -> ScanRecord? {
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
