import Foundation
import Glibc
import HostFS
import TestSupport
import Testing

/// `storage-agent adopt`: a recreated PVC's stale directory brought into its current one, on real
/// trees, through the built binary.
@Suite struct AdoptTests {
    static let keys: Set<String> = ["source", "destination", "action", "bytes", "detail"]
    static let oldUID = "00000000-0000-4000-8000-000000000001"
    static let newUID = "00000000-0000-4000-8000-000000000002"

    /// A recreated PVC: `old` (stale) and `new` (current), overlapping.
    struct Recreated {
        let box = CLISandbox()
        /// The stale directories, oldest first; `old` is the last of them.
        let olds: [String]
        let new: String
        var old: String { olds.last! }

        /// `older` more stale directories are made before the one with `oldUID`.
        init(older: Int = 0) {
            var olds: [String] = []
            for i in 0..<older {
                olds.append(
                    box.volume("observer-prod", "observer-data-pvc", uid: "00000000-0000-4000-8000-00000000010\(i)"))
                sleepPastASecond()
            }
            olds.append(box.volume("observer-prod", "observer-data-pvc", uid: AdoptTests.oldUID))
            sleepPastASecond()
            new = box.volume("observer-prod", "observer-data-pvc", uid: AdoptTests.newUID)
            self.olds = olds
        }

        /// Identical, new (nested) and conflicting files, with known mtimes.
        func overlapping() {
            box.write(old + "/observer.jsonl", "{\"same\":1}\n")
            box.write(new + "/observer.jsonl", "{\"same\":1}\n")
            box.write(old + "/assets/scalp/20260202_09.jsonl", "{\"p\":1}\n{\"p\":2}\n")
            box.write(old + "/assets/scalp/deep/er/20260202_10.jsonl", "{\"p\":3}\n")
            box.write(old + "/assets/swing/20260202.jsonl", "{\"old\":true}\n")
            box.write(new + "/assets/swing/20260202.jsonl", "{\"new\":true}\n")
            for (i, f) in [
                "observer.jsonl", "assets/scalp/20260202_09.jsonl", "assets/scalp/deep/er/20260202_10.jsonl",
                "assets/swing/20260202.jsonl",
            ].enumerated() {
                try! setModificationTime(old + "/" + f, seconds: 1_769_990_000 + i)
            }
        }

        func adopt(_ arguments: String..., config: String? = nil) -> CLIResult {
            box.agent(["adopt", "observer-prod/observer-data-pvc"] + arguments, config: config)
        }

        var beside: String { ".adopted-pvc-\(AdoptTests.oldUID)" }
    }

    /// Everything `find` and `sha256sum` (not our code) say of a tree: type, mode, owner, size,
    /// times, inode and links of every entry, and the hash of every regular file.
    /// The hashes come first: reading a file may set its access time once (relatime), so the
    /// listing after them shows access times that only a reader of our own would move again.
    static func snapshot(_ tree: String) -> String {
        let sums = shell("cd '\(tree)' && find . -type f -print0 | sort -z | xargs -0 -r sha256sum")
        let find = shell("find '\(tree)' -printf '%P %y %m %U %G %s %T@ %C@ %A@ %i %n\\n' | sort")
        return sums + find
    }

    static func shell(_ script: String) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        let out = Pipe()
        p.standardOutput = out
        try! p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func sha256(_ path: String) -> String { String(shell("sha256sum '\(path)'").prefix(64)) }

    static func stat(_ path: String) -> stat? {
        var st = Glibc.stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    func byDestination(_ r: CLIResult, under base: String) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for row in r.json {
            if let d = row["destination"] as? String, d.hasPrefix(base + "/") {
                out[String(d.dropFirst(base.count + 1))] = row
            }
        }
        return out
    }

