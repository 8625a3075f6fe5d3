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

    var ephemeralScanner: EphemeralScanner { EphemeralScanner(containerdRoot: containerdRoot, include: include) }

    var gaps: Gaps { Gaps(tracks: tracks, zones: TimeZones(tracks: tracks)) }
}
