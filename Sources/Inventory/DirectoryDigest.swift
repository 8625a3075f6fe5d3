/// A keyed, order-independent digest of a directory's indexed files: the wrapping sum of one
/// 64-bit hash per file over its name, inode, size, mtime and ctime. Equal digests mean the
/// rows of that directory need not be read on a rescan. Any write moves a file's ctime (set by
/// the kernel), and without the key nobody can pick names or sizes that cancel a change out.
struct DirectoryDigest {
    let key: UInt64
    private(set) var value: UInt64 = 0

    init(key: UInt64, value: UInt64 = 0) {
        self.key = key
        self.value = value
    }

    mutating func add(name: UnsafeRawBufferPointer, inode: UInt64, size: Int64, mtimeNs: Int64, ctimeNs: Int64) {
        value = value &+ hash(name: name, inode: inode, size: size, mtimeNs: mtimeNs, ctimeNs: ctimeNs)
    }

    /// Takes one file out again (a sum, so the order does not matter): a batch that looks only
    /// at the names inotify reported moves the stored digest by what changed.
    mutating func remove(name: [UInt8], inode: UInt64, size: Int64, mtimeNs: Int64, ctimeNs: Int64) {
        value =
            value
            &- name.withUnsafeBytes { hash(name: $0, inode: inode, size: size, mtimeNs: mtimeNs, ctimeNs: ctimeNs) }
    }

    private func hash(name: UnsafeRawBufferPointer, inode: UInt64, size: Int64, mtimeNs: Int64, ctimeNs: Int64)
        -> UInt64
    {
        var h: UInt64 = key ^ 0xcbf2_9ce4_8422_2325
        for byte in name { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        h = Self.mix(h ^ inode)
        h = Self.mix(h ^ UInt64(bitPattern: size))
        h = Self.mix(h ^ UInt64(bitPattern: mtimeNs))
        return Self.mix(h ^ UInt64(bitPattern: ctimeNs))
    }

    /// The splitmix64 finalizer.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// The key mixed with what decides classification, so a changed track or include list
    /// invalidates every digest and the next scan re-reads the rows.
    static func key(secret: Int64, options: ScanOptions) -> UInt64 {
        var h = UInt64(bitPattern: secret)
        for word in options.include.map(\.pattern) + ["|"] + options.classifier.tracks.sorted() {
            for byte in word.utf8 { h = mix(h ^ UInt64(byte)) }
            h = mix(h ^ 0xFF)
        }
        return h
    }
}
