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

    /// Counts `\n` bytes from `offset` to end of file with pread(2) and memchr(3).
    /// Returns the count and the bytes covered, so a later scan can continue from there.
    /// A short read is taken as the end: a regular file only returns less at its end.
    package func countNewlines(from offset: Int64, buffer: LineCountBuffer) -> (lines: Int64, bytes: Int64)? {
        var position = offset
        var lines: Int64 = 0
        while true {
            guard case .success(let n) = valueOrErrno({ pread(fd, buffer.pointer, buffer.capacity, off_t(position)) })
            else { return nil }
            lines += Descriptor.newlines(in: UnsafeRawBufferPointer(start: buffer.pointer, count: n))
            position += Int64(n)
            if n < buffer.capacity { break }
        }
        return (lines, position - offset)
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
