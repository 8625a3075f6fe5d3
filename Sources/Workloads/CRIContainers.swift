import PVCResolver

/// Container names from the container runtime, when `kubernetes.crictl_command` is set (e.g.
/// `k3s crictl ps -o json`): each container's id with the pod name, namespace, UID and container
/// name the kubelet put in its labels. Containers are matched by the id in the process's cgroup.
package struct CRIContainers: Sendable {
    package struct Entry: Sendable, Equatable {
        package var podUID: String?
        package var pod: String?
        package var namespace: String?
        package var container: String?
    }

    package var byID: [String: Entry] = [:]

    /// Parses `crictl ps -o json` (`{"containers": [{"id", "metadata": {"name"}, "labels": {...}}]}`).
    package static func parse(_ bytes: [UInt8]) throws(JSONError) -> CRIContainers {
        let root = try JSON.parse(bytes)
        guard let list = root["containers"]?.array else {
            throw JSONError(offset: 0, reason: "no \"containers\" array: not crictl ps -o json")
        }
        var out = CRIContainers()
        for c in list {
            guard let id = c["id"]?.string else { continue }
            let labels = c["labels"]
            out.byID[id] = Entry(
                podUID: labels?["io.kubernetes.pod.uid"]?.string, pod: labels?["io.kubernetes.pod.name"]?.string,
                namespace: labels?["io.kubernetes.pod.namespace"]?.string,
                container: labels?["io.kubernetes.container.name"]?.string ?? c["metadata"]?["name"]?.string)
        }
        return out
    }

    /// The container id in a cgroup path: the last segment, bare (cgroupfs driver) or as
    /// `cri-containerd-<id>.scope` (systemd driver); 64 lowercase hex digits.
    package static func containerID(cgroup: [UInt8]) -> String? {
        for line in cgroup.split(separator: 0x0A) {
            guard let path = line.split(separator: 0x3A, maxSplits: 2, omittingEmptySubsequences: false).last,
                let last = path.split(separator: 0x2F).last
            else { continue }
            var s = String(decoding: last, as: UTF8.self)
            if s.hasSuffix(".scope"), let dash = s.lastIndex(of: "-") {
                s = String(s[s.index(after: dash)...].dropLast(6))
            }
            if s.utf8.count == 64, s.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
                return s
            }
        }
        return nil
    }
}
