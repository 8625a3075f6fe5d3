import Foundation
import Glibc

/// A node under a temporary directory: containerd snapshots, a kubelet pod directory, and real
/// overlay mounts held by processes in private mount namespaces, chrooted into them as a
/// container's process is, some in real pod cgroups. Everything is undone in deinit, by PID.
package final class EphemeralNode {
    package let dir: String
    package var containerd: String { dir + "/containerd" }
    package var snapshots: String { containerd + "/io.containerd.snapshotter.v1.overlayfs/snapshots" }
    package var kubelet: String { dir + "/kubelet" }
    private var holders: [Process] = []
    /// The process holding each writable layer's overlay (its "container"), by snapshot number.
    package private(set) var holderPIDs: [Int: Int32] = [:]
    var cgroupDirs: [String] = []
    package let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    /// Container ids of this node's "containers": 64 hex digits, unique as containerd's are (tests
    /// run side by side, and every node's processes are in the one /proc).
    package let idA = EphemeralNode.randomContainerID()
    package let idB = EphemeralNode.randomContainerID()
    package let idC = EphemeralNode.randomContainerID()

    package static func randomContainerID() -> String {
        (0..<4).map { _ in
            let hex = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    package init() {
        // A space in every path: the kernel shows it as \040 in mountinfo.
        var template = Array("/tmp/sa-eph XXXXXX".utf8CString)
        dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        chmod(dir, 0o755)
    }

    deinit {
        for p in holders where p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        for d in cgroupDirs.reversed() { rmdir(d) }
        removeTree(dir)
    }

    package func layer(_ n: Int) -> String {
        let fs = "\(snapshots)/\(n)/fs"
        mkdirs(fs)
        mkdirs("\(snapshots)/\(n)/work")
        return fs
    }

    package func mkdirs(_ path: String) {
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    package func write(_ path: String, _ text: String, mtime: Int? = nil) {
        mkdirs((path as NSString).deletingLastPathComponent)
        try! text.write(toFile: path, atomically: false, encoding: .utf8)
        if let mtime {
            let t = [timespec(tv_sec: mtime, tv_nsec: 0), timespec(tv_sec: mtime, tv_nsec: 0)]
            utimensat(AT_FDCWD, path, t, 0)
        }
    }

    /// An image layer with what a chroot needs from the host (/usr is bind-mounted over it).
    package func imageLayer(_ n: Int) {
        let fs = layer(n)
        for d in ["usr", "mnt/other", "proc"] { mkdirs(fs + "/" + d) }
        for (name, target) in [("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64")] {
            symlink(target, fs + "/" + name)
        }
        write(fs + "/var/log/dpkg.log", "installed\n")
        write(fs + "/app/seed.jsonl", "{}\n")
    }

    /// Mounts overlay `lower` + `upper` (a snapshot number) in a new mount namespace, runs
    /// `extra` there, and chroots into it: the process then has the overlay at "/".
    package func hold(upper: Int, lower: Int, extra: String = "") throws -> Int32 {
        let merged = "\(dir)/run/\(upper)/rootfs"
        mkdirs(merged)
        let options =
            "lowerdir=\(snapshots)/\(lower)/fs,upperdir=\(snapshots)/\(upper)/fs,workdir=\(snapshots)/\(upper)/work"
        let script = """
            set -e
            mount -t overlay overlay -o '\(options)' '\(merged)'
            mount --bind /usr '\(merged)/usr'
            \(extra)
            exec chroot '\(merged)' /bin/sleep 300
            """
        let log = "\(dir)/holder-\(upper).log"
        let p = try launch("/usr/bin/unshare", ["--mount", "--propagation", "private", "sh", "-c", script], log: log)
        let pid = p.processIdentifier
        for _ in 0..<200 {
            if (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == "sleep\n" {
                holderPIDs[upper] = pid
                return pid
            }
            if !p.isRunning { break }
            usleep(50_000)
        }
        let why = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw NodeError(message: "overlay holder for snapshot \(upper) did not start: \(why)")
    }

    /// Starts a process of this node (killed in deinit), its stderr in `log`.
    func launch(_ executable: String, _ arguments: [String], log: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        p.standardError = FileHandle(forWritingAtPath: log)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        holders.append(p)
        return p
    }

    /// The container holding snapshot `upper` exits, as when containerd deletes its task: the process
    /// dies with its mount namespace, so the overlay is unmounted and the snapshot stays.
    package func stop(upper: Int) {
        guard let pid = holderPIDs.removeValue(forKey: upper), pid > 1,
            let p = holders.first(where: { $0.processIdentifier == pid }), p.isRunning
        else { return }
        kill(pid, SIGKILL)
        p.waitUntilExit()
    }

    /// A process of a container without a layer of its own: `sleep` in a private mount namespace,
    /// moved to `cgroup` (relative, as for `moveToCgroup`).
    package func sleeper(cgroup: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["--mount", "--propagation", "private", "/bin/sleep", "300"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        holders.append(p)
        let pid = p.processIdentifier
        for _ in 0..<200 {
            if (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == "sleep\n" { break }
            usleep(50_000)
        }
        try moveToCgroup(pid, cgroup)
        return pid
    }

    /// Creates `relative` (slash-separated) in the first writable cgroup hierarchy and moves `pid`
    /// there; returns the cgroup's directory.
    @discardableResult
    package func moveToCgroup(_ pid: Int32, _ relative: String) throws -> String {
        for hierarchy in ["/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"] {
            var path = "\(hierarchy)/sa-test-\(tag)"
            guard access(hierarchy + "/cgroup.procs", W_OK) == 0 else { continue }
            var made: [String] = []
            var ok = true
            for part in [""] + relative.split(separator: "/").map({ "/" + $0 }) {
                path += part
                if mkdir(path, 0o755) == 0 {
                    made.append(path)
                } else if errno != EEXIST {
                    ok = false
                    break
                }
            }
            cgroupDirs += made
            guard ok, let f = FileHandle(forWritingAtPath: path + "/cgroup.procs") else { continue }
            defer { try? f.close() }
            do {
                try f.write(contentsOf: Data("\(pid)\n".utf8))
                return path
            } catch {
                continue
            }
        }
        throw NodeError(message: "no writable cgroup hierarchy to put pid \(pid) in")
    }

    package var configPath: String {
        let path = dir + "/config.yaml"
        write(path, "ephemeral:\n  containerd_root: \"\(containerd)\"\n")
        return path
    }

    package func agent(_ arguments: [String], config: String? = nil) -> CLIResult {
        var env = ProcessInfo.processInfo.environment
        env["STORAGE_AGENT_KUBELET_ROOT"] = kubelet
        return CLI.run(
            ["--config", config ?? configPath, "--db", dir + "/state/inventory.db"] + arguments, environment: env)
    }

    package struct NodeError: Error, CustomStringConvertible {
        package let message: String

        package init(message: String) { self.message = message }

        package var description: String { message }
    }
}
