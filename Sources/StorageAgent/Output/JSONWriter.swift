/// Streams JSON (RFC 8259) into a byte buffer. Objects keep their keys in the order written,
/// which is the order the contract lists them; a top-level array puts one element per line.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

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
