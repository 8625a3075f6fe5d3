internal import Glibc

/// Allocated space of a directory tree, as `du -s -B1 -x` reports it.
package enum DiskUsage {
    private struct Pending {
        /// Kept alive by the entries still to visit in it; closed after the last one.
        let parent: Descriptor
        let name: [CChar]
        /// What fstatat saw when it was listed; the opened directory must be the same one.
        let inode: UInt64
    }

    /// The sum of `st_blocks * 512` over `root` and everything below it: directories, regular
    /// files, symlinks themselves, FIFOs, sockets and devices. An inode with more than one link
    /// counts once, and entries on another device (mounts inside the tree) are left out, with all
    /// below them. Walks by descriptor with `O_NOFOLLOW` and an explicit stack, so no symlink is
    /// ever followed and no depth is too deep. A directory that cannot be opened (or was swapped
    /// mid-walk) counts itself but none of its entries, as `du` does.
    package static func allocatedBytes(_ root: Descriptor) -> Int64 {
        guard let rootStat = try? root.stat() else { return 0 }
        let device = rootStat.device
        var total = rootStat.blocks * 512
        // Everything counted is on one device, so an inode number identifies a file.
        var linked = Set<UInt64>()
        // Directories entered: a bind mount of an ancestor on the same device cannot loop the walk.
        var entered: Set<UInt64> = [rootStat.inode]
        var stack: [Pending] = []
        list(root, device: device, total: &total, linked: &linked, stack: &stack)
        while let next = stack.popLast() {
            let dir: Descriptor
            do {
                dir = try next.parent.openDirectory(cName: next.name)
            } catch {
                continue
            }
            guard let st = try? dir.stat(), st.isDirectory, st.device == device, st.inode == next.inode,
                entered.insert(st.inode).inserted
            else { continue }
            list(dir, device: device, total: &total, linked: &linked, stack: &stack)
        }
        return total
    }

    /// Counts every entry of `dir` and queues its subdirectories.
    private static func list(
        _ dir: Descriptor, device: UInt64, total: inout Int64, linked: inout Set<UInt64>, stack: inout [Pending]
    ) {
        try? dir.forEachEntry { entry in
            // lstat semantics: a symlink is measured as itself; a mount point reports the mounted root.
            guard let st = try? dir.stat(named: entry.name), st.device == device else { return }
            if st.isDirectory {
                stack.append(
                    Pending(
                        parent: dir, name: Array(UnsafeBufferPointer(start: entry.name, count: entry.nameLength + 1)),
                        inode: st.inode))
            } else if st.links > 1 && !linked.insert(st.inode).inserted {
                return
            }
            total += st.blocks * 512
        }
    }
}
