import PVCResolver

/// Who a container process belongs to, from its cgroup (pod UID and container id), the kubelet's
/// pod directory and, when the runtime was asked, the kubelet's labels on the container.
package struct PodNames {
    package var kubeletRoot: String
    package var cri: CRIContainers
    private var pods: [String: PodIdentity] = [:]

    package init(kubeletRoot: String = PodIdentity.defaultKubeletRoot, cri: CRIContainers = CRIContainers()) {
        self.kubeletRoot = kubeletRoot
        self.cri = cri
    }

    /// The pod and container of a process in `cgroup`. The runtime's labels win over the kubelet
    /// directory (they name each container of a pod with several); a process of the pod that the
    /// runtime does not list as a container (the pod's sandbox) gets the pod's names only.
    package mutating func identity(_ cgroup: ContainerCgroup) -> PodIdentity {
        let uid = cgroup.podUID
        var pod = pods[uid] ?? PodIdentity.read(uid: uid, kubeletRoot: kubeletRoot)
        pods[uid] = pod
        if let id = cgroup.containerID, let entry = cri.byID[id], entry.podUID == nil || entry.podUID == uid {
            pod.name = entry.pod ?? pod.name
            pod.namespace = entry.namespace ?? pod.namespace
            pod.container = entry.container
        } else if let entry = cri.byPodUID[uid] {
            pod.name = entry.pod ?? pod.name
            pod.namespace = entry.namespace ?? pod.namespace
            pod.container = nil
        }
        return pod
    }
}
