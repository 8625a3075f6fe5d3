import Foundation
import Glibc
import HostFS
import PVCResolver
import Testing

@testable import Alerting
@testable import StorageAgent
@testable import Workloads

@Suite struct EphemeralMountInfoTests {
    @Test func parsesAnOverlayLineWithEscapesAndOptionalFields() throws {
        let line =
            #"1234 1200 0:39 / / rw,relatime shared:5 master:1 - overlay overlay rw,lowerdir=/a\054b:/c,upperdir=/var/lib/my\040root/snapshots/12/fs,workdir=/w\134x"#
        let e = try #require(MountInfo.parse(line: Array(line.utf8)))
        #expect(e.mountID == 1234 && e.parentID == 1200 && e.device == "0:39")
        #expect(e.mountPoint == Array("/".utf8) && e.root == Array("/".utf8))
        #expect(e.optionalFields == ["shared:5", "master:1"])
        #expect(e.fsType == "overlay" && !e.readOnly)
        #expect(e.superOption("upperdir") == Array("/var/lib/my root/snapshots/12/fs".utf8))
        #expect(e.superOption("lowerdir") == Array("/a,b:/c".utf8))
        #expect(e.superOption("workdir") == Array(#"/w\x"#.utf8))
        #expect(e.superOption("upper") == nil)
    }

    @Test func unescapesTabNewlineAndKeepsOddBackslashes() {
        #expect(MountInfo.unescape(Array(#"/a\011b\012c\040d"#.utf8)) == Array("/a\tb\nc d".utf8))
        #expect(MountInfo.unescape(Array(#"/a\9x\04"#.utf8)) == Array(#"/a\9x\04"#.utf8))
    }

    @Test func malformedLinesAreSkipped() {
        let text = "garbage\n36 35 98:0 /mnt1 /mnt2 ro,noatime - ext3 /dev/root rw\n1 2 3 4 5 6 7 8 9 10\n"
        let entries = MountInfo.parse(Array(text.utf8))
        #expect(entries.count == 1)
        #expect(entries.first?.readOnly == true)
        #expect(entries.first?.root == Array("/mnt1".utf8))
    }
}

@Suite struct EphemeralPodIdentityTests {
    let uid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

    @Test func podUIDFromBothCgroupDrivers() {
        let systemd =
            "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-ab12.scope\n"
        let guaranteed =
            "0::/kubepods.slice/kubepods-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-ab.scope\n"
        let cgroupfs = "12:memory:/x\n9:name=systemd:/kubepods/besteffort/pod\(uid)/ab12cd\n"
        let nested = "0::/docker/abc/kubepods/pod\(uid)/ab12cd\n"
        for text in [systemd, guaranteed, cgroupfs, nested] {
            #expect(PodIdentity.podUID(cgroup: Array(text.utf8)) == uid, "\(text)")
        }
        for text in ["0::/user.slice/pod\(uid)\n", "0::/kubepods/pod../../etc/x\n", "0::/\n", "garbage"] {
            #expect(PodIdentity.podUID(cgroup: Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test func podNameIsTheLastNonLocalLineBeforeHostAliases() {
        let managed = """
            # Kubernetes-managed hosts file.
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::0\tip6-localnet
            fe00::1\tip6-allnodes
            10.42.0.16\tpostgres-0.postgres.db-prod.svc.cluster.local\tpostgres-0

            # Entries added by HostAliases.
            10.0.0.1\tfoo.remote\tbar.remote
            """
        #expect(PodIdentity.podName(etcHosts: Array(managed.utf8)) == "postgres-0")
        let hostNetwork = "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n10.0.0.5 node-1\n"
        #expect(PodIdentity.podName(etcHosts: Array(hostNetwork.utf8)) == nil)
        let onlyLocal = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
        #expect(PodIdentity.podName(etcHosts: Array(onlyLocal.utf8)) == nil)
        let hostile = "# Kubernetes-managed hosts file.\n10.42.0.9\tEvil\u{1b}[2J\n"
        #expect(PodIdentity.podName(etcHosts: Array(hostile.utf8)) == nil)
    }
}

/// A node under a temporary directory: containerd snapshots, a kubelet pod directory, and real
/// overlay mounts held by processes in private mount namespaces, chrooted into them as a
/// container's process is, some in real pod cgroups. Everything is undone in deinit, by PID.
final class EphemeralNode {
    let dir: String
    var containerd: String { dir + "/containerd" }
    var snapshots: String { containerd + "/io.containerd.snapshotter.v1.overlayfs/snapshots" }
    var kubelet: String { dir + "/kubelet" }
    private var holders: [Process] = []
    private var cgroupDirs: [String] = []
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)

