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
