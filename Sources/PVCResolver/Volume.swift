/// One directory that holds one PVC's data, as the resolver found it.
package struct Volume: Sendable, Equatable {
    package var namespace: String?
    package var pvc: String?
    package var pv: String?
    /// The storage root it was found under, or nil for a configured or API path outside every root.
    package var root: String?
    /// Path components below `root` (or the whole absolute path split, when `root` is nil).
    package var components: [String]
    package var state: VolumeState
    package var source: VolumeSource
    package var capacity: Int64?
    /// PV creation time when the API told us, else the directory's birth (or modification) time.
    package var createdNs: Int64

    package init(
        namespace: String?, pvc: String?, pv: String?, root: String?, components: [String],
        state: VolumeState, source: VolumeSource, capacity: Int64?, createdNs: Int64
    ) {
        self.namespace = namespace
        self.pvc = pvc
        self.pv = pv
        self.root = root
        self.components = components
        self.state = state
        self.source = source
        self.capacity = capacity
        self.createdNs = createdNs
    }

    /// The absolute host path.
    package var path: String {
        let tail = components.joined(separator: "/")
        guard let root else { return "/" + tail }
        return root.hasSuffix("/") ? root + tail : root + "/" + tail
    }

    /// `namespace/pvc`, or nil when the directory does not say.
    package var claim: String? {
        guard let namespace, let pvc else { return nil }
        return "\(namespace)/\(pvc)"
    }
}

package enum VolumeState: String, Sendable, CaseIterable {
    case current, stale, orphan, unknown
    /// A pod's emptyDir: its data dies with the pod.
    case ephemeral
}

package enum VolumeSource: String, Sendable, CaseIterable {
    /// `<pv>_<namespace>_<pvc>` or legacy `pvc-<uid>` directory names.
    case dirname
    /// A configured `path_pattern` layout such as `{namespace}/{pvc}`.
    case pattern
    /// PV objects from `kubernetes.pv_command`.
    case api
    /// A `path:` entry of the configuration (hostPath layouts).
    case config
    /// A kubelet pod volume: CSI, local-volume or emptyDir under /var/lib/kubelet/pods.
    case kubelet
}
