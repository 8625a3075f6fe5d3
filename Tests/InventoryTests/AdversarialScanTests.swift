import Foundation
import Glibc
import HostFS
import Inventory
import Synchronization
import TestSupport
import Testing

final class StopFlag: Sendable {
    let value = Atomic<Bool>(false)
}

/// Everything inside a volume was written by a container that may be hostile.
@Suite struct AdversarialScanTests {
    @Test func aSparseTerabyteIsIndexedWithoutReadingItsHoles() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/x.jsonl", "{}\n")
        #expect(truncate(v + "/x.jsonl", 1 << 40) == 0)
        let inv = try box.inventory()
        // Reading a terabyte of zeros would hold this scan (and the watchdog) for minutes.
        try box.scan(inv)
        let record = try #require(try inv.record("/x.jsonl"))
        #expect(record.size == 1 << 40)
        #expect(record.lines == 1)
    }

    @Test func fifoSocketAndDevicesAreNeverOpened() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        #expect(mkfifo(v + "/pipe.jsonl", 0o644) == 0)
        #expect(mknod(v + "/null.log", S_IFCHR | 0o644, dev_t((1 << 8) | 3)) == 0)
        let sock = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let sockPath = v + "/sock.log"
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            _ = sockPath.withCString { strncpy(p.baseAddress!.assumingMemoryBound(to: CChar.self), $0, p.count - 1) }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(sock, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        close(sock)
        box.write(v + "/real.log", "1\n")
        let inv = try box.inventory()
        // Opening the FIFO for reading would block this scan forever.
        let report = try box.scan(inv)
        #expect(report.files == 1)
        #expect(try inv.all().count == 1)
    }

    @Test func symlinksAreNeitherFollowedNorIndexed() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        let outside = box.dir + "/outside"
        box.write(outside + "/secret.jsonl", "secret\nsecret\n")
        #expect(symlink(outside + "/secret.jsonl", v + "/link.jsonl") == 0)
        #expect(symlink(outside, v + "/dirlink") == 0)
        #expect(symlink("../..", v + "/up") == 0)
        #expect(symlink("loop", v + "/loop") == 0)
        box.write(v + "/ok.log", "1\n")
        let inv = try box.inventory()
        let report = try box.scan(inv)
        #expect(report.files == 1)
        let paths = try inv.all().map { String(decoding: $0.pathBytes, as: UTF8.self) }
        #expect(paths == [v + "/ok.log"])
    }

    @Test func oddNamesSurviveByteForByte() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        let newline = Array("bad\nname_20260203.jsonl".utf8)
        let latin1: [UInt8] = Array("caf".utf8) + [0xE9] + Array("_20260203.log".utf8)
        let long = [UInt8](repeating: 0x61, count: 249) + Array(".jsonl".utf8)
        #expect(long.count == 255)
        for name in [newline, latin1, long] {
            let fd = (name + [0]).withUnsafeBufferPointer { p in
                (v + "/").withCString { dirPath -> Int32 in
                    let dir = open(dirPath, O_RDONLY | O_DIRECTORY)
                    defer { close(dir) }
                    return p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: name.count + 1) {
                        openat(dir, $0, O_CREAT | O_WRONLY, 0o644)
                    }
                }
            }
            #expect(fd >= 0)
            _ = write(fd, "x\n", 2)
            close(fd)
        }
        let inv = try box.inventory()
        #expect(try box.scan(inv).files == 3)
        let relative = Set(try inv.all().map(\.relativePath))
        #expect(relative == [newline, latin1, long])
        let latin = try #require(try inv.all().first { $0.relativePath == latin1 })
        #expect(latin.date == "20260203")
        #expect(RawName.decoded(latin.pathBytes).hasSuffix("caf\\xe9_20260203.log"))
        // A rescan recognizes every odd name as unchanged.
        #expect(try box.scan(inv).counted == 0)
    }

    @Test func deepTreeIsWalkedWithoutRecursionUpToTheConfiguredDepth() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        let depth = 1500  // 3,000-byte relative path, under PATH_MAX: deeper than the default index.max_depth
        var dir = open(v, O_RDONLY | O_DIRECTORY)
        for _ in 0..<depth {
            #expect(mkdirat(dir, "d", 0o755) == 0)
            let next = openat(dir, "d", O_RDONLY | O_DIRECTORY)
            close(dir)
            dir = next
        }
        let fd = openat(dir, "deep.log", O_CREAT | O_WRONLY, 0o644)
        _ = write(fd, "bottom\n", 7)
        close(fd)
        close(dir)
        let inv = try box.inventory()
        var options = box.options()
        options.maxDepth = depth
        let report = try inv.scan(box.resolution(), options: options)
        #expect(report.files == 1)
        #expect(report.skipped.isEmpty)
        let record = try #require(try inv.all().first)
        #expect(record.relativePath.count == depth * 2 + "deep.log".utf8.count)
        #expect(record.lines == 1)
    }

    @Test func anotherFileSystemInsideAVolumeIsSkippedNotDeleted() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/mnt/inside.log", "1\n")
        box.write(v + "/top.log", "1\n")
        let inv = try box.inventory()
        #expect(try box.scan(inv).files == 2)
        #expect(run("/bin/mount", "-t", "tmpfs", "tmpfs", v + "/mnt") == 0)
        defer { run("/bin/umount", v + "/mnt") }
        box.write(v + "/mnt/foreign.log", "1\n")
        let report = try box.scan(inv)
        #expect(report.skipped.count == 1)
        #expect(report.skipped.first?.reason.contains("another file system") == true)
        #expect(report.deleted == 0)
        let names = try inv.all(includeDeleted: false).map { String(decoding: $0.relativePath, as: UTF8.self) }.sorted()
        #expect(names == ["mnt/inside.log", "top.log"])
    }

    @Test func fileSwappedForFifoAfterListingDoesNotHang() throws {
        // The scan lists, stats, then opens with O_NONBLOCK|O_NOFOLLOW and re-checks with fstat.
        let box = Sandbox()
        let v = box.volume("ns", "data")
        for i in 0..<200 { box.write(v + "/f\(i).log", "1\n") }
        let stop = StopFlag()
        let path = v + "/f100.log"
        let swapper = Thread {
            var fifo = false
            while !stop.value.load(ordering: .relaxed) {
                unlink(path)
                if fifo { mkfifo(path, 0o644) } else { close(open(path, O_CREAT | O_WRONLY, 0o644)) }
                fifo.toggle()
            }
        }
        swapper.start()
        let inv = try box.inventory()
        for _ in 0..<20 { _ = try box.scan(inv) }
        stop.value.store(true, ordering: .relaxed)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try inv.all().count >= 199)
    }
}
