internal import Glibc

extension Descriptor {
    /// Replaces (or creates) the regular file `name` in this directory so that a reader sees the
    /// old contents or the new, never half: writes a temporary `temporary` opened with
    /// openat(2) `O_CREAT|O_EXCL|O_NOFOLLOW` (a leftover or planted file under that name is first
    /// unlinked, never written through), write(2), fsync(2), fchmod(2) to `mode` (the umask may
    /// have narrowed it), then renameat(2) over `name` and fsync(2) of the directory. On failure
    /// the temporary is removed and the error names the step.
    package func replaceFile(
        named name: String, temporary: String, contents: [UInt8], mode: UInt32
    ) throws(SystemError) {
        _ = unlinkat(fd, temporary, 0)
        let file = openat(fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
        guard file >= 0 else { throw SystemError("create \(temporary)", path: displayPath + "/" + name) }
        var done = false
        defer { if !done { _ = unlinkat(fd, temporary, 0) } }
        do {
            defer { close(file) }
            let written = contents.withUnsafeBytes { Output.writeAll(file, $0) }
            if case .failure(let e) = written {
                throw SystemError("write", path: displayPath + "/" + name, errno: e.rawValue)
            }
            guard fsync(file) == 0 else { throw SystemError("fsync", path: displayPath + "/" + name) }
            guard fchmod(file, mode_t(mode)) == 0 else { throw SystemError("fchmod", path: displayPath + "/" + name) }
        }
        guard renameat(fd, temporary, fd, name) == 0 else {
            throw SystemError("rename over \(name)", path: displayPath + "/" + name)
        }
        done = true
        // The rename is durable once the directory is synced; a failure here loses nothing.
        _ = fsync(fd)
    }

    /// openat(2) `O_CREAT|O_EXCL|O_NOFOLLOW` a new file `name`, write(2) `contents`, close it.
    package func createFile(named name: String, contents: [UInt8], mode: UInt32) throws(SystemError) {
        let file = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
        guard file >= 0 else { throw SystemError("openat", path: displayPath + "/" + name) }
        defer { close(file) }
        if case .failure(let e) = contents.withUnsafeBytes({ Output.writeAll(file, $0) }) {
            throw SystemError("write", path: displayPath + "/" + name, errno: e.rawValue)
        }
    }

    /// unlinkat(2) a file this process created in this directory.
    package func removeFile(named name: String) throws(SystemError) {
        guard unlinkat(fd, name, 0) == 0 else { throw SystemError("unlinkat", path: displayPath + "/" + name) }
    }

    /// unlinkat(2) with `AT_REMOVEDIR`: removes the empty directory `name` (never a symlink).
    package func removeDirectory(named name: String) throws(SystemError) {
        guard unlinkat(fd, name, AT_REMOVEDIR) == 0 else {
            throw SystemError("unlinkat", path: displayPath + "/" + name)
        }
    }
}
