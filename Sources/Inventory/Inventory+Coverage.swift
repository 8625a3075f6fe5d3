/// Queries for `coverage`.
extension Inventory {
    /// Volumes that have ever held dated files of a track (`hourly`: files with an hour too),
    /// deleted ones included: the volumes a coverage picture is drawn for.
    package func datedVolumes(track: String, hourly: Bool) throws(InventoryError) -> Set<Int64> {
        try guarded {
            let s = try db.prepare(
                """
                SELECT DISTINCT volume_id FROM files
                WHERE track = ?1 AND date IS NOT NULL AND (?2 = 0 OR hour IS NOT NULL)
                """)
            s.bind(.text(track), .int(hourly ? 1 : 0))
            var out: Set<Int64> = []
            while try s.step() { out.insert(s.int(0)) }
            return out
        }
    }
}
