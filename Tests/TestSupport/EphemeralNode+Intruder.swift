import Foundation
import Glibc

extension EphemeralNode {
    /// An unprivileged user's overlay dressed as a container's writable layer. In a user and mount
    /// namespace of its own (`unshare -Urm`, as user namespaces allow any user on Debian), the user
    /// mounts a tmpfs over the containerd root, makes `<snapshots>/<n>/fs` on it, mounts an overlay
    /// with that upperdir and chroots into it: its mountinfo shows an overlay at `/` whose
    /// `upperdir=` is exactly the node's snapshot `n`, as a container's does. It stays in the cgroup
    /// it was started in, which is no pod's. Returns its pid once the overlay is its root.
    package func intruder(_ user: TestUser, snapshot n: Int) throws -> Int32 {
        let c = containerd
        let s = "\(c)/io.containerd.snapshotter.v1.overlayfs/snapshots/\(n)"
        let script = """
            set -e
            mount -t tmpfs tmpfs '\(c)'
            mkdir -p '\(s)/fs' '\(s)/work' '\(c)/lower/usr' '\(c)/lower/proc' '\(c)/merged'
            for d in bin lib lib64; do ln -s usr/$d '\(c)/lower/'$d; done
            mount -t overlay overlay -o 'lowerdir=\(c)/lower,upperdir=\(s)/fs,workdir=\(s)/work' '\(c)/merged'
            mount --rbind /usr '\(c)/merged/usr'
            exec chroot '\(c)/merged' /bin/sleep 300
            """
        let log = "\(dir)/intruder-\(n).log"
        let p = try launch(
            "/usr/bin/setpriv", user.setpriv + ["/usr/bin/unshare", "-Urm", "/bin/sh", "-c", script], log: log)
        let pid = p.processIdentifier
        let shown = "upperdir=" + s.replacingOccurrences(of: " ", with: "\\040") + "/fs,"
        for _ in 0..<200 {
            if (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == "sleep\n",
                let mounts = try? String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8),
                mounts.split(separator: "\n").contains(where: { $0.contains(" / / ") && $0.contains(shown) })
            {
                return pid
            }
            if !p.isRunning { break }
            usleep(50_000)
        }
        let why = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw NodeError(message: "the intruder's overlay for snapshot \(n) did not come up: \(why)")
    }

    /// The intruder's way into a pod-shaped cgroup: systemd delegates `user@UID.service` to its
    /// user (the directory and its cgroup.procs are the user's), so root puts `pid` in a cgroup
    /// given to `user`, and the user makes `kubepods/besteffort/pod<uid>/<id>` inside it and
    /// moves `pid` there. Returns the pod cgroup's path below the delegated one.
    package func delegatedPodCgroup(_ pid: Int32, _ user: TestUser, podUID: String, containerID: String) throws
        -> String
    {
        let delegated = try moveToCgroup(pid, "user@\(user.uid).service")
        for path in [delegated, delegated + "/cgroup.procs"] { chown(path, user.uid, user.uid) }
        let pod = "kubepods/besteffort/pod\(podUID)/\(containerID)"
        var path = delegated
        for part in pod.split(separator: "/") {
            path += "/" + part
            cgroupDirs.append(path)
        }
        let script = "mkdir -p '\(delegated)/\(pod)' && echo \(pid) > '\(delegated)/\(pod)/cgroup.procs'"
        let log = "\(dir)/delegated.log"
        let p = try launch("/usr/bin/setpriv", user.setpriv + ["/bin/sh", "-c", script], log: log)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let why = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw NodeError(message: "the user could not move into its own pod-shaped cgroup: \(why)")
        }
        return pod
    }
}
