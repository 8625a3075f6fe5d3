import Foundation
import Glibc

/// A real user made with `useradd` (no home, no login shell) and removed with `userdel` in deinit.
package final class TestUser {
    package let name: String
    package let uid: UInt32

    package init() throws {
        name = "sa-t" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        // useradd refuses while another one holds /etc/passwd's lock: tests run side by side.
        for _ in 0..<50 {
            if spawnAndWait(["/usr/sbin/useradd", "-M", "-s", "/usr/sbin/nologin", name]) == 0 { break }
            usleep(100_000)
        }
        guard let entry = getpwnam(name) else { throw EphemeralNode.NodeError(message: "useradd \(name) failed") }
        uid = entry.pointee.pw_uid
    }

    deinit {
        for _ in 0..<50 {
            if spawnAndWait(["/usr/sbin/userdel", "-f", name]) == 0 { return }
            usleep(100_000)
        }
    }

    /// `/usr/bin/setpriv` arguments that run what follows as this user, with no groups.
    package var setpriv: [String] { ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups"] }
}
