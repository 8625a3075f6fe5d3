import Foundation
import Glibc
import HostFS
import Inventory
import TestSupport
import Testing

@testable import Workloads

/// A stopped container's writable layer: remembered in a real index while the container ran,
/// listed as `exited` with its pod while the snapshot still holds tracked files, forgotten when
/// the snapshot is gone. Real overlay mounts held by real processes (EphemeralNode).
@Suite struct ExitedLayerTests {
    static let include = [try! Glob("*.jsonl"), try! Glob("*.log")]

    func scanner(_ node: EphemeralNode) -> EphemeralScanner {
        EphemeralScanner(containerdRoot: node.containerd, include: Self.include, kubeletRoot: node.kubelet)
    }

    @Test func anExitedContainersLayerIsListedWithItsPodUntilItsFilesAreGone() throws {
        let node = try EphemeralNode.running()
        let box = Sandbox()
        let index = try box.inventory()
        let scanner = scanner(node)
        let live = try scanner.scan(remembering: index, now: 100)
        #expect(live.count == 4 && live.allSatisfy { $0.state == .live })
        let remembered = try index.rememberedLayers(snapshots: node.snapshots)
        #expect(remembered.map(\.snapshot) == ["2", "3", "4"])
        #expect(
            remembered.first
                == RememberedLayer(
                    snapshot: "2", containerID: node.idA, podUID: EphemeralNode.podA, pod: "observer-7d9f8b6c5-x2x4q",
                    namespace: "observer-prod", container: "observer", firstSeen: 100, lastLive: 100))

