import Alerting
import HostFS
import Inventory

/// Keeps `link:` paths (e.g. ~/observer/data) pointing at their PVC's current directory.
///
/// Home directories belong to their users, so the link's parent is reached by descriptor from
/// `/` down with O_NOFOLLOW: a `~/observer` swapped for a symlink to /etc is a conflict, never a
/// place to write. A real file or directory where the link should be is never moved or deleted.
/// The link is made under a temporary name and renamed into place (RENAME_NOREPLACE for a new
/// one, RENAME_EXCHANGE to retarget, checking what came back). A write the file system or the
/// sandbox refuses is `refused`, never a conflict: nothing is in the way then.
struct LinkManager {
    let config: Config
    let volumes: [VolumeRecord]

    func run(apply: Bool) -> [LinkStatus] {
        config.volumes.compactMap { v in v.link.map { handle(link: $0, volume: v, apply: apply) } }
    }

    private func handle(link: String, volume v: VolumeConfig, apply: Bool) -> LinkStatus {
        let live = volumes.filter { $0.goneAt == nil && $0.claim == v.claim }
        let target = (live.first { $0.state == .current } ?? live.first { $0.state == .unknown })?.path
        var status = LinkStatus(
            link: link, target: target, namespace: v.namespace, pvc: v.pvc, owner: nil, state: .ok, detail: "")
        let parts = link.split(separator: "/").map(String.init)
        guard let name = parts.last, !parts.contains(".."), !parts.contains(".") else {
            status.set(
                .conflict, "not a plain absolute path",
                hint: "make link: for \(v.claim) in \(config.source ?? Config.defaultPath) an absolute path "
                    + "without . or .. parts")
            return status
        }
        // Walk to the parent by descriptor; missing levels are created (on apply) for the owner
        // of the deepest existing one.
        var dir: Descriptor
        var owner = Owner(uid: 0, gid: 0)
        var shown = "/"
        do {
            dir = try Descriptor.openDirectory(path: "/")
            var created = false
            for (i, component) in parts.dropLast().enumerated() {
                shown = "/" + parts[0...i].joined(separator: "/")
                if !created, let st = try? dir.stat() { owner = Owner(uid: st.uid, gid: st.gid) }
                do {
                    dir = try dir.openDirectory(name: component)
                } catch  where error.code == .noEntry {
                    guard apply, target != nil else {
                        status.owner = owner
                        status.set(
                            .missing, "\(shown) does not exist",
                            hint: target == nil ? status.noVolume() : LinkStatus.apply)
                        return status
                    }
                    try dir.makeDirectory(named: component, mode: 0o755)
                    let made = try dir.openDirectory(name: component)
                    try made.chown(uid: owner.uid, gid: owner.gid)
                    dir = made
                    created = true
                } catch  where error.looksLikeTampering {
                    status.set(
                        .conflict, "\(shown) is a symlink or a file, not a directory; nothing was written",
                        hint: "\(shown) must be a real directory: " + LinkStatus.moveAside(shown))
                    return status
                }
            }
            if !created, let st = try? dir.stat() { owner = Owner(uid: st.uid, gid: st.gid) }
        } catch {
            failed(error, at: shown, &status)
            return status
        }
        status.owner = owner
        let parent = "/" + parts.dropLast().joined(separator: "/")
        do {
            try place(name: name, in: dir, target: target, owner: owner, apply: apply, status: &status)
        } catch {
            failed(error, at: parent, &status)
        }
        if status.state == .ok, let target {
            Reachability(uid: owner.uid, gid: owner.gid).ensure(target, apply: apply, status: &status)
        }
        return status
    }

    /// A system call failed on the way to `directory`: refused by the file system or the
    /// sandbox (nothing is in the way), or something swapped in while the link was made.
    private func failed(_ error: SystemError, at directory: String, _ status: inout LinkStatus) {
        if error.looksLikeTampering || error.code == .exists {
            status.set(
                .conflict, "something was put in the way while the link was made (\(error.description))",
                hint: "storage-agent links shows what is there; " + LinkStatus.moveAside(status.link))
        } else {
            status.set(
                .refused, "what the link needs was refused: \(error.description)",
                hint: LinkStatus.refusedHint(directory))
        }
    }

