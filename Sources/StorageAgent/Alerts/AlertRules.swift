import HostFS
import Inventory
import PVCResolver

/// What should be firing, from the index, the last resolution and the scan's change events.
struct AlertRules {
    let config: Config
    let zones: [String: ZoneInfo]

    init(config: Config) {
        self.config = config
        zones = ZoneInfo.zones(for: config)
    }

    /// The condition types `volumeConditions` decides.
    static let volumeTypes: Set<AlertType> = [.volumeMissing, .volumeRecreated, .orphanVolume, .storageRootUnavailable]

    func volumeConditions(volumes: [VolumeRecord], problems: [ResolveProblem]) -> [AlertCondition] {
        var out: [AlertCondition] = []
        let live = volumes.filter { $0.goneAt == nil }
        for expected in config.volumes where expected.expect {
            guard !live.contains(where: { $0.claim == expected.claim && $0.state != "stale" && $0.state != "orphan" })
            else {
                continue
            }
            out.append(
                AlertCondition(
                    type: .volumeMissing, subject: expected.claim, namespace: expected.namespace, pvc: expected.pvc,
                    volumePath: expected.path,
                    message:
                        "Expected volume \(expected.claim) has no directory on this node; its data is not being kept"))
        }
        for (claim, group) in Dictionary(grouping: live.filter { $0.claim != nil }, by: { $0.claim! }) {
            guard let current = group.first(where: { $0.state == "current" }) else { continue }
            let stranded = group.filter { $0.state == "stale" && $0.files > 0 }
            guard let oldest = stranded.first else { continue }
            let bytes = stranded.reduce(0) { $0 + $1.bytes }
            let files = stranded.reduce(0) { $0 + $1.files }
            out.append(
                AlertCondition(
                    type: .volumeRecreated, subject: claim, namespace: current.namespace, pvc: current.pvc,
                    pv: oldest.pv,
                    volumePath: oldest.path, numbers: [("BYTES", bytes), ("FILES", files)],
                    message: "PVC \(claim) was recreated: \(Format.size(bytes)) in \(files) files are stranded in "
                        + "\(stranded.map(\.path).joined(separator: ", ")); the current directory is \(current.path)"))
        }
        for v in live where v.state == "orphan" && v.files > 0 {
            out.append(
                AlertCondition(
                    type: .orphanVolume, subject: v.path, namespace: v.namespace, pvc: v.pvc, pv: v.pv,
                    volumePath: v.path,
                    numbers: [("BYTES", v.bytes), ("FILES", Int64(v.files))],
                    message:
                        "Volume directory \(v.path) is claimed by no PersistentVolume and holds \(Format.size(v.bytes)) "
                        + "in \(v.files) files"))
        }
        for v in live where v.state == "ephemeral" && v.files > 0 {
            out.append(
                AlertCondition(
                    type: .ephemeralWrites, subject: v.path, namespace: v.namespace, volumePath: v.path,
                    numbers: [("BYTES", v.bytes), ("FILES", Int64(v.files))],
                    message: "\(v.files) tracked files (\(Format.size(v.bytes))) are in an emptyDir volume "
                        + "(\(v.path)): they die with the pod"))
        }
        for p in problems where config.storageRoots.contains(p.path) {
            out.append(
                AlertCondition(
                    type: .storageRootUnavailable, subject: p.path, volumePath: p.path,
                    message: "Storage root \(p.path) cannot be read (\(p.error.message)); its volumes are not watched"))
        }
        return out
    }

