/// The zones the tracks name, each loaded once from /usr/share/zoneinfo.
package struct TimeZones: Sendable {
    private var zones: [String: ZoneInfo] = [:]

    package init(tracks: [Track]) {
        for name in Set(tracks.compactMap(\.timezone)) { zones[name] = ZoneInfo.load(name) }
    }

    /// The track's zone; UTC when it names none (or its file could not be read).
    package func zone(_ track: Track) -> ZoneInfo { track.timezone.flatMap { zones[$0] } ?? ZoneInfo() }
}
