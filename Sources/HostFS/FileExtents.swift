internal import CHostFS
internal import Glibc

/// A regular file's contents in a form to compare: its size and a SHA-256.
package struct ContentDigest: Equatable, Sendable {
    package var size: Int64
    package var sha256: [UInt8]
    /// The file has more hole bytes than `FileExtents.hashedHoles`: `sha256` is then taken over
    /// its data extents and their offsets (a terabyte hole is not hashed as zeros) rather than
    /// over the plain contents, and equals only the digest of a file with the same extents.
    package var sparse: Bool

    /// The digest before it was finalized (files that are not sparse): appending to a copy
    /// continues it (`Descriptor.appendFile`). Not part of the comparison.
    package var continuation: SHA256? = nil

    /// `sha256` in hex; for a file that is not sparse, what sha256sum(1) prints.
    package var hex: String { SHA256.hex(sha256) }

    package static func == (a: ContentDigest, b: ContentDigest) -> Bool {
        a.size == b.size && a.sha256 == b.sha256 && a.sparse == b.sparse
    }
}

/// Where a regular file's data is, from lseek(2) `SEEK_DATA`/`SEEK_HOLE`: everything else up to
/// `size` is holes, which read as zeros and need not be read, hashed in full, or written.
struct FileExtents {
    var size: Int64
    var data: [(offset: Int64, length: Int64)] = []

    /// Holes up to this much are hashed as zeros, so that an ordinary file's digest is its
    /// plain SHA-256 however it is stored; beyond it the digest covers the data extents only
    /// (security rule 10: a tenant's `truncate -s 1T` must cost nothing).
    static let hashedHoles: Int64 = 64 << 20
    /// More data extents than this (a file made of alternating 4 KiB holes) is refused.
    static let maxExtents = 1 << 20

    var holeBytes: Int64 { size - data.reduce(0) { $0 + $1.length } }
    var sparse: Bool { holeBytes > Self.hashedHoles }

    /// The data extents of `fd` below `size` (where SEEK_DATA is not supported, all of it).
    init(fd: Int32, size: Int64, path: String) throws(SystemError) {
        self.size = size
        var position: Int64 = 0
        while position < size {
            let start = Int64(chostfs_seek_data(fd, position))
            if start < 0 {
                if errno == ENXIO { break }
                guard errno == EINVAL, position == 0 else { throw SystemError("lseek SEEK_DATA", path: path) }
                data = [(0, size)]
                return
            }
            guard start < size else { break }
            let hole = Int64(chostfs_seek_hole(fd, start))
            guard hole > start else { throw SystemError("lseek SEEK_HOLE", path: path) }
            let end = min(hole, size)
            data.append((start, end - start))
            guard data.count <= Self.maxExtents else {
                throw SystemError("more than \(Self.maxExtents) data extents", path: path, errno: EFBIG)
            }
            position = end
        }
    }

    /// Reads every data extent of `fd` (pread(2)), feeds the digest and, when `copy` is given,
    /// writes each block at the same offset there (pwrite(2)), so holes stay holes. A short read
    /// means the file shrank while it was read: an error, never a silently short copy.
    func pump(
        _ fd: Int32, buffer: LineCountBuffer, copy: Int32? = nil, path: String, copyPath: String = ""
    ) throws(SystemError) -> ContentDigest {
        var hash = SHA256()
        let sparse = self.sparse
        var cursor: Int64 = 0
        if sparse { Self.feed(&hash, Array("storage-agent sparse digest 1\n".utf8)) }
        for (offset, length) in data {
            if sparse {
                Self.feed(&hash, Self.bigEndian(offset) + Self.bigEndian(length))
            } else {
                hash.updateZeros(offset - cursor)
            }
            var position = offset
            let end = offset + length
            while position < end {
                let want = Int(min(Int64(buffer.capacity), end - position))
                guard case .success(let n) = valueOrErrno({ pread(fd, buffer.pointer, want, off_t(position)) }) else {
                    throw SystemError("pread", path: path)
                }
                guard n > 0 else { throw SystemError("pread (the file shrank while read)", path: path, errno: EIO) }
                let chunk = UnsafeRawBufferPointer(start: buffer.pointer, count: n)
                hash.update(chunk)
                if let copy { try Self.write(copy, chunk, at: position, path: copyPath) }
                position += Int64(n)
            }
            cursor = end
        }
        if sparse { Self.feed(&hash, Self.bigEndian(size)) } else { hash.updateZeros(size - cursor) }
        let continuation = sparse ? nil : hash
        return ContentDigest(size: size, sha256: hash.finalize(), sparse: sparse, continuation: continuation)
    }

    static func write(_ fd: Int32, _ chunk: UnsafeRawBufferPointer, at offset: Int64, path: String) throws(SystemError)
    {
        var done = 0
        while done < chunk.count {
            let result = valueOrErrno {
                pwrite(fd, chunk.baseAddress! + done, chunk.count - done, off_t(offset + Int64(done)))
            }
            guard case .success(let n) = result, n > 0 else { throw SystemError("pwrite", path: path) }
            done += n
        }
    }

    static func feed(_ hash: inout SHA256, _ bytes: [UInt8]) { bytes.withUnsafeBytes { hash.update($0) } }

    static func bigEndian(_ v: Int64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) } }
}

extension OpenFile {
    /// The digest of this file as it is now (its fstat(2) size), reading data extents only.
    package func contentDigest(buffer: LineCountBuffer, path: String) throws(SystemError) -> ContentDigest {
        guard let st = stat() else { throw SystemError("fstat", path: path) }
        return try FileExtents(fd: fd, size: st.size, path: path).pump(fd, buffer: buffer, path: path)
    }
}
