import Glibc
import Inventory
import TestSupport
import Testing

@testable import Alerting
@testable import PVCResolver
@testable import Workloads

/// ephemeral-writes in containers' writable layers, and volume-unmounted with its grace period.
@Suite struct WorkloadRuleTests {
    static let podUID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

    static func layerFile(_ snapshot: String, _ containerPath: String, size: Int64) -> EphemeralFile {
        EphemeralFile(
            pathBytes: Array("/var/lib/containerd/snapshots/\(snapshot)/fs\(containerPath)".utf8),
            containerPathBytes: Array(containerPath.utf8), size: size, mtimeNs: 0, snapshot: snapshot,
            pod: "observer-0", namespace: "observer-prod", container: "observer")
    }

    @Test func filesInAWritableLayerAreOneAlertPerLayer() throws {
        let bench = try AlertBench()
        var inputs = AlertCycle.Inputs()
        inputs.layers = [
            Self.layerFile("2", "/app/data/a.jsonl", size: 10), Self.layerFile("2", "/app/data/b.jsonl", size: 5),
            Self.layerFile("7", "/var/log/app.log", size: 1),
        ]
        let sent = try bench.run(inputs)
        #expect(sent.count == 2 && sent.allSatisfy { $0.type == .ephemeralWrites && $0.state == .firing })
        let two = try #require(sent.first { $0.record.subject == "2" }?.record)
        #expect(two.path == nil && two.filePath == "/app/data" && two.priority == 3)
        #expect(two.number("FILES") == 2 && two.number("BYTES") == 15)
        #expect(two.message.contains("pod observer-prod/observer-0"))
        #expect(try bench.firing(.ephemeralWrites).map(\.subject) == ["2", "7"])
    }

    @Test func aLayerStaysFiringWhenItsContainerExitsUntilItsFilesAreGone() throws {
        let bench = try AlertBench()
        var inputs = AlertCycle.Inputs()
        inputs.layers = [Self.layerFile("2", "/app/data/a.jsonl", size: 10)]
        #expect(try bench.run(inputs).map(\.state) == [.firing])
        var exited = Self.layerFile("2", "/app/data/a.jsonl", size: 10)
        exited.state = .exited
        inputs.layers = [exited]
        bench.now += 60
        #expect(try bench.run(inputs).isEmpty, "the same incident: no second entry")
        let record = try #require(try bench.firing(.ephemeralWrites).first)
        #expect(record.subject == "2")
        #expect(record.message.contains("exited container of pod observer-prod/observer-0"))
        #expect(record.message.contains("when the container is removed"))
        inputs.layers = []
        #expect(try bench.run(inputs).map(\.state) == [.resolved], "the snapshot is gone")
    }

    @Test func aLayerAlertDoesNotResolveOnACycleWithoutLayerInputs() throws {
        let bench = try AlertBench()
        var inputs = AlertCycle.Inputs()
        inputs.layers = [Self.layerFile("2", "/app/data/a.jsonl", size: 10)]
        try bench.run(inputs)
        #expect(try bench.run().isEmpty, "layers were not looked at")
        #expect(try bench.firing(.ephemeralWrites).map(\.subject) == ["2"])

        inputs.layers = []
        let sent = try bench.run(inputs)
        #expect(sent.map(\.state) == [.resolved] && sent.first?.record.subject == "2")
        #expect(try bench.firing(.ephemeralWrites).isEmpty)
    }

    @Test func anEmptyDirAlertResolvesOnACycleWithoutLayerInputsWhileALayerAlertStays() throws {
        let bench = try AlertBench()
        let cache = bench.box.dir + "/pods/\(Self.podUID)/volumes/kubernetes.io~empty-dir/cache"
        bench.box.write(cache + "/observer.jsonl", "{}\n")
        bench.kubelet = [KubeletVolume(path: cache, namespace: "observer-prod", pvc: nil, pv: nil, ephemeral: true)]
        var inputs = AlertCycle.Inputs()
        inputs.layers = [Self.layerFile("2", "/app/data/a.jsonl", size: 10)]
        #expect(try bench.scanAndRun(inputs).count == 2)

        #expect(unlink(cache + "/observer.jsonl") == 0)
        let sent = try bench.scanAndRun().filter { $0.type == .ephemeralWrites }
        #expect(sent.map(\.state) == [.resolved])
        #expect(sent.first?.record.subject == cache)
        #expect(try bench.firing(.ephemeralWrites).map(\.subject) == ["2"])
    }

    static func mountInputs(mounted: Bool, volumePath: String) -> AlertCycle.Inputs {
        var inputs = AlertCycle.Inputs()
        inputs.clock = true
        let pod = PodIdentity(uid: podUID, name: "observer-0", namespace: "observer-prod", container: "observer")
        let mount = ContainerMount(
            namespace: "observer-prod", pvc: "observer-data-pvc", volumePath: volumePath, containerPath: "/app/data",
            podUID: podUID, pod: "observer-0", podNamespace: "observer-prod", container: "observer", pid: 4242,
            readOnly: false)
        inputs.mounts = (mounted ? [mount] : [], [ContainerMounts.Container(pid: 4242, pod: pod, mounts: [])])
        return inputs
    }

    @Test func aMissingMountFiresOnlyAfterTheGracePeriodAndResolvesWhenMounted() throws {
        let expected = ExpectedVolume(namespace: "observer-prod", pvc: "observer-data-pvc", mount: "/app/data")
        let bench = try AlertBench(AlertSettings(expected: [expected], mountGrace: 120))
        let data = bench.box.volume("observer-prod", "observer-data-pvc")
        let missing = Self.mountInputs(mounted: false, volumePath: data)
        #expect(try bench.scanAndRun(missing).isEmpty, "a rollout is not an incident")
        bench.now += 119
        #expect(try bench.run(missing).isEmpty)
        bench.now += 1
        let sent = try bench.run(missing)
        #expect(sent.map(\.type) == [.volumeUnmounted])
        #expect(sent.first?.record.subject == "observer-prod/observer-data-pvc")
        #expect(sent.first?.number("AGE_SECONDS") == 120)
        #expect(try bench.run(missing).isEmpty, "no re-fire while firing")

        bench.now += 60
        #expect(try bench.run(AlertCycle.Inputs()).isEmpty, "a cycle without the clock does not decide mounts")
        let mounted = try bench.run(Self.mountInputs(mounted: true, volumePath: data))
        #expect(mounted.map(\.state) == [.resolved] && mounted.first?.type == .volumeUnmounted)
        #expect(try bench.firing(.volumeUnmounted).isEmpty)
    }

    @Test func theGracePeriodStartsAgainAfterTheMountCameBack() throws {
        let expected = ExpectedVolume(namespace: "observer-prod", pvc: "observer-data-pvc", mount: "/app/data")
        let bench = try AlertBench(AlertSettings(expected: [expected], mountGrace: 120))
        let data = bench.box.volume("observer-prod", "observer-data-pvc")
        let missing = Self.mountInputs(mounted: false, volumePath: data)
        try bench.scanAndRun(missing)
        bench.now += 100
        try bench.run(Self.mountInputs(mounted: true, volumePath: data))
        bench.now += 100
        #expect(try bench.run(missing).isEmpty, "missing again for 0s, not 200s")
        bench.now += 120
        #expect(try bench.run(missing).map(\.type) == [.volumeUnmounted])
    }
}
