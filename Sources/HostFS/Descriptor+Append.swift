internal import CHostFS
internal import Glibc

/// Extending a copy made by `copyFile` when its source grew (the rescue of a file an application
/// appends to): only the new bytes are read and written, and the digest continues from where it
/// stopped instead of reading the whole copy again.
extension Descriptor {
    /// Appends `source`'s bytes from `copied` up to `size` to `name` here, a regular file with one
    /// link whose first `copied` bytes are the copy so far and whose digest up to there is
    /// `continuing` (`ContentDigest.continuation`):
    ///
    /// - `name` is opened with `O_NOFOLLOW` and fstat'ed: a symlink, a FIFO or a hard-linked file
    ///   in its place is refused; anything past `copied` (an append a crash cut short) is cut off;
    /// - the new bytes are read with pread(2) (holes read as zeros) and written at the same offsets;
    /// - they are read back and compared with what was read, then futimens(2) gives the copy
    ///   `mtimeNs` and fsync(2) makes it durable. On a failure the copy is cut back to `copied`.
    ///
    /// The caller checks that the source's first `copied` bytes are still what was copied (the
    /// digest of its last copied block). Returns the digest of the whole new copy.
    package func appendFile(
        _ name: [CChar], from source: borrowing OpenFile, copied: Int64, size: Int64, continuing: SHA256,
        mtimeNs: Int64, buffer: LineCountBuffer, sourcePath: String
    ) throws(SystemError) -> ContentDigest {
        let path = name.withUnsafeBufferPointer { child($0.baseAddress!) }
        let out = name.withUnsafeBufferPointer {
            openat(fd, $0.baseAddress!, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        }
        guard out >= 0 else { throw SystemError("openat", path: path) }
        defer { close(out) }
        var st = Glibc.stat()
        guard fstat(out, &st) == 0 else { throw SystemError("fstat", path: path) }
        guard FileStat(st).isRegular, st.st_nlink == 1, Int64(st.st_size) >= copied, size >= copied else {
            throw SystemError("append (the copy is not the file that was written)", path: path, errno: EIO)
        }
        guard ftruncate(out, off_t(copied)) == 0 else { throw SystemError("ftruncate", path: path) }
        var hash = continuing
        var added = SHA256()
        var position = copied
        do throws(SystemError) {
            while position < size {
                let want = Int(min(Int64(buffer.capacity), size - position))
                guard case .success(let n) = valueOrErrno({ pread(source.fd, buffer.pointer, want, off_t(position)) })
                else { throw SystemError("pread", path: sourcePath) }
                guard n > 0 else {
                    throw SystemError("pread (the file shrank while read)", path: sourcePath, errno: EIO)
                }
                let chunk = UnsafeRawBufferPointer(start: buffer.pointer, count: n)
                hash.update(chunk)
                added.update(chunk)
                try FileExtents.write(out, chunk, at: position, path: path)
                position += Int64(n)
            }
            guard fsync(out) == 0 else { throw SystemError("fsync", path: path) }
            var check = SHA256()
            var back = copied
            while back < size {
                let want = Int(min(Int64(buffer.capacity), size - back))
                guard case .success(let n) = valueOrErrno({ pread(out, buffer.pointer, want, off_t(back)) }), n > 0
                else { throw SystemError("pread", path: path) }
                check.update(UnsafeRawBufferPointer(start: buffer.pointer, count: n))
                back += Int64(n)
            }
            guard check.finalize() == added.finalize() else {
                throw SystemError("verify (the copy differs from what was read)", path: path, errno: EIO)
            }
            let seconds = mtimeNs >= 0 ? mtimeNs / 1_000_000_000 : (mtimeNs - 999_999_999) / 1_000_000_000
            guard chostfs_futimens_mtime(out, seconds, Int(mtimeNs - seconds * 1_000_000_000)) == 0 else {
                throw SystemError("futimens", path: path)
            }
            guard fsync(out) == 0 else { throw SystemError("fsync", path: path) }
        } catch {
            _ = ftruncate(out, off_t(copied))
            throw error
        }
        let continuation = hash
        return ContentDigest(size: size, sha256: hash.finalize(), sparse: false, continuation: continuation)
    }
}

extension OpenFile {
    /// The SHA-256 of this file's bytes from `offset` for `length` bytes (pread(2); holes read as
    /// zeros), or nil when the file is shorter than that now.
    package func rangeDigest(from offset: Int64, length: Int64, buffer: LineCountBuffer) -> [UInt8]? {
        var hash = SHA256()
        var position = offset
        let end = offset + length
        while position < end {
            let want = Int(min(Int64(buffer.capacity), end - position))
            guard case .success(let n) = valueOrErrno({ pread(fd, buffer.pointer, want, off_t(position)) }), n > 0
            else { return nil }
            hash.update(UnsafeRawBufferPointer(start: buffer.pointer, count: n))
            position += Int64(n)
        }
        return hash.finalize()
    }
}

extension Descriptor {
    /// unlinkat(2) of a raw (NUL-terminated) name: a file, or with `directory` an empty directory.
    package func remove(_ name: [CChar], directory: Bool = false) throws(SystemError) {
        let rc = name.withUnsafeBufferPointer { unlinkat(fd, $0.baseAddress!, directory ? AT_REMOVEDIR : 0) }
        guard rc == 0 else {
            throw SystemError("unlinkat", path: name.withUnsafeBufferPointer { child($0.baseAddress!) })
        }
    }
}
