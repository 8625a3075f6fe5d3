internal import Glibc

/// What an ownership walk did or would do.
package struct OwnershipReport: Sendable {
    package var checked = 0
    package var changed = 0
    /// Regular files that lost a `security.capability` attribute (or would, in a dry run).
    package var capabilitiesRemoved = 0
    /// Regular files that lost setuid or setgid bits (or would, in a dry run).
    package var setIDCleared = 0
    /// Relative paths changed (only when `recordPaths`).
    package var changedPaths: [[UInt8]] = []
    /// Previous owner uid -> entries changed away from it (other than root-created ones too).
    package var previousOwners: [UInt32: Int] = [:]
    /// Owner uid -> regular files walked (changed or not): whose files the volume holds.
    package var fileOwners: [UInt32: Int] = [:]
    /// Entries left alone on purpose, with the reason (hard links, odd names).
    package var refused: [(path: [UInt8], reason: String)] = []
    /// Subtrees that could not be walked (another file system, swapped mid-walk, unreadable).
    package var skipped: [(path: [UInt8], reason: String)] = []

    package init() {}
}

/// Gives a tree to one owner, safely against whatever a container planted in it.
///
/// Rules (design.md, security): walk by descriptor with `O_NOFOLLOW`; change only directories
/// and regular files, through the descriptor that was fstat'ed (`AT_EMPTY_PATH`); never follow
/// or change a symlink, device, FIFO or socket; refuse regular files with more than one link (a
/// hard link to /etc/shadow must not become the container's); stay on the root's device; clear
/// setuid and setgid bits and `security.capability` from every regular file visited, whether or
/// not its owner changes; iterate, so no depth blows the stack.
package struct OwnershipWalk: Sendable {
    package var uid: UInt32
    package var gid: UInt32
    package var dryRun = false
    package var recordPaths = false

    package init(uid: UInt32, gid: UInt32, dryRun: Bool = false, recordPaths: Bool = false) {
        self.uid = uid
        self.gid = gid
        self.dryRun = dryRun
        self.recordPaths = recordPaths
    }

    private struct Pending {
        let parent: Descriptor
        let name: [CChar]
        let path: [UInt8]
    }

    /// Walks `root` (the directory at `path`, relative to the volume). With `recursive` false,
    /// only the directory and its direct entries are checked (the daemon's inotify batches).
    package func run(_ root: Descriptor, path: [UInt8] = [], recursive: Bool = true) -> OwnershipReport {
        var report = OwnershipReport()
        guard let rootStat = try? root.stat() else {
            report.skipped.append((path, "cannot stat"))
            return report
        }
        var stack: [Pending] = []
        visit(root, rootStat, path: path, device: rootStat.device, recursive: recursive, stack: &stack, report: &report)
        while let next = stack.popLast() {
            let dir: Descriptor
            do {
                dir = try next.parent.openDirectory(cName: next.name)
            } catch {
                report.skipped.append(
                    (next.path, error.looksLikeTampering ? "swapped for a non-directory" : error.message))
                continue
            }
            guard let st = try? dir.stat(), st.isDirectory else { continue }
            guard st.device == rootStat.device else {
                report.skipped.append((next.path, "on another file system"))
                continue
            }
            visit(dir, st, path: next.path, device: rootStat.device, recursive: true, stack: &stack, report: &report)
        }
        return report
    }

    private func visit(
        _ dir: Descriptor, _ st: FileStat, path: [UInt8], device: UInt64, recursive: Bool, stack: inout [Pending],
        report: inout OwnershipReport
    ) {
        fix(dir, st, path: path, report: &report)
        do {
            try dir.forEachEntry { entry in
                let childPath = path.isEmpty ? Array(entry.nameBytes) : path + [0x2F] + entry.nameBytes
                if entry.nameBytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                    report.refused.append((childPath, "name contains control characters"))
                    return
                }
                var type = entry.type
                if type == .unknown { type = (try? dir.stat(named: entry.name))?.type ?? .unknown }
                switch type {
                case .directory:
                    if recursive {
                        stack.append(
                            Pending(
                                parent: dir,
                                name: Array(UnsafeBufferPointer(start: entry.name, count: entry.nameLength + 1)),
                                path: childPath))
                    } else if let child = try? dir.openDirectory(named: entry.name), let cst = try? child.stat(),
                        cst.device == device
                    {
                        fix(child, cst, path: childPath, report: &report)
                    }
                case .regular:
                    // O_PATH | O_NOFOLLOW: nothing is opened for reading, a swapped-in symlink stays a symlink.
                    guard let handle = try? dir.openPath(named: entry.name), let fst = try? handle.stat() else {
                        return
                    }
                    guard fst.isRegular else { return }
                    guard fst.device == device else { return }
                    if fst.links > 1 {
                        // Left as it is, but a privilege it carries is reported: the walk cannot take it away.
                        if fst.mode & UInt32(S_ISUID | S_ISGID) != 0
                            || (try? handle.fgetxattrExists(Self.capabilityAttribute)) == true
                        {
                            report.refused.append(
                                (
                                    childPath,
                                    "hard-linked (\(fst.links) links) and privileged (setuid, setgid or file capabilities); it may be a file outside the volume"
                                ))
                        } else if fst.uid != uid || fst.gid != gid {
                            report.refused.append(
                                (childPath, "hard-linked (\(fst.links) links); it may be a file outside the volume"))
                        }
                        return
                    }
                    fix(handle, fst, path: childPath, report: &report)
                default:
                    // Symlinks, devices, FIFOs and sockets are never followed or changed.
                    return
                }
            }
        } catch {
            report.skipped.append((path, "cannot list: \(error)"))
        }
    }

    private func fix(_ handle: Descriptor, _ st: FileStat, path: [UInt8], report: inout OwnershipReport) {
        report.checked += 1
        if st.isRegular { report.fileOwners[st.uid, default: 0] += 1 }
        let special = UInt32(S_ISUID | S_ISGID)
        let clearBits = st.isRegular && st.mode & special != 0
        let ownerDiffers = st.uid != uid || st.gid != gid
        // A file capability makes an executable privileged whoever owns it: it goes from every
        // regular file, not only from those whose owner changes (looked up first: a lookup is
        // cheaper than a removal, and an immutable file refuses even the removal of nothing).
        let hasCapability = st.isRegular && ((try? handle.fgetxattrExists(Self.capabilityAttribute)) ?? false)
        guard ownerDiffers || clearBits || hasCapability else { return }
        if !dryRun {
            do {
                // Before chown, which may clear it by itself; ENODATA is fine.
                if hasCapability { try handle.fremovexattr(Self.capabilityAttribute) }
                if ownerDiffers { try handle.chown(uid: uid, gid: gid) }
                // chown usually clears them; make sure, on the same inode.
                if st.isRegular, let after = try? handle.stat(), after.mode & special != 0 {
                    try handle.chmod(after.permissions & ~special)
                }
            } catch {
                report.refused.append((path, error.message))
                return
            }
        }
        // Counted only once done (or, in a dry run, once it would be): a refused chown is not drift fixed.
        report.changed += 1
        if hasCapability { report.capabilitiesRemoved += 1 }
        if clearBits { report.setIDCleared += 1 }
        if ownerDiffers && st.uid != uid { report.previousOwners[st.uid, default: 0] += 1 }
        if recordPaths { report.changedPaths.append(path) }
    }

    /// The extended attribute holding file capabilities (capabilities(7), setcap(8)).
    static let capabilityAttribute = "security.capability"
}
