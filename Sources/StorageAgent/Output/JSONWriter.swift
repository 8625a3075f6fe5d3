import HostFS

/// Streams JSON (RFC 8259) into a byte buffer. Objects keep their keys in the order written,
/// which is the order the contract lists them; a top-level array puts one element per line.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []
    /// The day (since the epoch) `field(_:rfc3339:)` last wrote, and its `YYYY-MM-DDT`.
    private var cachedDay: (day: Int64, prefix: [UInt8]) = (.min, [])

    init(reserving capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// `[` elements `]`, one per line, then a newline: the shape of every `--json` output.
    static func lines<S: Sequence>(_ items: S, _ element: (inout JSONWriter, S.Element) -> Void) -> [UInt8] {
        var w = JSONWriter(reserving: items.underestimatedCount * 320)
        w.bytes.append(0x5B)
        var first = true
        for item in items {
            w.bytes += first ? [0x0A] : [0x2C, 0x0A]
            first = false
            element(&w, item)
        }
        w.bytes += first ? [0x5D, 0x0A] : [0x0A, 0x5D, 0x0A]
        return w.bytes
    }

    /// As `lines`, written to standard output as it goes, `chunk` bytes at a time: a large answer
    /// is never held whole, and the buffer it is built in stays in the cache.
    static func stream<S: Sequence>(
        _ items: S, chunk: Int = 64 << 10, to sink: ([UInt8]) -> Void = { Output.out($0) },
        _ element: (inout JSONWriter, S.Element) -> Void
    ) {
        var w = JSONWriter(reserving: chunk + 4096)
        w.bytes.append(0x5B)
        var first = true
        for item in items {
            if !first { w.bytes.append(0x2C) }
            w.bytes.append(0x0A)
            first = false
            element(&w, item)
            if w.bytes.count >= chunk {
                sink(w.bytes)
                w.bytes.removeAll(keepingCapacity: true)
            }
        }
        if !first { w.bytes.append(0x0A) }
        w.bytes.append(0x5D)
        w.bytes.append(0x0A)
        sink(w.bytes)
    }

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(0x7B)
        needsComma.append(false)
        body(&self)
        needsComma.removeLast()
        bytes.append(0x7D)
    }

    mutating func field(_ key: StaticString, _ value: String?) {
        self.key(key)
        if let value { Self.quote(value, into: &bytes) } else { null() }
    }

    /// A file name or path (raw bytes) as the contract shows it: `RawName.decoded`, then quoted.
    /// Printable ASCII other than `"` and `\\` (nearly every name) is copied as it is.
    mutating func field(_ key: StaticString, rawName: [UInt8]) {
        rawName.withUnsafeBufferPointer { field(key, rawName: $0) }
    }

    mutating func field(_ key: StaticString, rawName: UnsafeBufferPointer<UInt8>) {
        self.key(key)
        guard Self.plain(rawName) else { return Self.quote(RawName.decoded(rawName), into: &bytes) }
        quotedPlain(rawName)
    }

    /// A text read from SQLite as bytes (nil: null), quoted as `field(_:_:)` quotes the String
    /// `Statement.text` makes of it (invalid UTF-8 repaired).
    mutating func field(_ key: StaticString, text: UnsafeBufferPointer<UInt8>?) {
        self.key(key)
        guard let text else { return null() }
        guard Self.plain(text) else { return Self.quote(String(decoding: text, as: UTF8.self), into: &bytes) }
        quotedPlain(text)
    }

    /// Printable ASCII but `"` and `\\`: the same in every form, JSON included.
    private static func plain(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }
    }

    private mutating func quotedPlain(_ b: UnsafeBufferPointer<UInt8>) {
        bytes.append(0x22)
        bytes.append(contentsOf: b)
        bytes.append(0x22)
    }

    /// A time as `SystemClock.rfc3339(ns:)` spells it (UTC, seconds). The date part is made once
    /// per day and kept: the rows of one query mostly share a few days.
    mutating func field(_ key: StaticString, rfc3339 ns: Int64) {
        self.key(key)
        let seconds = ns >= 0 ? ns / 1_000_000_000 : -((-ns + 999_999_999) / 1_000_000_000)
        let day = seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
        if day != cachedDay.day {
            let text = Array(SystemClock.rfc3339(ns: day * 86_400 * 1_000_000_000).utf8)
            guard text.count == 20 else { return Self.quote(SystemClock.rfc3339(ns: ns), into: &bytes) }
            cachedDay = (day, Array(text[0..<11]))
        }
        let inDay = Int(seconds - day * 86_400)
        bytes.append(0x22)
        bytes.append(contentsOf: cachedDay.prefix)
        twoDigits(inDay / 3600)
        bytes.append(0x3A)
        twoDigits(inDay / 60 % 60)
        bytes.append(0x3A)
        twoDigits(inDay % 60)
        bytes.append(0x5A)
        bytes.append(0x22)
    }

    mutating func field<I: BinaryInteger>(_ key: StaticString, _ value: I?) {
        self.key(key)
        if let value { integer(Int64(value)) } else { null() }
    }

    mutating func field(_ key: StaticString, _ values: [Int]) {
        self.key(key)
        bytes.append(0x5B)
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(0x2C) }
            integer(Int64(v))
        }
        bytes.append(0x5D)
    }

    mutating func field(_ key: StaticString, _ values: [String]) {
        self.key(key)
        bytes.append(0x5B)
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(0x2C) }
            Self.quote(v, into: &bytes)
        }
        bytes.append(0x5D)
    }

    mutating func field(_ key: StaticString, _ value: Bool) {
        self.key(key)
        bytes += value ? Array("true".utf8) : Array("false".utf8)
    }

    /// An object of counts keyed by name (alert type -> firing alerts), in the order given.
    mutating func field(_ key: StaticString, counts: [(key: String, value: Int64)]) {
        self.key(key)
        bytes.append(0x7B)
        for (i, c) in counts.enumerated() {
            if i > 0 { bytes.append(0x2C) }
            Self.quote(c.key, into: &bytes)
            bytes.append(0x3A)
            integer(c.value)
        }
        bytes.append(0x7D)
    }

    private mutating func key(_ key: StaticString) {
        separate()
        bytes.append(0x22)
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(0x22)
        bytes.append(0x3A)
    }

    private mutating func separate() {
        guard let last = needsComma.last else { return }
        if last { bytes.append(0x2C) }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func twoDigits(_ v: Int) {
        bytes.append(UInt8(0x30 + v / 10))
        bytes.append(UInt8(0x30 + v % 10))
    }

    private mutating func null() { bytes += [0x6E, 0x75, 0x6C, 0x6C] }

    private mutating func integer(_ v: Int64) {
        if v < 0 { bytes.append(0x2D) }
        var magnitude = v.magnitude
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - count] = UInt8(0x30 + magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes.append(contentsOf: d[(20 - count)...])
        }
    }

    /// `"` and `\\` escaped, control characters as `\\n`, `\\t`, `\\r` or `\\u00XX`; all else verbatim.
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { bytes in
            var runStart = 0
            for i in 0..<bytes.count {
                let b = bytes[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                runStart = i + 1
                switch b {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, 0x6E]
                case 0x0D: out += [0x5C, 0x72]
                case 0x09: out += [0x5C, 0x74]
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(0x22)
    }
}
