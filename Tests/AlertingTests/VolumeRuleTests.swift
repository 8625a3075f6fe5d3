import Glibc
import Inventory
import PVCResolver
import TestSupport
import Testing

@testable import Alerting

/// volume-missing, volume-recreated, orphan-volume, storage-root-unavailable and emptyDir
/// ephemeral-writes, on volumes a real scan put in the index.
@Suite struct VolumeRuleTests {
    static let expected = ExpectedVolume(namespace: "observer-prod", pvc: "observer-data-pvc")

    @Test func anExpectedVolumeWithoutADirectoryFiresOnceAndResolvesWhenItAppears() throws {
        let bench = try AlertBench(AlertSettings(expected: [Self.expected]))
        let first = try bench.scanAndRun()
        #expect(first.map(\.type) == [.volumeMissing])
        #expect(first.first?.state == .firing)
        #expect(first.first?.record.subject == "observer-prod/observer-data-pvc")
        #expect(first.first?.record.priority == 3)
        #expect(try bench.scanAndRun().isEmpty, "no re-fire while firing")

        bench.box.volume("observer-prod", "observer-data-pvc")
        let recovered = try bench.scanAndRun()
        #expect(recovered.map(\.state) == [.resolved])
        #expect(recovered.first?.type == .volumeMissing)
        #expect(try bench.scanAndRun().isEmpty)
        let stored = try bench.stored(.volumeMissing)
        #expect(stored.count == 1 && stored.first?.state == .resolved && stored.first?.resolvedAt == bench.now)
    }

    @Test func aRecreatedClaimWithFilesInTheOldDirectoryFiresWithWhatIsStranded() throws {
        let bench = try AlertBench()
        let old = bench.box.volume("ns", "data", uid: "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9")
        bench.box.write(old + "/scalp/20260203_09.jsonl", "{}\n{}\n")
        bench.box.write(old + "/observer.jsonl", "{}\n")
        sleepPastASecond()  // the new directory is born later, whatever birth time the file system keeps
        let new = bench.box.volume("ns", "data", uid: "0b5c7f9e-1111-4222-8333-444455556666")
        bench.box.write(new + "/observer.jsonl", "{}\n")

        let sent = try bench.scanAndRun()
        #expect(sent.map(\.type) == [.volumeRecreated])
        let r = try #require(sent.first?.record)
        #expect(r.subject == "ns/data" && r.path == old && r.priority == 4)
        #expect(r.number("FILES") == 2 && r.number("BYTES") == 9)
        #expect(r.message.contains(new), "names the current directory")
        #expect(try bench.firing(.volumeRecreated).count == 1)
    }

    @Test func aDirectoryNoPersistentVolumeClaimsIsAnOrphanOnlyWhenItHoldsFiles() throws {
        let bench = try AlertBench()
        let full = bench.box.volume("ns", "full", uid: "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9")
        bench.box.volume("ns", "empty", uid: "0b5c7f9e-1111-4222-8333-444455556666")
        bench.box.write(full + "/a.log", "x\n")
        bench.persistentVolumes = []

        let sent = try bench.scanAndRun()
        #expect(sent.map(\.type) == [.orphanVolume])
        #expect(sent.first?.record.subject == full && sent.first?.record.priority == 5)
        #expect(sent.first?.number("FILES") == 1 && sent.first?.number("BYTES") == 2)

        bench.persistentVolumes = [
            PersistentVolume(
                name: "pvc-f1e2d3c4", path: full, claimNamespace: "ns", claimName: "full", capacity: nil,
                createdNs: nil, node: nil)
        ]
        let claimed = try bench.scanAndRun()
        #expect(claimed.map(\.state) == [.resolved] && claimed.first?.type == .orphanVolume)
        #expect(try bench.firing(.orphanVolume).isEmpty)
    }

    @Test func anUnreadableStorageRootFiresAndResolvesWhenItCanBeRead() throws {
        let box = Sandbox(label: "sa-alerting-roots")
        let absent = box.dir + "/absent"
        let bench = try AlertBench(AlertSettings(storageRoots: [box.root, absent]))
        bench.extraRoots = [absent]
        let sent = try bench.scanAndRun()
        #expect(sent.map(\.type) == [.storageRootUnavailable])
        #expect(sent.first?.record.subject == absent && sent.first?.record.priority == 3)

        try makeDirectory(absent)
        #expect(try bench.scanAndRun().map(\.state) == [.resolved])
        #expect(try bench.stored(.storageRootUnavailable).map(\.state) == [.resolved])
    }

    @Test func trackedFilesInAnEmptyDirFireAndResolveWhenTheyAreGone() throws {
        let bench = try AlertBench()
        let cache = bench.box.dir + "/pods/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/volumes/kubernetes.io~empty-dir/cache"
        bench.box.write(cache + "/scalp/20260203_09.jsonl", "{}\n")
        bench.kubelet = [KubeletVolume(path: cache, namespace: "observer-prod", pvc: nil, pv: nil, ephemeral: true)]

        let sent = try bench.scanAndRun()
        #expect(sent.map(\.type) == [.ephemeralWrites])
        let r = try #require(sent.first?.record)
        #expect(r.subject == cache && r.path == cache && r.namespace == "observer-prod")
        #expect(r.number("FILES") == 1 && r.number("BYTES") == 3)

        #expect(unlink(cache + "/scalp/20260203_09.jsonl") == 0)
        let gone = try bench.scanAndRun()
        #expect(gone.filter { $0.type == .ephemeralWrites }.map(\.state) == [.resolved], "no layer inputs needed")
        #expect(gone.filter { $0.type == .fileVanished }.count == 1, "the deletion is news of its own")
        #expect(try bench.firing(.ephemeralWrites).isEmpty)
    }
}
