internal import CHostFS
internal import Glibc

/// What a copied file becomes: its owner, mode and modification time.
package struct CopyTarget: Sendable {
    /// fchown(2) on the new descriptor; nil keeps the copier's own ids.
    package var owner: Owner?
    /// Permission bits (setuid, setgid and sticky are never given).
    package var mode: UInt32
    package var mtimeNs: Int64

    package init(owner: Owner?, mode: UInt32, mtimeNs: Int64) {
        self.owner = owner
        self.mode = mode & 0o777
        self.mtimeNs = mtimeNs
    }
}

/// Copying a regular file into a directory by descriptor (design.md security rules 1, 4, 10).
extension Descriptor {
    /// Copies `source` (a regular file opened by descriptor, `size` bytes as fstat'ed) into this
    /// directory as `name` (NUL-terminated), never replacing anything there:
    ///
    /// - the new file has no name while it is written: openat(2) `O_TMPFILE` (or, where the file
    ///   system has none, a temporary name created `O_CREAT|O_EXCL|O_NOFOLLOW`);
    /// - only data extents are read and written (SEEK_DATA/SEEK_HOLE): holes stay holes;
    /// - then fchown(2) to `target.owner`, fchmod(2), futimens(2) with the source's mtime, fsync(2);
    /// - it is read back and its digest compared with the digest of what was read;
    /// - then it gets its name: linkat(2) of the descriptor (or renameat2(2) `RENAME_NOREPLACE`
    ///   of the temporary), which fails with EEXIST rather than replace. A crash or a failure at
    ///   any step leaves nothing under `name`.
    ///
    /// Returns the source's digest. Throws `SystemError` naming the step; EEXIST when `name` was taken.
    package func copyFile(
        from source: borrowing OpenFile, size: Int64, to name: [CChar], target: CopyTarget, buffer: LineCountBuffer,
        sourcePath: String
    ) throws(SystemError) -> ContentDigest {
        let path = name.withUnsafeBufferPointer { child($0.baseAddress!) }
        let extents = try FileExtents(fd: source.fd, size: size, path: sourcePath)
        var temporary: [CChar]?
        var out = chostfs_open_tmpfile(fd, 0o600)
        if out < 0 {
            guard [EOPNOTSUPP, EISDIR, EINVAL].contains(errno) else { throw SystemError("open O_TMPFILE", path: path) }
            let made = Self.temporaryName()
            out = made.withUnsafeBufferPointer {
                openat(fd, $0.baseAddress!, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            }
            guard out >= 0 else { throw SystemError("create a temporary file", path: path) }
            temporary = made
        }
        var named = false
        defer {
            close(out)
            if let temporary, !named { temporary.withUnsafeBufferPointer { _ = unlinkat(fd, $0.baseAddress!, 0) } }
        }
        let read = try extents.pump(source.fd, buffer: buffer, copy: out, path: sourcePath, copyPath: path)
        guard ftruncate(out, off_t(size)) == 0 else { throw SystemError("ftruncate", path: path) }
        if let owner = target.owner {
            guard chostfs_fchown_fd(out, owner.uid, owner.gid) == 0 else { throw SystemError("fchown", path: path) }
        }
        guard fchmod(out, mode_t(target.mode)) == 0 else { throw SystemError("fchmod", path: path) }
        let seconds =
            target.mtimeNs >= 0 ? target.mtimeNs / 1_000_000_000 : (target.mtimeNs - 999_999_999) / 1_000_000_000
        let nanoseconds = target.mtimeNs - seconds * 1_000_000_000
        guard chostfs_futimens_mtime(out, seconds, Int(nanoseconds)) == 0 else {
            throw SystemError("futimens", path: path)
        }
        guard fsync(out) == 0 else { throw SystemError("fsync", path: path) }
        // Read back what landed: the same extents in the sparse case (its holes were never
        // written), its own extents otherwise (the plain digest does not depend on them).
        let check = read.sparse ? extents : try FileExtents(fd: out, size: size, path: path)
        let written = try check.pump(out, buffer: buffer, path: path)
        guard written == read else {
            throw SystemError("verify (the copy differs from what was read)", path: path, errno: EIO)
        }
        let linked = name.withUnsafeBufferPointer { (n) -> Int32 in
            guard let temporary else { return chostfs_link_fd(out, fd, n.baseAddress!) }
            return temporary.withUnsafeBufferPointer { t in
                chostfs_renameat2(fd, t.baseAddress!, fd, n.baseAddress!, 1)
            }
        }
        guard linked == 0 else { throw SystemError(temporary == nil ? "linkat" : "renameat2", path: path) }
        named = true
        // The name is durable once the directory is synced; a failure here loses nothing.
        _ = fsync(fd)
        return read
    }

    /// renameat2(2) `RENAME_NOREPLACE` of `name` here to `newName` in `directory`: fails with
    /// EEXIST rather than replace, EXDEV across file systems.
    package func moveNoReplace(_ name: [CChar], to directory: Descriptor, as newName: [CChar]) throws(SystemError) {
        let rc = name.withUnsafeBufferPointer { from in
            newName.withUnsafeBufferPointer { to in
                chostfs_renameat2(fd, from.baseAddress!, directory.fd, to.baseAddress!, 1)
            }
        }
        guard rc == 0 else {
            throw SystemError("renameat2", path: newName.withUnsafeBufferPointer { directory.child($0.baseAddress!) })
        }
    }

    /// openat(2) a child for reading as `openFile(named:)` does (`O_NOFOLLOW|O_NONBLOCK`), and with
    /// `O_NOATIME` where this process may (its owner, or CAP_FOWNER): reading leaves no trace.
    package func openFileQuietly(_ name: [CChar]) throws(SystemError) -> OpenFile {
        let flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC
        let opened = name.withUnsafeBufferPointer { n in
            let quiet = openat(fd, n.baseAddress!, flags | chostfs_o_noatime())
            return quiet >= 0 || errno != EPERM ? quiet : openat(fd, n.baseAddress!, flags)
        }
        guard opened >= 0 else {
            throw SystemError("openat", path: name.withUnsafeBufferPointer { child($0.baseAddress!) })
        }
        return OpenFile(fd: opened)
    }

    /// openat(2) a child directory as `openDirectory(named:)` does (never through a symlink), with
    /// `O_NOATIME` where this process may: listing it leaves its access time alone. `"."`
    /// reopens this directory.
    package func openDirectoryQuietly(_ name: [CChar]) throws(SystemError) -> Descriptor {
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        let opened = name.withUnsafeBufferPointer { n in
            let quiet = openat(fd, n.baseAddress!, flags | chostfs_o_noatime())
            return quiet >= 0 || errno != EPERM ? quiet : openat(fd, n.baseAddress!, flags)
        }
        let path = name.withUnsafeBufferPointer { child($0.baseAddress!) }
        guard opened >= 0 else { throw SystemError("openat", path: path) }
        return Descriptor(adopting: opened, displayPath: name == [0x2E, 0] ? displayPath : path)
    }

    /// mkdirat(2) of a raw (NUL-terminated) name.
    package func makeDirectory(_ name: [CChar], mode: UInt32) throws(SystemError) {
        let rc = name.withUnsafeBufferPointer { mkdirat(fd, $0.baseAddress!, mode_t(mode)) }
        guard rc == 0 else {
            throw SystemError("mkdirat", path: name.withUnsafeBufferPointer { child($0.baseAddress!) })
        }
    }

    /// `stat(named:)` for a raw (NUL-terminated) name.
    package func stat(_ name: [CChar]) throws(SystemError) -> FileStat {
        try name.withUnsafeBufferPointer { (n) throws(SystemError) -> FileStat in try stat(named: n.baseAddress!) }
    }

    /// `openPath(named:)` for a raw (NUL-terminated) name.
    package func openPath(_ name: [CChar]) throws(SystemError) -> Descriptor {
        try name.withUnsafeBufferPointer { (n) throws(SystemError) -> Descriptor in try openPath(named: n.baseAddress!)
        }
    }

    /// fchmod(2) of this directory's descriptor.
    package func setMode(_ mode: UInt32) throws(SystemError) {
        guard fchmod(fd, mode_t(mode)) == 0 else { throw SystemError("fchmod", path: displayPath) }
    }

    /// A name for a temporary file no tenant can guess in advance: `.storage-agent-copy.<pid>.<n>`.
    static func temporaryName() -> [CChar] {
        let random = UInt64.random(in: .min ... .max)
        return Array(".storage-agent-copy.\(getpid()).\(String(random, radix: 36))".utf8CString)
    }
}

extension OpenFile {
    /// fchownat(2) with AT_EMPTY_PATH: the owner of exactly this open file.
    package func changeOwner(uid: UInt32, gid: UInt32) throws(SystemError) {
        guard chostfs_fchown_fd(fd, uid, gid) == 0 else { throw SystemError("fchownat", path: "fd \(fd)") }
    }

    /// fchmod(2) of exactly this open file.
    package func setMode(_ mode: UInt32) throws(SystemError) {
        guard fchmod(fd, mode_t(mode)) == 0 else { throw SystemError("fchmod", path: "fd \(fd)") }
    }
}
