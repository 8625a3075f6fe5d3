import Foundation
import Glibc

extension EphemeralNode {
    package static let podA = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    package static let podC = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
    /// In a pod cgroup, but the kubelet has no directory for it: a pod that cannot be named.
    package static let podB = "3c2b1a09-8f7e-4d6c-b5a4-93827160f5e4"

    /// Snapshot 1 is the image layer; 2 (pod A, cgroupfs driver), 3 (pod B, unknown to the kubelet)
    /// and 4 (pod C, systemd driver, two containers) are writable layers of running "containers".
    package static func running() throws -> EphemeralNode {
        let node = EphemeralNode()
        node.imageLayer(1)
        let a = node.layer(2)
        node.write(a + "/app/data/assets/scalp/20260203_09.jsonl", "{\"p\":1}\n{\"p\":2}\n", mtime: 1_770_077_100)
        node.write(a + "/app/data/observer.jsonl", "{}\n{}\n{}\n")
        node.write(a + "/app/x.parquet", "PAR1")
        try check(symlink("/etc/passwd", a + "/app/evil.jsonl") == 0, "symlink failed")
        try check(mkfifo(a + "/app/pipe.jsonl", 0o644) == 0, "mkfifo failed")
        try check(mknod(a + "/app/deleted.jsonl", S_IFCHR, 0) == 0, "an overlay whiteout")
        try check(symlink("/var/log", a + "/app/logs") == 0, "symlink failed")
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
            "\(pods)/\(podA)/etc-hosts",
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n10.42.0.15\tobserver-7d9f8b6c5-x2x4q\n"
        )
        // The kubelet's atomic-writer layout: namespace -> ..data/namespace, ..data -> ..<timestamp>.
        let token = "\(pods)/\(podA)/volumes/kubernetes.io~projected/kube-api-access-abcde"
        node.write(token + "/..2026_02_03_00_00_00.123/namespace", "observer-prod")
        try check(symlink("..2026_02_03_00_00_00.123", token + "/..data") == 0, "symlink failed")
        try check(symlink("..data/namespace", token + "/namespace") == 0, "symlink failed")
        node.mkdirs("\(pods)/\(podA)/containers/observer")
        node.write(
            "\(pods)/\(podC)/etc-hosts",
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n10.42.0.16\tpostgres-0.postgres.db-prod.svc.cluster.local\tpostgres-0\n\n# Entries added by HostAliases.\n10.0.0.1\tfoo.remote\n"
        )
        node.write("\(pods)/\(podC)/volumes/kubernetes.io~projected/kube-api-access-zz9/namespace", "db-prod")
        node.mkdirs("\(pods)/\(podC)/containers/postgres")
        node.mkdirs("\(pods)/\(podC)/containers/init-chown")

        let pidA = try node.hold(upper: 2, lower: 1)
        try node.moveToCgroup(pidA, "kubepods/besteffort/pod\(podA)/\(node.idA)")
        let rootfs = "\(node.dir)/run/3/rootfs"
        let pidB = try node.hold(
            upper: 3, lower: 1,
            extra:
                "mount -t overlay overlay -o 'lowerdir=\(other)/lower,upperdir=\(other)/upper,workdir=\(other)/work' '\(rootfs)/mnt/other'"
        )
        try node.moveToCgroup(pidB, "kubepods/burstable/pod\(podB)/\(node.idB)")
        let pidC = try node.hold(upper: 4, lower: 1)
        let slice = "kubepods-burstable-pod" + String(podC.map { $0 == "-" ? "_" : $0 }) + ".slice"
        try node.moveToCgroup(pidC, "kubepods.slice/kubepods-burstable.slice/\(slice)/cri-containerd-\(node.idC).scope")
        return node
    }

    private static func check(_ ok: Bool, _ what: String) throws {
        guard ok else { throw NodeError(message: "\(what): errno \(errno)") }
    }
}
