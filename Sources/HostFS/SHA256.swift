internal import CHostFS

/// SHA-256 (FIPS 180-4), streamed: `update` any number of times, then `finalize`. Written here
/// because the binary links no crypto library (FoundationEssentials has none); it is used to
/// check that a copied file is the file that was read, never as a secret. Where the CPU has the
/// x86 SHA extensions the compression runs on them (CHostFS; about 5 times what portable code
/// does), else in the portable Swift below.
package struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    /// A partial block waiting for more input.
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    private let accelerated: Bool

    /// Whether this CPU runs the SHA extensions (checked once).
    package static let hasAcceleration = chostfs_sha256_accelerated() != 0

    /// `portable` keeps to the Swift compression (the tests compare both).
    package init(portable: Bool = false) {
        accelerated = !portable && Self.hasAcceleration
        pending.reserveCapacity(64)
    }

    /// The digest of `bytes` in one call.
    package static func hash<C: Collection<UInt8>>(_ bytes: C, portable: Bool = false) -> [UInt8] {
        var h = SHA256(portable: portable)
        Array(bytes).withUnsafeBytes { h.update($0) }
        return h.finalize()
    }

    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        length &+= UInt64(remaining)
        if !pending.isEmpty {
            let take = min(64 - pending.count, remaining)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: p, count: take))
            p += take
            remaining -= take
            guard pending.count == 64 else { return }
            pending.withUnsafeBytes { compress($0.baseAddress!, blocks: 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let whole = remaining / 64
        if whole > 0 { compress(p, blocks: whole) }
        p += whole * 64
        remaining -= whole * 64
        if remaining > 0 { pending.append(contentsOf: UnsafeRawBufferPointer(start: p, count: remaining)) }
    }

    /// Feeds `count` zero bytes (a hole of a sparse file reads as zeros).
    package mutating func updateZeros(_ count: Int64) {
        var left = count
        withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 64) { zeros in
            zeros.initializeMemory(as: UInt8.self, repeating: 0)
            while left > 0 {
                let n = Int(min(Int64(zeros.count), left))
                update(UnsafeRawBufferPointer(rebasing: zeros[0..<n]))
                left -= Int64(n)
            }
        }
    }

    /// The state after what was fed so far, as bytes to store (the eight words, the length fed
    /// and the partial block), so that a later process continues the digest with
    /// `init(resuming:)` instead of reading everything again: a growing file rescued in steps.
    package var resumable: [UInt8] {
        var out: [UInt8] = []
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            for shift in stride(from: 24, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
            }
        }
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: length >> UInt64(shift)))
        }
        return out + pending
    }

    /// Continues a digest from `resumable`; nil when the bytes are not one (wrong size, or a
    /// partial block that does not match the length).
    package init?(resuming bytes: [UInt8], portable: Bool = false) {
        guard bytes.count >= 40, bytes.count < 40 + 64 else { return nil }
        accelerated = !portable && Self.hasAcceleration
        func word(_ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 << 8 | UInt32(bytes[i * 4 + $1]) } }
        let length = (32..<40).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[$1]) }
        guard Int(length % 64) == bytes.count - 40 else { return nil }
        state = (word(0), word(1), word(2), word(3), word(4), word(5), word(6), word(7))
        self.length = length
        pending = Array(bytes[40...])
        pending.reserveCapacity(64)
    }

    /// The 32-byte digest; the value is spent.
    package mutating func finalize() -> [UInt8] {
        let bits = length &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
        }
        tail.withUnsafeBytes { compress($0.baseAddress!, blocks: tail.count / 64) }
        pending.removeAll()
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            out += [
                UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8),
                UInt8(truncatingIfNeeded: word),
            ]
        }
        return out
    }

    /// Lowercase hex, as sha256sum(1) prints it.
    package static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest { out += [digits[Int(b >> 4)], digits[Int(b & 0xF)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// FIPS 180-4's round constants, one table for both compressions (CHostFS).
    private static var k: UnsafeBufferPointer<UInt32> {
        UnsafeBufferPointer(start: chostfs_sha256_constants(), count: 64)
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }

    /// The compression function over `blocks` 64-byte blocks at `p` (big-endian words).
    private mutating func compress(_ p: UnsafeRawPointer, blocks: Int) {
        if accelerated {
            withUnsafeMutableBytes(of: &state) { words in
                chostfs_sha256_blocks(
                    words.baseAddress!.assumingMemoryBound(to: UInt32.self), p.assumingMemoryBound(to: UInt8.self),
                    blocks)
            }
            return
        }
        var (h0, h1, h2, h3, h4, h5, h6, h7) = state
        let k = Self.k
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for block in 0..<blocks {
                let base = p + block * 64
                for t in 0..<16 {
                    w[t] = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
                }
                for t in 16..<64 {
                    let a = w[t - 15]
                    let b = w[t - 2]
                    let s0 = Self.rotr(a, 7) ^ Self.rotr(a, 18) ^ (a &>> 3)
                    let s1 = Self.rotr(b, 17) ^ Self.rotr(b, 19) ^ (b &>> 10)
                    w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                }
                var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
                for t in 0..<64 {
                    let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ ch &+ k[t] &+ w[t]
                    let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
                }
                h0 &+= a
                h1 &+= b
                h2 &+= c
                h3 &+= d
                h4 &+= e
                h5 &+= f
                h6 &+= g
                h7 &+= h
            }
        }
        state = (h0, h1, h2, h3, h4, h5, h6, h7)
    }
}
