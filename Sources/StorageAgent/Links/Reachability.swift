import HostFS

/// Whether a user can reach a volume through the path above it, and the fix when not: k3s keeps
/// the storage root at 0700, so a symlink into it does not resolve for `ubuntu`. A POSIX ACL entry
/// `u:<uid>:--x` on each blocking ancestor gives traverse only (no listing), and `r-x` on the
/// volume directory lets the user list it. k3s's setup script re-runs `chmod 700`, which masks
/// ACL entries, so this is checked and repaired on every reconcile.
struct Reachability {
    let uid: UInt32
    let gid: UInt32

    func ensure(_ target: String, apply: Bool, status: inout LinkStatus) {
        guard uid != 0 else { return }
        let parts = target.split(separator: "/").map(String.init)
        var ancestors = ["/"]
        var p = ""
        for part in parts {
            p += "/" + part
            ancestors.append(p)
        }
        for (i, directory) in ancestors.enumerated() {
            let isVolume = i == ancestors.count - 1
            let needed: UInt16 = isVolume ? 5 : 1  // r-x on the volume, --x above it
            guard let dir = try? Descriptor.openPath(directory, followSymlinks: false), let st = try? dir.stat() else {
                status.set(
                    .unreachable, "\(directory) cannot be opened",
                    hint: "storage-agent pvc list shows where the volume is now; then \(LinkStatus.apply)")
                return
            }
            guard !allowed(st, dir, needed) else { continue }
            let access = "uid \(uid) cannot \(isVolume ? "list" : "traverse") \(directory)"
            guard apply else {
                status.set(.unreachable, access + " (links --apply adds an ACL entry)", hint: LinkStatus.apply)
                return
            }
            do {
                var acl = try dir.accessACL(mode: st.mode)
                acl.grant(user: uid, permissions: needed)
                try dir.setAccessACL(acl)
            } catch {
                if error.isRefusal {
                    status.set(
                        .refused, access + "; adding the ACL entry was refused: \(error.description)",
                        hint: LinkStatus.refusedHint(directory))
                } else {
                    status.set(
                        .unreachable, access + "; the ACL entry could not be added: \(error.description)",
                        hint: "the file system may not support POSIX ACLs (findmnt -T \(LinkStatus.shell(directory)))")
                }
                return
            }
            guard let after = try? dir.stat(), allowed(after, dir, needed) else {
                status.set(
                    .unreachable, "uid \(uid) still cannot reach \(directory)",
                    hint: "an ACL mask or a mount option blocks it: getfacl \(LinkStatus.shell(directory))")
                return
            }
        }
    }

    /// The kernel's check (acl(5) access algorithm) for this uid and primary gid.
    func allowed(_ st: FileStat, _ dir: Descriptor, _ needed: UInt16) -> Bool {
        let mode = UInt16(st.mode & 0o777)
        if st.uid == uid { return (mode >> 6) & needed == needed }
        let acl = try? dir.accessACL(mode: st.mode)
        if let permissions = acl?.effectivePermissions(user: uid) { return permissions & needed == needed }
        if st.gid == gid { return (mode >> 3) & needed == needed }
        return mode & needed == needed
    }
}