    @Test func theDryRunPlansEveryFileAndChangesNothing() {
        let t = Recreated()
        t.overlapping()
        let before = (Self.snapshot(t.old), Self.snapshot(t.new))
        let r = t.adopt("--json")
        #expect(r.status == 0, "\(r.stderr)")
        for row in r.json { #expect(Set(row.keys) == Self.keys) }
        let rows = byDestination(r, under: t.new)
        #expect(rows.count == 4)
        #expect(rows["observer.jsonl"]?["action"] as? String == "skip")
        #expect(rows["assets/scalp/20260202_09.jsonl"]?["action"] as? String == "copy")
        #expect(rows["assets/scalp/20260202_09.jsonl"]?["bytes"] as? Int == 16)
        #expect(
            rows["assets/scalp/20260202_09.jsonl"]?["source"] as? String == t.old + "/assets/scalp/20260202_09.jsonl")
        #expect(rows["assets/scalp/deep/er/20260202_10.jsonl"]?["action"] as? String == "copy")
        #expect(rows["assets/swing/20260202.jsonl\(t.beside)"]?["action"] as? String == "conflict")
        let table = t.adopt()
        #expect(table.status == 0)
        #expect(table.stdout.contains("2 to copy (24B), 1 to keep beside (13B), 1 skipped, 0 refused"))
        #expect(table.stdout.contains("dry run: nothing changed; run again with --apply"))
        #expect((Self.snapshot(t.old), Self.snapshot(t.new)) == before)
    }

    @Test func applyCopiesVerifiedWithMtimeAndTheVolumeOwnerAndKeepsTheSource() throws {
        let t = Recreated()
        t.overlapping()
        let oldBefore = Self.snapshot(t.old)
        let existing = try #require(Self.stat(t.new + "/assets/swing/20260202.jsonl"))
        let r = t.adopt("--apply", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        for (file, copy) in [
            ("assets/scalp/20260202_09.jsonl", "assets/scalp/20260202_09.jsonl"),
            ("assets/scalp/deep/er/20260202_10.jsonl", "assets/scalp/deep/er/20260202_10.jsonl"),
            ("assets/swing/20260202.jsonl", "assets/swing/20260202.jsonl\(t.beside)"),
        ] {
            let from = try #require(Self.stat(t.old + "/" + file))
            let to = try #require(Self.stat(t.new + "/" + copy), "\(copy)")
            #expect(Self.sha256(t.new + "/" + copy) == Self.sha256(t.old + "/" + file))
            #expect(to.st_size == from.st_size)
            #expect(to.st_mtim.tv_sec == from.st_mtim.tv_sec && to.st_mtim.tv_nsec == from.st_mtim.tv_nsec)
            #expect(to.st_uid == 999 && to.st_gid == 999)
            #expect(to.st_mode & 0o777 == from.st_mode & 0o777)
        }
        for dir in ["assets/scalp", "assets/scalp/deep", "assets/scalp/deep/er"] {
            let st = try #require(Self.stat(t.new + "/" + dir))
            #expect(st.st_uid == 999 && st.st_gid == 999, "\(dir)")
        }
        // The different file that was there is untouched, the identical one too.
        let kept = try #require(Self.stat(t.new + "/assets/swing/20260202.jsonl"))
        #expect(kept.st_ino == existing.st_ino && kept.st_uid == 0)
        #expect(
            try String(contentsOfFile: t.new + "/assets/swing/20260202.jsonl", encoding: .utf8) == "{\"new\":true}\n")
        #expect(Self.stat(t.new + "/observer.jsonl")?.st_uid == 0)
        // Nothing in the source changed, and a second run has nothing left to do.
        #expect(Self.snapshot(t.old) == oldBefore)
        let again = t.adopt("--apply", "--json")
        #expect(again.status == 0)
        #expect(again.json.allSatisfy { $0["action"] as? String == "skip" })
        #expect(again.json.count == 4)
    }

    @Test func theConfiguredOwnerOfTheVolumeIsUsed() throws {
        let t = Recreated()
        t.overlapping()
        let config = "volumes:\n  - pvc: observer-prod/observer-data-pvc\n    owner: \"1000:1001\"\n"
        #expect(t.adopt("--apply", config: config).status == 0)
        let st = try #require(Self.stat(t.new + "/assets/scalp/20260202_09.jsonl"))
        #expect(st.st_uid == 1000 && st.st_gid == 1001)
    }

