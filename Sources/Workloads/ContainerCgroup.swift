/// Where a process sits among the kubelet's cgroups, read from `/proc/<pid>/cgroup`: its pod's
/// UID and, for a container's process, the container id.
///
/// The file is text a hostile process may have shaped, so only exact shapes are accepted
/// (security rule 11). Every line must be `<hierarchy id>:<controllers>:<path>` with a hierarchy
/// id seen once (cgroup v1 lines and the v2 `0::` line alike); a line whose path has one of the
/// shapes below names the pod, every other line is ignored, and lines that name different pods
/// or containers make the whole file say nothing. The shapes, below an optional prefix of plain
/// names (a node inside a container runtime, a test's own cgroup):
///
/// - cgroupfs driver: `/kubepods/<besteffort|burstable>/pod<uid>/<id>` and
///   `/kubepods/pod<uid>/<id>` (guaranteed), or the pod alone without `/<id>`;
/// - systemd driver: `/kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_>.slice/cri-containerd-<id>.scope`
///   and `/kubepods.slice/kubepods-pod<uid_>.slice/cri-containerd-<id>.scope`, or the pod's slice alone,
///   where `<uid_>` is the UID with `_` for `-`.
///
/// `<uid>` is a lowercase UUID or the 32 hex digits of a static pod; `<id>` is 64 lowercase hex digits.
package struct ContainerCgroup: Sendable, Equatable, Hashable {
    package var podUID: String
    /// nil for a process in the pod's own cgroup (not in one of its containers).
    package var containerID: String?

    package init(podUID: String, containerID: String?) {
        self.podUID = podUID
        self.containerID = containerID
    }

    /// The pod and container of a `/proc/<pid>/cgroup` file, or nil when it names none (or is
    /// not of the kernel's shape).
    package static func parse(_ text: [UInt8]) -> ContainerCgroup? {
        var lines = text.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var hierarchies = Set<[UInt8]>()
        var found: ContainerCgroup?
        for line in lines {
            let parts = line.split(separator: 0x3A, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, isHierarchyID(parts[0]), isControllerList(parts[1]),
                hierarchies.insert(Array(parts[0])).inserted
            else { return nil }
            guard let here = path(parts[2]) else { continue }
            if let found, found != here { return nil }
            found = here
        }
        return found
    }

    /// The pod and container of one cgroup path, when it has one of the shapes.
    package static func path<C: Collection<UInt8>>(_ path: C) -> ContainerCgroup? {
        guard path.first == 0x2F else { return nil }
        let segments = path.dropFirst().split(separator: 0x2F, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        guard segments.allSatisfy(isPlainName) else { return nil }
        for length in 2...4 where segments.count >= length {
            let tail = Array(segments.suffix(length))
            guard let found = cgroupfs(tail) ?? systemd(tail) else { continue }
            return found
        }
        return nil
    }

    static let qualityClasses: Set<String> = ["besteffort", "burstable"]

    /// `kubepods[/<qos>]/pod<uid>[/<id>]`.
    static func cgroupfs(_ tail: [String]) -> ContainerCgroup? {
        guard tail[0] == "kubepods" else { return nil }
        var rest = tail.dropFirst()
        if let qos = rest.first, qualityClasses.contains(qos) { rest = rest.dropFirst() }
        guard let pod = rest.first, pod.hasPrefix("pod"), isPodUID(pod.dropFirst(3)) else { return nil }
        rest = rest.dropFirst()
        switch rest.count {
        case 0: return ContainerCgroup(podUID: String(pod.dropFirst(3)), containerID: nil)
        case 1 where isContainerID(rest.first!):
            return ContainerCgroup(podUID: String(pod.dropFirst(3)), containerID: rest.first!)
        default: return nil
        }
    }

    /// `kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid_>.slice[/cri-containerd-<id>.scope]`.
    static func systemd(_ tail: [String]) -> ContainerCgroup? {
        guard tail[0] == "kubepods.slice" else { return nil }
        var rest = tail.dropFirst()
        var podPrefix = "kubepods-pod"
        if let slice = rest.first, slice.hasPrefix("kubepods-"), slice.hasSuffix(".slice"),
            qualityClasses.contains(String(slice.dropFirst(9).dropLast(6)))
        {
            podPrefix = "kubepods-\(slice.dropFirst(9).dropLast(6))-pod"
            rest = rest.dropFirst()
        }
        guard let pod = rest.first, pod.hasPrefix(podPrefix), pod.hasSuffix(".slice") else { return nil }
        let escaped = pod.dropFirst(podPrefix.count).dropLast(6)
        guard !escaped.contains("-") else { return nil }
        let uid = String(escaped.map { $0 == "_" ? "-" : $0 })
        guard isPodUID(uid[...]) else { return nil }
        rest = rest.dropFirst()
        switch rest.count {
        case 0: return ContainerCgroup(podUID: uid, containerID: nil)
        case 1:
            let scope = rest.first!
            guard scope.hasPrefix("cri-containerd-"), scope.hasSuffix(".scope") else { return nil }
            let id = String(scope.dropFirst(15).dropLast(6))
            return isContainerID(id) ? ContainerCgroup(podUID: uid, containerID: id) : nil
        default: return nil
        }
    }

    /// A cgroup v1 hierarchy number, or 0 for v2.
    static func isHierarchyID<C: Collection<UInt8>>(_ field: C) -> Bool {
        !field.isEmpty && field.count <= 10 && field.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// `cpu,cpuacct`, `name=systemd`, or empty (v2).
    static func isControllerList<C: Collection<UInt8>>(_ field: C) -> Bool {
        field.allSatisfy {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || [0x5F, 0x2C, 0x3D].contains($0)
        }
    }

    /// A segment of a cgroup path: not empty, not `.` or `..`, printable ASCII without spaces.
    static func isPlainName(_ s: String) -> Bool {
        !s.isEmpty && s != "." && s != ".." && s.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// A lowercase UUID (8-4-4-4-12) or 32 lowercase hex digits (a static pod's hash).
    package static func isPodUID(_ s: Substring) -> Bool {
        let b = Array(s.utf8)
        if b.count == 32 { return b.allSatisfy(isHex) }
        guard b.count == 36 else { return false }
        return b.indices.allSatisfy { i in [8, 13, 18, 23].contains(i) ? b[i] == 0x2D : isHex(b[i]) }
    }

    /// 64 lowercase hex digits: the id containerd gives a container.
    package static func isContainerID(_ s: String) -> Bool { s.utf8.count == 64 && s.utf8.allSatisfy(isHex) }

    static func isHex(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) }
}
