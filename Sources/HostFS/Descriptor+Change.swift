internal import CHostFS
internal import Glibc

/// The calls that change things. Each acts on exactly the object a descriptor refers to, or on a
/// name inside a directory descriptor without following a symlink there.
extension Descriptor {
    /// openat(2) with `O_PATH | O_NOFOLLOW`: a handle on whatever is there (a symlink stays a
    /// symlink, a device is not opened), to fstat and then change only if it is what we expect.
    package func openPath(named name: UnsafePointer<CChar>) throws(SystemError) -> Descriptor {
        let fd = Glibc.openat(self.fd, name, chostfs_o_path() | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("openat", path: child(name)) }
        return Descriptor(adopting: fd, displayPath: child(name))
    }

    /// fchownat(2) with AT_EMPTY_PATH: the owner of this very object.
    package func chown(uid: UInt32, gid: UInt32) throws(SystemError) {
        guard chostfs_fchown_fd(fd, uid, gid) == 0 else { throw SystemError("fchownat", path: displayPath) }
    }

    /// chmod(2) through /proc/self/fd/N: the mode of this very object (works on O_PATH handles).
    package func chmod(_ mode: UInt32) throws(SystemError) {
        guard chostfs_fchmod_fd(fd, mode) == 0 else { throw SystemError("chmod", path: displayPath) }
    }

    /// fremovexattr(2): removes the extended attribute `name` of this very object (an O_PATH
    /// handle works too). Returns false when it had none (ENODATA), which is not an error.
    @discardableResult
    package func fremovexattr(_ name: String) throws(SystemError) -> Bool {
        if chostfs_fremovexattr(fd, name) == 0 { return true }
        if errno == ENODATA || errno == ENOTSUP { return false }
        throw SystemError("fremovexattr", path: displayPath)
    }

    /// fgetxattr(2) with a zero size: whether this very object has the extended attribute `name`.
    package func fgetxattrExists(_ name: String) throws(SystemError) -> Bool {
        if chostfs_fgetxattr_size(fd, name) >= 0 { return true }
        if errno == ENODATA || errno == ENOTSUP { return false }
        throw SystemError("fgetxattr", path: displayPath)
    }

    /// fchownat(2) with AT_SYMLINK_NOFOLLOW on a child: for a symlink, the link itself (lchown).
    package func chown(named name: String, uid: UInt32, gid: UInt32) throws(SystemError) {
        guard Glibc.fchownat(fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw SystemError("fchownat", path: displayPath + "/" + name)
        }
    }

    /// openat(2) with `O_CREAT | O_EXCL | O_NOFOLLOW`, then close: a new empty regular file `name`;
    /// whatever is already there (a file, or a symlink, which is never followed) is left as it is.
    /// Returns false when something was there.
    @discardableResult
    package func createEmptyFile(named name: String, mode: UInt32) throws(SystemError) -> Bool {
        let fd = Glibc.openat(self.fd, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode_t(mode))
        if fd >= 0 {
            Glibc.close(fd)
            return true
        }
        guard errno == EEXIST else { throw SystemError("openat", path: displayPath + "/" + name) }
        return false
    }

    /// mkdirat(2).
    package func makeDirectory(named name: String, mode: UInt32) throws(SystemError) {
        guard Glibc.mkdirat(fd, name, mode_t(mode)) == 0 else {
            throw SystemError("mkdirat", path: displayPath + "/" + name)
        }
    }

    /// symlinkat(2): a new symlink `name` in this directory pointing at `target`.
    package func makeSymlink(named name: String, target: String) throws(SystemError) {
        guard Glibc.symlinkat(target, fd, name) == 0 else {
            throw SystemError("symlinkat", path: displayPath + "/" + name)
        }
    }

    /// readlinkat(2).
    package func readSymlink(named name: String) throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = Glibc.readlinkat(fd, name, &buffer, 4096)
        guard n >= 0 else { throw SystemError("readlinkat", path: displayPath + "/" + name) }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package enum RenameMode: UInt32 {
        /// Fails with EEXIST when something is at the new name: never replaces.
        case noReplace = 1
        /// Swaps the two names atomically.
        case exchange = 2
    }

    /// renameat2(2) inside this directory.
    package func rename(_ from: String, to: String, mode: RenameMode) throws(SystemError) {
        guard chostfs_renameat2(fd, from, fd, to, mode.rawValue) == 0 else {
            throw SystemError("renameat2", path: displayPath + "/" + to)
        }
    }

    /// unlinkat(2) of a name in this directory (only ever a symlink this agent made).
    package func removeSymlink(named name: String) throws(SystemError) {
        guard Glibc.unlinkat(fd, name, 0) == 0 else { throw SystemError("unlinkat", path: displayPath + "/" + name) }
    }
}

extension Descriptor {
    /// `openDirectory(named:)` for a Swift string (a configured path component).
    package func openDirectory(name: String) throws(SystemError) -> Descriptor {
        try Self.withName(name) { (c) throws(SystemError) in try openDirectory(named: c) }
    }

    /// `openDirectory(named:)` for a NUL-terminated name kept from a listing (a walk's pending child).
    package func openDirectory(cName: [CChar]) throws(SystemError) -> Descriptor {
        try cName.withUnsafeBufferPointer { (p) throws(SystemError) -> Descriptor in
            try openDirectory(named: p.baseAddress!)
        }
    }

    /// `stat(named:)` for a Swift string.
    package func stat(name: String) throws(SystemError) -> FileStat {
        try Self.withName(name) { (c) throws(SystemError) in try stat(named: c) }
    }

    /// withCString keeping the typed error (withCString itself rethrows untyped).
    static func withName<T>(_ name: String, _ body: (UnsafePointer<CChar>) throws(SystemError) -> T) throws(SystemError)
        -> T
    {
        var result: Result<T, SystemError> = .failure(SystemError("open", path: name, errno: EINVAL))
        name.withCString { (c: UnsafePointer<CChar>) -> Void in
            do throws(SystemError) {
                result = .success(try body(c))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }
}
