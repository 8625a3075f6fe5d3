import HostFS
import Inventory

/// Keeps `link:` paths (e.g. ~/observer/data) pointing at their PVC's current volume, as shown
/// through its exposure (`Exposure`: a `nosuid,nodev` bind mount of that one volume).
///
/// Everything inside the home is done by its owner: as root, `LinkPlacement` runs in a child
/// (`link-as-user`) that drops to the owner's uid, gid and groups for good before it touches
/// anything, so a name the user swaps between a symlink and a hard link can never make root
/// create, chown or replace a file anywhere. Root only reads here: whose the path is, and
/// whether the exposure is mounted.
struct LinkManager {
    let config: Config
    let volumes: [VolumeRecord]

    static let childTimeoutSeconds = 30

    func run(apply: Bool) -> [LinkStatus] {
        config.volumes.compactMap { v in v.link.map { handle(link: $0, volume: v, apply: apply) } }
    }

    private func handle(link: String, volume v: VolumeConfig, apply: Bool) -> LinkStatus {
        let volume = Exposure.volume(for: v.claim, in: volumes)
        var status = LinkStatus(
            link: link, target: volume?.path, namespace: v.namespace, pvc: v.pvc, owner: nil, state: .ok, detail: "")
        let parts = link.split(separator: "/").map(String.init)
        guard link.hasPrefix("/"), parts.count > 1, !parts.contains(".."), !parts.contains(".") else {
            status.set(
                .conflict, "not a plain absolute path",
                hint: "make link: for \(v.claim) in \(config.source ?? Config.defaultPath) an absolute path "
                    + "without . or .. parts, below a directory")
            return status
        }
        let exposure = volume.flatMap { vol in
            WritablePaths.grantable(vol.path) ? Exposure(namespace: v.namespace, pvc: v.pvc, source: vol.path) : nil
        }
        status.via = exposure?.path
        if volume != nil && exposure == nil {
            status.set(
                .refused, "the volume's path has a character a mount unit cannot carry; it cannot be exposed",
                hint: "link a volume whose path has no space, quote, %, : or control byte")
            return status
        }
        let owner = Self.owner(of: parts.dropLast())
        status.owner = owner
        let mounted = exposure?.isMounted ?? false
        let placement = LinkPlacement(
            link: link, pointTo: exposure?.path, oursExact: volumes.map(\.path),
            oursPrefixes: [Exposure.root + "/"] + config.storageRoots.map { $0 + "/" }, apply: apply,
            checkAccess: mounted, namespace: v.namespace, pvc: v.pvc)
        let placed =
            Credentials.effectiveUserID == 0 && owner.uid != 0
            ? Self.asUser(owner, placement) : placement.perform()
        status.set(placed.state, placed.detail, hint: placed.hint)
        if status.state == .ok, let exposure, !mounted {
            status.set(
                .unreachable, "the volume is not mounted at \(exposure.path) (nosuid,nodev) yet",
                hint: "sudo systemctl reload storage-agent (its unit-sync mounts the links' volumes); "
                    + "then systemctl status \(LinkStatus.shell(exposure.unitName))")
        }
        return status
    }

    /// Who acts for the link: the owner of the deepest directory that exists on the way to its
    /// parent or, when that one is root's, of the nearest one above it that is not (whoever
    /// owns a directory can replace everything below it). Root when every step is root's.
    /// Read by descriptor with O_NOFOLLOW, stopping at anything that is not a directory.
    static func owner(of parents: ArraySlice<String>) -> Owner {
        var owners: [Owner] = []
        guard var dir = try? Descriptor.openDirectory(path: "/") else { return Owner(uid: 0, gid: 0) }
        if let st = try? dir.stat() { owners.append(Owner(uid: st.uid, gid: st.gid)) }
        for component in parents {
            guard let next = try? dir.openDirectory(name: component), let st = try? next.stat() else { break }
            owners.append(Owner(uid: st.uid, gid: st.gid))
            dir = next
        }
        return owners.last { $0.uid != 0 } ?? Owner(uid: 0, gid: 0)
    }

    /// `placement` run by `owner`: a child of this executable that drops to the owner's uid, its
    /// login's primary group (else the directory's group) and groups, then does the work.
    static func asUser(_ owner: Owner, _ placement: LinkPlacement) -> LinkStatus {
        var status = LinkStatus(
            link: placement.link, target: placement.pointTo, namespace: placement.namespace, pvc: placement.pvc,
            owner: nil, state: .ok, detail: "")
        var arguments = [
            "link-as-user", "--uid", String(owner.uid), "--gid", String(owner.gid), "--link", placement.link,
            "--namespace", placement.namespace, "--pvc", placement.pvc,
        ]
        if let to = placement.pointTo { arguments += ["--to", to] }
        for p in placement.oursExact { arguments += ["--ours", p] }
        for p in placement.oursPrefixes { arguments += ["--ours-prefix", p] }
        if placement.apply { arguments.append("--apply") }
        if placement.checkAccess { arguments.append("--check-access") }
        guard let child = Subprocess.thisExecutable(arguments, timeoutSeconds: childTimeoutSeconds) else {
            status.set(.refused, "cannot find this executable to act as uid \(owner.uid)", hint: LinkStatus.apply)
            return status
        }
        let outcome: Subprocess.Outcome
        do {
            outcome = try child.run()
        } catch {
            status.set(.refused, "cannot act as uid \(owner.uid): \(error.message)", hint: LinkStatus.apply)
            return status
        }
        let lines = String(decoding: outcome.output, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false)
        guard outcome.succeeded, lines.count >= 3, let state = LinkStatus.State(rawValue: String(lines[0])) else {
            let why: String =
                switch outcome.termination {
                case .timedOut: "it did not finish within \(childTimeoutSeconds)s"
                case .exited(let code): "it exited with status \(code)"
                default: "it ended with \(outcome.termination)"
                }
            status.set(
                .refused, "the link could not be handled as uid \(owner.uid): \(why)",
                hint: "journalctl -u storage-agent shows why; then \(LinkStatus.apply)")
            return status
        }
        status.set(state, String(lines[1]), hint: String(lines[2]))
        return status
    }
}
