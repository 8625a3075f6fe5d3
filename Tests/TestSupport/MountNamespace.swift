import Foundation
import Glibc

/// A private mount namespace held open by a child (`unshare --mount`), with a tmpfs of its own on
/// /run: volumes can be bind-mounted at their exposure (`/run/storage-agent/exposed/<name>`,
/// nosuid,nodev, as the unit's mount units do) and commands run inside it through nsenter,
/// while the machine's own /run stays untouched. The holder is ended, by its PID, when this goes.
package final class MountNamespace {
    private let holder = Process()
    package var pid: Int32 { holder.processIdentifier }

    package init() {
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        holder.arguments = [
            "--mount", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs -o mode=0755 tmpfs /run && echo ready && exec sleep 3600",
        ]
        let out = Pipe()
        holder.standardOutput = out
        try! holder.run()
        let said = out.fileHandleForReading.availableData
        precondition(String(decoding: said, as: UTF8.self) == "ready\n", "the mount namespace did not start")
    }

    deinit {
        if holder.isRunning {
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
        }
    }

    /// `nsenter` into this namespace, then `arguments`.
    package func command(_ arguments: [String]) -> [String] {
        ["/usr/bin/nsenter", "-t", String(pid), "-m", "--"] + arguments
    }

    /// Runs a shell script inside; its exit status.
    @discardableResult
    package func sh(_ script: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        p.arguments = ["-t", String(pid), "-m", "--", "sh", "-ec", script]
        try! p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// `source` bind-mounted nosuid,nodev at /run/storage-agent/exposed/`name` (replacing what
    /// was mounted there).
    @discardableResult
    package func expose(_ name: String, _ source: String) -> Int32 {
        let at = "/run/storage-agent/exposed/\(name)"
        return sh(
            "mkdir -p '\(at)'; while mountpoint -q '\(at)'; do umount '\(at)'; done; "
                + "mount --bind '\(source)' '\(at)'; mount -o remount,bind,nosuid,nodev '\(at)'")
    }
}
