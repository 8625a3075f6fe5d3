/// Deterministic classification of an indexed file (design.md, "Classification of a file").
package struct Classifier: Sendable {
    package let tracks: Set<String>
    private let trackPrefixes: [(prefix: [UInt8], track: String)]

    package init(tracks: some Sequence<String>) {
        self.tracks = Set(tracks)
        trackPrefixes = self.tracks.sorted { $0.utf8.count > $1.utf8.count }.map { (Array($0.utf8) + [0x5F], $0) }
    }

    package struct Result: Sendable, Equatable {
        package var kind: String
        package var track: String?
        package var date: String?
        package var hour: Int?

        package init(kind: String, track: String?, date: String?, hour: Int?) {
            self.kind = kind
            self.track = track
            self.date = date
            self.hour = hour
        }
    }

    /// The track a directory named `name` gives to everything below it, or the inherited one.
    package func directoryTrack(_ name: UnsafeRawBufferPointer, inherited: String?) -> String? {
        guard !tracks.isEmpty, name.count <= 64 else { return inherited }
        let s = String(decoding: name, as: UTF8.self)
        return tracks.contains(s) ? s : inherited
    }

    package func classify(_ name: UnsafeRawBufferPointer, directoryTrack: String?) -> Result {
        var kind = ""
        if let dot = name.lastIndex(of: 0x2E) {
            kind = String(decoding: UnsafeRawBufferPointer(rebasing: name[(dot + 1)...]), as: UTF8.self)
        }
        var track = directoryTrack
        if track == nil {
            for (prefix, t) in trackPrefixes where name.starts(with: prefix) {
                track = t
                break
            }
        }
        let (date, hour) = Self.dateAndHour(name)
        return Result(kind: kind, track: track, date: date, hour: hour)
    }

    package func classify(_ name: String, directoryTrack: String?) -> Result {
        Array(name.utf8).withUnsafeBytes { classify($0, directoryTrack: directoryTrack) }
    }

    /// The first run of exactly 8 digits that is a calendar date in 2000-2099, and the two digits
    /// right after `<date>_` when they are an hour 00-23.
    static func dateAndHour(_ b: UnsafeRawBufferPointer) -> (String?, Int?) {
        var i = 0
        while i < b.count {
            guard isDigit(b[i]) else {
                i += 1
                continue
            }
            var j = i
            while j < b.count && isDigit(b[j]) { j += 1 }
            if j - i == 8, let date = validDate(b, i) {
                var hour: Int?
                // `<date>_HH`: the underscore at j, the hour digits at j+1 and j+2.
                if j + 2 < b.count, b[j] == 0x5F, isDigit(b[j + 1]), isDigit(b[j + 2]) {
                    let h = Int(b[j + 1] - 0x30) * 10 + Int(b[j + 2] - 0x30)
                    if h < 24 { hour = h }
                }
                return (date, hour)
            }
            i = j
        }
        return (nil, nil)
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    static func validDate(_ b: UnsafeRawBufferPointer, _ i: Int) -> String? {
        func n(_ from: Int, _ count: Int) -> Int {
            var v = 0
            for k in from..<(from + count) { v = v * 10 + Int(b[k] - 0x30) }
            return v
        }
        let y = n(i, 4)
        let m = n(i + 4, 2)
        let d = n(i + 6, 2)
        guard (2000...2099).contains(y), (1...12).contains(m), d >= 1 else { return nil }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard d <= days else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[i..<(i + 8)]), as: UTF8.self)
    }
}
