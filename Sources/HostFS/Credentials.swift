internal import Glibc

/// The process's user and group ids.
package enum Credentials {
    /// getuid(2).
    package static var userID: UInt32 { getuid() }

    /// geteuid(2).
    package static var effectiveUserID: UInt32 { geteuid() }

    /// setgroups(2), setgid(2), setuid(2): becomes `uid`:`gid` with exactly `groups` as its
    /// supplementary groups (none by default), for good. As root, setgid and setuid set the real,
    /// effective and saved ids, so there is no way back; that is checked (getuid(2), geteuid(2),
    /// getgroups(2), and a setuid(0) that must fail).
    package static func dropForGood(uid: UInt32, gid: UInt32, groups: [UInt32] = []) throws(SystemError) {
        let what = "\(uid):\(gid)"
        let list = groups.map { gid_t($0) }
        guard list.withUnsafeBufferPointer({ setgroups($0.count, $0.baseAddress) }) == 0 else {
            throw SystemError("setgroups", path: what)
        }
        guard setgid(gid) == 0 else { throw SystemError("setgid", path: what) }
        guard setuid(uid) == 0 else { throw SystemError("setuid", path: what) }
        var now = [gid_t](repeating: 0, count: max(1, list.count) + 1)
        let n = getgroups(Int32(now.count), &now)
        guard getuid() == uid, geteuid() == uid, getgid() == gid, n >= 0, Set(now.prefix(Int(n))) == Set(list),
            uid == 0 || setuid(0) != 0
        else {
            throw SystemError("setuid", path: what, errno: EPERM)
        }
    }

    /// The primary group and every group of `uid`, as a login gives them (getpwuid_r(3),
    /// getgrouplist(3)); nil when the system has no user with that id.
    package static func loginGroups(ofUser uid: UInt32) -> (primary: UInt32, all: [UInt32])? {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 << 10)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &found) == 0, found != nil, let name = entry.pw_name
        else { return nil }
        let primary = UInt32(entry.pw_gid)
        var count: Int32 = 64
        while true {
            var list = [gid_t](repeating: 0, count: Int(count))
            let asked = count
            if getgrouplist(name, entry.pw_gid, &list, &count) >= 0 {
                return (primary, Array(Set(list.prefix(Int(count)).map { UInt32($0) } + [primary])).sorted())
            }
            // Too small: count now says how many there are.
            guard count > asked, count <= 65_536 else { return (primary, [primary]) }
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
