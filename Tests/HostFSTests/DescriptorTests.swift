import Dispatch
import Glibc
import HostFS
import TestSupport
import Testing

/// Carries the outcome of a call made on another thread back to the test.
private final class Outcome: @unchecked Sendable {
    var errno: Int32? = nil
    var opened = false
    var type: FileType? = nil
}

@Suite struct DescriptorTests {
    @Test func openDirectoryNamedRefusesASymlinkToADirectory() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectory(tmp.sub("real"))
        try writeFile(tmp.sub("real/secret.jsonl"), "x\n")
        try makeSymlink(tmp.sub("link"), to: tmp.sub("real"))
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let error = #expect(throws: SystemError.self) { try dir.openDirectory("link") }
        #expect(error?.errno == ELOOP || error?.errno == ENOTDIR)
        #expect(error?.looksLikeTampering == true)
        #expect(error?.call == "openat")
    }

    @Test func openDirectoryNamedOpensARealDirectoryAndNamesItForErrors() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectory(tmp.sub("real"))
        try writeFile(tmp.sub("real/a.jsonl"), "x\n")
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let child = try dir.openDirectory("real")
        #expect(child.displayPath == tmp.path + "/real")
        #expect(try child.stat().isDirectory)
        #expect(try listing(child).map { String(decoding: $0.name, as: UTF8.self) } == ["a.jsonl"])
    }

    @Test func openDirectoryNamedOnARegularFileFailsWithENOTDIR() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("file.log"), "x")
        let dir = try Descriptor.openDirectory(path: tmp.path)
        #expect(errnoOf { () throws(SystemError) in try dir.openDirectory("file.log") } == ENOTDIR)
    }

    @Test func openFileNamedRefusesASymlinkWithELOOP() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("target.jsonl"), "secret\n")
        try makeSymlink(tmp.sub("link.jsonl"), to: tmp.sub("target.jsonl"))
        try makeSymlink(tmp.sub("passwd.jsonl"), to: "/etc/passwd")
        let dir = try Descriptor.openDirectory(path: tmp.path)
        #expect(errnoOf { () throws(SystemError) in try dir.openFile("link.jsonl") } == ELOOP)
        #expect(errnoOf { () throws(SystemError) in try dir.openFile("passwd.jsonl") } == ELOOP)
        // The real file still opens.
        #expect(try openedStat(dir, "target.jsonl")?.size == 7)
    }

    @Test func openFileOnAFIFOReturnsWithoutBlocking() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let fifo = tmp.sub("pipe.jsonl")
        try makeFIFO(fifo)
        let root = tmp.path
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = DispatchQueue(label: "fifo-open")
        thread.async {
            do {
                let dir = try Descriptor.openDirectory(path: root)
                let file = try dir.openFile("pipe.jsonl")
                outcome.opened = true
                // What was opened is visibly not a regular file, so the caller can drop it.
                outcome.type = file.stat()?.type
                outcome.errno = 0
            } catch let error as SystemError {
                outcome.errno = error.errno
            } catch {
                outcome.errno = -2
            }
            done.signal()
        }
        if done.wait(timeout: .now() + 10) == .timedOut {
            // Blocked in open(2): give it a writer so the thread can finish, then fail.
            let w = open(fifo, O_RDWR | O_NONBLOCK)
            Issue.record("openFile(named:) blocked on a FIFO")
            done.wait()
            if w >= 0 { close(w) }
            return
        }
        #expect(outcome.opened)
        #expect(outcome.errno == 0)
        #expect(outcome.type == .fifo)
    }

    @Test func statNamedReportsASymlinkAsASymlink() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectory(tmp.sub("real"))
        try makeSymlink(tmp.sub("to-dir"), to: "real")
        try makeSymlink(tmp.sub("dangling"), to: "missing")
        let dir = try Descriptor.openDirectory(path: tmp.path)
        #expect(try dir.stat("to-dir").type == .symlink)
        #expect(try dir.stat("dangling").type == .symlink)
        #expect(try dir.stat("real").type == .directory)
        #expect(try dir.stat("to-dir").isDirectory == false)
    }

    @Test func statNamedReportsSizeOwnerPermissionsAndLinkCount() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("data.jsonl"), Array(repeating: 0x41, count: 12345))
        #expect(chmod(tmp.sub("data.jsonl"), 0o640) == 0)
        #expect(link(tmp.sub("data.jsonl"), tmp.sub("hard.jsonl")) == 0)
        #expect(chown(tmp.sub("data.jsonl"), 999, 998) == 0)
        try makeFIFO(tmp.sub("fifo"))
        try makeSocket(tmp.sub("sock"))
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let s = try dir.stat("data.jsonl")
        #expect(s.isRegular)
        #expect(s.size == 12345)
        #expect(s.permissions == 0o640)
        #expect(s.links == 2)
        #expect(s.uid == 999)
        #expect(s.gid == 998)
        #expect(s.blocks > 0)
        #expect(try dir.stat("hard.jsonl").inode == s.inode)
        #expect(try dir.stat("fifo").type == .fifo)
        #expect(try dir.stat("sock").type == .socket)
        let nullStat = try Descriptor.openPath("/dev/null", followSymlinks: true).stat()
        #expect(nullStat.type == .characterDevice)
    }

    @Test func statNamedOfAMissingNameIsENOENTAndCountsAsVanished() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let error = #expect(throws: SystemError.self) { try dir.stat("gone.jsonl") }
        #expect(error?.errno == ENOENT)
        #expect(error?.isVanished == true)
        #expect(error?.looksLikeTampering == false)
        #expect(error?.path == tmp.path + "/gone.jsonl")
    }

    @Test func openFileStatMatchesTheFileThatWasListed() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("a.log"), "one\ntwo\n")
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let file = try dir.openFile("a.log")
        let opened = file.stat()
        let s = try #require(opened)
        #expect(s.isRegular)
        #expect(s.size == 8)
        #expect(s == (try dir.stat("a.log")))
        #expect(s.mtimeNs > 1_600_000_000 * 1_000_000_000)
        let fd = file.fd
        #expect(fd >= 0)
    }

    @Test func descriptorStatDescribesTheDirectory() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        #expect(chmod(tmp.path, 0o750) == 0)
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let s = try dir.stat()
        #expect(s.isDirectory)
        #expect(s.permissions == 0o750)
        #expect(dir.displayPath == tmp.path)
    }

    @Test func openDirectoryPathOfAMissingPathIsENOENT() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let error = #expect(throws: SystemError.self) { try Descriptor.openDirectory(path: tmp.sub("nope")) }
        #expect(error?.errno == ENOENT)
        #expect(error?.path == tmp.sub("nope"))
        #expect(error?.description.contains(tmp.sub("nope")) == true)
    }

    @Test func openDirectoryPathFollowsAnAdministratorsSymlinkButOpenPathCanRefuse() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectory(tmp.sub("storage"))
        try makeSymlink(tmp.sub("alias"), to: tmp.sub("storage"))
        // The root itself is trusted: its symlink is followed.
        #expect(try Descriptor.openDirectory(path: tmp.sub("alias")).stat().isDirectory)
        #expect(try Descriptor.openPath(tmp.sub("alias"), followSymlinks: true).stat().isDirectory)
        #expect(try Descriptor.openPath(tmp.sub("alias"), followSymlinks: false).stat().type == .symlink)
    }

    @Test func childDisplayPathEscapesControlAndInvalidBytes() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let name = CString(Array("bad\nname".utf8) + [0xE9])
        let error = #expect(throws: SystemError.self) { _ = try dir.openFile(named: name.pointer) }
        #expect(error?.path == tmp.path + "/bad\\x0aname\\xe9")
        #expect(error?.description.contains("\n") == false)
    }

    @Test func birthTimeIsNilOrRecentWithoutCrashing() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let before = SystemClock.nowNs()
        try makeDirectory(tmp.sub("fresh"))
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let fresh = try dir.openDirectory("fresh")
        if let birth = fresh.birthTimeNs() {
            // Nanoseconds since the epoch, within a minute of now (ext4 and xfs record it).
            #expect(abs(birth - before) < 60 * 1_000_000_000)
            #expect(birth <= SystemClock.nowNs())
        }
        // Where statx has no birth time (some file systems), nil is the answer, not a crash.
        _ = try Descriptor.openPath("/proc/self", followSymlinks: false).birthTimeNs()
    }
}
