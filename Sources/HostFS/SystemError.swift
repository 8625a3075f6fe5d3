import Glibc

/// A failed system call: which call, on what, and the errno it returned.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let path: String
    public let errno: Int32

    public init(_ call: String, path: String, errno: Int32 = Glibc.errno) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    public var message: String { String(cString: strerror(errno)) }

    public var description: String { "\(path): \(message) (\(call))" }

    /// ELOOP, ENOTDIR and EXDEV where a directory was expected: something was swapped under us.
    public var looksLikeTampering: Bool { errno == ELOOP || errno == ENOTDIR || errno == EXDEV }

    /// The file went away between listing and opening it: not an error, just a race with the writer.
    public var isVanished: Bool { errno == ENOENT }

    public var isPermission: Bool { errno == EACCES || errno == EPERM }
}