    @Test func moveRenamesNeverOverwritesAndLeavesTheEmptiedDirectories() throws {
        let t = Recreated()
        t.overlapping()
        let inode = try #require(Self.stat(t.old + "/assets/scalp/20260202_09.jsonl")).st_ino
        let conflictHash = Self.sha256(t.old + "/assets/swing/20260202.jsonl")
        let newHash = Self.sha256(t.new + "/assets/swing/20260202.jsonl")
        let plan = t.adopt("--move", "--json")
        #expect(byDestination(plan, under: t.new)["assets/scalp/20260202_09.jsonl"]?["action"] as? String == "move")
        let r = t.adopt("--move", "--apply", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let moved = try #require(Self.stat(t.new + "/assets/scalp/20260202_09.jsonl"))
        #expect(moved.st_ino == inode)  // renamed, not copied
        #expect(moved.st_uid == 999 && moved.st_gid == 999)
        #expect(moved.st_mtim.tv_sec == 1_769_990_001)
        #expect(Self.stat(t.old + "/assets/scalp/20260202_09.jsonl") == nil)
        #expect(Self.stat(t.old + "/assets/scalp/deep/er/20260202_10.jsonl") == nil)
        // The conflict went beside; the file that was there is the same file.
        #expect(Self.sha256(t.new + "/assets/swing/20260202.jsonl\(t.beside)") == conflictHash)
        #expect(Self.sha256(t.new + "/assets/swing/20260202.jsonl") == newHash)
        // The identical file stays in the source; the emptied directories stay too.
        #expect(Self.stat(t.old + "/observer.jsonl") != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: t.old + "/assets/scalp/deep/er").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: t.old + "/assets/swing").isEmpty)
    }

    /// Two stale directories bring the same name with different contents: the dry run plans what
    /// the apply does (the second goes beside under its own PV's name).
    @Test func twoStaleDirectoriesPlanWhatApplyDoes() throws {
        let t = Recreated(older: 1)
        let older = t.olds[0]
        t.box.write(older + "/a.jsonl", "older\n")
        t.box.write(t.old + "/a.jsonl", "old\n")
        t.box.write(t.old + "/same.jsonl", "same\n")
        t.box.write(older + "/same.jsonl", "same\n")
        let plan = t.adopt("--json")
        let applied = t.adopt("--apply", "--json")
        #expect(applied.status == 0, "\(applied.stderr)")
        func summary(_ r: CLIResult) -> [String] {
            r.json.map {
                "\($0["action"]!) \(($0["destination"] as? String ?? "-").replacingOccurrences(of: t.new, with: ""))"
            }
            .sorted()
        }
        #expect(summary(plan) == summary(applied))
        let names = try FileManager.default.contentsOfDirectory(atPath: t.new).sorted()
        #expect(names.filter { $0.hasPrefix("a.jsonl") }.count == 2)
        #expect(names.filter { $0.hasPrefix("same.jsonl") } == ["same.jsonl"])
    }

    /// The hostile stale volume: a symlink to /etc, a FIFO, a hard link to an outside file, a
    /// sparse terabyte, a name with control bytes and a tree deeper than index.max_depth.
    @Test func aHostileStaleVolumeCopiesNothingItShouldNotAndStaysBounded() throws {
        let t = Recreated()
        let outside = t.box.dir + "/outside.jsonl"
        t.box.write(outside, "host secret\n")
        try makeSymlink(t.old + "/etc", to: "/etc")
        try makeSymlink(t.old + "/passwd.jsonl", to: "/etc/passwd")
        #expect(mkfifo(t.old + "/pipe.jsonl", 0o644) == 0)
        #expect(link(outside, t.old + "/linked.jsonl") == 0)
        let sparse = Glibc.open(t.old + "/sparse.jsonl", O_CREAT | O_WRONLY, 0o644)
        #expect(pwrite(sparse, "{}\n", 3, off_t((1 << 40) - 3)) == 3)
        close(sparse)
        try writeFile(cPath: Array((t.old + "/evil\n\u{1b}[2J.jsonl").utf8), Array("x\n".utf8))
        nestDirectories(t.old, depth: 12, name: { "d\($0)" }, file: "deep.jsonl")
        t.box.write(t.old + "/d1/shallow.jsonl", "ok\n")
        let outsideBefore = Self.shell("sha256sum '\(outside)'; stat -c '%u %g %a %h %Y' '\(outside)'")
        let r = t.adopt("--apply", "--json", config: "index:\n  max_depth: 8\n")
        #expect(r.status == 1)  // refusals
        let bySource = Dictionary(
            r.json.map { (($0["source"] as? String ?? "").replacingOccurrences(of: t.old + "/", with: ""), $0) },
            uniquingKeysWith: { a, _ in a })
        #expect(bySource["etc"]?["action"] as? String == "skip")
        #expect(bySource["passwd.jsonl"]?["action"] as? String == "skip")
        #expect(bySource["pipe.jsonl"]?["action"] as? String == "skip")
        #expect(bySource["linked.jsonl"]?["action"] as? String == "refused")
        #expect(bySource["evil\n\u{1b}[2J.jsonl"]?["action"] as? String == "refused")
        #expect((bySource["d1/d2/d3/d4/d5/d6/d7/d8/d9"]?["detail"] as? String)?.contains("index.max_depth") == true)
        #expect(bySource["sparse.jsonl"]?["action"] as? String == "copy")
        // What landed: the sparse file (as sparse) and what lies within the bounds; nothing else.
        let landed = Self.shell("cd '\(t.new)' && find . -mindepth 1 | sort").split(separator: "\n")
        #expect(
            landed == [
                "./d1", "./d1/d2", "./d1/d2/d3", "./d1/d2/d3/d4", "./d1/d2/d3/d4/d5", "./d1/d2/d3/d4/d5/d6",
                "./d1/d2/d3/d4/d5/d6/d7", "./d1/d2/d3/d4/d5/d6/d7/d8", "./d1/shallow.jsonl", "./sparse.jsonl",
            ])
        let copy = try #require(Self.stat(t.new + "/sparse.jsonl"))
        #expect(copy.st_size == 1 << 40)
        #expect(copy.st_blocks * 512 < 1 << 20)
        #expect(Self.shell("sha256sum '\(outside)'; stat -c '%u %g %a %h %Y' '\(outside)'") == outsideBefore)
        #expect(Self.stat(outside)?.st_nlink == 2)
    }

