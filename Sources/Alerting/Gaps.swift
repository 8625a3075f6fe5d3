import Inventory

/// Hourly tracks: which hours of an active window have no file.
///
/// An hour is filled only by a file that is still there: an hour whose files were all deleted is
/// a `deleted` hour, one no file was ever indexed for is `missing`. A volume is checked against
/// its own files only; when a stale directory of the same PVC holds files for its empty hours,
/// the gap says so (`staleOnly`), because that data is stranded, not arriving.
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
        /// Hours of the window no file of the track was ever indexed for.
        package var missing: [Int]
        /// Hours whose files were all deleted.
        package var deleted: [Int] = []
        /// Of `missing` and `deleted`, the hours a stale directory of the same PVC has files for.
        package var staleOnly: [Int] = []
        /// Those stale directories (volume paths).
        package var stalePaths: [String] = []

        /// Every hour without a file that is still there.
        package var empty: [Int] { (missing + deleted).sorted() }
    }

    /// One track on one day.
    package struct Day: Sendable {
        package var track: Track
        package var date: String
        /// The date was not given: it is the track's last finished active window.
        package var dateFromClock = false
        /// The date is not one of the window's days: there is nothing to check.
        package var outsideWindow = false
        /// Outside the window because the track lists the day under `holidays`.
        package var holiday = false
        /// The volumes looked at.
        package var checked: [VolumeRecord] = []
        /// The checked volumes with at least one empty hour.
        package var gaps: [Gap] = []
    }

    /// Which volumes to check.
    package enum Selection: Sendable {
        /// Current (and unknown-state) volumes that, or whose PVC's other directories, ever held
        /// hourly files of the track.
        case holdingTrack
        /// Exactly these volume ids, whatever their state.
        case volumes(Set<Int64>)
    }

    /// Missing and deleted hours of a track on a day; nil when the track is not hourly, has no
    /// active window, or `date` (default: `lastFinishedDate(track, now:)`) is not a calendar date.
    /// `kind` (nil: any) keeps only files of that extension: a `.log` does not fill a JSONL hour.
    package func day(
        _ inventory: Inventory, track: Track, date: String?, now: Int64, kind: String? = nil,
        select: Selection = .holdingTrack
    ) throws(InventoryError) -> Day? {
        guard track.hourly, let window = track.active, let chosen = date ?? lastFinishedDate(track, now: now),
            let day = CivilCalendar.days(fromDate: chosen), CivilCalendar.date(days: day) == chosen
        else { return nil }
        var out = Day(track: track, date: chosen, dateFromClock: date == nil)
        let volumes = try inventory.volumes()
        let hourly = try inventory.hourlyVolumes(track: track.name, kind: kind)
        let claimsWithFiles = Set(volumes.filter { hourly.contains($0.id) }.compactMap(\.claim))
        out.checked = volumes.filter { v in
            switch select {
            case .volumes(let ids): return ids.contains(v.id)
            case .holdingTrack:
                guard v.state == .current || v.state == .unknown else { return false }
                return hourly.contains(v.id) || v.claim.map { claimsWithFiles.contains($0) } == true
            }
        }
        guard track.isActive(day: day) else {
            out.outsideWindow = true
            out.holiday = track.holidays.contains(day)
            return out
        }
        let expected = CivilCalendar.hours(window)
        let files = try inventory.hourFiles(track: track.name, date: chosen, kind: kind)
        for v in out.checked {
            let live = files[v.id]?.live ?? []
            let deletedOnly = files[v.id]?.deletedOnly ?? []
            var gap = Gap(
                volume: v, track: track.name, date: chosen,
                missing: expected.filter { !live.contains($0) && !deletedOnly.contains($0) },
                deleted: expected.filter { deletedOnly.contains($0) })
            let empty = Set(gap.empty)
            guard !empty.isEmpty else { continue }
            if let claim = v.claim {
                var stale: Set<Int> = []
                for other in volumes where other.id != v.id && other.claim == claim && other.state != .current {
                    let held = empty.intersection(files[other.id]?.live ?? [])
                    guard !held.isEmpty else { continue }
                    stale.formUnion(held)
                    gap.stalePaths.append(other.path)
                }
                gap.staleOnly = stale.sorted()
            }
            out.gaps.append(gap)
        }
        return out
    }

    /// As `day`, with the date given and every kind of file: the gaps the daemon reports.
    package func gaps(_ inventory: Inventory, track: Track, date: String) throws(InventoryError) -> [Gap] {
        try day(inventory, track: track, date: date, now: 0)?.gaps ?? []
    }

    /// The date (YYYYMMDD, local to the track) of the most recent active window that has ended.
    package func lastFinishedDate(_ track: Track, now: Int64) -> String? {
        guard let window = track.active else { return nil }
        let zone = zones.zone(track)
        let local = now + Int64(zone.offset(at: now))
        var day = CivilCalendar.floorDiv(local, 86400)
        let minute = Int((local - day * 86400) / 60)
        if !(track.isActive(day: day) && minute >= window.endMinute) {
            day -= 1
            var tries = 0
            while !track.isActive(day: day) && tries < 366 {
                day -= 1
                tries += 1
            }
        }
        return CivilCalendar.date(days: day)
    }
}
