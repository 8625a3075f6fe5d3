import Foundation
import TestSupport
import Testing

@testable import PVCResolver
@testable import StorageAgent
@testable import Workloads

/// `kubernetes.crictl_command` unset means `k3s crictl ps -o json` when k3s is installed; doctor
/// says which containers' namespace nobody could tell, and what fixes it.
@Suite struct CRIDefaultConfigTests {
    @Test func anUnsetOrNullCrictlCommandIsTheK3sDefault() throws {
        let k3s = CRISource.k3s(executable: "/usr/local/bin/k3s")
        #expect(Config().criSource == k3s)
        #expect(try Config.parse("kubernetes:\n  crictl_command: null\n", file: "c.yaml").criSource == k3s)
        #expect(try Config.parse("kubernetes:\n  pv_command: null\n", file: "c.yaml").criSource == k3s)
        let set = try Config.parse("kubernetes:\n  crictl_command: crictl ps -o json\n", file: "c.yaml")
        #expect(set.criSource == .command("crictl ps -o json"))
        var moved = Config()
        moved.k3sExecutable = "/opt/test/k3s"
        #expect(moved.criSource == .k3s(executable: "/opt/test/k3s"), "tests point the default elsewhere")
        #expect(CRISource.k3s(executable: "/usr/local/bin/k3s").shown == "/usr/local/bin/k3s crictl ps -o json")
    }

    func doctor(_ box: Sandbox, _ finder: ContainerMounts, source: String? = nil) throws -> Doctor {
        var config = Config()
        config.source = source
        config.k3sExecutable = box.dir + "/k3s"
        return Doctor(
            config: config, resolution: box.resolution(), inventory: try box.inventory(), indexAge: 0, now: 0,
            containerMounts: finder)
    }

    @Test func doctorWarnsForEachPodWhoseNamespaceIsUnknownWithTheFixForWhy() throws {
        let box = Sandbox()
        let uid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
        let id = String(repeating: "ab12cd34", count: 8)
        let unknown = [
            ContainerMounts.Container(
                pid: 4100, pod: PodIdentity(uid: uid, name: "observer-0"), mounts: [], containerID: id),
            ContainerMounts.Container(pid: 4090, pod: PodIdentity(uid: uid), mounts: [], containerID: nil),
        ]
        let known = ContainerMounts.Container(
            pid: 5000, pod: PodIdentity(uid: "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", namespace: "db-prod"), mounts: [])

        let none = try doctor(box, ContainerMounts()).containerNamespaces(unknown + [known])
        #expect(none.count == 1)
        let check = try #require(none.first)
        #expect(check.check == .containerNamespace && check.status == .warn && check.subject == "pod \(uid)")
        #expect(check.detail.contains("2 running containers (ab12cd34ab12, pid 4090)"))
        #expect(check.detail.contains("kubernetes.crictl_command is not set and there is no \(box.dir)/k3s"))
        #expect(check.hint.contains("set kubernetes.crictl_command") && check.hint.contains(Config.defaultPath))

        let failed = ContainerMounts(
            cri: CRIContainers(), criAnswer: .failed(command: "/k3s crictl ps -o json", reason: "exited with status 1"))
        let f = try doctor(box, failed, source: "/etc/sa.yaml").containerNamespaces(unknown)
        #expect(f.first?.detail.contains("'/k3s crictl ps -o json' exited with status 1") == true)
        #expect(
            f.first?.hint
                == "run sudo /k3s crictl ps -o json and fix what it says, or set kubernetes.crictl_command in /etc/sa.yaml"
        )

        let answered = ContainerMounts(
            cri: CRIContainers(), criAnswer: .answered(command: "/k3s crictl ps -o json", containers: 3))
        #expect(
            try doctor(box, answered).containerNamespaces(unknown).first?.detail.contains("does not list it") == true)

        let pass = try doctor(box, ContainerMounts()).containerNamespaces([known])
        #expect(pass.map(\.status) == [.pass] && pass.first?.detail.contains("(1)") == true)
        #expect(try doctor(box, ContainerMounts()).containerNamespaces([]).isEmpty, "no containers: nothing to say")
    }
}
