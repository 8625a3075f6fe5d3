import HostFS
import PVCResolver
import TestSupport
import Testing

@testable import Workloads

/// Real overlay mounts held by processes chrooted into them, as containerd's containers are.
@Suite struct WritableLayerTests {
    static let include = [try! Glob("*.jsonl"), try! Glob("*.log")]

    @Test func realOverlayMountsGiveWritableLayersAndTheirPods() throws {
        let node = try EphemeralNode.running()
        let include = [try Glob("*.jsonl"), try Glob("*.log")]
        let scanner = EphemeralScanner(
            containerdRoot: node.containerd + "/", include: include, kubeletRoot: node.kubelet)
        let layers = scanner.writableLayers().sorted { $0.snapshot < $1.snapshot }
        #expect(layers.map(\.snapshot) == ["2", "3", "4"], "the image layer (lowerdir only) is no writable layer")
        #expect(layers.first?.upperdir == Array("\(node.snapshots)/2/fs".utf8), "unescaped from \\040")
        #expect(layers.first?.pod?.uid == EphemeralNode.podA)
        #expect(layers.count == 3 && layers[1].pid == node.holderPIDs[3])
        #expect(layers.count == 3 && layers[1].pod == PodIdentity(uid: EphemeralNode.podB), "in a pod cgroup, unnamed")

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
                    namespace: "observer-prod", container: "observer", containerID: node.idA))
        let db = try #require(files.last)
        #expect(db.pod == "postgres-0" && db.namespace == "db-prod" && db.container == nil)
    }

    @Test func anUnprivilegedUsersOverlayShapedLikeASnapshotIsNoLayer() throws {
        let node = try EphemeralNode.running()
        let user = try TestUser()
        // Snapshot 1 is the node's image layer: its files are no container's writes.
        let intruder = try node.intruder(user, snapshot: 1)
        let scanner = EphemeralScanner(
            containerdRoot: node.containerd, include: Self.include, kubeletRoot: node.kubelet)
        let layers = scanner.writableLayers()
        #expect(layers.map(\.snapshot).sorted() == ["2", "3", "4"])
        #expect(!layers.contains { $0.pid == intruder })
        let files = scanner.scan()
        #expect(
            !files.contains { $0.snapshot == "1" || $0.path.hasSuffix("seed.jsonl") || $0.path.hasSuffix("dpkg.log") })
        #expect(files.count == 4)
        let box = Sandbox()
        let index = try box.inventory()
        #expect(try scanner.scan(remembering: index, now: 10).allSatisfy { $0.snapshot != "1" })
        #expect(try index.rememberedLayers(snapshots: node.snapshots).map(\.snapshot) == ["2", "3", "4"])
        withExtendedLifetime(user) {}
    }

    /// The same intruder, in a pod-shaped cgroup it made itself inside a cgroup subtree systemd
    /// delegated to it (`user@UID.service`): the shape is right, the directories are the user's.
    @Test func aPodShapedCgroupInASubtreeDelegatedToAUserIsNoPod() throws {
        let node = try EphemeralNode.running()
        let user = try TestUser()
        let intruder = try node.intruder(user, snapshot: 1)
        let pod = try node.delegatedPodCgroup(
            intruder, user, podUID: "5e5e5e5e-1111-4222-8333-444455556666",
            containerID: EphemeralNode.randomContainerID())
        let cgroup = try String(contentsOfFile: "/proc/\(intruder)/cgroup", encoding: .utf8)
        #expect(cgroup.contains(pod), "the intruder is in its pod-shaped cgroup")
        #expect(ContainerCgroup.parse(Array(cgroup.utf8)) != nil, "and its shape alone would pass")
        let scanner = EphemeralScanner(
            containerdRoot: node.containerd, include: Self.include, kubeletRoot: node.kubelet)
        #expect(scanner.writableLayers().map(\.snapshot).sorted() == ["2", "3", "4"])
        #expect(!scanner.scan().contains { $0.snapshot == "1" })
        withExtendedLifetime(user) {}
    }
}
