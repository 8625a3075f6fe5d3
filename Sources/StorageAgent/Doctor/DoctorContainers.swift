import Workloads

/// Containers whose namespace nobody on the node could tell: `volume-unmounted` cannot judge
/// their pods' mounts.
extension Doctor {
    /// One warning per pod with a running container of unknown namespace (no service-account
    /// token namespace file in the kubelet's pod directory, and no answer from crictl for it),
    /// with the fix that depends on why crictl gave none; a pass when every namespace is known.
    func containerNamespaces(_ containers: [ContainerMounts.Container]) -> [DoctorCheck] {
        guard !containers.isEmpty else { return [] }
        let unknown = Dictionary(grouping: containers.filter { $0.pod.namespace == nil }, by: \.pod.uid)
        guard !unknown.isEmpty else {
            return [
                .pass(
                    .containerNamespace, "containers",
                    "the namespace of every running container is known (\(containers.count))")
            ]
        }
        let file = config.source ?? Config.defaultPath
        let (why, hint): (String, String)
        switch containerMounts.criAnswer {
        case .notAsked:
            why = "kubernetes.crictl_command is not set and there is no \(config.k3sExecutable)"
            hint =
                "set kubernetes.crictl_command to a command printing crictl ps -o json (e.g. \"crictl ps -o json\") in \(file)"
        case .failed(let command, let reason):
            why = "'\(command)' \(reason)"
            hint = "run sudo \(command) and fix what it says, or set kubernetes.crictl_command in \(file)"
        case .answered(let command, _):
            why = "'\(command)' does not list it"
            hint =
                "sudo \(command) lists every container the kubelet runs; run storage-agent doctor again once it lists this pod"
        }
        return unknown.sorted { $0.key < $1.key }.map { uid, list in
            let ids = list.map { c in c.containerID.map { String($0.prefix(12)) } ?? "pid \(c.pid)" }
            return .warn(
                .containerNamespace, "pod \(uid)",
                "namespace unknown for \(list.count) running container\(list.count == 1 ? "" : "s") "
                    + "(\(ids.joined(separator: ", "))): no service-account token namespace file and \(why); "
                    + "volume-unmounted cannot judge this pod",
                hint: hint)
        }
    }
}
