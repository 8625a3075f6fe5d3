import Alerting
import HostFS
import Inventory

/// One friendly link and what is true about it.
struct LinkStatus: Sendable {
    enum State: String, Sendable {
        case ok, missing, conflict, unreachable
        case staleTarget = "stale-target"
    }

    var link: String
    var target: String?
    var namespace: String
    var pvc: String
    var owner: Owner?
    var state: State
    /// What is wrong, in words (empty when ok).
    var detail: String

    /// What the alert rules see of it: conflicts and unreachable links.
    var problem: LinkProblem? {
        let kind: LinkProblem.Kind
        switch state {
        case .conflict: kind = .conflict
        case .unreachable: kind = .unreachable
        case .ok, .missing, .staleTarget: return nil
        }
        return LinkProblem(kind: kind, link: link, target: target, namespace: namespace, pvc: pvc, detail: detail)
    }
}

/// Keeps `link:` paths (e.g. ~/observer/data) pointing at their PVC's current directory.
///
/// Home directories belong to their users, so the link's parent is reached by descriptor from
/// `/` down with O_NOFOLLOW: a `~/observer` swapped for a symlink to /etc is a conflict, never a
/// place to write. A real file or directory where the link should be is never moved or deleted.
/// The link is made under a temporary name and renamed into place (RENAME_NOREPLACE for a new
/// one, RENAME_EXCHANGE to retarget, checking what came back).
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
            status.state = .conflict
            status.detail = "not a plain absolute path"
            return status
        }
        // Walk to the parent by descriptor; missing levels are created (on apply) for the owner
        // of the deepest existing one.
        var dir: Descriptor
        var owner = Owner(uid: 0, gid: 0)
        do {
            dir = try Descriptor.openDirectory(path: "/")
            var created = false
            for (i, component) in parts.dropLast().enumerated() {
                let shown = "/" + parts[0...i].joined(separator: "/")
                if !created, let st = try? dir.stat() { owner = Owner(uid: st.uid, gid: st.gid) }
                do {
                    dir = try dir.openDirectory(name: component)
                } catch  where error.code == .noEntry {
                    guard apply, target != nil else {
                        status.owner = owner
                        status.state = .missing
                        status.detail = "\(shown) does not exist"
                        return status
                    }
                    try dir.makeDirectory(named: component, mode: 0o755)
                    let made = try dir.openDirectory(name: component)
                    try made.chown(uid: owner.uid, gid: owner.gid)
                    dir = made
                    created = true
                } catch  where error.looksLikeTampering {
                    status.state = .conflict
                    status.detail = "\(shown) is a symlink or a file, not a directory; nothing was written"
                    return status
                }
            }
            if !created, let st = try? dir.stat() { owner = Owner(uid: st.uid, gid: st.gid) }
        } catch {
            status.state = .conflict
            status.detail = error.description
            return status
        }
        status.owner = owner
        do {
            try place(name: name, in: dir, target: target, owner: owner, apply: apply, status: &status)
        } catch {
            status.state = .conflict
            status.detail = error.description
        }
        if status.state == .ok, let target {
            Reachability(uid: owner.uid, gid: owner.gid).ensure(target, apply: apply, status: &status)
        }
        return status
    }

    private func place(
        name: String, in dir: Descriptor, target: String?, owner: Owner, apply: Bool, status: inout LinkStatus
    ) throws(SystemError) {
        let existing: FileStat
        do {
            existing = try dir.stat(name: name)
        } catch  where error.code == .noEntry {
            guard let target else {
                status.state = .missing
                status.detail = "no current volume for \(status.namespace)/\(status.pvc)"
                return
            }
            guard apply else {
                status.state = .missing
                status.detail = "not created yet (links --apply)"
                return
            }
            let temporary = try makeTemporary(in: dir, target: target, owner: owner, next: name)
            do {
                try dir.rename(temporary, to: name, mode: .noReplace)
            } catch {
                try? dir.removeSymlink(named: temporary)
                status.state = .conflict
                status.detail = "something appeared at the link while it was being made"
            }
            return
        }
        guard existing.type == .symlink else {
            status.state = .conflict
            status.detail = describe(existing, name: name, in: dir)
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
            status.state = .conflict
            status.detail = "a symlink to \(current) that storage-agent did not make"
            return
        }
        guard let target else {
            status.state = .staleTarget
            status.detail = "points at \(current); \(status.namespace)/\(status.pvc) has no current volume"
            return
        }
        guard apply else {
            status.state = .staleTarget
            status.detail = "points at \(current), not the current volume"
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
            status.state = .conflict
            status.detail = "something replaced the link while it was being moved; left alone"
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

    /// "a directory with 12 files, 3.4M" for the conflict message.
    private func describe(_ st: FileStat, name: String, in dir: Descriptor) -> String {
        switch st.type {
        case .directory:
            guard let sub = try? dir.openDirectory(name: name) else { return "a directory is there" }
            var files = 0
            var bytes: Int64 = 0
            var stack = [sub]
            while let d = stack.popLast(), files < 1_000_000 {
                try? d.forEachEntry { e in
                    if e.type == .directory {
                        if let s = try? d.openDirectory(named: e.name) { stack.append(s) }
                    } else if let s = try? d.stat(named: e.name), s.isRegular {
                        files += 1
                        bytes += s.size
                    }
                }
            }
            return "a directory with \(files) files, \(Format.size(bytes)) is there; it was left as it is"
        case .regular: return "a regular file of \(Format.size(st.size)) is there; it was left as it is"
        default: return "a special file is there; it was left as it is"
        }
    }
}
