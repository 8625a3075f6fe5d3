internal import CHostFS
internal import Glibc

/// A regular file opened for reading by `Descriptor.openFile(named:)`, closed when it goes out of
/// scope. Not a class: the scan opens hundreds of thousands of these and must not allocate for each.
package struct OpenFile: ~Copyable {
    package let fd: Int32

    init(fd: Int32) { self.fd = fd }

    deinit { Glibc.close(fd) }

    /// fstat(2): what was actually opened, to check it is still the regular file that was listed.
    package func stat() -> FileStat? {
        var s = Glibc.stat()
        guard Glibc.fstat(fd, &s) == 0 else { return nil }
        return FileStat(s)
    }

    /// The default for `countNewlines`' `budget`: bytes of data read from one file in one pass.
    package static let readBudget: Int64 = 256 << 20

    /// Counts `\n` bytes from `offset` on with pread(2) and memchr(3), reading only data extents
    /// (lseek(2) `SEEK_DATA`/`SEEK_HOLE`): holes are zeros, so a sparse terabyte costs nothing.
    /// At most `budget` bytes of data are read; the count stops there and says how far it got
    /// (`complete` false), so a later pass continues from that offset. Returns the count and the
    /// bytes covered (holes included). A short read is taken as the end of the file. Each read
    /// (at most the buffer, 1 MiB) is a step of `progress`.
    ///
    /// `size`, the file's size from its fstat: when what is left of it fits in the buffer (and
    /// the budget), it is read in one pread(2) with no extent lookups, which cost two lseek(2)
    /// per file for the many small files of a volume; reading a small sparse file's holes costs
    /// at most the buffer. A file that grew past the buffer meanwhile goes on by extents.
    package func countNewlines(
        from offset: Int64, size: Int64? = nil, buffer: LineCountBuffer, budget: Int64 = readBudget,
        progress: WorkProgress? = nil
    ) -> (lines: Int64, bytes: Int64, complete: Bool)? {
        var position = offset
        var lines: Int64 = 0
        var read: Int64 = 0
        if let size, size >= offset, size - offset < Int64(buffer.capacity), size - offset < budget {
            let want = Int(min(Int64(buffer.capacity), budget))
            guard case .success(let n) = valueOrErrno({ pread(fd, buffer.pointer, want, off_t(offset)) })
            else { return nil }
            progress?.step()
            lines = Descriptor.newlines(in: UnsafeRawBufferPointer(start: buffer.pointer, count: n))
            if n < want { return (lines, Int64(n), true) }
            position += Int64(n)
            read = Int64(n)
        }
        // Off when SEEK_DATA is not supported here (EINVAL on some file systems): plain reads.
        var extents = true
        while true {
            var end = Int64.max
            if extents {
                let data = chostfs_seek_data(fd, position)
                if data < 0 && errno == ENXIO {
                    // Nothing but a hole (or nothing) from here to the end.
                    return (lines, max(Int64(lseek(fd, 0, SEEK_END)), position) - offset, true)
                }
                let hole = data < 0 ? -1 : chostfs_seek_hole(fd, data)
                if hole > data {
                    (position, end) = (data, hole)
                } else {
                    extents = false
                }
            }
            while position < end {
                if read >= budget { return (lines, position - offset, false) }
                let want = Int(min(Int64(buffer.capacity), end - position, budget - read))
                guard case .success(let n) = valueOrErrno({ pread(fd, buffer.pointer, want, off_t(position)) })
                else { return nil }
                progress?.step()
                lines += Descriptor.newlines(in: UnsafeRawBufferPointer(start: buffer.pointer, count: n))
                position += Int64(n)
                read += Int64(n)
                if n < want { return (lines, position - offset, true) }
            }
        }
    }

    /// read(2) from the current offset until `buffer` is full or the file ends; the count read.
    package func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var count = 0
        while count < buffer.count {
            let result = valueOrErrno { Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count) }
            guard case .success(let n) = result, n > 0 else { break }
            count += n
        }
        return count
    }
}

extension Descriptor {
    /// openat(2) a child for reading without following a symlink; `O_NONBLOCK` so that a FIFO
    /// swapped in after the type check cannot block the walk. The caller must fstat the result.
    package func openFile(named name: UnsafePointer<CChar>) throws(SystemError) -> OpenFile {
        let fd = Glibc.openat(self.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("openat", path: child(name)) }
        return OpenFile(fd: fd)
    }
}
