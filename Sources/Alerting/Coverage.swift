import HostFS
import Inventory

/// What exists of a track, day by day (and hour by hour for an hourly track): the picture
/// `storage-agent coverage` draws. Dates and hours are the track's own (its time zone, as the
/// files are named); the active window, the last finished window and the zones come from `Gaps`.
///
/// A cell is one hour of one day (an hourly track) or one day (any other track) of one volume.
/// Its state, first match wins:
/// - `present`: a file of the cell is still there; `partial` when the cell's live bytes are
///   under half the median of that hour's (or, daily, that track's) present cells over the
///   range, taken only when at least three cells are present (for an even count, the lower of
///   the two middle values);
/// - `rescued`: no live file, but a copy the PVC should have held is in the rescue area;
/// - `stale`: no live file, but a stale directory of the same PVC has one;
/// - `deleted`: files were indexed and are gone, and the track's retention does not explain
///   every one of them (deleted sooner than `retention` after their last write);
/// - `expired`: files were indexed and are gone, all of them by the track's retention;
/// - `outside`: a day the active window does not cover (a weekend), with nothing there;
/// - `upcoming`: the hour (or the day's window) has not ended yet;
/// - `missing`: nothing was ever indexed for it.
package struct Coverage: Sendable {
    package let gaps: Gaps

    package init(_ gaps: Gaps) { self.gaps = gaps }

    package enum State: String, Sendable, CaseIterable {
        case present, partial, rescued, stale, deleted, expired, missing, outside, upcoming

        /// The states that mean the PVC lacks data it should hold (`coverage` exits 1).
        package var isLack: Bool { [.rescued, .stale, .deleted, .missing].contains(self) }
    }

    /// A rescued copy of a file a PVC should have held (`rescue`): the claim, the file's path
    /// below the PVC's directory (the container path minus the volume's `mount:`), the copy.
    package struct Copy: Sendable {
        package var claim: String
        package var relative: [UInt8]
        package var rescuedPath: [UInt8]
        package var bytes: Int64

        package init(claim: String, relative: [UInt8], rescuedPath: [UInt8], bytes: Int64) {
            self.claim = claim
            self.relative = relative
            self.rescuedPath = rescuedPath
            self.bytes = bytes
        }
    }

    package struct Cell: Sendable {
        package var date: String
        /// nil for a daily track.
        package var hour: Int?
        package var state: State
        /// The files behind the state (live, deleted, stale or rescued ones) and their bytes.
        package var files = 0
        package var bytes: Int64 = 0
        /// What explains the state, in words; nil for a plain present cell.
        package var detail: String?
        /// Host paths (raw bytes) of those files.
        package var paths: [[UInt8]] = []
        /// The volume directory they are in (the cell's own, or a stale one); nil for copies.
        package var directory: String?
    }

    package struct Row: Sendable {
        package var date: String
        /// 0 = Sunday.
        package var weekday: Int
        /// The window covers this day.
        package var inWindow: Bool
        package var cells: [Cell]
    }

    /// One volume and one track over the range.
    package struct Block: Sendable {
        package var volume: VolumeRecord
        package var track: Track
        /// The hour columns; empty for a daily track.
        package var hours: [Int]
        /// An hourly track: a row per day. A daily track: one row per day too, of one cell each.
        package var rows: [Row]
        package var since: String
        package var until: String

        package var cells: [Cell] { rows.flatMap(\.cells) }
    }

    /// The hour columns of an hourly track: those its window touches, else all 24.
    package static func hours(_ track: Track) -> [Int] {
        guard track.hourly else { return [] }
        return track.active.map(CivilCalendar.hours) ?? Array(0...23)
    }

    /// The default range: 7 days ending with the track's last finished window (a track without
    /// a window: the last finished day, yesterday in its zone). `since` alone ends on the later
    /// of it and `since`; `until` alone starts 6 days before.
    package func range(_ track: Track, since: String?, until: String?, now: Int64) -> (since: String, until: String) {
        let last = lastFinished(track, now: now)
        let end = until ?? since.map { max($0, last) } ?? last
        let start = since ?? CivilCalendar.date(days: (CivilCalendar.days(fromDate: end) ?? 0) - 6)
        return (start, end)
    }

    /// The date of the track's last finished window, or of yesterday in its zone without one.
    package func lastFinished(_ track: Track, now: Int64) -> String {
        if let date = gaps.lastFinishedDate(track, now: now) { return date }
        let local = now + Int64(gaps.zones.zone(track).offset(at: now))
        return CivilCalendar.date(days: CivilCalendar.floorDiv(local, 86400) - 1)
    }

    /// The volumes a track is drawn for: those `select` names (`holdingTrack`: the current and
    /// unknown-state ones) that, or whose PVC's other directories, ever held dated files of the
    /// track (hourly ones for an hourly track), or whose PVC has rescued copies of such files.
    package func blocks(
        _ inventory: Inventory, track: Track, since: String, until: String, now: Int64,
        select: Gaps.Selection = .holdingTrack, copies: [Copy] = []
    ) throws(InventoryError) -> [Block] {
        let volumes = try inventory.volumes()
        let holdingIDs = try inventory.datedVolumes(track: track.name, hourly: track.hourly)
        let first = CivilCalendar.days(fromDate: since) ?? 0
        let last = max(first, CivilCalendar.days(fromDate: until) ?? first)
        var all: [FileRecord] = []
        if last - first < 31 {
            // A day at a time: the (track, date) index finds them; the track's other days are not read.
            for day in first...last {
                all += try inventory.files(
                    FileFilter(track: track.name, date: CivilCalendar.date(days: day), includeDeleted: true))
            }
        } else {
            // Over a month, one pass over the track costs less than a query per day.
            all = try inventory.files(FileFilter(track: track.name, includeDeleted: true)).filter {
                guard let date = $0.date else { return false }
                return date >= since && date <= until
            }
        }
        all = all.filter { !track.hourly || $0.hour != nil }
        let classifier = Classifier(tracks: gaps.tracks.map(\.name))
        var rescued: [String: [CellKey: [Copy]]] = [:]
        for c in copies {
            guard let key = Self.key(c.relative, classifier: classifier, track: track) else { continue }
            rescued[c.claim, default: [:]][key, default: []].append(c)
        }
        let holding = Set(volumes.filter { holdingIDs.contains($0.id) }.map(\.path))
        let claimsWithFiles = Set(volumes.filter { holding.contains($0.path) }.compactMap(\.claim))
            .union(rescued.keys)
        let checked = volumes.filter { v in
            let holds = holding.contains(v.path) || v.claim.map { claimsWithFiles.contains($0) } == true
            switch select {
            case .volumes(let ids): return ids.contains(v.id) && holds
            case .holdingTrack: return (v.state == .current || v.state == .unknown) && holds
            }
        }
        var cells: [String: [CellKey: [FileRecord]]] = [:]
        for f in all {
            cells[f.volumePath, default: [:]][CellKey(date: f.date!, hour: track.hourly ? f.hour : nil), default: []]
                .append(f)
        }
        var out: [Block] = []
        for v in checked {
            let stale = volumes.filter { other in
                other.id != v.id && other.claim != nil && other.claim == v.claim && other.state != .current
            }
            let sources = CellSources(
                own: cells[v.path] ?? [:], stale: stale.map { cells[$0.path] ?? [:] },
                rescued: v.claim.flatMap { rescued[$0] } ?? [:], claim: v.claim)
            out.append(block(v, track: track, since: since, until: until, now: now, sources: sources))
        }
        return out
    }

    struct CellKey: Hashable {
        var date: String
        var hour: Int?
    }

    /// What a volume's cells are made of.
    struct CellSources {
        var own: [CellKey: [FileRecord]]
        var stale: [[CellKey: [FileRecord]]]
        var rescued: [CellKey: [Copy]]
        var claim: String?
    }

    /// The cell a path below a PVC's directory would fill, classified as the scan would.
    static func key(_ relative: [UInt8], classifier: Classifier, track: Track) -> CellKey? {
        let parts = relative.split(separator: 0x2F).map { Array($0) }
        guard let name = parts.last else { return nil }
        var directoryTrack: String?
        for part in parts.dropLast() {
            directoryTrack = part.withUnsafeBytes { classifier.directoryTrack($0, inherited: directoryTrack) }
        }
        let r = name.withUnsafeBytes { classifier.classify($0, directoryTrack: directoryTrack) }
        guard r.track == track.name, let date = r.date, !track.hourly || r.hour != nil else { return nil }
        return CellKey(date: date, hour: track.hourly ? r.hour : nil)
    }
}