    /// `file-vanished` (one per volume per cycle, with a count) and `file-truncated` (per file).
    func eventConditions(_ events: [ChangeEvent], volumes: [VolumeRecord], now: Int64) -> [AlertCondition] {
        let byPath = Dictionary(volumes.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [AlertCondition] = []
        var vanished: [String: [ChangeEvent]] = [:]
        for e in events {
            switch e.kind {
            case .deleted:
                // A deletion the track's retention explains is the application cleaning up.
                if let retention = config.track(e.track)?.retention, now - e.mtimeNs / 1_000_000_000 >= retention {
                    continue
                }
                vanished[e.volumePath, default: []].append(e)
            case .truncated, .replaced:
                guard let old = e.oldSize, let new = e.newSize, new < old else { continue }
                let v = byPath[e.volumePath]
                let path = e.volumePath + "/" + RawName.decoded(e.relativePath)
                out.append(
                    AlertCondition(
                        type: .fileTruncated, subject: path, namespace: v?.namespace, pvc: v?.pvc, pv: v?.pv,
                        volumePath: e.volumePath, track: e.track, filePath: path, numbers: [("BYTES", old - new)],
                        message: "An indexed file in \(Self.name(v, e.volumePath)) shrank from \(Format.size(old)) to "
                            + "\(Format.size(new)); data written to it is gone"))
            }
        }
        for (volumePath, list) in vanished {
            let v = byPath[volumePath]
            let bytes = list.reduce(0) { $0 + ($1.oldSize ?? 0) }
            let common = Self.commonDirectory(list.map(\.relativePath))
            out.append(
                AlertCondition(
                    type: .fileVanished, subject: volumePath, namespace: v?.namespace, pvc: v?.pvc, pv: v?.pv,
                    volumePath: volumePath, track: Set(list.map(\.track)).count == 1 ? list[0].track : nil,
                    filePath: volumePath + (common.isEmpty ? "" : "/" + RawName.decoded(common)),
                    numbers: [("BYTES", bytes), ("FILES", Int64(list.count))],
                    message:
                        "\(list.count) indexed file\(list.count == 1 ? "" : "s") (\(Format.size(bytes))) vanished from "
                        + "\(Self.name(v, volumePath)) before their retention",
                    occurrences: Int64(list.count)))
        }
        return out
    }

    /// `track-stale`: inside a track's active window, no file of it grew for `stale_after`.
    func trackConditions(
        lastWrites: [(volumeID: Int64, track: String, lastWriteNs: Int64)], volumes: [VolumeRecord], now: Int64
    )
        -> [AlertCondition]
    {
        let byID = Dictionary(volumes.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [AlertCondition] = []
        for track in config.tracks {
            guard let window = track.active, let staleAfter = track.staleAfter else { continue }
            let zone = track.timezone.flatMap { zones[$0] } ?? ZoneInfo()
            let local = zone.local(now)
            guard window.days.contains(local.weekday), local.minute >= window.startMinute,
                local.minute < window.endMinute,
                Int64(local.minute - window.startMinute) * 60 >= staleAfter
            else { continue }
            for w in lastWrites where w.track == track.name {
                guard let v = byID[w.volumeID], v.goneAt == nil, v.state == "current" || v.state == "unknown" else {
                    continue
                }
                let age = now - w.lastWriteNs / 1_000_000_000
                guard age > staleAfter else { continue }
                out.append(
                    AlertCondition(
                        type: .trackStale, subject: "\(v.path)#\(track.name)", namespace: v.namespace, pvc: v.pvc,
                        pv: v.pv,
                        volumePath: v.path, track: track.name, numbers: [("AGE_SECONDS", age)],
                        message:
                            "No \(track.name) file in \(Self.name(v, v.path)) grew for \(age / 60) minutes during its "
                            + "active window (\(window.text) \(track.timezone ?? "UTC"))"))
            }
        }
        return out
    }

    /// `link-conflict` and `link-unreachable` from the link states.
    static func linkConditions(_ statuses: [LinkStatus]) -> [AlertCondition] {
        statuses.compactMap { s in
            let type: AlertType
            switch s.state {
            case .conflict: type = .linkConflict
            case .unreachable: type = .linkUnreachable
            default: return nil
            }
            return AlertCondition(
                type: type, subject: s.link, namespace: s.namespace, pvc: s.pvc, volumePath: s.target, filePath: s.link,
                message: "Link \(s.link) for PVC \(s.namespace)/\(s.pvc): \(s.detail)")
        }
    }

    /// `track-gap`: once per volume, hourly track and finished active window.
    func gapConditions(_ inventory: Inventory, now: Int64, known: Set<String>) throws(InventoryError)
        -> [AlertCondition]
    {
        let finder = Gaps(config: config)
        var out: [AlertCondition] = []
        for track in config.tracks where track.hourly {
            guard let date = finder.lastFinishedDate(track, now: now) else { continue }
            for gap in try finder.gaps(inventory, track: track, date: date) {
                let subject = "\(gap.volume.path)#\(track.name)#\(date)"
                guard !known.contains(subject) else { continue }
                let hours = gap.missing.map { ($0 < 10 ? "0" : "") + "\($0):00" }.joined(separator: ", ")
                out.append(
                    AlertCondition(
                        type: .trackGap, subject: subject, namespace: gap.volume.namespace, pvc: gap.volume.pvc,
                        pv: gap.volume.pv, volumePath: gap.volume.path, track: track.name,
                        numbers: [("COUNT", Int64(gap.missing.count))],
                        message:
                            "\(Self.name(gap.volume, gap.volume.path)) has no \(track.name) file for \(hours) on \(date)",
                        occurrences: Int64(gap.missing.count)))
            }
        }
        return out
    }

    /// `capacity`: used bytes (allocated, as du counts them) over 90% of the volume's capacity
    /// warns, over 100% is an error; local-path ignores capacity, so nothing else will say it.
    /// Free space under 10% on a volume's file system warns.
    static func capacityConditions(
        _ volumes: [VolumeRecord], used: [String: Int64], freePercent: [String: Double]
    ) -> [AlertCondition] {
        var out: [AlertCondition] = []
        for v in volumes where v.goneAt == nil && v.state != "stale" {
            if let capacity = v.capacity, capacity > 0, let bytes = used[v.path], bytes * 10 > capacity * 9 {
                let percent = bytes * 100 / capacity
                out.append(
                    AlertCondition(
                        type: .capacity, subject: v.path, namespace: v.namespace, pvc: v.pvc, pv: v.pv,
                        volumePath: v.path,
                        numbers: [("BYTES", bytes), ("CAPACITY_BYTES", capacity)],
                        message:
                            "\(name(v, v.path)) uses \(Format.size(bytes)) of its \(Format.size(capacity)) (\(percent)%)",
                        priority: bytes > capacity ? 3 : 4))
            }
            if let free = freePercent[v.path], free < 10 {
                out.append(
                    AlertCondition(
                        type: .capacity, subject: v.path + "#filesystem", namespace: v.namespace, pvc: v.pvc, pv: v.pv,
                        volumePath: v.path,
                        message: "The file system of \(name(v, v.path)) has \(Int(free))% free space left"))
            }
        }
        return out
    }

    /// `ephemeral-writes`: tracked files in a container's writable layer, one alert per layer.
    static func ephemeralConditions(_ files: [EphemeralFile]) -> [AlertCondition] {
        Dictionary(grouping: files, by: \.snapshot).map { snapshot, list in
            let bytes = list.reduce(0) { $0 + $1.size }
            let who =
                list[0].pod.map { pod in "pod \(list[0].namespace.map { "\($0)/" } ?? "")\(pod)" }
                ?? "snapshot \(snapshot)"
            let dirs = Set(
                list.map { String($0.containerPath.split(separator: "/").dropLast().joined(separator: "/")) })
            return AlertCondition(
                type: .ephemeralWrites, subject: snapshot, namespace: list[0].namespace,
                filePath: dirs.count == 1 ? "/" + dirs.first! : nil,
                numbers: [("BYTES", bytes), ("FILES", Int64(list.count))],
                message:
                    "\(list.count) tracked files (\(Format.size(bytes))) are written into the writable layer of \(who), "
                    + "not into a volume: they vanish when the pod restarts")
        }
    }

    /// Expected mounts (`expect: true` with `mount:`): a volume no running container of its
    /// namespace mounts at that path, while containers of the namespace run. Returns the claims
    /// unmounted now; the caller applies the grace period.
    static func unmountedClaims(
        _ config: Config, mounts: [ContainerMount], containers: [ContainerMounts.Container]
    ) -> [VolumeConfig] {
        config.volumes.filter { v in
            guard v.expect, let path = v.mount else { return false }
            let running = containers.contains { $0.pod.namespace == v.namespace }
            let mounted = mounts.contains { $0.namespace == v.namespace && $0.pvc == v.pvc && $0.containerPath == path }
            return running && !mounted
        }
    }

    static func unmountedCondition(_ v: VolumeConfig, since: Int64, now: Int64) -> AlertCondition {
        AlertCondition(
            type: .volumeUnmounted, subject: v.claim, namespace: v.namespace, pvc: v.pvc,
            numbers: [("AGE_SECONDS", now - since)],
            message: "No running container in namespace \(v.namespace) mounts PVC \(v.claim) at \(v.mount ?? "?") "
                + "(for \((now - since) / 60) minutes); whatever it writes there is lost on restart")
    }

    static func name(_ v: VolumeRecord?, _ path: String) -> String {
        v?.claim.map { "PVC \($0)" } ?? "volume \(path)"
    }

    /// The deepest directory all relative paths share.
    static func commonDirectory(_ paths: [[UInt8]]) -> [UInt8] {
        guard var prefix = paths.first.map({ Array($0.split(separator: 0x2F).dropLast()) }) else { return [] }
        for p in paths.dropFirst() {
            let parts = Array(p.split(separator: 0x2F).dropLast())
            var n = 0
            while n < min(prefix.count, parts.count) && prefix[n].elementsEqual(parts[n]) { n += 1 }
            prefix = Array(prefix.prefix(n))
        }
        return Array(prefix.map { Array($0) }.joined(separator: [0x2F]))
    }
}
