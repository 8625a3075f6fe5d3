import Alerting
import HostFS
import PVCResolver
import Workloads

/// `/etc/storage-agent/config.yaml`, with the built-in defaults of design.md.
struct Config: Sendable {
    static let defaultPath = "/etc/storage-agent/config.yaml"

    var storageRoots = ["/var/lib/rancher/k3s/storage"]
    var database = "/var/lib/storage-agent/inventory.db"
    var include: [Glob] = [try! Glob("*.jsonl"), try! Glob("*.log")]
    var rescanInterval: Int64 = 600
    /// `index.max_watches`; nil: a quarter of `fs.inotify.max_user_watches` (`watchBudget`).
    var maxWatches: Int?
    /// `index.max_depth`: directories deeper below a volume are tampering, not indexed.
    var maxDepth = 64
    var owner = Owner(uid: 999, gid: 999)
    var pvCommand: String?
    /// `crictl ps -o json` (e.g. `k3s crictl ps -o json`), for container names in `mounts`; when
    /// nil, `<k3sExecutable> crictl ps -o json` if that file exists.
    var crictlCommand: String?
    /// Where k3s is installed: not a config key (tests point it elsewhere).
    var k3sExecutable = CRISource.k3sExecutable
    var pathPattern: PathPattern?
    var tracks: [Track] = Track.defaults
    var volumes: [VolumeConfig] = []
    var renotify: Int64 = 6 * 3600
    var maxPerCycle = 50
    /// How long an expected mount may be missing while its namespace runs containers (a rollout).
    var mountGrace: Int64 = 120
    var metricsTextfile: String?
    var containerdRoot = "/var/lib/rancher/k3s/agent/containerd"
    var rescue = RescueConfig()
    /// Where it was read from, or nil for built-in defaults.
    var source: String?

    var trackNames: [String] { tracks.map(\.name) }

    func track(_ name: String?) -> Track? { tracks.first { $0.name == name } }
}
