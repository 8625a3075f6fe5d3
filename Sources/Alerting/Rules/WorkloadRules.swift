import Workloads

/// ephemeral-writes for containers' writable layers (one alert per layer, live or exited: it stays
/// firing while an exited container's layer still holds the files), and volume-unmounted
/// for expected mounts that no running container of the namespace has.
package enum WorkloadRules {
    /// Layer alerts carry no VOLUME_PATH; emptyDir ones (VolumeRules) do.
    package static let evaluatesLayers: Set<AlertScope> = [AlertScope(.ephemeralWrites, .withoutVolume)]
    package static let evaluatesMounts: Set<AlertScope> = [AlertScope(.volumeUnmounted)]

    package static func layerConditions(_ files: [EphemeralFile]) -> [AlertCondition] {
        Dictionary(grouping: files, by: \.snapshot).map { snapshot, list in
            let bytes = list.reduce(0) { $0 + $1.size }
            let rescued = list.reduce(0) { $0 + $1.rescuedBytes }
            let saved = rescued > 0 ? "; \(Format.size(rescued)) of it is already rescued (storage-agent rescue)" : ""
            let who =
                list[0].pod.map { pod in "pod \(list[0].namespace.map { "\($0)/" } ?? "")\(pod)" }
                ?? "snapshot \(snapshot)"
            let dirs = Set(
                list.map { String($0.containerPath.split(separator: "/").dropLast().joined(separator: "/")) })
            return AlertCondition(
                type: .ephemeralWrites, subject: snapshot, namespace: list[0].namespace,
                filePath: dirs.count == 1 ? "/" + dirs.first! : nil,
                numbers: [("BYTES", bytes), ("FILES", Int64(list.count))],
                message: list[0].state == .exited
                    ? "\(list.count) tracked files (\(Format.size(bytes))) remain in the writable layer of an exited "
                        + "container of \(who), not in a volume: they vanish when the container is removed" + saved
                    : "\(list.count) tracked files (\(Format.size(bytes))) are written into the writable layer of \(who), "
                        + "not into a volume: they vanish when the pod restarts" + saved)
        }
    }

    /// Expected volumes with a `mount:` that no running container of their namespace mounts
    /// there, while containers of the namespace run. The caller applies the grace period.
    package static func unmounted(
        _ expected: [ExpectedVolume], mounts: [ContainerMount], containers: [ContainerMounts.Container]
    ) -> [ExpectedVolume] {
        expected.filter { v in
            guard let path = v.mount else { return false }
            let running = containers.contains { $0.pod.namespace == v.namespace }
            let mounted = mounts.contains { $0.namespace == v.namespace && $0.pvc == v.pvc && $0.containerPath == path }
            return running && !mounted
        }
    }

    package static func unmountedCondition(_ v: ExpectedVolume, since: Int64, now: Int64) -> AlertCondition {
        AlertCondition(
            type: .volumeUnmounted, subject: v.claim, namespace: v.namespace, pvc: v.pvc,
            numbers: [("AGE_SECONDS", now - since)],
            message: "No running container in namespace \(v.namespace) mounts PVC \(v.claim) at \(v.mount ?? "?") "
                + "(for \((now - since) / 60) minutes); whatever it writes there is lost on restart")
    }
}

/// Since when each expected mount has been missing: a rollout is not an incident.
package struct MountGrace: Sendable {
    private var since: [String: Int64] = [:]

    package init() {}

    /// The volume-unmounted conditions whose mount has been missing for at least `grace` seconds.
    package mutating func conditions(_ missing: [ExpectedVolume], grace: Int64, now: Int64) -> [AlertCondition] {
        let claims = Set(missing.map(\.claim))
        since = since.filter { claims.contains($0.key) }
        return missing.compactMap { v in
            let start = since[v.claim] ?? now
            since[v.claim] = start
            return now - start >= grace ? WorkloadRules.unmountedCondition(v, since: start, now: now) : nil
        }
    }
}
