import PVCResolver

/// Container names from the container runtime (`crictl ps -o json`: `kubernetes.crictl_command`,
/// or `k3s crictl ps -o json` by default on a k3s node): each container's id with the pod name,
/// namespace, UID and container name the kubelet put in its labels. Containers are matched by the
/// id in the process's cgroup; a container crictl does not list (the pod's sandbox) by its pod UID.
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
    /// Pod name and namespace (no container) by pod UID, from any container of the pod.
    package var byPodUID: [String: Entry] = [:]

    package init() {}

    /// Parses `crictl ps -o json` (`{"containers": [{"id", "metadata": {"name"}, "labels": {...}}]}`).
    package static func parse(_ bytes: [UInt8]) throws(JSONError) -> CRIContainers {
        guard let list = try JSONInput.decode(Document.self, from: bytes).containers else {
            throw JSONError(offset: nil, reason: "no \"containers\" array: not crictl ps -o json")
        }
        var out = CRIContainers()
        for c in list {
            guard let c, let id = c.id else { continue }
            // Labels are checked as the API server checks names: anything else is unknown.
            let entry = Entry(
                podUID: checked(c.labels?.podUID) { ContainerCgroup.isPodUID($0[...]) },
                pod: checked(c.labels?.pod, PodIdentity.isSubdomain),
                namespace: checked(c.labels?.namespace, PodIdentity.isLabel),
                container: checked(c.labels?.container ?? c.metadata?.name, PodIdentity.isLabel))
            out.byID[id] = entry
            if let uid = entry.podUID, entry.pod != nil || entry.namespace != nil {
                out.byPodUID[uid] = Entry(podUID: uid, pod: entry.pod, namespace: entry.namespace, container: nil)
            }
        }
        return out
    }

    private static func checked(_ value: String?, _ valid: (String) -> Bool) -> String? {
        value.flatMap { valid($0) ? $0 : nil }
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