    init() {
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
        let rm = Process()
        rm.executableURL = URL(fileURLWithPath: "/bin/rm")
        rm.arguments = ["-rf", dir]
        try? rm.run()
        rm.waitUntilExit()
    }

    func layer(_ n: Int) -> String {
        let fs = "\(snapshots)/\(n)/fs"
        mkdirs(fs)
        mkdirs("\(snapshots)/\(n)/work")
        return fs
    }

    func mkdirs(_ path: String) {
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ path: String, _ text: String, mtime: Int? = nil) {
        mkdirs((path as NSString).deletingLastPathComponent)
        try! text.write(toFile: path, atomically: false, encoding: .utf8)
        if let mtime {
            let t = [timespec(tv_sec: mtime, tv_nsec: 0), timespec(tv_sec: mtime, tv_nsec: 0)]
            utimensat(AT_FDCWD, path, t, 0)
        }
    }

    /// An image layer with what a chroot needs from the host (/usr is bind-mounted over it).
    func imageLayer(_ n: Int) {
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
    func hold(upper: Int, lower: Int, extra: String = "") throws -> Int32 {
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
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["--mount", "--propagation", "private", "sh", "-c", script]
        let log = "\(dir)/holder-\(upper).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        p.standardError = FileHandle(forWritingAtPath: log)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        holders.append(p)
        let pid = p.processIdentifier
        for _ in 0..<200 {
            if (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == "sleep\n" { return pid }
            if !p.isRunning { break }
            usleep(50_000)
        }
        let why = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw NodeError(message: "overlay holder for snapshot \(upper) did not start: \(why)")
    }

    /// Creates `relative` (slash-separated) in the first writable cgroup hierarchy and moves `pid` there.
    func moveToCgroup(_ pid: Int32, _ relative: String) throws {
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
                return
            } catch {
                continue
            }
        }
        throw NodeError(message: "no writable cgroup hierarchy to put pid \(pid) in")
    }

    var configPath: String {
        let path = dir + "/config.yaml"
        write(path, "ephemeral:\n  containerd_root: \"\(containerd)\"\n")
        return path
    }