    private func place(
        name: String, in dir: Descriptor, target: String?, owner: Owner, apply: Bool, status: inout LinkStatus
    ) throws(SystemError) {
        let existing: FileStat
        do {
            existing = try dir.stat(name: name)
        } catch  where error.code == .noEntry {
            guard let target else {
                status.set(
                    .missing, "no current volume for \(status.namespace)/\(status.pvc)", hint: status.noVolume())
                return
            }
            guard apply else {
                status.set(.missing, "not created yet (links --apply)", hint: LinkStatus.apply)
                return
            }
            let temporary = try makeTemporary(in: dir, target: target, owner: owner, next: name)
            do {
                try dir.rename(temporary, to: name, mode: .noReplace)
            } catch {
                try? dir.removeSymlink(named: temporary)
                throw error
            }
            return
        }
        guard existing.type == .symlink else {
            status.set(.conflict, describe(existing, name: name, in: dir), hint: LinkStatus.moveAside(status.link))
            return
        }
        let current = try dir.readSymlink(named: name)
        if current == target {
            if apply, existing.uid != owner.uid || existing.gid != owner.gid {
                try dir.chown(named: name, uid: owner.uid, gid: owner.gid)
            }
            return
        }
        // A symlink into a storage root or to a known volume is ours to move; anything else is not.
        let ours =
            volumes.contains { $0.path == current } || config.storageRoots.contains { current.hasPrefix($0 + "/") }
        guard ours else {
            // Its target is the home owner's text: it stays out of the detail (and so of MESSAGE).
            status.set(
                .conflict, "a symlink that storage-agent did not make is there; it was left as it is",
                hint: "see where it points (ls -l \(LinkStatus.shell(status.link))); if it is not needed, remove it by "
                    + "hand (sudo rm \(LinkStatus.shell(status.link))), then \(LinkStatus.apply)")
            return
        }
        guard let target else {
            status.set(
                .staleTarget, "points at \(current); \(status.namespace)/\(status.pvc) has no current volume",
                hint: status.noVolume())
            return
        }
        guard apply else {
            status.set(.staleTarget, "points at \(current), not the current volume", hint: LinkStatus.apply)
            return
        }
        let temporary = try makeTemporary(in: dir, target: target, owner: owner, next: name)
        try dir.rename(temporary, to: name, mode: .exchange)
        // What came back under the temporary name must be the old symlink; if someone raced a
        // real file in, swap it back and leave both alone.
        let returned = try dir.stat(name: temporary)
        if returned.type == .symlink {
            try dir.removeSymlink(named: temporary)
        } else {
            try dir.rename(temporary, to: name, mode: .exchange)
            try dir.removeSymlink(named: temporary)
            status.set(
                .conflict, "something replaced the link while it was being moved; left alone",
                hint: "storage-agent links shows what is there; " + LinkStatus.moveAside(status.link))
        }
    }

    private func makeTemporary(in dir: Descriptor, target: String, owner: Owner, next name: String) throws(SystemError)
        -> String
    {
        let temporary = ".\(name).storage-agent-\(CurrentProcess.id)"
        try? dir.removeSymlink(named: temporary)  // a leftover of ours from a crash
        try dir.makeSymlink(named: temporary, target: target)
        try dir.chown(named: temporary, uid: owner.uid, gid: owner.gid)
        return temporary
    }

    /// "a directory with 12 files, 3.4M" for the conflict message: measured by the bounded du
    /// walk (the home owner can grow it without limit).
    private func describe(_ st: FileStat, name: String, in dir: Descriptor) -> String {
        switch st.type {
        case .directory:
            guard let sub = try? dir.openDirectory(name: name) else { return "a directory is there" }
            let usage = DiskUsage.measure(sub, budget: DiskUsage.Budget(maxDepth: 64, maxEntries: 1_000_000))
            let more = usage.limit == nil ? "" : " or more"
            return "a directory with \(usage.files)\(more) files, \(Format.size(usage.bytes))\(more) is there; "
                + "it was left as it is"
        case .regular: return "a regular file of \(Format.size(st.size)) is there; it was left as it is"
        default: return "a special file is there; it was left as it is"
        }
    }
}
