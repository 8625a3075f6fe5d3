import Alerting
import HostFS
import Inventory
import Workloads

/// The node around the volumes: index freshness, journald, links, writable layers, mounts.
extension Doctor {
    func indexFreshness() -> DoctorCheck {
        guard let age = indexAge else {
            return .warn(
                .indexFresh, config.database, "no scan before this one: the daemon has not run",
                hint: "systemctl enable --now storage-agent")
        }
        let limit = config.rescanInterval * 2 + 60
        guard age <= limit else {
            return .warn(
                .indexFresh, config.database, "last scan \(age / 60) minutes ago: the daemon is not keeping it fresh",
                hint: "systemctl status storage-agent")
        }
        return .pass(.indexFresh, config.database, "last scan \(age) s ago")
    }

    func journal() -> DoctorCheck {
        let path = "/run/systemd/journal/socket"
        let connected = UnixSocket.probe(path: path, kind: .datagram)
        return connected.isSuccess
            ? .pass(.journald, path, "reachable")
            : .warn(
                .journald, path, "not reachable: alerts go to stderr only",
                hint: "systemctl status systemd-journald")
    }

    func links(_ volumes: [VolumeRecord]) -> [DoctorCheck] {
        LinkManager(config: config, volumes: volumes).run(apply: false).map { s in
            s.state == .ok
                ? .pass(.link, s.link, "-> \(s.target ?? "-")")
                : .warn(.link, s.link, "\(s.state.rawValue): \(s.detail)", hint: s.hint)
        }
    }

    /// The incident's root cause, seen from the node: tracked files in containers' writable layers,
    /// live or left by an exited container that was not removed yet.
    func ephemeral() -> DoctorCheck {
        var scanner = config.ephemeralScanner
        scanner.cri = containerMounts.cri
        let files = (try? scanner.scan(remembering: inventory, now: now)) ?? scanner.scan()
        guard !files.isEmpty else { return .pass(.ephemeral, "containers", "no tracked files in writable layers") }
        let bytes = files.reduce(0) { $0 + $1.size }
        let pods = Set(files.map { f in f.pod.map { "\(f.namespace ?? "?")/\($0)" } ?? "snapshot \(f.snapshot)" })
        let exited = files.filter { $0.state == .exited }.count
        return .fail(
            .ephemeral, pods.sorted().joined(separator: ", "),
            "\(files.count) tracked files (\(Format.size(bytes))) in container writable layers: lost on restart"
                + (exited > 0
                    ? "; \(exited) of them in exited containers' layers, lost when the container is removed" : ""),
            hint: "storage-agent ephemeral; kubectl describe deployment ... | grep -A 15 Mounts:")
    }

    /// Expected mounts: the incident's "no container mounted observer-data-pvc at /app/data".
    func mounts(_ volumes: [VolumeRecord], _ containers: [ContainerMounts.Container]) -> [DoctorCheck] {
        let expected = config.volumes.filter { $0.expect && $0.mount != nil }
        guard !expected.isEmpty else { return [] }
        let mounts = containerMounts.scan(volumes: volumes, containers: containers)
        return expected.map { v in
            let path = v.mount!
            let hint =
                "kubectl describe deployment -n \(v.namespace) ... | grep -A 15 Mounts:; check the PVC is listed in "
                + "kustomization.yaml resources"
            if let m = mounts.first(where: {
                $0.namespace == v.namespace && $0.pvc == v.pvc && $0.containerPath == path
            }) {
                return .pass(.volumeMounted, v.claim, "at \(path) in \(m.pod ?? m.podUID ?? "pid \(m.pid)")")
            }
            guard containers.contains(where: { $0.pod.namespace == v.namespace }) else {
                return .warn(.volumeMounted, v.claim, "no running container in namespace \(v.namespace)", hint: hint)
            }
            return .fail(
                .volumeMounted, v.claim, "no running container of \(v.namespace) mounts it at \(path)", hint: hint)
        }
    }
}
