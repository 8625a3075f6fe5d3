internal import Glibc

/// The process's user and group ids.
package enum Credentials {
    /// getuid(2).
    package static var userID: UInt32 { getuid() }

    /// geteuid(2).
    package static var effectiveUserID: UInt32 { geteuid() }

    /// setgroups(2), setgid(2), setuid(2): becomes `uid`:`gid` with no supplementary groups, for
    /// good. As root, setgid and setuid set the real, effective and saved ids, so there is no way
    /// back; that is checked (getuid(2), geteuid(2), and a setuid(0) that must fail).
    package static func dropForGood(uid: UInt32, gid: UInt32) throws(SystemError) {
        let what = "\(uid):\(gid)"
        guard setgroups(0, nil) == 0 else { throw SystemError("setgroups", path: what) }
        guard setgid(gid) == 0 else { throw SystemError("setgid", path: what) }
        guard setuid(uid) == 0 else { throw SystemError("setuid", path: what) }
        guard getuid() == uid, geteuid() == uid, getgid() == gid, uid == 0 || setuid(0) != 0 else {
            throw SystemError("setuid", path: what, errno: EPERM)
        }
    }
}

/// This process.
package enum CurrentProcess {
    /// getpid(2).
    package static var id: Int32 { getpid() }

    /// getenv(3): a variable of this process's environment; nil when unset or empty.
    package static func environment(_ name: String) -> String? {
        guard let p = getenv(name), p.pointee != 0 else { return nil }
        return String(cString: p)
    }

    /// getcwd(3): the working directory, or nil when it cannot be named (deleted, too long).
    package static func workingDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// readlink(2) of /proc/self/exe: the path of this executable.
    package static func executablePath() -> String? {
        ProcFS.readLink("/proc/self/exe").map { String(decoding: $0, as: UTF8.self) }
    }

    /// exit(3).
    package static func exit(_ status: Int32) -> Never { Glibc.exit(status) }
}
