import Glibc

extension Descriptor {
    /// Counts `\n` bytes from `offset` to end of file with pread(2) and memchr(3).
    /// Returns the count and the number of bytes read, so the caller knows what was covered.
    public func countNewlines(from offset: Int64, buffer: LineCountBuffer) throws(SystemError) -> (lines: Int64, bytes: Int64) {
        var position = offset
        var lines: Int64 = 0
        let base = buffer.pointer
        while true {
            let n = pread(fd, base, buffer.capacity, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("pread", path: displayPath)
            }
            if n == 0 { break }
            lines += Self.newlines(in: UnsafeRawBufferPointer(start: base, count: n))
            position += Int64(n)
        }
        return (lines, position - offset)
    }

    @inline(__always)
    static func newlines(in bytes: UnsafeRawBufferPointer) -> Int64 {
        guard var cursor = bytes.baseAddress else { return 0 }
        let end = cursor + bytes.count
        var count: Int64 = 0
        while cursor < end, let hit = memchr(cursor, 0x0A, end - cursor) {
            count += 1
            cursor = UnsafeRawPointer(hit) + 1
        }
        return count
    }
}

/// A reusable read buffer for line counting (1 MiB by default); one per scanning thread.
public final class LineCountBuffer {
    public let capacity: Int
    let pointer: UnsafeMutableRawPointer

    public init(capacity: Int = 1 << 20) {
        self.capacity = capacity
        pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
    }

    deinit { pointer.deallocate() }
}
