import HostFS

/// Pod volumes under the kubelet's directory, so CSI-mounted PVCs on any kubelet node (seed 004:
/// GKE, persistent disks) are indexed and alerted on like local-path ones:
/// `pods/<uid>/volumes/kubernetes.io~csi/<pv>/mount`, `kubernetes.io~local-volume/<pv>` and
/// `kubernetes.io~empty-dir/<name>` (state `ephemeral`: its data dies with the pod).
/// The PV list names the claim when known; otherwise only the pod's namespace is.
package struct KubeletVolumes {
    package var kubeletRoot = PodIdentity.defaultKubeletRoot

    package init(kubeletRoot: String = PodIdentity.defaultKubeletRoot) { self.kubeletRoot = kubeletRoot }

    package func discover(persistentVolumes: [PersistentVolume]?) -> [KubeletVolume] {
        guard let pods = try? Descriptor.openDirectory(path: kubeletRoot + "/pods") else { return [] }
        let byName = Dictionary((persistentVolumes ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [KubeletVolume] = []
        for uid in PodIdentity.subdirectories(pods) where PodIdentity.isPodUID(uid) {
            let pod = PodIdentity.read(uid: uid, kubeletRoot: kubeletRoot)
            let base = "\(kubeletRoot)/pods/\(uid)/volumes"
            guard let volumes = try? Descriptor.openDirectory(path: base) else { continue }
            for plugin in ["kubernetes.io~csi", "kubernetes.io~local-volume", "kubernetes.io~empty-dir"] {
                guard let dir = try? volumes.openDirectory(name: plugin) else { continue }
                for name in PodIdentity.subdirectories(dir) where KubernetesName.isSubdomain(name) {
                    let path = "\(base)/\(plugin)/\(name)" + (plugin == "kubernetes.io~csi" ? "/mount" : "")
                    if plugin == "kubernetes.io~empty-dir" {
                        out.append(
                            KubeletVolume(path: path, namespace: pod.namespace, pvc: nil, pv: nil, ephemeral: true))
                    } else {
                        let pv = byName[name]
                        out.append(
                            KubeletVolume(
                                path: path, namespace: pv?.claimNamespace ?? pod.namespace, pvc: pv?.claimName,
                                pv: name,
                                ephemeral: false))
                    }
                }
            }
        }
        return out
    }
}