    func agent(_ arguments: [String], config: String? = nil) -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["--config", config ?? configPath, "--db", dir + "/state/inventory.db"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["STORAGE_AGENT_KUBELET_ROOT"] = kubelet
        p.environment = env
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try! p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    struct NodeError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

@Suite struct EphemeralTests {
    static let keys: Set<String> = [
        "path", "container_path", "size", "mtime", "snapshot", "pod", "namespace", "container",
    ]
    static let podA = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    static let podC = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
    static let cid = String(repeating: "ab12cd34", count: 8)

    /// Snapshot 1 is the image layer; 2 (pod A, cgroupfs driver), 3 (no pod) and 4 (pod C, systemd
    /// driver, two containers) are writable layers of running "containers".
    func makeNode() throws -> EphemeralNode {
        let node = EphemeralNode()
        node.imageLayer(1)
        let a = node.layer(2)
        node.write(a + "/app/data/assets/scalp/20260203_09.jsonl", "{\"p\":1}\n{\"p\":2}\n", mtime: 1_770_077_100)
        node.write(a + "/app/data/observer.jsonl", "{}\n{}\n{}\n")
        node.write(a + "/app/x.parquet", "PAR1")
        #expect(symlink("/etc/passwd", a + "/app/evil.jsonl") == 0)
        #expect(mkfifo(a + "/app/pipe.jsonl", 0o644) == 0)
        #expect(mknod(a + "/app/deleted.jsonl", S_IFCHR, 0) == 0, "an overlay whiteout")
        #expect(symlink("/var/log", a + "/app/logs") == 0)
        let b = node.layer(3)
        node.write(b + "/app/data/observer.jsonl", "{}\n")
        let c = node.layer(4)
        node.write(c + "/var/log/app.log", "x\n")
        // An overlay whose upperdir is outside containerd's snapshots: not a container layer.
        let other = node.dir + "/elsewhere"
        node.write(other + "/upper/leak.jsonl", "{}\n")
        node.mkdirs(other + "/lower")
        node.mkdirs(other + "/work")

        let pods = node.kubelet + "/pods"
        node.write(
            "\(pods)/\(Self.podA)/etc-hosts",
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n10.42.0.15\tobserver-7d9f8b6c5-x2x4q\n"
        )
        // The kubelet's atomic-writer layout: namespace -> ..data/namespace, ..data -> ..<timestamp>.
        let token = "\(pods)/\(Self.podA)/volumes/kubernetes.io~projected/kube-api-access-abcde"
        node.write(token + "/..2026_02_03_00_00_00.123/namespace", "observer-prod")
        #expect(symlink("..2026_02_03_00_00_00.123", token + "/..data") == 0)
        #expect(symlink("..data/namespace", token + "/namespace") == 0)
        node.mkdirs("\(pods)/\(Self.podA)/containers/observer")
        node.write(
            "\(pods)/\(Self.podC)/etc-hosts",
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n10.42.0.16\tpostgres-0.postgres.db-prod.svc.cluster.local\tpostgres-0\n\n# Entries added by HostAliases.\n10.0.0.1\tfoo.remote\n"
        )
        node.write("\(pods)/\(Self.podC)/volumes/kubernetes.io~projected/kube-api-access-zz9/namespace", "db-prod")
        node.mkdirs("\(pods)/\(Self.podC)/containers/postgres")
        node.mkdirs("\(pods)/\(Self.podC)/containers/init-chown")

        let pidA = try node.hold(upper: 2, lower: 1)
        try node.moveToCgroup(pidA, "kubepods/besteffort/pod\(Self.podA)/\(Self.cid)")
        let rootfs = "\(node.dir)/run/3/rootfs"
        _ = try node.hold(
            upper: 3, lower: 1,
            extra:
                "mount -t overlay overlay -o 'lowerdir=\(other)/lower,upperdir=\(other)/upper,workdir=\(other)/work' '\(rootfs)/mnt/other'"
        )
        let pidC = try node.hold(upper: 4, lower: 1)
        let slice = "kubepods-burstable-pod" + String(Self.podC.map { $0 == "-" ? "_" : $0 }) + ".slice"
        try node.moveToCgroup(pidC, "kubepods.slice/kubepods-burstable.slice/\(slice)/cri-containerd-\(Self.cid).scope")
        return node
    }

    @Test func realOverlayMountsGiveWritableLayersAndTheirPods() throws {
        let node = try makeNode()
        var config = Config()
        config.containerdRoot = node.containerd + "/"
        let scanner = EphemeralScanner(
            containerdRoot: config.containerdRoot, include: config.include, kubeletRoot: node.kubelet)
        let layers = scanner.writableLayers().sorted { $0.snapshot < $1.snapshot }
        #expect(layers.map(\.snapshot) == ["2", "3", "4"], "the image layer (lowerdir only) is no writable layer")
        #expect(layers.first?.upperdir == Array("\(node.snapshots)/2/fs".utf8), "unescaped from \\040")
        #expect(layers.first?.pod?.uid == Self.podA)
        #expect(layers.count == 3 && layers[1].pod == nil && layers[1].pid != nil)

        var skipped: [String] = []
        let files = scanner.scan { path, reason in skipped.append("\(path): \(reason)") }
        #expect(skipped.isEmpty)
        let s = node.snapshots
        #expect(
            files.map(\.path) == [
                "\(s)/2/fs/app/data/assets/scalp/20260203_09.jsonl", "\(s)/2/fs/app/data/observer.jsonl",
                "\(s)/3/fs/app/data/observer.jsonl", "\(s)/4/fs/var/log/app.log",
            ])
        #expect(
            files.first
                == EphemeralFile(
                    pathBytes: Array("\(s)/2/fs/app/data/assets/scalp/20260203_09.jsonl".utf8),
                    containerPathBytes: Array("/app/data/assets/scalp/20260203_09.jsonl".utf8), size: 16,
                    mtimeNs: 1_770_077_100_000_000_000, snapshot: "2", pod: "observer-7d9f8b6c5-x2x4q",
                    namespace: "observer-prod", container: "observer"))
        let db = try #require(files.last)
        #expect(db.pod == "postgres-0" && db.namespace == "db-prod" && db.container == nil)
    }

