import Foundation
import Glibc
import HostFS
import Synchronization
import TestSupport
import Testing

/// The ownership walk runs as root over a tree a hostile container controls. Everything outside
/// the volume must keep its owner and mode whatever is planted inside, and nothing is deleted.
@Suite struct OwnershipWalkTests {
    /// The state of every entry below `path`: owner, mode, and a hash of regular files' bytes.
    func snapshot(_ path: String) -> [String: String] {
        var out: [String: String] = [:]
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: path) else { return out }
        while let rel = walker.nextObject() as? String {
            var st = stat()
            guard lstat(path + "/" + rel, &st) == 0 else { continue }
            var value = "\(st.st_uid):\(st.st_gid):\(String(st.st_mode, radix: 8))"
            if (st.st_mode & S_IFMT) == S_IFREG, let data = fm.contents(atPath: path + "/" + rel) {
                var hasher = Hasher()
                hasher.combine(data)
                value += ":\(data.count):\(data.hashValue)"
            }
            out[rel] = value
        }
        return out
    }

    func owner(_ path: String) -> (UInt32, UInt32, UInt32) {
        var st = stat()
        #expect(lstat(path, &st) == 0)
        return (st.st_uid, st.st_gid, UInt32(st.st_mode) & 0o7777)
    }

    @Test func everyDirectoryAndRegularFileEndsOwnedByTheContainerUser() throws {
        let t = try TempDir("own")
        defer { t.remove() }
        let v = t.sub("volume")
        for d in ["", "/assets", "/assets/scalp", "/logs", "/logs/deep", "/logs/deep/er"] { mkdir(v + d, 0o755) }
        try writeFile(v + "/assets/scalp/20260203_09.jsonl", Array("{}\n".utf8))
        try writeFile(v + "/logs/deep/er/x.log", Array("x\n".utf8))
        try writeFile(v + "/root-owned.jsonl", [])
        let report = OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v))
        #expect(report.changed == 9)
        #expect(report.previousOwners == [0: 9])
        for p in [
            "", "/assets", "/assets/scalp", "/assets/scalp/20260203_09.jsonl", "/logs/deep/er/x.log",
            "/root-owned.jsonl",
        ] {
            #expect(owner(v + p).0 == 999 && owner(v + p).1 == 999, "\(p)")
        }
        #expect(OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v)).changed == 0)
    }

    /// chattr(1): sets or clears the immutable flag, which makes even root's chown fail (EPERM).
    func immutable(_ path: String, _ on: Bool) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        p.arguments = [on ? "+i" : "-i", path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "chattr \(path)")
    }

    @Test func aRefusedChownIsNotCountedAsDriftFixed() throws {
        let t = try TempDir("own")
        defer { t.remove() }
        let v = t.sub("volume")
        mkdir(v, 0o755)
        try writeFile(v + "/fixed.log", [])
        try writeFile(v + "/stuck.log", [])
        try immutable(v + "/stuck.log", true)
        defer { try? immutable(v + "/stuck.log", false) }
        let report = OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v))
        // The directory and fixed.log changed; stuck.log was refused and is not drift given back.
        #expect(report.changed == 2)
        #expect(report.previousOwners == [0: 2])
        #expect(report.refused.map(\.path) == [Array("stuck.log".utf8)])
        #expect(owner(v + "/stuck.log").0 == 0)
    }

    @Test func dryRunChangesNothingButCounts() throws {
        let t = try TempDir("own")
        defer { t.remove() }
        let v = t.sub("volume")
        mkdir(v, 0o755)
        try writeFile(v + "/a.log", [])
        let report = OwnershipWalk(uid: 999, gid: 999, dryRun: true, recordPaths: true).run(
            try Descriptor.openDirectory(path: v))
        #expect(report.changed == 2)
        #expect(report.changedPaths == [[], Array("a.log".utf8)])
        #expect(owner(v + "/a.log").0 == 0)
    }

    @Test func victimsReachedThroughSymlinksHardLinksAndLoopsKeepTheirOwner() throws {
        let t = try TempDir("own")
        defer { t.remove() }
        let outside = t.sub("outside")
        mkdir(outside, 0o700)
        try writeFile(outside + "/shadow", Array("secret\n".utf8))
        chmod(outside + "/shadow", 0o640)
        mkdir(outside + "/etc", 0o755)
        try writeFile(outside + "/etc/passwd", Array("root:x:0:0\n".utf8))
        let v = t.sub("volume")
        mkdir(v, 0o777)
        #expect(symlink(outside + "/shadow", v + "/shadow.jsonl") == 0)
        #expect(symlink(outside + "/etc", v + "/etc") == 0)
        #expect(symlink("../outside", v + "/up") == 0)
        #expect(symlink("loop", v + "/loop") == 0)
        #expect(link(outside + "/shadow", v + "/hardlink.jsonl") == 0)
        mkdir(v + "/..data", 0o755)  // a name that looks like a trick but is an ordinary directory
        try writeFile(v + "/..data/ok.log", [])
        let before = snapshot(outside)
        let report = OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v))
        #expect(snapshot(outside) == before)
        #expect(owner(outside + "/shadow") == (0, 0, 0o640))
        #expect(report.refused.contains { $0.path == Array("hardlink.jsonl".utf8) })
        #expect(owner(v + "/..data/ok.log").0 == 999)
        // The symlinks themselves are not changed either.
        #expect(owner(v + "/shadow.jsonl").0 == 0)
    }

    @Test func setuidAndSetgidBitsAreCleared() throws {
        let t = try TempDir("own")
        defer { t.remove() }
        let v = t.sub("volume")
        mkdir(v, 0o755)
        try writeFile(v + "/tool", [])
        chmod(v + "/tool", 0o6755)
        _ = OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v))
        #expect(owner(v + "/tool") == (999, 999, 0o755))
    }

    /// getcap(8)'s output for one file ("" when it carries no capabilities).
    func getcap(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/getcap")
        p.arguments = [path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A file already owned by the container user needs no chown, but a file capability on it
    /// (set by host root or a privileged container) would make it a way to root: it goes anyway.
    @Test func fileCapabilitiesAreRemovedEvenWhenTheOwnerIsAlreadyRight() throws {
        let t = try TempDir("own")
        defer { t.remove() }
        let v = t.sub("volume")
        mkdir(v, 0o755)
        chown(v, 999, 999)
        try writeFile(v + "/helper", [])
        chmod(v + "/helper", 0o755)
        chown(v + "/helper", 999, 999)
        #expect(run("/usr/sbin/setcap", "cap_setuid+ep", v + "/helper") == 0)
        #expect(try getcap(v + "/helper").contains("cap_setuid"))
        // A dry run says it would, and leaves it.
        let dry = OwnershipWalk(uid: 999, gid: 999, dryRun: true).run(try Descriptor.openDirectory(path: v))
        #expect(dry.changed == 1 && dry.capabilitiesRemoved == 1)
        #expect(try getcap(v + "/helper").contains("cap_setuid"))
        let report = OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v))
        #expect(try getcap(v + "/helper") == "")
        #expect(report.capabilitiesRemoved == 1)
        #expect(report.changed == 1)
        #expect(report.previousOwners.isEmpty)
        #expect(owner(v + "/helper") == (999, 999, 0o755))
        let again = OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v))
        #expect(again.changed == 0 && again.capabilitiesRemoved == 0)
    }

    /// A hard link may be a file outside the volume (a host binary with capabilities): it is
    /// never changed, but its privilege is reported as refused, not passed over in silence.
    @Test func aHardLinkedFileWithCapabilitiesIsLeftButReported() throws {
        let t = try TempDir("own")
        defer { t.remove() }
        let v = t.sub("volume")
        mkdir(v, 0o755)
        chown(v, 999, 999)
        let outside = t.sub("host-binary")
        try writeFile(outside, [])
        chmod(outside, 0o755)
        chown(outside, 999, 999)
        #expect(run("/usr/sbin/setcap", "cap_net_raw+ep", outside) == 0)
        #expect(link(outside, v + "/ping") == 0)
        let report = OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v))
        #expect(report.refused.map(\.path) == [Array("ping".utf8)])
        #expect(report.refused.first?.reason.contains("privileged") == true)
        #expect(report.capabilitiesRemoved == 0)
        #expect(try getcap(outside).contains("cap_net_raw"))
    }

    /// An immutable file without capabilities refuses even the removal of nothing: not a refusal.
    @Test func anImmutableFileWithNothingToChangeIsNotRefused() throws {
        let t = try TempDir("own")
        defer { t.remove() }
        let v = t.sub("volume")
        mkdir(v, 0o755)
        chown(v, 999, 999)
        try writeFile(v + "/frozen.log", [])
        chown(v + "/frozen.log", 999, 999)
        try immutable(v + "/frozen.log", true)
        defer { try? immutable(v + "/frozen.log", false) }
        let report = OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v))
        #expect(report.refused.isEmpty)
        #expect(report.changed == 0)
    }

    @Test func setuidBitsGoFromAFileAlreadyOwnedByTheContainerUser() throws {
        let t = try TempDir("own")
        defer { t.remove() }
        let v = t.sub("volume")
        mkdir(v, 0o755)
        chown(v, 999, 999)
        try writeFile(v + "/tool", [])
        chown(v + "/tool", 999, 999)
        chmod(v + "/tool", 0o6755)
        #expect(owner(v + "/tool") == (999, 999, 0o6755))
        let report = OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v))
        #expect(owner(v + "/tool") == (999, 999, 0o755))
        #expect(report.changed == 1 && report.setIDCleared == 1)
    }

    @Test func aTenThousandDeepChainDoesNotCrash() throws {
        let t = try TempDir("own")
        defer { t.remove() }
        let v = t.sub("volume")
        mkdir(v, 0o755)
        var dir = open(v, O_RDONLY | O_DIRECTORY)
        for _ in 0..<10_000 {
            #expect(mkdirat(dir, "d", 0o755) == 0)
            let next = openat(dir, "d", O_RDONLY | O_DIRECTORY)
            close(dir)
            dir = next
        }
        close(openat(dir, "bottom.log", O_CREAT | O_WRONLY, 0o644))
        var st = stat()
        #expect(fstatat(dir, "bottom.log", &st, 0) == 0 && st.st_uid == 0)
        let report = OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v))
        #expect(report.changed == 10_002)
        #expect(report.skipped.isEmpty)
        #expect(fstatat(dir, "bottom.log", &st, 0) == 0 && st.st_uid == 999)
        close(dir)
    }

    @Test func swappingADirectoryForASymlinkDuringTheWalkNeverReachesOutside() throws {
        let t = try TempDir("own")
        defer { t.remove() }
        let outside = t.sub("outside")
        mkdir(outside, 0o700)
        for i in 0..<50 { try writeFile(outside + "/victim\(i)", []) }
        let v = t.sub("volume")
        mkdir(v, 0o777)
        for i in 0..<30 {
            mkdir(v + "/d\(i)", 0o755)
            for j in 0..<20 { try writeFile(v + "/d\(i)/f\(j).log", []) }
        }
        let before = snapshot(outside)
        let swapper = Swapper { _ in
            // Keep replacing d7 with a symlink to the outside and back, as fast as possible.
            rename(v + "/d7", v + "/d7.real")
            symlink(outside, v + "/d7")
            unlink(v + "/d7")
            rename(v + "/d7.real", v + "/d7")
        }
        try swapper.race {
            _ = OwnershipWalk(uid: 999, gid: 999).run(try Descriptor.openDirectory(path: v))
            // Give the files back to root so every round has work to do.
            chown(v + "/d7", 0, 0)
        }
        #expect(swapper.swaps > 1000, "the race must really have run")
        #expect(snapshot(outside) == before)
        #expect(owner(outside).0 == 0)
    }
}
