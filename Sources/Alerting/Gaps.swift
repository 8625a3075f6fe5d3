import Inventory

/// Hourly tracks: which hours of a finished active window have no file.
package struct Gaps: Sendable {
    package let tracks: [Track]
    package let zones: TimeZones

    package init(tracks: [Track], zones: TimeZones) {
        self.tracks = tracks
        self.zones = zones
    }

    package struct Gap: Sendable {
        package var volume: VolumeRecord
        package var track: String
        package var date: String
        package var missing: [Int]
    }

    /// Missing hours of `date` for every current volume that holds hourly files of the track;
    /// nothing when the date is not an active day.
    package func gaps(_ inventory: Inventory, track: Track, date: String) throws(InventoryError) -> [Gap] {
        guard track.hourly, let window = track.active, let day = CivilCalendar.days(fromDate: date),
            window.days.contains(CivilCalendar.weekday(days: day))
        else { return [] }
        let expected = CivilCalendar.hours(window)
        let present = try inventory.hoursPresent(track: track.name, date: date)
        let candidates = try inventory.hourlyVolumes(track: track.name)
        var out: [Gap] = []
        for v in try inventory.volumes()
        where candidates.contains(v.id) && (v.state == .current || v.state == .unknown) {
            let missing = expected.filter { !(present[v.id]?.contains($0) ?? false) }
            if !missing.isEmpty { out.append(Gap(volume: v, track: track.name, date: date, missing: missing)) }
        }
        return out
    }

    /// The date (YYYYMMDD, local to the track) of the most recent active window that has ended.
    package func lastFinishedDate(_ track: Track, now: Int64) -> String? {
        guard let window = track.active else { return nil }
        let zone = zones.zone(track)
        let local = now + Int64(zone.offset(at: now))
        var day = CivilCalendar.floorDiv(local, 86400)
        let minute = Int((local - day * 86400) / 60)
        if !(window.days.contains(CivilCalendar.weekday(days: day)) && minute >= window.endMinute) {
            day -= 1
            var tries = 0
            while !window.days.contains(CivilCalendar.weekday(days: day)) && tries < 7 {
                day -= 1
                tries += 1
            }
        }
        return CivilCalendar.date(days: day)
    }
}
