/// Allocated space of a directory tree, as `du -s -B1 -x` reports it, within budgets.
package enum DiskUsage {
    /// How far one measurement may go. A tenant can grow a tree without bound, so the walk stops
    /// at these and says so (`Usage.limit`): the figures are then a lower bound.
    package struct Budget: Sendable, Equatable {
        /// How many levels below the root are counted (the root's own entries are level 1): a
        /// directory at the last level counts itself, not what is in it. Each level holds one
        /// descriptor and one 8 KiB listing buffer while it is being walked.
        package var maxDepth: Int
        /// Directory entries looked at below the root.
        package var maxEntries: Int

        package init(maxDepth: Int, maxEntries: Int) {
            self.maxDepth = maxDepth
            self.maxEntries = maxEntries
        }

        /// 256 levels (at most 2 MiB of buffers and 256 descriptors) and 10 million entries (a
        /// few seconds of fstatat on a warm cache): far beyond any application's data.
        package static let standard = Budget(maxDepth: 256, maxEntries: 10_000_000)
    }

    /// Which budget stopped a walk.
    package enum Limit: String, Sendable, Equatable {
        case depth, entries
    }

    /// One measurement of a tree.
    package struct Usage: Sendable, Equatable {
        /// `st_blocks * 512` summed over the root and everything below it on its device, each
        /// inode once: what `du -s -B1 -x` prints.
        package var bytes: Int64 = 0
        /// The part of `bytes` that is not directories: what the tree holds beyond its own
        /// bookkeeping. A tree of empty directories holds 0.
        package var dataBytes: Int64 = 0
        /// Regular files (each inode once).
        package var files = 0
        /// Entries looked at below the root.
        package var entries = 0
        /// Directories listed but not entered: they could not be opened, or were replaced
        /// (by a symlink, another directory, a mount) between listing and opening.
        package var skipped = 0
        /// The budget that stopped the walk, if one did.
        package var limit: Limit?

        package init() {}

        /// Whether something in the tree takes space (a directory holding only empty
        /// directories and empty files holds nothing).
        package var holdsData: Bool { dataBytes > 0 }
    }

    /// One level of the walk: a directory being listed and its inode (a bind mount of an
    /// ancestor on the same device must not loop the walk).
    private struct Level {
        let stream: DirectoryStream
        let inode: UInt64
    }

    /// Measures `root` and everything below it: directories, regular files, symlinks themselves,
    /// FIFOs, sockets and devices. An inode with more than one link counts once; entries on
    /// another device (mounts inside the tree) are left out with all below them. The walk goes
    /// by descriptor with `O_NOFOLLOW`, depth first with one listing buffer per level, so no
    /// symlink is ever followed and memory grows with depth, never with the number of entries.
    /// A directory that cannot be opened, or is no longer the one listed, counts itself but none
    /// of its entries, as `du` does.
    package static func measure(_ root: Descriptor, budget: Budget = .standard) -> Usage {
        var usage = Usage()
        guard let rootStat = try? root.stat(), rootStat.isDirectory else { return usage }
        let device = rootStat.device
        usage.bytes = rootStat.blocks * 512
        // Everything counted is on one device, so an inode number identifies a file.
        var linked = Set<UInt64>()
        var levels = [Level(stream: DirectoryStream(root), inode: rootStat.inode)]
        while let level = levels.last {
            guard let entry = level.stream.next() else {
                levels.removeLast()
                continue
            }
            guard usage.entries < budget.maxEntries else {
                usage.limit = .entries
                break
            }
            usage.entries += 1
            // lstat semantics: a symlink is measured as itself; a mount point reports the mounted root.
            guard let st = try? level.stream.directory.stat(named: entry.name), st.device == device else { continue }
            guard st.isDirectory else {
                if st.links > 1 && !linked.insert(st.inode).inserted { continue }
                usage.bytes += st.blocks * 512
                usage.dataBytes += st.blocks * 512
                if st.isRegular { usage.files += 1 }
                continue
            }
            // An ancestor again (a bind mount of it on the same device): a cycle, which du leaves out.
            guard !levels.contains(where: { $0.inode == st.inode }) else { continue }
            usage.bytes += st.blocks * 512
            guard levels.count < budget.maxDepth else {
                usage.limit = .depth
                continue
            }
            guard let dir = try? level.stream.directory.openDirectory(named: entry.name),
                let opened = try? dir.stat(), opened.isDirectory, opened.device == device, opened.inode == st.inode
            else {
                usage.skipped += 1
                continue
            }
            levels.append(Level(stream: DirectoryStream(dir), inode: st.inode))
        }
        return usage
    }

    /// `measure(root).bytes`: allocated bytes as `du -s -B1 -x` counts them (a lower bound when
    /// the standard budget stopped the walk).
    package static func allocatedBytes(_ root: Descriptor) -> Int64 { measure(root).bytes }
}
