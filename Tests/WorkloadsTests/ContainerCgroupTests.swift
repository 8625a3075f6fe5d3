import Testing

@testable import Workloads

/// `/proc/<pid>/cgroup` -> pod UID and container id: exact shapes only (security rule 11).
@Suite struct ContainerCgroupTests {
    static let uid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    static let uid_ = "0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0"
    static let id = String(repeating: "ab12cd34", count: 8)
    static let other = String(repeating: "0123abcd", count: 8)

    func parse(_ text: String) -> ContainerCgroup? { ContainerCgroup.parse(Array(text.utf8)) }

    var container: ContainerCgroup { ContainerCgroup(podUID: Self.uid, containerID: Self.id) }

    @Test func cgroupfsDriverOnV2AndV1() {
        let (uid, id) = (Self.uid, Self.id)
        for text in [
            "0::/kubepods/besteffort/pod\(uid)/\(id)\n",
            "0::/kubepods/burstable/pod\(uid)/\(id)\n",
            "0::/kubepods/pod\(uid)/\(id)\n",  // guaranteed
            "0::/kubepods/pod\(uid)/\(id)",  // no final newline
            // cgroup v1 (hybrid): every controller at the container's path, the unified line elsewhere.
            "12:pids:/kubepods/besteffort/pod\(uid)/\(id)\n11:cpu,cpuacct:/kubepods/besteffort/pod\(uid)/\(id)\n"
                + "4:memory:/kubepods/besteffort/pod\(uid)/\(id)\n1:name=systemd:/kubepods/besteffort/pod\(uid)/\(id)\n0::/\n",
            // Below a prefix of plain names (a node inside a container runtime, a test's cgroup).
            "0::/docker/5d1a/kubepods/pod\(uid)/\(id)\n",
            "9:name=systemd:/sa-test-1f2e/kubepods/besteffort/pod\(uid)/\(id)\n4:memory:/process_api/f9b5\n0::/\n",
        ] {
            #expect(parse(text) == container, "\(text)")
        }
        #expect(
            parse("0::/kubepods/besteffort/pod\(uid)\n") == ContainerCgroup(podUID: uid, containerID: nil),
            "a process in the pod's own cgroup")
        let staticPod = String(repeating: "9f8e7d6c", count: 4)
        #expect(
            parse("0::/kubepods/burstable/pod\(staticPod)/\(id)\n")
                == ContainerCgroup(podUID: staticPod, containerID: id), "a static pod's hash")
    }

    @Test func systemdDriverOnV2AndV1() {
        let (u, id) = (Self.uid_, Self.id)
        for text in [
            "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(u).slice/cri-containerd-\(id).scope\n",
            "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(u).slice/cri-containerd-\(id).scope\n",
            "0::/kubepods.slice/kubepods-pod\(u).slice/cri-containerd-\(id).scope\n",
            "7:memory:/kubepods.slice/kubepods-pod\(u).slice/cri-containerd-\(id).scope\n"
                + "1:name=systemd:/kubepods.slice/kubepods-pod\(u).slice/cri-containerd-\(id).scope\n0::/\n",
        ] {
            #expect(parse(text) == container, "\(text)")
        }
        #expect(
            parse("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(u).slice\n")
                == ContainerCgroup(podUID: Self.uid, containerID: nil))
    }

    @Test func hostileAndForeignLinesNameNothing() {
        let (uid, u, id) = (Self.uid, Self.uid_, Self.id)
        let cases = [
            // Extra slashes.
            "0::/kubepods//besteffort/pod\(uid)/\(id)\n",
            "0::/kubepods/besteffort/pod\(uid)/\(id)/\n",
            "0::/kubepods/besteffort/pod\(uid)//\(id)\n",
            "0:://kubepods/besteffort/pod\(uid)/\(id)\n",
            "0::kubepods/besteffort/pod\(uid)/\(id)\n",
            // Ids that are not 64 lowercase hex digits.
            "0::/kubepods/besteffort/pod\(uid)/\(id.uppercased())\n",
            "0::/kubepods/besteffort/pod\(uid)/\(id.dropLast())g\n",
            "0::/kubepods/besteffort/pod\(uid)/\(id.dropLast())\n",  // 63
            "0::/kubepods/besteffort/pod\(uid)/\(id)a\n",  // 65
            "0::/kubepods.slice/kubepods-pod\(u).slice/cri-containerd-\(id.dropLast()).scope\n",
            "0::/kubepods.slice/kubepods-pod\(u).slice/cri-containerd-\(id)0.scope\n",
            "0::/kubepods.slice/kubepods-pod\(u).slice/cri-containerd-\(id).scope.x\n",
            "0::/kubepods.slice/kubepods-pod\(u).slice/docker-\(id).scope\n",
            "0::/kubepods.slice/kubepods-pod\(u).slice/crio-\(id).scope\n",
            // `..` and `.` anywhere.
            "0::/kubepods/besteffort/pod\(uid)/../\(id)\n",
            "0::/../kubepods/besteffort/pod\(uid)/\(id)\n",
            "0::/./kubepods/pod\(uid)/\(id)\n",
            "0::/kubepods/pod../../etc/x\n",
            // A newline in a cgroup name: the id is cut, or a line is repeated.
            "0::/kubepods/besteffort/pod\(uid)/\(id.prefix(30))\n\(id.dropFirst(30))\n",
            "0::/kubepods/besteffort/pod\(uid)/\(id)\n0::/kubepods/besteffort/pod\(uid)/\(id)\n",
            "0::/sa\n0::/kubepods/besteffort/pod\(uid)/\(id)\n",
            // Lines that disagree.
            "4:memory:/kubepods/besteffort/pod\(uid)/\(id)\n1:name=systemd:/kubepods/besteffort/pod\(uid)/\(Self.other)\n",
            "4:memory:/kubepods/besteffort/pod\(uid)/\(id)\n1:name=systemd:/kubepods/besteffort/pod\(uid)\n",
            // Wrong pod UIDs and classes.
            "0::/kubepods/besteffort/pod\(u)/\(id)\n",
            "0::/kubepods/besteffort/pod\(uid.uppercased())/\(id)\n",
            "0::/kubepods/besteffort/pod\(uid.replacingDash(at: 8))/\(id)\n",
            "0::/kubepods/guaranteed/pod\(uid)/\(id)\n",
            "0::/kubepods/besteffort/burstable/pod\(uid)/\(id)\n",
            "0::/kubepods/besteffort/pod\(uid)/\(id)/extra\n",
            "0::/kubepods.slice/kubepods-pod\(uid).slice/cri-containerd-\(id).scope\n",
            "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-burstable-pod\(u).slice/cri-containerd-\(id).scope\n",
            "0::/kubepods.slice/kubepods-besteffort-pod\(u).slice/cri-containerd-\(id).scope\n",
            "0::/user.slice/pod\(uid)/\(id)\n",
            // Prefixes that are not plain names.
            "0::/a b/kubepods/pod\(uid)/\(id)\n",
            "0::/\u{1b}[2J/kubepods/pod\(uid)/\(id)\n",
            // Not the kernel's line shape.
            "x::/kubepods/pod\(uid)/\(id)\n",
            "0:/kubepods/pod\(uid)/\(id)\n",
            "0:Memory:/kubepods/pod\(uid)/\(id)\n",
            "garbage", "0::/\n", "",
        ]
        for text in cases { #expect(parse(text) == nil, "\(text)") }
    }
}

extension String {
    /// The UUID with the dash at `offset` moved one place on.
    fileprivate func replacingDash(at offset: Int) -> String {
        var chars = Array(self)
        chars.swapAt(offset, offset + 1)
        return String(chars)
    }
}
