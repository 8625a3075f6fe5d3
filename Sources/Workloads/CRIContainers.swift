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

        package init(podUID: String?, pod: String?, namespace: String?, container: String?) {
            self.podUID = podUID
            self.pod = pod
            self.namespace = namespace
            self.container = container
        }
    }

    package var byID: [String: Entry] = [:]

    /// Parses `crictl ps -o json` (`{"containers": [{"id", "metadata": {"name"}, "labels": {...}}]}`).
    package static func parse(_ bytes: [UInt8]) throws(JSONError) -> CRIContainers {
        guard let list = try JSONInput.decode(Document.self, from: bytes).containers else {
            throw JSONError(offset: nil, reason: "no \"containers\" array: not crictl ps -o json")
        }
        var out = CRIContainers()
        for c in list {
            guard let c, let id = c.id else { continue }
            out.byID[id] = Entry(
                podUID: c.labels?.podUID, pod: c.labels?.pod, namespace: c.labels?.namespace,
                container: c.labels?.container ?? c.metadata?.name)
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

/// The fields of `crictl ps -o json` the agent reads; a field of an unexpected type is nil.
extension CRIContainers {
    struct Document: Decodable {
        var containers: [Container?]?

        enum CodingKeys: String, CodingKey { case containers }

        init(from decoder: any Decoder) throws {
            containers = (try? decoder.container(keyedBy: CodingKeys.self))?.lenient(.containers).map {
                (list: [Lenient<Container>]) in list.map(\.value)
            }
        }
    }

    struct Container: Decodable {
        var id: String?
        var metadata: Metadata?
        var labels: Labels?

        enum CodingKeys: String, CodingKey { case id, metadata, labels }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = c.lenient(.id)
            metadata = c.lenient(.metadata)
            labels = c.lenient(.labels)
        }
    }

    struct Metadata: Decodable {
        var name: String?

        enum CodingKeys: String, CodingKey { case name }

        init(from decoder: any Decoder) throws { name = try decoder.container(keyedBy: CodingKeys.self).lenient(.name) }
    }

    /// The labels the kubelet sets on every container it starts.
    struct Labels: Decodable {
        var podUID: String?
        var pod: String?
        var namespace: String?
        var container: String?

        enum CodingKeys: String, CodingKey {
            case podUID = "io.kubernetes.pod.uid"
            case pod = "io.kubernetes.pod.name"
            case namespace = "io.kubernetes.pod.namespace"
            case container = "io.kubernetes.container.name"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            podUID = c.lenient(.podUID)
            pod = c.lenient(.pod)
            namespace = c.lenient(.namespace)
            container = c.lenient(.container)
        }
    }
}
