internal import Glibc

/// A failed system call: which call, on what, and the errno it returned.
package struct SystemError: Error, CustomStringConvertible, Sendable {
    package let call: String
    package let path: String
    package let errno: Int32

    package init(_ call: String, path: String, errno: Int32 = Glibc.errno) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    package var message: String { String(cString: strerror(errno)) }

    /// The errno by name.
    package var code: Errno { Errno(rawValue: errno) }

    package var description: String { "\(path): \(message) (\(call))" }

    /// ELOOP, ENOTDIR and EXDEV where a directory was expected: something was swapped under us.
    package var looksLikeTampering: Bool { errno == ELOOP || errno == ENOTDIR || errno == EXDEV }

    /// The file went away between listing and opening it: not an error, just a race with the writer.
    package var isVanished: Bool { errno == ENOENT }

    package var isPermission: Bool { errno == EACCES || errno == EPERM }

    /// The file system, or a sandbox around this process, refused the change: read-only
    /// (EROFS, what `ProtectSystem=strict` gives), permission (EACCES, EPERM: an immutable file,
    /// root squashed on NFS, a security module) or no room (ENOSPC, EDQUOT). Nothing is in the way.
    package var isRefusal: Bool { [EROFS, EACCES, EPERM, ENOSPC, EDQUOT].contains(errno) }
}
