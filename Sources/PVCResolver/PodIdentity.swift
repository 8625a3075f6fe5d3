import HostFS

/// Who a container process belongs to, from its pod cgroup (Workloads' `ContainerCgroup`) and the
/// kubelet's pod directory.
/// Every field is nil unless the node says so plainly: nothing is guessed.
package struct PodIdentity: Sendable, Equatable {
    package var uid: String
    package var name: String?
    package var namespace: String?
    package var container: String?

    package init(uid: String, name: String? = nil, namespace: String? = nil, container: String? = nil) {
        self.uid = uid
        self.name = name
        self.namespace = namespace
        self.container = container
    }

    /// The kubelet's pod directories live under `<kubeletRoot>/pods/<uid>/`.
    package static var defaultKubeletRoot: String {
        CurrentProcess.environment("STORAGE_AGENT_KUBELET_ROOT") ?? "/var/lib/kubelet"
    }

    /// Reads name, namespace and container name from `<kubeletRoot>/pods/<uid>/`. The files there
    /// are reached by descriptor with `O_NOFOLLOW`: `etc-hosts` is writable from inside the pod.
    package static func read(uid: String, kubeletRoot: String) -> PodIdentity {
        var identity = PodIdentity(uid: uid)
        guard isPodUID(uid), let pod = try? Descriptor.openDirectory(path: "\(kubeletRoot)/pods/\(uid)") else {
            return identity
        }
        identity.name = readSmallFile(pod, "etc-hosts").flatMap(podName(etcHosts:))
        identity.namespace = namespace(pod)
        if let containers = try? pod.openDirectory(name: "containers") {
            let names = subdirectories(containers)
            if names.count == 1, isLabel(names[0]) { identity.container = names[0] }
        }
        return identity
    }

    /// The pod name from kubelet's managed `etc-hosts`. Rule: the file must start with kubelet's
    /// `# Kubernetes-managed hosts file.` header (a host-network pod gets the node's hosts file, so
    /// it has none and yields nil); lines after `# Entries added by HostAliases.` are the user's
    /// aliases and are ignored; of the remaining non-comment lines, the last one that names
    /// anything other than localhost-ish names (`localhost*`, `ip6-*`) is the pod's own line,
    /// and its last field (the short host name) is the pod name. It must be a DNS-1123 name.
    package static func podName(etcHosts: [UInt8]) -> String? {
        let lines = String(decoding: etcHosts, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first?.trimmingSpaces == "# Kubernetes-managed hosts file." else { return nil }
        var name: Substring?
        for line in lines.dropFirst() {
            let t = line.trimmingSpaces
            if t.hasPrefix("# Entries added by HostAliases") { break }
            if t.isEmpty || t.hasPrefix("#") { continue }
            let fields = t.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { continue }
            if fields.dropFirst().contains(where: { !$0.hasPrefix("localhost") && !$0.hasPrefix("ip6-") }) {
                name = fields.last
            }
        }
        guard let name, isSubdomain(name) else { return nil }
        return String(name)
    }

    /// `volumes/kubernetes.io~projected/*/namespace`, service-account token volumes
    /// (`kube-api-access-*`) first. The file is the kubelet's atomic-writer layout: a symlink
    /// `namespace -> ..data/namespace` and `..data -> ..<timestamp>`; exactly that shape is
    /// resolved by hand, one `O_NOFOLLOW` step at a time, and any other symlink is refused.
    package static func namespace(_ pod: Descriptor) -> String? {
        guard let volumes = try? pod.openDirectory(name: "volumes"),
            let projected = try? volumes.openDirectory(name: "kubernetes.io~projected")
        else { return nil }
        let names = subdirectories(projected).sorted {
            ($0.hasPrefix("kube-api-access-") ? 0 : 1, $0) < ($1.hasPrefix("kube-api-access-") ? 0 : 1, $1)
        }
        for name in names {
            guard var dir = try? projected.openDirectory(name: name), let st = try? dir.stat(name: "namespace")
            else { continue }
            if st.type == .symlink {
                guard (try? dir.readSymlink(named: "namespace")) == "..data/namespace",
                    let data = try? dir.readSymlink(named: "..data"), data.hasPrefix(".."), data.count > 2,
                    !data.contains("/"), let target = try? dir.openDirectory(name: data)
                else { continue }
                dir = target
            }
            if let bytes = readSmallFile(dir, "namespace") {
                let text = String(decoding: bytes, as: UTF8.self)[...].trimmingSpaces
                if isLabel(text) { return String(text) }
            }
        }
        return nil
    }

    /// Names of the real subdirectories (no symlinks) of `dir`.
    package static func subdirectories(_ dir: Descriptor) -> [String] {
        var names: [String] = []
        try? dir.forEachEntry { entry in
            var type = entry.type
            if type == .unknown { type = (try? dir.stat(named: entry.name))?.type ?? .unknown }
            if type == .directory { names.append(RawName.decoded(entry.nameBytes)) }
        }
        return names
    }

    /// A regular file in `dir`, opened with `O_NOFOLLOW|O_NONBLOCK` and read up to 64 KiB.
    package static func readSmallFile(_ dir: Descriptor, _ name: String) -> [UInt8]? {
        name.withCString { (c) -> [UInt8]? in
            guard let file = try? dir.openFile(named: c), file.stat()?.isRegular == true else { return nil }
            var bytes = [UInt8](repeating: 0, count: 64 * 1024)
            let count = bytes.withUnsafeMutableBytes { file.read(into: $0) }
            return Array(bytes[..<count])
        }
    }

    /// A pod UID: a UUID, or the 32 hex digits of a static pod's hash.
    package static func isPodUID(_ s: String) -> Bool {
        (s.utf8.count == 36 || s.utf8.count == 32)
            && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || $0 == 0x2D }
    }

    /// A DNS-1123 label (namespace, container name).
    package static func isLabel<S: StringProtocol>(_ s: S) -> Bool {
        s.utf8.count <= 63 && isSubdomain(s) && !s.contains(".")
    }

    /// A DNS-1123 subdomain (pod name).
    package static func isSubdomain<S: StringProtocol>(_ s: S) -> Bool {
        let b = Array(s.utf8)
        guard !b.isEmpty, b.count <= 253, b.first != 0x2D, b.last != 0x2D, b.first != 0x2E, b.last != 0x2E else {
            return false
        }
        return b.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x2E }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        let s = self
        guard let first = s.firstIndex(where: { !$0.isWhitespace }) else { return s[s.endIndex...] }
        let last = s.lastIndex(where: { !$0.isWhitespace })!
        return s[first...last]
    }
}
