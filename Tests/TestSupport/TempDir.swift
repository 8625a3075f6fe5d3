import Glibc
import HostFS

/// A fresh directory under /tmp, made with mkdtemp(3); `remove()` deletes it with `removeTree`,
/// which never follows symlinks, so a link planted by a test can never lead the cleanup out.
package final class TempDir {
    package let path: String

    package init(_ label: String = "sa-test") throws {
        var template = Array("/tmp/\(label).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw SystemError("mkdtemp", path: "/tmp") }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package func sub(_ name: String) -> String { path + "/" + name }

    package func remove() { removeTree(path) }
}

/// Removes a tree under /tmp: unmounts anything mounted inside it (deepest first), gives the
/// owner back the permissions a test took away, then `rm -rf`, which never follows symlinks.
package func removeTree(_ path: String) {
    precondition(path.hasPrefix("/tmp/") && path.count > 5, "refusing to remove \(path)")
    let script = """
        awk -v p="$1" '$2 == p || index($2, p "/") == 1 { print $2 }' /proc/self/mounts | sort -r |
            xargs -r -n1 umount -l 2>/dev/null
        chmod -R u+rwx -- "$1" 2>/dev/null
        rm -rf -- "$1"
        """
    spawnAndWait(["/bin/sh", "-c", script, "sh", path])
}

/// Runs a program through posix_spawn(3) with this process's environment and waits for it;
/// returns its exit status (-1 when it could not be started or was killed).
@discardableResult
package func spawnAndWait(_ arguments: [String]) -> Int32 {
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid = pid_t()
    guard posix_spawn(&pid, arguments[0], nil, nil, &argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
}

/// Runs a program (an absolute path, then its arguments) and returns its exit status.
@discardableResult
package func run(_ arguments: String...) -> Int32 { spawnAndWait(arguments) }
