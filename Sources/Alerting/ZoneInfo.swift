import HostFS

/// A compiled IANA time zone (`/usr/share/zoneinfo/NAME`, RFC 8536 TZif): UTC offsets over time.
/// Foundation's TimeZone would bring ICU into the binary; this reads the file the system ships.
package struct ZoneInfo: Sendable {
    /// Transition times (UTC seconds) and the offset that starts at each.
    package var transitions: [Int64] = []
    package var offsets: [Int32] = []
    package var initialOffset: Int32 = 0
    /// The version 2+ footer: local time after the last transition (RFC 8536 section 3.3).
    package var footer: PosixTimeZone?

    package static func load(_ name: String) -> ZoneInfo? {
        guard TimeZoneFile.exists(name), case .success(let bytes) = readFile("/usr/share/zoneinfo/" + name) else {
            return nil
        }
        return parse(bytes)
    }

    /// Reads the 64-bit (version 2+) block and its footer when present, else the version 1 block.
    /// A footer that is missing, truncated or invalid leaves the table alone in charge.
    package static func parse(_ b: [UInt8]) -> ZoneInfo? {
        guard b.count >= 44, b[0] == 0x54, b[1] == 0x5A, b[2] == 0x69, b[3] == 0x66 else { return nil }
        func u32(_ at: Int) -> Int { Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3]) }
        func i32(_ at: Int) -> Int64 { Int64(Int32(bitPattern: UInt32(u32(at)))) }
        func i64(_ at: Int) -> Int64 { Int64(bitPattern: UInt64(u32(at)) << 32 | UInt64(u32(at + 4))) }
        func counts(_ at: Int) -> (isut: Int, isstd: Int, leap: Int, time: Int, type: Int, char: Int) {
            (u32(at + 20), u32(at + 24), u32(at + 28), u32(at + 32), u32(at + 36), u32(at + 40))
        }
        var header = 0
        var wide = false
        var c = counts(0)
        if b[4] >= 0x32 {
            // Skip the version 1 block to the version 2 header.
            let v1 = 44 + c.time * 5 + c.type * 6 + c.char + c.leap * 8 + c.isstd + c.isut
            guard b.count >= v1 + 44 else { return nil }
            header = v1
            wide = true
            c = counts(header)
        }
        let timeSize = wide ? 8 : 4
        let times = header + 44
        let indexes = times + c.time * timeSize
        let types = indexes + c.time
        guard b.count >= types + c.type * 6, c.type > 0 else { return nil }
        var zone = ZoneInfo()
        let typeOffsets = (0..<c.type).map { Int32(truncatingIfNeeded: i32(types + $0 * 6)) }
        // Before the first transition: the first standard-time type (RFC 8536 section 3.2).
        var firstStandard = 0
        while firstStandard < c.type - 1 && b[types + firstStandard * 6 + 4] != 0 { firstStandard += 1 }
        zone.initialOffset = typeOffsets[b[types + firstStandard * 6 + 4] == 0 ? firstStandard : 0]
        for i in 0..<c.time {
            let index = Int(b[indexes + i])
            guard index < c.type else { return nil }
            zone.transitions.append(wide ? i64(times + i * 8) : i32(times + i * 4))
            zone.offsets.append(typeOffsets[index])
        }
        if wide {
            let footer = types + c.type * 6 + c.char + c.leap * 12 + c.isstd + c.isut
            if footer < b.count, b[footer] == 0x0A, let end = b[(footer + 1)...].firstIndex(of: 0x0A) {
                zone.footer = PosixTimeZone(String(decoding: b[(footer + 1)..<end], as: UTF8.self))
            }
        }
        return zone
    }

    /// UTC offset in seconds at `utc` (seconds since the epoch): from the transition table, and
    /// after its last transition (always, when it has none) from the POSIX TZ footer's rules
    /// (RFC 8536 section 3.3). Without a valid footer the last offset holds.
    package func offset(at utc: Int64) -> Int32 {
        if let footer, transitions.last.map({ utc > $0 }) ?? true { return footer.offset(at: utc) }
        var low = 0
        var high = transitions.count
        while low < high {
            let mid = (low + high) / 2
            if transitions[mid] <= utc { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? initialOffset : offsets[low - 1]
    }

    /// Local date (days since 1970-01-01), day of week (0 = Sunday) and minute of day at `utc`.
    package func local(_ utc: Int64) -> (day: Int64, weekday: Int, minute: Int) {
        let t = utc + Int64(offset(at: utc))
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let seconds = t - days * 86400
        let weekday = Int((((days + 4) % 7) + 7) % 7)  // 1970-01-01 was a Thursday
        return (days, weekday, Int(seconds / 60))
    }
}
