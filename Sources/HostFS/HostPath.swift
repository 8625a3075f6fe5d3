internal import Glibc

/// Calls on trusted host paths (the state directory, the index file): never a path under a volume.
package enum HostPath {
    /// access(2) with F_OK: something is at `path`.
    package static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// access(2) with F_OK failing with ENOENT: nothing is there (not merely hidden from this user).
    package static func isMissing(_ path: String) -> Bool { access(path, F_OK) != 0 && errno == ENOENT }

    /// access(2) with R_OK|W_OK.
    package static func checkReadWrite(_ path: String) throws(SystemError) {
        guard access(path, R_OK | W_OK) == 0 else { throw SystemError("access", path: path) }
    }

    /// access(2) with R_OK|X_OK, with this process's real ids: whether it can list `path` and
    /// reach what is in it; nil when it can, else why not.
    package static func listingRefused(_ path: String) -> SystemError? {
        access(path, R_OK | X_OK) == 0 ? nil : SystemError("access", path: path)
    }

    /// access(2) with W_OK: this process may write `path` (false on a read-only mount, as a
    /// unit's `ProtectSystem=strict` makes /run for it).
    package static func isWritable(_ path: String) -> Bool { access(path, W_OK) == 0 }

    /// mkdir(2); an existing entry is not an error.
    package static func makeDirectory(_ path: String, mode: UInt32) throws(SystemError) {
        guard mkdir(path, mode_t(mode)) == 0 || errno == EEXIST else { throw SystemError("mkdir", path: path) }
    }

    /// open(2) with O_CREAT|O_EXCL, then close(2): an empty file with `mode`; an existing one is kept.
    package static func createEmptyFile(_ path: String, mode: UInt32) throws(SystemError) {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 || errno == EEXIST else { throw SystemError("open", path: path) }
        if fd >= 0 { close(fd) }
    }

    /// rename(2).
    package static func rename(_ from: String, to: String) throws(SystemError) {
        guard Glibc.rename(from, to) == 0 else { throw SystemError("rename", path: from) }
    }

    /// lstat(2): what is at `path` itself (a symlink is not followed); nil when nothing is.
    package static func stat(_ path: String) -> FileStat? {
        var s = Glibc.stat()
        guard lstat(path, &s) == 0 else { return nil }
        return FileStat(s)
    }
}
