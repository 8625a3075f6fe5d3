internal import Glibc

/// File names are bytes: containers can write anything but `/` and NUL into them.
/// These helpers turn them into text for people and JSON without losing or hiding a byte.
package enum RawName {
    /// memcmp(3) order, shorter first on a tie: how SQLite's BINARY collation sorts blobs.
    package static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let common = min(a.count, b.count)
        let order = a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in common == 0 ? 0 : memcmp(pa.baseAddress!, pb.baseAddress!, common) }
        }
        return order != 0 ? order < 0 : a.count < b.count
    }

    /// `precedes` over bytes in place (a query's paths in one buffer): nothing is copied or retained.
    package static func precedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let common = min(a.count, b.count)
        let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
        return order != 0 ? order < 0 : a.count < b.count
    }

    /// Valid UTF-8 is kept, each invalid byte becomes the four characters `\xNN`, and a literal
    /// backslash becomes two (`\\`), so a name spelled `\xff` and the byte 0xFF never read the
    /// same; control characters are left alone (JSON escapes them itself).
    package static func decoded<C: Collection<UInt8>>(_ bytes: C) -> String {
        escape(bytes, escapeControls: false)
    }

    /// As `decoded`, and control characters (newline, tab, ESC, DEL, C1) are shown as `\xNN`
    /// too, so a name never breaks a table row or a terminal.
    package static func display<C: Collection<UInt8>>(_ bytes: C) -> String {
        escape(bytes, escapeControls: true)
    }

    static func escape<C: Collection<UInt8>>(_ bytes: C, escapeControls: Bool) -> String {
        let b = Array(bytes)
        // Fast path: printable ASCII but the backslash, the common case for every well-behaved writer.
        if b.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C }) { return String(decoding: b, as: UTF8.self) }
        var out = String()
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            let length = validSequenceLength(b, at: i)
            guard length > 0 else {
                appendHex(b[i], to: &out)
                i += 1
                continue
            }
            let scalar = decodeScalar(b, at: i, length: length)
            if scalar == "\\" {
                out += "\\\\"
            } else if escapeControls && isControl(scalar) {
                for k in i..<(i + length) { appendHex(b[k], to: &out) }
            } else {
                out.unicodeScalars.append(scalar)
            }
            i += length
        }
        return out
    }

    /// A line of text for a log or a terminal: control characters (newline, ESC, ...) shown as
    /// `\xNN`, so no text can start a line, a syslog priority or a terminal sequence of its own.
    package static func safeLine(_ text: String) -> String {
        let bytes = Array(text.utf8)
        if bytes.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) && !text.unicodeScalars.contains(where: isControl) {
            return text
        }
        var out = String()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                for byte in String(scalar).utf8 { appendHex(byte, to: &out) }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func decodeScalar(_ b: [UInt8], at i: Int, length: Int) -> Unicode.Scalar {
        var value: UInt32
        switch length {
        case 1: return Unicode.Scalar(b[i])
        case 2: value = UInt32(b[i] & 0x1F)
        case 3: value = UInt32(b[i] & 0x0F)
        default: value = UInt32(b[i] & 0x07)
        }
        for k in 1..<length { value = value << 6 | UInt32(b[i + k] & 0x3F) }
        // validSequenceLength already excluded surrogates and values past U+10FFFF.
        return Unicode.Scalar(value) ?? "\u{FFFD}"
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || s.value == 0x7F || (0x80...0x9F).contains(s.value)
    }

    static func appendHex(_ byte: UInt8, to out: inout String) {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
        out += "\\x"
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0xF)])
    }

    /// Length of the well-formed UTF-8 sequence starting at `i` (RFC 3629: no overlongs, no
    /// surrogates, nothing past U+10FFFF), or 0 when the byte there cannot start one.
    static func validSequenceLength(_ b: [UInt8], at i: Int) -> Int {
        let b0 = b[i]
        if b0 < 0x80 { return 1 }
        func cont(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            i + k < b.count && range.contains(b[i + k])
        }
        switch b0 {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return cont(1, 0xA0...0xBF) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xED: return cont(1, 0x80...0x9F) && cont(2) ? 3 : 0
        case 0xF0: return cont(1, 0x90...0xBF) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return cont(1, 0x80...0x8F) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }
}
