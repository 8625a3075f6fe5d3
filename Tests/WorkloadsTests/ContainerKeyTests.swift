import Foundation
import Glibc
import HostFS
import Inventory
import TestSupport
import Testing

@testable import PVCResolver
@testable import Workloads

/// Containers are keyed by the container id in their cgroup path, so a container with several
/// processes is one container even where `/proc/<pid>/ns/mnt` cannot be read (the packaged unit
/// has no ptrace access to container processes). The /proc here is a real tree laid out as the
/// kernel shows it to such an agent: `cgroup` and `mountinfo` readable, no `ns/mnt` link.
@Suite struct ContainerKeyTests {
    static let podA = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    static let podB = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
    static let idA = String(repeating: "ab12cd34", count: 8)
    static let idB = String(repeating: "0123abcd", count: 8)

    final class FakeProc {
        let box = Sandbox(label: "sa-proc")
        var proc: String { box.dir + "/proc" }

        func process(_ pid: Int32, cgroup: String, mountinfo: String = "", namespace: String? = nil) {
            box.write("\(proc)/\(pid)/cgroup", cgroup)
            box.write("\(proc)/\(pid)/mountinfo", mountinfo)
            if let namespace { symlink(namespace, "\(proc)/\(pid)/ns/mnt".withDirectory()) }
        }
    }

    @Test func aContainerWithManyProcessesIsOneContainerWithoutNamespaceLinks() throws {
        let node = FakeProc()
        let volume = node.box.volume("observer-prod", "observer-data-pvc")
        let inventory = try node.box.inventory()
        _ = try node.box.scan(inventory)
        let volumes = try inventory.volumes()
        // The agent's own view: the volume lives on device 8:1 mounted at /.
        node.process(
            CurrentProcess.id, cgroup: "0::/system.slice/storage-agent.service\n",
            mountinfo: "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n")
        let bind = "8:1 \(volume) /app/data rw,relatime - ext4 /dev/sda1 rw\n"
        let a = "0::/kubepods/besteffort/pod\(Self.podA)/\(Self.idA)\n"
        for pid: Int32 in [4101, 4100, 4102] { node.process(pid, cgroup: a, mountinfo: "600 500 \(bind)") }
        let u = Self.podB.replacingOccurrences(of: "-", with: "_")
        let b = "1:name=systemd:/kubepods.slice/kubepods-pod\(u).slice/cri-containerd-\(Self.idB).scope\n0::/\n"
        for pid: Int32 in [5200, 5201] {
            node.process(pid, cgroup: b, mountinfo: "700 600 \(bind)".replacingOccurrences(of: " rw,", with: " ro,"))
        }
        // Processes in a pod's own cgroup: by namespace when the link is readable, else by pid.
        let podLevel = "0::/kubepods/besteffort/pod\(Self.podA)\n"
        node.process(6300, cgroup: podLevel)
        node.process(6301, cgroup: podLevel)
        node.process(6400, cgroup: podLevel, namespace: "mnt:[4026532999]")
        node.process(6401, cgroup: podLevel, namespace: "mnt:[4026532999]")
        // Not containers: a host process and a cgroup of a foreign shape.
        node.process(7500, cgroup: "0::/user.slice/user-0.slice/session-1.scope\n", mountinfo: "800 700 \(bind)")
        node.process(
            7600, cgroup: "0::/kubepods/besteffort/pod\(Self.podA)/\(Self.idA.dropLast())\n",
            mountinfo: "900 800 \(bind)")

        var cri = CRIContainers()
        cri.byID[Self.idA] = .init(
            podUID: Self.podA, pod: "observer-0", namespace: "observer-prod", container: "observer")
        cri.byPodUID[Self.podA] = .init(
            podUID: Self.podA, pod: "observer-0", namespace: "observer-prod", container: nil)
        var finder = ContainerMounts(cri: cri)
        finder.procRoot = node.proc
        finder.kubeletRoot = node.box.dir + "/kubelet"
        let containers = finder.containers()
        #expect(containers.map(\.pid) == [4100, 5200, 6300, 6301, 6400])
        #expect(containers.map(\.containerID) == [Self.idA, Self.idB, nil, nil, nil])
        #expect(
            containers[0].pod
                == PodIdentity(uid: Self.podA, name: "observer-0", namespace: "observer-prod", container: "observer"))
        #expect(
            containers[1].pod == PodIdentity(uid: Self.podB), "crictl does not know it, nor does the kubelet directory")
        #expect(
            containers[2].pod.namespace == "observer-prod" && containers[2].pod.container == nil, "the pod's sandbox")

        let mounts = finder.scan(volumes: volumes, containers: containers)
        #expect(mounts.map(\.pid) == [4100, 5200], "one row per container, not per process")
        #expect(mounts.map(\.readOnly) == [false, true])
        #expect(mounts.allSatisfy { $0.volumePath == volume && $0.containerPath == "/app/data" })
        // `pvc list` MOUNTS: distinct containers mounting the volume.
        #expect(Set(mounts.map(\.pid)).count == 2)
    }
}

extension String {
    /// This path, after making its parent directory.
    fileprivate func withDirectory() -> String {
        let parent = String(self[..<lastIndex(of: "/")!])
        mkdir(parent, 0o755)
        return self
    }
}
