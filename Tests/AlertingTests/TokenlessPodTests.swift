import Foundation
import TestSupport
import Testing

@testable import Alerting
@testable import PVCResolver
@testable import Workloads

/// A pod without a service-account token has no namespace file in the kubelet's directory: only
/// the runtime's labels tell its namespace. With `k3s crictl` (the built-in default, pointed at a
/// test's fake k3s through the settings), volume-unmounted fires for it; without, it cannot.
@Suite struct TokenlessPodTests {
    @Test func volumeUnmountedFiresForAPodWithoutATokenThroughK3sCrictl() throws {
        let node = EphemeralNode()
        let uid = UUID().uuidString.lowercased()
        let namespace = "obs-\(node.tag)"
        // automountServiceAccountToken: false: etc-hosts and the container directory, no projected volume.
        node.write(
            "\(node.kubelet)/pods/\(uid)/etc-hosts",
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n10.42.0.21\tobserver-0\n")
        node.mkdirs("\(node.kubelet)/pods/\(uid)/containers/observer")
        _ = try node.sleeper(cgroup: "kubepods/besteffort/pod\(uid)/\(node.idA)")
        let k3s = FakeK3s(
            in: node.dir,
            output: FakeK3s.crictl(
                id: node.idA, podUID: uid, pod: "observer-0", namespace: namespace, container: "observer"))

        func inputs(_ source: CRISource) -> AlertCycle.Inputs {
            var finder = ContainerMounts.discover(source) { _ in }
            finder.kubeletRoot = node.kubelet
            // Only this test's pod: other tests run containers of their own on this machine.
            let containers = finder.containers().filter { $0.pod.uid == uid }
            var inputs = AlertCycle.Inputs()
            inputs.clock = true
            inputs.mounts = ([], containers)
            return inputs
        }

        let without = inputs(.k3s(executable: node.dir + "/no-k3s"))
        #expect(
            without.mounts?.containers.map(\.pod) == [PodIdentity(uid: uid, name: "observer-0", container: "observer")])
        let with = inputs(.k3s(executable: k3s.path))
        #expect(with.mounts?.containers.map(\.pod.namespace) == [namespace])
        #expect(with.mounts?.containers.map(\.containerID) == [node.idA])

        let expected = ExpectedVolume(namespace: namespace, pvc: "observer-data-pvc", mount: "/app/data")
        let bench = try AlertBench(AlertSettings(expected: [expected], mountGrace: 120))
        bench.box.volume(namespace, "observer-data-pvc")
        #expect(try bench.scanAndRun(without).isEmpty)
        bench.now += 600
        #expect(try bench.run(without).isEmpty, "no namespace known: no running container of the namespace")

        #expect(try bench.run(with).isEmpty, "the grace period starts")
        bench.now += 120
        let sent = try bench.run(with)
        #expect(sent.map(\.type) == [.volumeUnmounted] && sent.first?.state == .firing)
        #expect(sent.first?.record.subject == "\(namespace)/observer-data-pvc")
    }
}