    /// A tenant swaps a stale subdirectory for a symlink to an outside directory (and back) as
    /// fast as it can while adopt runs: nothing of the outside ever lands in the volume.
    @Test func aSourceDirectorySwappedForASymlinkNeverLeadsOut() throws {
        let t = Recreated()
        let outside = t.box.dir + "/outside"
        t.box.write(outside + "/secret.jsonl", "host secret\n")
        t.box.write(t.old + "/sub/data.jsonl", "{}\n")
        try makeSymlink(t.old + "/swap", to: outside)
        let old = t.old
        let swapper = Swapper { _ in try? Descriptor.openDirectory(path: old).rename("sub", to: "swap", mode: .exchange)
        }
        let new = t.new
        var copied = 0
        swapper.race(least: 100, swaps: 1000) {
            _ = t.adopt("--apply")
            if Self.stat(new + "/sub/data.jsonl") != nil || Self.stat(new + "/swap/data.jsonl") != nil { copied += 1 }
            // Start over, so every run copies again.
            _ = Self.shell("rm -rf '\(new)'/sub '\(new)'/sub.adopted-* '\(new)'/swap '\(new)'/swap.adopted-*")
        }
        #expect(swapper.swaps > 1000, "the race must really have run")
        #expect(copied > 0, "adopt must have copied the real directory in some runs")
        let anywhere = Self.shell("find '\(t.new)' -name secret.jsonl")
        #expect(anywhere.isEmpty, "\(anywhere)")
        #expect(Self.stat(outside + "/secret.jsonl")?.st_uid == 0)
    }