    @Test func commandPrintsTheContractJSONAndATable() throws {
        let node = try makeNode()
        let r = node.agent(["ephemeral", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let rows = r.json
        #expect(rows.count == 4)
        for row in rows { #expect(Set(row.keys) == Self.keys) }
        let s = node.snapshots
        let scalp = try #require(rows.first)
        #expect(scalp["path"] as? String == "\(s)/2/fs/app/data/assets/scalp/20260203_09.jsonl")
        #expect(scalp["container_path"] as? String == "/app/data/assets/scalp/20260203_09.jsonl")
        #expect(scalp["size"] as? Int == 16)
        #expect(scalp["mtime"] as? String == "2026-02-03T00:05:00Z")
        #expect(scalp["snapshot"] as? String == "2")
        #expect(scalp["pod"] as? String == "observer-7d9f8b6c5-x2x4q")
        #expect(scalp["namespace"] as? String == "observer-prod")
        #expect(scalp["container"] as? String == "observer")
        let unknown = rows[2]
        #expect(unknown["path"] as? String == "\(s)/3/fs/app/data/observer.jsonl")
        #expect(unknown["container_path"] as? String == "/app/data/observer.jsonl")
        #expect(unknown["size"] as? Int == 3)
        for key in ["pod", "namespace", "container"] { #expect(unknown[key] is NSNull, "\(key)") }
        #expect(rows[3]["container"] is NSNull)
        #expect(rows[3]["pod"] as? String == "postgres-0")
        for absent in [
            "seed.jsonl", "dpkg.log", "evil.jsonl", "pipe.jsonl", "deleted.jsonl", "x.parquet", "leak.jsonl",
        ] {
            #expect(!r.stdout.contains(absent), "\(absent)")
        }

        let table = node.agent(["ephemeral"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 1 + 4 + 1)
        #expect(
            lines.first?.split(separator: " ").map(String.init) == [
                "PATH", "CONTAINER-PATH", "SIZE", "MODIFIED", "POD", "NAMESPACE",
            ])
        #expect(lines.last == "4 files, 30B at risk in 3 writable layers")
        #expect(lines[3].split(separator: " ").suffix(2) == ["-", "-"])
    }

    @Test func nothingLiveIsExitOneAfterAnEmptyAnswer() {
        let node = EphemeralNode()
        node.imageLayer(1)
        _ = node.layer(2)
        let json = node.agent(["ephemeral", "--json"])
        #expect(json.status == 1)
        #expect(json.stdout == "[]\n")
        let table = node.agent(["ephemeral"])
        #expect(table.status == 1)
        #expect(table.stdout.hasSuffix("\n0 files, 0B at risk in 0 writable layers\n"))
        #expect(table.stderr.split(separator: "\n").count == 1)
    }

    @Test func aNodeWithoutContainerdSaysSoAndExitsOne() {
        let node = EphemeralNode()
        let r = node.agent(["ephemeral"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("storage-agent: no containerd snapshots under \(node.containerd);"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }
}
