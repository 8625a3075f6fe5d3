internal import CHostFS
internal import Glibc

/// One directory entry as getdents64(2) reports it; valid only inside the callback.
package struct DirectoryEntry {
    /// NUL-terminated name, never "." or "..".
    package let name: UnsafePointer<CChar>
    package let nameLength: Int
    package let type: FileType
    package let inode: UInt64

    package var nameBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: name, count: nameLength) }
}

extension Descriptor {
    /// getdents64(2): calls `body` for every entry but "." and "..", reading 64 KiB at a time.
    package func forEachEntry(_ body: (DirectoryEntry) throws -> Void) throws {
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        // A reused descriptor must start from the beginning.
        _ = lseek(fd, 0, SEEK_SET)
        while true {
            guard case .success(let n) = valueOrErrno({ chostfs_getdents64(fd, buffer, capacity) }) else {
                throw SystemError("getdents64", path: displayPath)
            }
            if n == 0 { return }
            var offset = 0
            while offset < n {
                // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
                let record = buffer + offset
                let inode = record.loadUnaligned(as: UInt64.self)
                let length = Int(record.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
                let type = record.load(fromByteOffset: 18, as: UInt8.self)
                let name = (record + 19).assumingMemoryBound(to: CChar.self)
                offset += length
                let nameLength = strlen(name)
                if name[0] == 0x2E && (nameLength == 1 || (nameLength == 2 && name[1] == 0x2E)) { continue }
                try body(
                    DirectoryEntry(
                        name: UnsafePointer(name), nameLength: nameLength, type: FileType(direntType: type),
                        inode: inode))
            }
        }
    }
}

/// A directory read one getdents64(2) buffer at a time, for walks that descend into a child
/// before the parent is finished: each level keeps its own small buffer and its place in it, so a
/// walk needs memory for its depth, not for the entries still to visit.
package final class DirectoryStream {
    package let directory: Descriptor
    private let buffer: UnsafeMutableRawPointer
    private let capacity: Int
    private var length = 0
    private var offset = 0
    private var finished = false
    /// The getdents64 error that ended the listing early, if any.
    package private(set) var error: SystemError?

    package init(_ directory: Descriptor, capacity: Int = 8 * 1024) {
        self.directory = directory
        self.capacity = capacity
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        _ = lseek(directory.fd, 0, SEEK_SET)
    }

    deinit { buffer.deallocate() }

    /// The next entry but "." and ".."; nil at the end or after a read error (see `error`). The
    /// entry's name lives in this stream's buffer: it is valid until the next call.
    package func next() -> DirectoryEntry? {
        while true {
            if offset >= length {
                guard !finished else { return nil }
                switch valueOrErrno({ chostfs_getdents64(directory.fd, buffer, capacity) }) {
                case .success(let n) where n > 0:
                    length = n
                    offset = 0
                case .success:
                    finished = true
                    return nil
                case .failure(let e):
                    finished = true
                    error = SystemError("getdents64", path: directory.displayPath, errno: e.rawValue)
                    return nil
                }
            }
            let record = buffer + offset
            let inode = record.loadUnaligned(as: UInt64.self)
            let recordLength = Int(record.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
            let type = record.load(fromByteOffset: 18, as: UInt8.self)
            let name = (record + 19).assumingMemoryBound(to: CChar.self)
            offset += max(recordLength, 1)
            let nameLength = strlen(name)
            if name[0] == 0x2E && (nameLength == 1 || (nameLength == 2 && name[1] == 0x2E)) { continue }
            return DirectoryEntry(
                name: UnsafePointer(name), nameLength: nameLength, type: FileType(direntType: type), inode: inode)
        }
    }
}
