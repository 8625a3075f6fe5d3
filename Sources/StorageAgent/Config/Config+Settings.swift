import Alerting
import Workloads

/// The small settings values the modules below take, made from the whole config here, so no
/// module below the executable knows the config file's shape.
extension Config {
    var alertSettings: AlertSettings {
        AlertSettings(
            storageRoots: storageRoots, tracks: tracks,
            expected: volumes.filter(\.expect).map {
                ExpectedVolume(namespace: $0.namespace, pvc: $0.pvc, path: $0.path, mount: $0.mount)
            },
            renotify: renotify, maxPerCycle: maxPerCycle, mountGrace: mountGrace)
    }

    /// Container names: `kubernetes.crictl_command`, or by default `k3s crictl ps -o json` when
    /// the k3s binary (`k3sExecutable`) exists.
    var criSource: CRISource { crictlCommand.map { CRISource.command($0) } ?? .k3s(executable: k3sExecutable) }

    var ephemeralScanner: EphemeralScanner { EphemeralScanner(containerdRoot: containerdRoot, include: include) }

    var gaps: Gaps { Gaps(tracks: tracks, zones: TimeZones(tracks: tracks)) }
}
