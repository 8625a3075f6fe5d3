import Foundation
import Glibc
import HostFS
import Synchronization
import TestSupport
import Testing

/// `DiskUsage.allocatedBytes` against the real `du -s -B1 -x` on real trees.
@Suite(.serialized) struct DiskUsageTests {
    func measure(_ path: String) throws -> Int64 {
        DiskUsage.allocatedBytes(try Descriptor.openDirectory(path: path))
    }

    func bytes(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    /// Blocks of one file as lstat(2) reports them, in bytes.
    func allocated(_ path: String) -> Int64 {
        var st = stat()
        #expect(lstat(path, &st) == 0)
        return Int64(st.st_blocks) * 512
    }

    @Test func equalsDuOnFilesOfVariedSizesSparseFilesSpecialFilesAndLongSymlinks() throws {
        let t = try TempDir("du")
        defer { t.remove() }
        let v = t.sub("volume")
        try makeDirectory(v)
        for d in ["/a", "/a/b", "/a/b/c", "/empty", "/logs"] { try makeDirectory(v + d) }
        for (i, size) in [0, 1, 511, 512, 4095, 4096, 4097, 65_537, 1_000_000].enumerated() {
            try writeFile(v + "/a/b/f\(i).jsonl", bytes(size))
        }
        for i in 0..<300 { try writeFile(v + "/logs/\(i).log", bytes(i * 13)) }
        // Sparse: 64 MiB apparent, a few KiB allocated.
        let fd = open(v + "/a/sparse.bin", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        #expect(fd >= 0)
        #expect(ftruncate(fd, 64 << 20) == 0)
        #expect(pwrite(fd, "x", 1, 32 << 20) == 1)
        close(fd)
        #expect(allocated(v + "/a/sparse.bin") < 1 << 20)
        try makeFIFO(v + "/a/pipe.jsonl")
        try makeSocket(v + "/a/s.sock")
        // A target over 60 bytes does not fit in the inode on ext4: the symlink has a block of its own.
        try makeSymlink(v + "/a/long", to: String(repeating: "x", count: 300))
        try makeSymlink(v + "/a/short", to: "x")
        let used = try measure(v)
        #expect(used == du(v))
        #expect(used < 8 << 20)
    }

    @Test func hardLinksCountOnce() throws {
        let t = try TempDir("du")
        defer { t.remove() }
        let v = t.sub("volume")
        try makeDirectory(v)
        try makeDirectory(v + "/x")
        try writeFile(v + "/big.jsonl", bytes(2 << 20))
        let before = try measure(v)
        #expect(link(v + "/big.jsonl", v + "/x/again.jsonl") == 0)
        #expect(link(v + "/big.jsonl", v + "/third.jsonl") == 0)
        let after = try measure(v)
        #expect(after == du(v))
        // Only directory growth (if any) may differ: never the 2 MiB again.
        #expect(after - before < 1 << 20)
        #expect(after >= allocated(v + "/big.jsonl"))
    }

    @Test func symlinksAreNeverFollowed() throws {
        let t = try TempDir("du")
        defer { t.remove() }
        let outside = t.sub("outside")
        try makeDirectory(outside)
        try writeFile(outside + "/huge.bin", bytes(8 << 20))
        let v = t.sub("volume")
        try makeDirectory(v)
        try writeFile(v + "/a.log", bytes(100))
        let before = try measure(v)
        try makeSymlink(v + "/huge.jsonl", to: outside + "/huge.bin")
        try makeSymlink(v + "/dir", to: outside)
        try makeSymlink(v + "/up", to: "..")
        try makeSymlink(v + "/root", to: "/")
        try makeSymlink(v + "/loop", to: "loop")
        try makeSymlink(v + "/dangling", to: "/nonexistent/x")
        let after = try measure(v)
        #expect(after == du(v))
        #expect(after - before < 1 << 20, "a symlink's target must not be counted")
    }

    @Test func otherFileSystemsMountedInsideAreLeftOut() throws {
        let t = try TempDir("du")
        defer { t.remove() }
        let v = t.sub("volume")
        try makeDirectory(v)
        try makeDirectory(v + "/mnt")
        try writeFile(v + "/data.jsonl", bytes(300_000))
        try #require(mount("tmpfs", v + "/mnt", "tmpfs", 0, "size=16m") == 0, "mount: \(errno)")
        defer { #expect(umount2(v + "/mnt", 0) == 0) }
        try makeDirectory(v + "/mnt/deep")
        try writeFile(v + "/mnt/deep/big.bin", bytes(4 << 20))
        let used = try measure(v)
        #expect(used == du(v))
        #expect(used < 4 << 20)
        // Measured from inside, the tmpfs is the root's device and counts.
        #expect(try measure(v + "/mnt") >= 4 << 20)
    }

    /// A chain of `depth` directories below `v`, made with mkdirat/openat (the full path is far
    /// beyond PATH_MAX), with a 5,000-byte file every 1,000 levels and one at the bottom.
    func chain(_ v: String, depth: Int) throws {
        var fd = open(v, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        for i in 0..<depth {
            #expect(mkdirat(fd, "d", 0o755) == 0)
            if i % 1000 == 0 {
                let f = openat(fd, "f.log", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
                _ = write(f, bytes(5000), 5000)
                close(f)
            }
            let next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(fd)
            try #require(next >= 0)
            fd = next
        }
        let f = openat(fd, "bottom.jsonl", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        _ = write(f, bytes(70_000), 70_000)
        close(f)
        close(fd)
    }

    @Test func aTenThousandDeepChainNeedsNoRecursionAndEqualsDuWithABudgetBeyondIt() throws {
        let t = try TempDir("du")
        defer { t.remove() }
        let v = t.sub("volume")
        try makeDirectory(v)
        try chain(v, depth: 10_000)
        // One descriptor per level: the daemon raises RLIMIT_NOFILE the same way.
        ResourceLimits.raiseOpenFiles()
        let usage = DiskUsage.measure(
            try Descriptor.openDirectory(path: v), budget: DiskUsage.Budget(maxDepth: 10_001, maxEntries: 1_000_000))
        #expect(usage.limit == nil && usage.skipped == 0)
        #expect(usage.bytes == du(v))
        #expect(usage.bytes >= 10_000 * 4096)
        #expect(usage.files == 11)
    }

    @Test func aTreeDeeperThanTheDepthBudgetIsCountedDownToItAndSaysSo() throws {
        let t = try TempDir("du")
        defer { t.remove() }
        let v = t.sub("volume")
        try makeDirectory(v)
        try chain(v, depth: 1000)
        let usage = try DiskUsage.measure(Descriptor.openDirectory(path: v))
        #expect(usage.limit == .depth)
        // Levels 1...256 are counted: 256 directories and the file at level 1, nothing deeper.
        #expect(usage.entries == 257)
        #expect(usage.files == 1)
        let full = du(v)
        #expect(usage.bytes >= 257 * 4096 && usage.bytes < full)
        // The old entry point gives the same lower bound.
        #expect(DiskUsage.allocatedBytes(try Descriptor.openDirectory(path: v)) == usage.bytes)
    }

    @Test func aDirectoryWiderThanTheEntryBudgetStopsTheWalkAndSaysSo() throws {
        let t = try TempDir("du")
        defer { t.remove() }
        let v = t.sub("volume")
        try makeDirectory(v)
        for i in 0..<1000 { try writeFile(v + "/f\(i).log", bytes(10)) }
        let budget = DiskUsage.Budget(maxDepth: 256, maxEntries: 100)
        let usage = DiskUsage.measure(try Descriptor.openDirectory(path: v), budget: budget)
        #expect(usage.limit == .entries)
        #expect(usage.entries == 100 && usage.files == 100)
        let exact = DiskUsage.measure(
            try Descriptor.openDirectory(path: v), budget: DiskUsage.Budget(maxDepth: 256, maxEntries: 1000))
        let full = du(v)
        #expect(exact.limit == nil && exact.entries == 1000 && exact.bytes == full)
    }

    /// A Postgres-like volume with everything du must get right at once: a data file, a sparse
    /// file, hard links (inside, and to a file outside the tree), a nested mount, a symlink loop,
    /// a bind mount of an ancestor, FIFOs and empty files.
    @Test func aVolumeWithEveryKindOfEntryEqualsDu() throws {
        let t = try TempDir("du")
        defer { t.remove() }
        let v = t.sub("volume")
        for d in ["", "/base", "/base/16384", "/pg_wal", "/mnt", "/loop"] { try makeDirectory(v + d) }
        try writeFile(v + "/base/16384/1259", bytes(1 << 20))
        try writeFile(v + "/PG_VERSION", bytes(3))
        try writeFile(v + "/postmaster.pid", [])
        let fd = open(v + "/pg_wal/000000010000000000000001", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        #expect(ftruncate(fd, 16 << 20) == 0)
        #expect(pwrite(fd, "x", 1, 8 << 20) == 1)
        close(fd)
        #expect(link(v + "/base/16384/1259", v + "/base/16384/1259.again") == 0)
        try writeFile(t.sub("outside"), bytes(300_000))
        #expect(link(t.sub("outside"), v + "/linked-from-outside") == 0)
        try makeSymlink(v + "/self", to: "self")
        try makeSymlink(v + "/up", to: "..")
        try makeFIFO(v + "/fifo")
        try #require(mount("tmpfs", v + "/mnt", "tmpfs", 0, "size=16m") == 0, "mount: \(errno)")
        defer { #expect(umount2(v + "/mnt", 0) == 0) }
        try writeFile(v + "/mnt/big.bin", bytes(4 << 20))
        try #require(mount(v, v + "/loop", nil, UInt(MS_BIND), nil) == 0, "bind: \(errno)")
        defer { #expect(umount2(v + "/loop", 0) == 0) }

        let usage = try DiskUsage.measure(Descriptor.openDirectory(path: v))
        #expect(usage.bytes == du(v))
        #expect(usage.limit == nil && usage.skipped == 0)
        #expect(usage.holdsData)
        #expect(usage.bytes < 4 << 20, "neither the tmpfs nor the sparse file's holes count")
    }

    @Test func emptyDirectoriesAndEmptyFilesHoldNoData() throws {
        let t = try TempDir("du")
        defer { t.remove() }
        let v = t.sub("volume")
        for d in ["", "/a", "/a/b", "/c"] { try makeDirectory(v + d) }
        try writeFile(v + "/a/empty.jsonl", [])
        let fd = open(v + "/c/holes", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        #expect(ftruncate(fd, 1 << 30) == 0)
        close(fd)
        var usage = try DiskUsage.measure(Descriptor.openDirectory(path: v))
        #expect(!usage.holdsData && usage.dataBytes == 0)
        let full = du(v)
        #expect(usage.bytes == full && usage.bytes >= 4 * 4096)
        try writeFile(v + "/a/b/one", bytes(1))
        usage = try DiskUsage.measure(Descriptor.openDirectory(path: v))
        #expect(usage.holdsData && usage.dataBytes >= 512)
    }

    @Test func aDirectorySwappedForASymlinkDuringTheWalkNeverCountsWhatItPointsAt() throws {
        let t = try TempDir("du")
        defer { t.remove() }
        let outside = t.sub("outside")
        try makeDirectory(outside)
        try writeFile(outside + "/huge.bin", bytes(8 << 20))
        let v = t.sub("volume")
        try makeDirectory(v)
        for i in 0..<30 {
            try makeDirectory(v + "/d\(i)")
            for j in 0..<20 { try writeFile(v + "/d\(i)/f\(j).log", bytes(100)) }
        }
        let quiet = try measure(v)
        let swapper = Swapper { _ in
            // Keep replacing d7 with a symlink to the outside, and with another directory.
            rename(v + "/d7", v + "/d7.real")
            symlink(outside, v + "/d7")
            unlink(v + "/d7")
            symlink("d7", v + "/d7")
            unlink(v + "/d7")
            mkdir(v + "/d7", 0o755)
            rmdir(v + "/d7")
            rename(v + "/d7.real", v + "/d7")
        }
        var largest: Int64 = 0
        try swapper.race {
            let usage = try DiskUsage.measure(Descriptor.openDirectory(path: v))
            largest = max(largest, usage.bytes)
            #expect(usage.limit == nil)
        }
        #expect(swapper.swaps > 1000, "the race must really have run")
        #expect(largest < quiet + (1 << 20), "the symlink's target is never counted")
        #expect(try measure(v) == quiet)
    }
}