        // The task is deleted, the container is not removed: the overlay is gone, the snapshot stays.
        node.stop(upper: 2)
        let after = try scanner.scan(remembering: index, now: 200)
        let exited = after.filter { $0.snapshot == "2" }
        #expect(
            exited.map(\.containerPath) == ["/app/data/assets/scalp/20260203_09.jsonl", "/app/data/observer.jsonl"])
        for f in exited {
            #expect(f.state == .exited && f.pod == "observer-7d9f8b6c5-x2x4q" && f.namespace == "observer-prod")
            #expect(f.container == "observer" && f.containerID == node.idA && f.rescuedBytes == 0)
        }
        #expect(exited.first?.path == "\(node.snapshots)/2/fs/app/data/assets/scalp/20260203_09.jsonl")
        #expect(after.filter { $0.snapshot != "2" }.allSatisfy { $0.state == .live })
        let kept = try index.rememberedLayers(snapshots: node.snapshots).first
        #expect(kept?.lastLive == 100 && kept?.pod == "observer-7d9f8b6c5-x2x4q", "last seen live at 100")

        // The files are deleted: nothing to list, but the snapshot is still remembered.
        for name in ["assets/scalp/20260203_09.jsonl", "observer.jsonl"] {
            #expect(unlink("\(node.snapshots)/2/fs/app/data/\(name)") == 0)
        }
        #expect(try scanner.scan(remembering: index, now: 300).allSatisfy { $0.snapshot != "2" })
        #expect(try index.rememberedLayers(snapshots: node.snapshots).map(\.snapshot) == ["2", "3", "4"])

        // The container is removed: its snapshot goes, and so does the memory of it.
        #expect(run("/bin/rm", "-rf", "\(node.snapshots)/2") == 0)
        #expect(try scanner.scan(remembering: index, now: 400).count == 2)
        #expect(try index.rememberedLayers(snapshots: node.snapshots).map(\.snapshot) == ["3", "4"])
    }

    @Test func aLiveLayerOfAPodTheKubeletNoLongerNamesKeepsItsRememberedNames() throws {
        let node = try EphemeralNode.running()
        let box = Sandbox()
        let index = try box.inventory()
        // Seen once with its names; the kubelet's directory for pod B is gone while it runs.
        try index.rememberLayers(
            [RememberedLayer(snapshot: "3", podUID: EphemeralNode.podB, pod: "observer-0", namespace: "observer-prod")],
            snapshots: node.snapshots, now: 50)
        let files = try scanner(node).scan(remembering: index, now: 100).filter { $0.snapshot == "3" }
        #expect(files.count == 1)
        #expect(
            files.first?.state == .live && files.first?.pod == "observer-0" && files.first?.namespace == "observer-prod"
        )
        let three = try index.rememberedLayers(snapshots: node.snapshots).first { $0.snapshot == "3" }
        #expect(three?.pod == "observer-0" && three?.lastLive == 100, "a sighting without names keeps them")
    }

    @Test func aLayerMountedOnlyOutsidePodCgroupsIsExitedWithItsRememberedPod() throws {
        let node = try EphemeralNode.running()
        node.write(node.layer(5) + "/app/data/observer.jsonl", "{}\n")
        // The container's process is gone; what still holds the mount (containerd's shim, between
        // the process's exit and the task's deletion) is in no pod cgroup.
        _ = try node.hold(upper: 5, lower: 1)
        let box = Sandbox()
        let index = try box.inventory()
        #expect(try scanner(node).scan(remembering: index, now: 50).allSatisfy { $0.snapshot != "5" })
        try index.rememberLayers(
            [RememberedLayer(snapshot: "5", podUID: EphemeralNode.podA, pod: "observer-0", namespace: "observer-prod")],
            snapshots: node.snapshots, now: 60)
        let files = try scanner(node).scan(remembering: index, now: 100).filter { $0.snapshot == "5" }
        #expect(files.map(\.containerPath) == ["/app/data/observer.jsonl"])
        #expect(files.first?.state == .exited && files.first?.pod == "observer-0")
        let five = try index.rememberedLayers(snapshots: node.snapshots).first { $0.snapshot == "5" }
        #expect(five?.lastLive == 60, "not live: no pod's process has it")
    }

    @Test func aLayerRememberedWithoutAPodIsForgottenNotListed() throws {
        let node = EphemeralNode()
        node.imageLayer(1)
        node.write(node.layer(7) + "/app/leak.jsonl", "{}\n")
        let box = Sandbox()
        let index = try box.inventory()
        // What an older build remembered from a process outside every pod cgroup.
        try index.rememberLayers([RememberedLayer(snapshot: "7")], snapshots: node.snapshots, now: 10)
        #expect(try scanner(node).scan(remembering: index, now: 20).isEmpty)
        #expect(try index.rememberedLayers(snapshots: node.snapshots).isEmpty)
    }

    @Test func rememberedSnapshotsAreOpenedStepByStepAndNeverThroughALink() throws {
        let node = EphemeralNode()
        node.imageLayer(1)
        let outside = node.dir + "/outside"
        node.write(outside + "/fs/leak.jsonl", "{}\n")
        node.write(outside + "/leak.jsonl", "{}\n")
        node.mkdirs(node.snapshots)
        #expect(symlink(outside, node.snapshots + "/9") == 0, "the snapshot directory is a link")
        node.mkdirs(node.snapshots + "/10")
        #expect(symlink(outside, node.snapshots + "/10/fs") == 0, "its fs is a link")
        node.write(node.snapshots + "/11/fs", "a file, not a directory")
        node.write(node.snapshots + "/12/fs/app/ok.jsonl", "{}\n")
        let box = Sandbox()
        let index = try box.inventory()
        let hostile = ["../12", "12/../12", "1e3", "", "9", "10", "11", "12"].map {
            RememberedLayer(snapshot: $0, podUID: EphemeralNode.podB)
        }
        try index.rememberLayers(hostile, snapshots: node.snapshots, now: 10)
        var skipped: [String] = []
        let files = try scanner(node).scan(remembering: index, now: 20) { path, reason in
            skipped.append("\(path): \(reason)")
        }
        #expect(files.map(\.containerPath) == ["/app/ok.jsonl"], "only the real snapshot 12; \(skipped)")
        #expect(files.first?.state == .exited && files.first?.pod == nil)
        #expect(!files.contains { $0.path.contains("leak") })
        let left = Set(try index.rememberedLayers(snapshots: node.snapshots).map(\.snapshot))
        #expect(!left.contains("../12") && !left.contains("12/../12") && !left.contains("1e3") && !left.contains(""))
        #expect(!left.contains("11"), "fs is no directory: gone")
        #expect(left.contains("12"))
    }

    @Test func onlyUpperdirsOfTheExactShapeAreLayers() {
        let prefixes = [Array("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/".utf8)]
        let base = "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/"
        #expect(EphemeralScanner.snapshot(of: Array("\(base)27/fs".utf8), prefixes) == "27")
        for upper in [
            "\(base)27", "\(base)27/fs/app", "\(base)27/work", "\(base)x/fs", "\(base)../fs", "\(base)/27/fs",
            "\(base)27//fs", "\(base)27/fs/", "\(base)2 7/fs", "\(base)-1/fs",
            "\(base)\(String(repeating: "9", count: 20))/fs",
            "/elsewhere/snapshots/27/fs",
        ] {
            #expect(EphemeralScanner.snapshot(of: Array(upper.utf8), prefixes) == nil, "\(upper)")
        }
    }
}