    /// The same on the destination side: the current volume's directory is swapped for a symlink
    /// to an outside directory; a copy never lands outside, whatever the timing.
    @Test func aDestinationDirectorySwappedForASymlinkNeverLeadsOut() throws {
        let t = Recreated()
        let outside = t.box.dir + "/outside"
        try makeDirectories(outside)
        t.box.write(t.old + "/sub/data.jsonl", "{}\n")
        try makeDirectory(t.new + "/sub")
        try makeSymlink(t.new + "/swap", to: outside)
        let new = t.new
        let swapper = Swapper { _ in try? Descriptor.openDirectory(path: new).rename("sub", to: "swap", mode: .exchange)
        }
        var copied = 0
        swapper.race(least: 100, swaps: 1000) {
            _ = t.adopt("--apply")
            // Remove the copy from whichever name is the real directory now (O_NOFOLLOW: never outside).
            for name in ["sub", "swap"] {
                let fd = Glibc.open(new + "/" + name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                if fd >= 0 {
                    if unlinkat(fd, "data.jsonl", 0) == 0 { copied += 1 }
                    close(fd)
                }
            }
            if !Self.shell("find '\(new)' -path '*/sub.adopted-*/data.jsonl'").isEmpty { copied += 1 }
            _ = Self.shell("rm -rf '\(new)'/sub.adopted-*")
        }
        #expect(swapper.swaps > 1000, "the race must really have run")
        #expect(copied > 0, "adopt must have copied into the volume in some runs")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    /// adopt killed (SIGKILL) while it writes a file: no half file is left under the real name,
    /// because the file gets its name only once it is complete and verified.
    @Test func aCrashMidCopyLeavesNoHalfFileUnderTheRealName() throws {
        let t = Recreated()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        for i in chunk.indices { chunk[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 11) }
        let fd = Glibc.open(t.old + "/big.jsonl", O_CREAT | O_WRONLY, 0o644)
        for _ in 0..<64 { _ = chunk.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) } }
        close(fd)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = [
            "--db", t.box.db, "--storage-root", t.box.root, "adopt", "observer-prod/observer-data-pvc", "--apply",
        ]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let pid = p.processIdentifier
        // Wait (without a clock) until it holds the unnamed file it writes, then kill it there.
        var killed = false
        while p.isRunning && !killed {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            for n in fds {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(n)")) ?? ""
                if target.hasPrefix(t.new + "/") && target.hasSuffix("(deleted)") && p.isRunning {
                    kill(pid, SIGKILL)
                    killed = true
                    break
                }
            }
        }
        p.waitUntilExit()
        let left = try FileManager.default.contentsOfDirectory(atPath: t.new)
        if killed {
            #expect(p.terminationReason == .uncaughtSignal)
            #expect(left.isEmpty, "\(left)")
        } else {
            // It finished before it could be caught: then the file is whole.
            #expect(Self.sha256(t.new + "/big.jsonl") == Self.sha256(t.old + "/big.jsonl"))
        }
        #expect(t.adopt("--apply").status == 0)
        #expect(Self.sha256(t.new + "/big.jsonl") == Self.sha256(t.old + "/big.jsonl"))
    }

    @Test func anOrphanNamedWithFromIsAdoptedAndAnythingElseIsRefusedInOneLine() throws {
        let t = Recreated()
        let orphan = t.box.root + "/old-data"
        t.box.write(orphan + "/a.jsonl", "a\n")
        t.box.write(t.new + "/a.jsonl", "b\n")
        let r = t.adopt("--from", orphan, "--apply", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.json.first?["destination"] as? String == t.new + "/a.jsonl.adopted-old-data")
        #expect(Self.stat(t.new + "/a.jsonl.adopted-old-data") != nil)
        try makeSymlink(t.box.root + "/link", to: orphan)
        func oneLine(
            _ r: CLIResult, _ status: Int32, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(r.status == status, "\(r.stderr)", sourceLocation: sourceLocation)
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
            #expect(r.stderr.contains(fragment), "\(r.stderr)", sourceLocation: sourceLocation)
        }
        oneLine(t.adopt("--from", "/etc"), 64, "neither a direct child of a storage root")
        oneLine(t.adopt("--from", orphan + "/../old-data"), 64, "without . or .. parts")
        oneLine(t.adopt("--from", t.box.root + "/link"), 64, "a symlink is never followed")
        oneLine(t.adopt("--from", t.box.root + "/absent"), 66, "does not exist")
        oneLine(t.adopt("--from", t.new), 64, "current directory")
        oneLine(t.adopt("--from", t.box.root), 64, "current directory")
        oneLine(t.box.agent("adopt", "observer-prod/other"), 1, "no current directory")
        oneLine(t.box.agent("adopt", "Not/A/Name"), 64, "not a PVC name")
        oneLine(t.box.agent("adopt", "observer-prod/observer-data-pvc", asUser: 65534), 77, "run with sudo")
        let lone = CLISandbox()
        lone.volume("ns", "data")
        oneLine(lone.agent("adopt", "ns/data"), 1, "no stale directory to adopt")
        #expect(Self.stat(t.box.root + "/etc") == nil)
    }

    /// The alert and doctor name the command.
    @Test func doctorNamesTheAdoptCommandForAStaleDirectory() {
        let t = Recreated()
        t.overlapping()
        let r = t.box.agent("doctor", "--json")
        let stale = r.json.first { $0["check"] as? String == "volume-stale" }
        #expect(
            (stale?["hint"] as? String)?.contains("sudo storage-agent adopt observer-prod/observer-data-pvc") == true)
    }
}
