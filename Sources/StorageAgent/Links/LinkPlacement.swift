import Alerting
import HostFS

/// The part of a friendly link that happens inside a home: done with the credentials of the
/// process running it, which is the home's owner (`LinkManager` runs it in a child that dropped
/// to that user for good), so nothing there is created or changed by root and nothing is chowned.
///
/// The parent is reached by descriptor from `/` down with O_NOFOLLOW: a `~/observer` swapped for
/// a symlink to /etc is a conflict, never a place to write. A real file or directory where the
/// link should be is never moved or deleted. The link is made under a temporary name and renamed
/// into place (RENAME_NOREPLACE for a new one, RENAME_EXCHANGE to retarget, checking what came
/// back). A write the file system or the sandbox refuses is `refused`, never a conflict.
struct LinkPlacement {
    /// The link's absolute path, already checked to be plain (no `.` or `..` parts).
    var link: String
    /// What it should point at (the volume's exposure), nil when the PVC has no volume.
    var pointTo: String?
    /// Symlink targets that are storage-agent's to move: exact paths and path prefixes.
    var oursExact: [String] = []
    var oursPrefixes: [String] = []
    var apply: Bool
    /// Whether to check that this user can list `pointTo` (only once something is mounted there).
    var checkAccess = false
    var namespace: String
    var pvc: String

    /// Only state, detail and hint of the result are set here.
    func perform() -> LinkStatus {
        var status = LinkStatus(
            link: link, target: pointTo, namespace: namespace, pvc: pvc, owner: nil, state: .ok, detail: "")
        let parts = link.split(separator: "/").map(String.init)
        guard let name = parts.last else { return status }
        var dir: Descriptor
        var shown = "/"
        do {
            dir = try Descriptor.openDirectory(path: "/")
            for (i, component) in parts.dropLast().enumerated() {
                shown = "/" + parts[0...i].joined(separator: "/")
                do {
                    dir = try dir.openDirectory(name: component)
                } catch  where error.code == .noEntry {
                    guard apply, pointTo != nil else {
                        status.set(
                            .missing, "\(shown) does not exist",
                            hint: pointTo == nil ? status.noVolume() : LinkStatus.apply)
                        return status
                    }
                    try dir.makeDirectory(named: component, mode: 0o755)
                    dir = try dir.openDirectory(name: component)
                } catch  where error.looksLikeTampering {
                    status.set(
                        .conflict, "\(shown) is a symlink or a file, not a directory; nothing was written",
                        hint: "\(shown) must be a real directory: " + LinkStatus.moveAside(shown))
                    return status
                }
            }
        } catch {
            failed(error, at: shown, &status)
            return status
        }
        let parent = "/" + parts.dropLast().joined(separator: "/")
        do {
            try place(name: name, in: dir, status: &status)
        } catch {
            failed(error, at: parent, &status)
        }
        // Whether this user can use it: the exposure's own mode bits are the volume's.
        if status.state == .ok, checkAccess, let pointTo, let refused = HostPath.listingRefused(pointTo) {
            status.set(
                .unreachable, "uid \(Credentials.userID) cannot list \(pointTo): \(refused.message)",
                hint: "the volume's mode keeps its link's owner out: ls -ld \(LinkStatus.shell(pointTo)); "
                    + "let the owner in (its group, or o+rx), or link it for a user the volume lets in")
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
        } else if Credentials.userID != 0 && (error.code == .permissionDenied || error.code == .notPermitted) {
            // Done as the home's owner: a directory there the owner may not write stops it, as it
            // would stop them.
            let uid = Credentials.userID
            status.set(
                .refused, "what the link needs was refused to uid \(uid): \(error.description)",
                hint: "let uid \(uid) write \(LinkStatus.shell(directory)) (it is in their home: sudo chown \(uid) "
                    + "\(LinkStatus.shell(directory))), then \(LinkStatus.apply)")
        } else {
            status.set(
                .refused, "what the link needs was refused: \(error.description)",
                hint: LinkStatus.refusedHint(directory))
        }
    }

    private func place(name: String, in dir: Descriptor, status: inout LinkStatus) throws(SystemError) {
        let existing: FileStat
        do {
            existing = try dir.stat(name: name)
        } catch  where error.code == .noEntry {
            guard let pointTo else {
                status.set(.missing, "no current volume for \(namespace)/\(pvc)", hint: status.noVolume())
                return
            }
            guard apply else {
                status.set(.missing, "not created yet (links --apply)", hint: LinkStatus.apply)
                return
            }
            let temporary = try makeTemporary(in: dir, target: pointTo, next: name)
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
        if current == pointTo { return }
        // A symlink to an exposure, into a storage root or to a known volume is ours to move
        // (earlier versions pointed links straight at the volume); anything else is not.
        let ours = oursExact.contains(current) || oursPrefixes.contains { current.hasPrefix($0) }
        guard ours else {
            // Its target is the home owner's text: it stays out of the detail (and so of MESSAGE).
            status.set(
                .conflict, "a symlink that storage-agent did not make is there; it was left as it is",
                hint: "see where it points (ls -l \(LinkStatus.shell(status.link))); if it is not needed, remove it by "
                    + "hand (sudo rm \(LinkStatus.shell(status.link))), then \(LinkStatus.apply)")
            return
        }
        guard let pointTo else {
            status.set(
                .staleTarget, "points at \(current); \(namespace)/\(pvc) has no current volume",
                hint: status.noVolume())
            return
        }
        guard apply else {
            status.set(.staleTarget, "points at \(current), not the current volume", hint: LinkStatus.apply)
            return
        }
        let temporary = try makeTemporary(in: dir, target: pointTo, next: name)
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

    private func makeTemporary(in dir: Descriptor, target: String, next name: String) throws(SystemError) -> String {
        let temporary = ".\(name).storage-agent-\(CurrentProcess.id)"
        try? dir.removeSymlink(named: temporary)  // a leftover of ours from a crash
        try dir.makeSymlink(named: temporary, target: target)
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
