internal import Glibc

extension Descriptor {
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
package final class LineCountBuffer {
    package let capacity: Int
    let pointer: UnsafeMutableRawPointer

    package init(capacity: Int = 1 << 20) {
        self.capacity = capacity
        pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
    }

    deinit { pointer.deallocate() }
}
