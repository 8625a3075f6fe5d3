import Foundation
import Glibc
import HostFS
import TestSupport
import Testing

/// `DiskUsage.allocatedBytes` against the real `du -s -B1 -x` on real trees.
@Suite(.serialized) struct DiskUsageTests {
    /// What `du -s -B1 -x PATH` prints, in bytes.
    func du(_ path: String) throws -> Int64 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/du")
        p.arguments = ["-s", "-B1", "-x", path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        return try #require(Int64(text.prefix { $0.isNumber }), "du printed \(text)")
    }

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
        #expect(used == (try du(v)))
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
        #expect(after == (try du(v)))
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
        #expect(after == (try du(v)))
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
        #expect(used == (try du(v)))
        #expect(used < 4 << 20)
        // Measured from inside, the tmpfs is the root's device and counts.
        #expect(try measure(v + "/mnt") >= 4 << 20)
    }

    @Test func aTenThousandDeepChainNeedsNoRecursion() throws {
        let t = try TempDir("du")
        defer { t.remove() }
        let v = t.sub("volume")
        try makeDirectory(v)
        // Made with mkdirat/openat: the full path is far beyond PATH_MAX.
        var fd = open(v, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        for i in 0..<10_000 {
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
        let used = try measure(v)
        #expect(used == (try du(v)))
        #expect(used >= 10_000 * 4096)
    }
}
