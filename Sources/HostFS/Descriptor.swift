internal import CHostFS
internal import Glibc

/// An open file descriptor, closed when the last reference goes away.
///
/// Everything under a volume is reached through one of these with `openat(2)` and `O_NOFOLLOW`,
/// so a path string under a volume is never handed to the kernel.
package final class Descriptor {
    package let fd: Int32
    /// A human-readable name for error messages; never used to reach the file.
    package let displayPath: String

    package init(adopting fd: Int32, displayPath: String) {
        self.fd = fd
        self.displayPath = displayPath
    }

    deinit { Glibc.close(fd) }

    /// open(2) a trusted host path (a storage root or a configured path) as a directory.
    /// Symlinks in an administrator's own path are followed; nothing below it ever is.
    package static func openDirectory(path: String) throws(SystemError) -> Descriptor {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: path) }
        return Descriptor(adopting: fd, displayPath: path)
    }

    /// open(2) a trusted host path with `O_PATH`: a handle to walk from, with no read access needed.
    package static func openPath(_ path: String, followSymlinks: Bool) throws(SystemError) -> Descriptor {
        let flags = chostfs_o_path() | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW)
        let fd = Glibc.open(path, flags)
        guard fd >= 0 else { throw SystemError("open", path: path) }
        return Descriptor(adopting: fd, displayPath: path)
    }

    /// openat(2) a child directory without following a symlink in its place.
    package func openDirectory(named name: UnsafePointer<CChar>) throws(SystemError) -> Descriptor {
        let fd = Glibc.openat(self.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("openat", path: child(name)) }
        return Descriptor(adopting: fd, displayPath: child(name))
    }

    /// fstat(2) this descriptor.
    package func stat() throws(SystemError) -> FileStat {
        var s = Glibc.stat()
        guard Glibc.fstat(fd, &s) == 0 else { throw SystemError("fstat", path: displayPath) }
        return FileStat(s)
    }

    /// fstatat(2) a child with `AT_SYMLINK_NOFOLLOW`: a symlink is reported as one.
    package func stat(named name: UnsafePointer<CChar>) throws(SystemError) -> FileStat {
        var s = Glibc.stat()
        guard Glibc.fstatat(fd, name, &s, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw SystemError("fstatat", path: child(name))
        }
        return FileStat(s)
    }

    /// statx(2) birth time in nanoseconds, or nil where the file system does not keep one.
    package func birthTimeNs() -> Int64? {
        var ns: Int64 = 0
        var have: Int32 = 0
        guard chostfs_birth_ns(fd, &ns, &have) == 0, have != 0 else { return nil }
        return ns
    }

    func child(_ name: UnsafePointer<CChar>) -> String {
        let n = RawName.display(UnsafeRawBufferPointer(start: name, count: strlen(name)))
        return displayPath.hasSuffix("/") ? displayPath + n : displayPath + "/" + n
    }
}

/// Space on the file system a descriptor lives on.
package struct FileSystemSpace: Sendable {
    package var availableBytes: Int64
    package var totalBytes: Int64

    /// Available to unprivileged writers, as a percentage of the whole.
    package var freePercent: Double { totalBytes > 0 ? Double(availableBytes) / Double(totalBytes) * 100 : 100 }
}

extension Descriptor {
    /// fstatvfs(3).
    package func fileSystemSpace() throws(SystemError) -> FileSystemSpace {
        var fs = statvfs()
        guard fstatvfs(fd, &fs) == 0 else { throw SystemError("fstatvfs", path: displayPath) }
        let unit = Int64(fs.f_frsize)
        return FileSystemSpace(availableBytes: Int64(fs.f_bavail) * unit, totalBytes: Int64(fs.f_blocks) * unit)
    }
}
