import Alerting
import HostFS
import Inventory
import PVCResolver
import Workloads

/// The node-side runbook (seed 003), one command, no Kubernetes API needed.
struct Doctor {
    let config: Config
    let resolution: Resolution
    let inventory: Inventory
    /// Age of the index's last scan before doctor's own, in seconds (nil: never scanned).
    let indexAge: Int64?
    let now: Int64
    /// Running containers' mounts (names from crictl when configured).
    var containerMounts = ContainerMounts()

    func run() throws(InventoryError) -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        checks += storageRoots()
        let volumes = try inventory.volumes()
        checks += expectedVolumes(volumes)
        checks += strandedData(volumes)
        checks += ownershipAndWriteTests()
        checks += links(volumes)
        checks += freeSpace()
        checks += capacity(volumes)
        checks.append(ephemeral())
        checks += mounts(volumes)
        checks.append(indexFreshness())
        checks.append(journal())
        checks += recentWrites(try inventory.trackLastWrites(), volumes)
        checks += try persistence(volumes)
        return checks
    }

    private func claimName(_ v: VolumeConfig) -> String { v.claim }

    func storageRoots() -> [DoctorCheck] {
        config.storageRoots.map { root in
            guard let dir = try? Descriptor.openDirectory(path: root), let st = try? dir.stat() else {
                return .fail(
                    "storage-root", root, "missing or unreadable",
                    hint: "check the disk is mounted and storage_roots in \(config.source ?? Config.defaultPath)")
            }
            let mode = String(st.permissions, radix: 8)
            if st.uid != 0 || st.permissions & 0o022 != 0 {
                return .warn(
                    "storage-root", root, "mode \(mode), owner uid \(st.uid): writable by others than root",
                    hint: "chown root:root \(root) && chmod 700 \(root)")
            }
            return .pass("storage-root", root, "mode \(mode), owned by root")
        }
    }

    func expectedVolumes(_ volumes: [VolumeRecord]) -> [DoctorCheck] {
        config.volumes.filter(\.expect).map { v in
            let dirs = volumes.filter { $0.claim == v.claim }
            let current = dirs.filter { $0.state == .current || $0.state == .unknown }
            if current.isEmpty {
                return .fail(
                    "volume-expected", v.claim, "no directory on this node",
                    hint:
                        "kubectl get pvc -n \(v.namespace); kubectl describe deployment -n \(v.namespace) | grep -A 15 Mounts:"
                )
            }
            if dirs.count > 1 {
                return .warn(
                    "volume-expected", v.claim,
                    "\(dirs.count) directories (recreated PVC); current: \(current[0].path)",
                    hint: "storage-agent pvc list")
            }
            return .pass("volume-expected", v.claim, current[0].path)
        }
    }

    func strandedData(_ volumes: [VolumeRecord]) -> [DoctorCheck] {
        volumes.filter { ($0.state == .stale || $0.state == .orphan) && $0.files > 0 }.map { v in
            .warn(
                "volume-\(v.state)", v.path,
                "\(v.files) files, \(Format.size(v.bytes)) not in use by \(v.claim ?? "any PVC")",
                hint: v.claim.map {
                    "copy what is needed into $(storage-agent pvc resolve \($0)), then archive \(v.path)"
                }
                    ?? "archive or remove \(v.path) once it is not needed")
        }
    }

    func ownershipAndWriteTests() -> [DoctorCheck] {
        var out: [DoctorCheck] = []
        let ownership = VolumeOwnership(config: config)
        for entry in config.volumes where entry.expect || entry.fixOwnership {
            guard let volume = resolution.volumes.first(where: { $0.claim == entry.claim && $0.state != .stale }),
                let dir = try? volume.open(), let st = try? dir.stat()
            else { continue }
            let owner = entry.owner ?? config.owner
            if entry.fixOwnership {
                let report = ownership.fix(volume, owner: owner, dryRun: true)
                if report.changed > 0 || st.uid != owner.uid {
                    out.append(
                        .fail(
                            "ownership", entry.claim, "\(report.changed) entries not owned by \(owner)",
                            hint: "storage-agent fix-ownership \(entry.claim)"))
                } else {
                    out.append(.pass("ownership", entry.claim, "all \(report.checked) entries owned by \(owner)"))
                }
            }
            if let reason = WriteTest.run(in: dir, as: owner) {
                out.append(
                    .fail(
                        "write-test", entry.claim, "as \(owner): \(reason)",
                        hint: "storage-agent fix-ownership \(entry.claim)"))
            } else {
                out.append(.pass("write-test", entry.claim, "\(owner) can create and remove a file"))
            }
        }
        return out
    }

    func links(_ volumes: [VolumeRecord]) -> [DoctorCheck] {
        LinkManager(config: config, volumes: volumes).run(apply: false).map { s in
            s.state == .ok
                ? .pass("link", s.link, "-> \(s.target ?? "-")")
                : .warn("link", s.link, "\(s.state.rawValue): \(s.detail)", hint: "storage-agent links --apply")
        }
    }

    func freeSpace() -> [DoctorCheck] {
        var seen: Set<UInt64> = []
        var out: [DoctorCheck] = []
        for volume in resolution.volumes where volume.state != .stale {
            guard let dir = try? volume.open(), let st = try? dir.stat(), seen.insert(st.device).inserted else {
                continue
            }
            guard let space = try? dir.fileSystemSpace(), space.totalBytes > 0 else { continue }
            let free = space.freePercent
            let detail =
                "\(Format.size(space.availableBytes)) free (\(Int(free))%) on the file system of \(volume.path)"
            if free < 2 {
                out.append(
                    .fail("free-space", volume.path, detail, hint: "free space: check retention and backups/archives"))
            } else if free < Thresholds.minFreePercent {
                out.append(
                    .warn("free-space", volume.path, detail, hint: "free space: check retention and backups/archives"))
            } else {
                out.append(.pass("free-space", volume.path, detail))
            }
        }
        return out
    }

    /// Allocated bytes (as du counts them) against each volume's capacity.
    func capacity(_ volumes: [VolumeRecord]) -> [DoctorCheck] {
        volumes.filter { $0.capacity != nil && $0.state != .stale }.compactMap { v in
            guard let capacity = v.capacity, capacity > 0, let dir = try? Descriptor.openDirectory(path: v.path) else {
                return nil
            }
            let used = DiskUsage.allocatedBytes(dir)
            let detail = "\(Format.size(used)) of \(Format.size(capacity)) (\(used * 100 / capacity)%)"
            let name = v.claim ?? v.path
            if used > capacity {
                return .fail(
                    "capacity", name, detail, hint: "storage-agent query --pvc \(name) | tail; check retention")
            }
            if used * 100 > capacity * Thresholds.capacityWarnPercent {
                return .warn(
                    "capacity", name, detail, hint: "storage-agent query --pvc \(name) | tail; check retention")
            }
            return .pass("capacity", name, detail)
        }
    }

    /// The incident's root cause, seen from the node: tracked files in containers' writable layers.
    func ephemeral() -> DoctorCheck {
        let files = config.ephemeralScanner.scan()
        guard !files.isEmpty else { return .pass("ephemeral", "containers", "no tracked files in writable layers") }
        let bytes = files.reduce(0) { $0 + $1.size }
        let pods = Set(files.map { f in f.pod.map { "\(f.namespace ?? "?")/\($0)" } ?? "snapshot \(f.snapshot)" })
        return .fail(
            "ephemeral", pods.sorted().joined(separator: ", "),
            "\(files.count) tracked files (\(Format.size(bytes))) in container writable layers: lost on restart",
            hint: "storage-agent ephemeral; kubectl describe deployment ... | grep -A 15 Mounts:")
    }

    /// Expected mounts: the incident's "no container mounted observer-data-pvc at /app/data".
    func mounts(_ volumes: [VolumeRecord]) -> [DoctorCheck] {
        let expected = config.volumes.filter { $0.expect && $0.mount != nil }
        guard !expected.isEmpty else { return [] }
        let finder = containerMounts
        let containers = finder.containers()
        let mounts = finder.scan(volumes: volumes, containers: containers)
        return expected.map { v in
            let path = v.mount!
            let hint =
                "kubectl describe deployment -n \(v.namespace) ... | grep -A 15 Mounts:; check the PVC is listed in "
                + "kustomization.yaml resources"
            if let m = mounts.first(where: {
                $0.namespace == v.namespace && $0.pvc == v.pvc && $0.containerPath == path
            }) {
                return .pass("volume-mounted", v.claim, "at \(path) in \(m.pod ?? m.podUID ?? "pid \(m.pid)")")
            }
            guard containers.contains(where: { $0.pod.namespace == v.namespace }) else {
                return .warn("volume-mounted", v.claim, "no running container in namespace \(v.namespace)", hint: hint)
            }
            return .fail(
                "volume-mounted", v.claim, "no running container of \(v.namespace) mounts it at \(path)", hint: hint)
        }
    }

    func indexFreshness() -> DoctorCheck {
        guard let age = indexAge else {
            return .warn(
                "index-fresh", config.database, "no scan before this one: the daemon has not run",
                hint: "systemctl enable --now storage-agent")
        }
        let limit = config.rescanInterval * 2 + 60
        guard age <= limit else {
            return .warn(
                "index-fresh", config.database, "last scan \(age / 60) minutes ago: the daemon is not keeping it fresh",
                hint: "systemctl status storage-agent")
        }
        return .pass("index-fresh", config.database, "last scan \(age) s ago")
    }

    func journal() -> DoctorCheck {
        let path = "/run/systemd/journal/socket"
        let connected = UnixSocket.probe(path: path, kind: .datagram)
        return connected.isSuccess
            ? .pass("journald", path, "reachable")
            : .warn(
                "journald", path, "not reachable: alerts go to stderr only",
                hint: "systemctl status systemd-journald")
    }

    func recentWrites(_ lastWrites: [(volumeID: Int64, track: String, lastWriteNs: Int64)], _ volumes: [VolumeRecord])
        -> [DoctorCheck]
    {
        let zones = TimeZones(tracks: config.tracks)
        return config.tracks.compactMap { track in
            guard let window = track.active else { return nil }
            let live = Set(volumes.filter { $0.state == .current || $0.state == .unknown }.map(\.id))
            let newest = lastWrites.filter { $0.track == track.name && live.contains($0.volumeID) }.map(\.lastWriteNs)
                .max()
            if let newest, now - newest / 1_000_000_000 <= 86400 {
                return .pass("track-recent", track.name, "last write \(SystemClock.local(ns: newest))")
            }
            // Was any of the last 24 hours inside the active window? (Weekends are quiet.)
            let zone = zones.zone(track)
            let wasActive = stride(from: now - 86400, through: now, by: 900).contains { t in
                let local = zone.local(t)
                return window.contains(weekday: local.weekday, minute: local.minute)
            }
            guard wasActive else { return .pass("track-recent", track.name, "no active window in the last 24 h") }
            let when = newest.map { "last write \(SystemClock.local(ns: $0))" } ?? "no file ever"
            return .fail(
                "track-recent", track.name, "no \(track.name) file written in the last 24 h (\(when))",
                hint: "kubectl get pods -A; storage-agent query --track \(track.name) --include-deleted | tail")
        }
    }

    /// The runbook's persistence check: a volume's file count must not fall between two doctor
    /// runs, except by deletions its tracks' retention explains.
    func persistence(_ volumes: [VolumeRecord]) throws(InventoryError) -> [DoctorCheck] {
        let previous = try inventory.doctorCounts()
        var out: [DoctorCheck] = []
        var counts: [String: Int64] = [:]
        for v in volumes where v.state != .stale {
            counts[v.path] = v.files
            guard let before = previous[v.path] else { continue }
            let name = v.claim ?? v.path
            guard v.files < before.files else {
                out.append(.pass("persistence", name, "\(v.files) files (was \(before.files))"))
                continue
            }
            let explained = try inventory.deletions(volumeID: v.id, since: before.at).filter { d in
                guard let retention = config.track(d.track)?.retention else { return false }
                return now - d.mtimeNs / 1_000_000_000 >= retention
            }.count
            if Int64(explained) >= before.files - v.files {
                out.append(
                    .pass(
                        "persistence", name, "\(v.files) files (was \(before.files); \(explained) removed by retention)"
                    ))
            } else {
                out.append(
                    .fail(
                        "persistence", name,
                        "file count fell from \(before.files) to \(v.files); retention explains \(explained)",
                        hint: "storage-agent query --include-deleted --pvc \(name)"))
            }
        }
        try inventory.saveDoctorCounts(counts, at: now)
        return out
    }
}
