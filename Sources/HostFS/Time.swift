internal import Glibc

/// Wall-clock time helpers over clock_gettime(2), gmtime_r(3) and localtime_r(3).
package enum SystemClock {
    /// clock_gettime(2) CLOCK_REALTIME in nanoseconds.
    package static func nowNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// clock_gettime(2) CLOCK_MONOTONIC in nanoseconds.
    package static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// RFC 3339 in UTC to the second: `2026-02-03T00:00:00Z`.
    package static func rfc3339(ns: Int64) -> String {
        var t = time_t(floorDiv(ns, 1_000_000_000))
        var parts = tm()
        gmtime_r(&t, &parts)
        return format(parts, suffix: "Z", separator: "T")
    }

    /// Local time for people: `2026-02-03 09:00:00` in the process's time zone.
    package static func local(ns: Int64) -> String {
        var t = time_t(floorDiv(ns, 1_000_000_000))
        var parts = tm()
        localtime_r(&t, &parts)
        return format(parts, suffix: "", separator: " ")
    }

    /// localtime_r(3)'s `tm_gmtoff`: the UTC offset in seconds of the process's time zone (TZ, else
    /// /etc/localtime) at `ns`.
    package static func localOffset(ns: Int64) -> Int {
        var t = time_t(floorDiv(ns, 1_000_000_000))
        var parts = tm()
        localtime_r(&t, &parts)
        return Int(parts.tm_gmtoff)
    }

    /// The name of the process's time zone for people: `TZ` (without a leading `:` or a
    /// `/usr/share/zoneinfo/` prefix; empty means UTC), else the zone /etc/localtime links to
    /// (`Etc/UTC`), else /etc/timezone's first line, else the abbreviation localtime_r(3) gives.
    package static func localZoneName() -> String {
        let prefix = "/usr/share/zoneinfo/"
        if let p = getenv("TZ") {
            var name = String(cString: p)
            if name.isEmpty { return "UTC" }
            if name.hasPrefix(":") { name.removeFirst() }
            if name.hasPrefix(prefix) { name.removeFirst(prefix.count) }
            return name.isEmpty ? "UTC" : name
        }
        if let target = ProcFS.readLink("/etc/localtime"), let name = after(Array("zoneinfo/".utf8), in: target) {
            return name
        }
        if case .success(let bytes) = readFile("/etc/timezone"),
            let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first, !line.isEmpty
        {
            return String(line)
        }
        var t = time_t(floorDiv(nowNs(), 1_000_000_000))
        var parts = tm()
        localtime_r(&t, &parts)
        return parts.tm_zone.map { String(cString: $0) } ?? "UTC"
    }

    /// What follows the first `marker` in `bytes`, as text; nil without one (or nothing after it).
    static func after(_ marker: [UInt8], in bytes: [UInt8]) -> String? {
        guard bytes.count > marker.count else { return nil }
        for i in 0...(bytes.count - marker.count) where bytes[i..<(i + marker.count)].elementsEqual(marker) {
            let rest = bytes[(i + marker.count)...]
            return rest.isEmpty ? nil : String(decoding: rest, as: UTF8.self)
        }
        return nil
    }

    static func format(_ p: tm, suffix: String, separator: String) -> String {
        // Built byte by byte: this runs once per row of `query --json`.
        var b: [UInt8] = []
        b.reserveCapacity(20)
        func digits(_ v: Int32, _ width: Int) {
            var divisor: Int32 = 1
            for _ in 1..<width { divisor *= 10 }
            let v = max(0, v)
            while divisor > 0 {
                b.append(UInt8(0x30 + (v / divisor) % 10))
                divisor /= 10
            }
        }
        digits(p.tm_year + 1900, 4)
        b.append(0x2D)
        digits(p.tm_mon + 1, 2)
        b.append(0x2D)
        digits(p.tm_mday, 2)
        b += separator.utf8
        digits(p.tm_hour, 2)
        b.append(0x3A)
        digits(p.tm_min, 2)
        b.append(0x3A)
        digits(p.tm_sec, 2)
        b += suffix.utf8
        return String(decoding: b, as: UTF8.self)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
