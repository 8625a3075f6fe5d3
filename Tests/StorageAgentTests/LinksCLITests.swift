import Foundation
import Glibc
import TestSupport
import Testing

@testable import Alerting

/// Friendly links through the built binary, on real trees, checked the way the user would.
@Suite struct LinksCLITests {
    /// A storage root at 0700 (as k3s keeps it), a volume, and /home/ubuntu owned by uid 1000. The
    /// agent runs in a mount namespace of its own, where the test mounts the volume's exposure
    /// as the unit's mount unit does (the installed tests prove the unit's own mounts).
    final class Home {
        let box = CLISandbox()
        let namespace = MountNamespace()
        let home: String
        let volume: String
        var link: String { home + "/observer/data" }
        static let exposure = "/run/storage-agent/exposed/observer-prod_observer-data-pvc"

        init() {
            home = box.dir + "/home/ubuntu"
            try! FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            chown(home, 1000, 1000)
            volume = box.volume("observer-prod", "observer-data-pvc", uid: "00000000-0000-4000-8000-000000000001")
            chmod(volume, 0o777)
            box.write(volume + "/assets/scalp/20260203_09.jsonl", "{}\n")
            chmod(box.root, 0o700)
            box.namespace = namespace
        }

        var config: String {
            "volumes:\n  - pvc: observer-prod/observer-data-pvc\n    link: \(link)\n"
        }

        func links(_ args: String...) -> CLIResult { box.agent(["links"] + args, config: config) }

        /// Mounts `source` (the volume by default) at the exposure, as unit-sync's mount unit does.
        func expose(_ source: String? = nil) {
            #expect(namespace.expose("observer-prod_observer-data-pvc", source ?? volume) == 0)
        }

        /// `command` as uid 1000 in the agent's namespace: status and output.
        func asUser(_ command: String...) -> (Int32, String) {
            runTool(
                "/usr/bin/nsenter",
                ["-t", String(namespace.pid), "-m", "--", "setpriv", "--reuid=1000", "--regid=1000", "--clear-groups"]
                    + command)
        }

        /// `ls` as uid 1000, as the issue asks.
        func listAsUser(_ path: String) -> (Int32, String) { asUser("ls", path + "/") }
    }

    func lstatOwner(_ path: String) -> (UInt32, UInt32)? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return (st.st_uid, st.st_gid)
    }

    /// The extended entries of `path`'s ACL (getfacl --skip-base): empty when it has none.
    func extendedACL(_ path: String) -> String {
        runTool("/usr/bin/getfacl", ["--skip-base", "--absolute-names", "--omit-header", path]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theLinkGoesThroughTheVolumesExposureAndTheStorageRootStaysClosed() throws {
        let h = Home()
        let before = h.links("--json")
        #expect(before.status == 1)
        #expect(before.json.first?["state"] as? String == "missing")
        h.expose()
        let applied = h.links("--apply", "--json")
        #expect(applied.status == 0, "\(applied.stderr)")
        let row = try #require(applied.json.first)
        #expect(Set(row.keys) == ["link", "target", "via", "namespace", "pvc", "owner", "state", "detail", "hint"])
        #expect(row["state"] as? String == "ok")
        #expect(row["owner"] as? String == "1000:1000")
        #expect(row["target"] as? String == h.volume)
        #expect(row["via"] as? String == Home.exposure)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: h.link) == Home.exposure)
        #expect(lstatOwner(h.link)! == (1000, 1000))
        #expect(lstatOwner(h.home + "/observer")! == (1000, 1000))
        let (status, listing) = h.listAsUser(h.link)
        #expect(status == 0)
        #expect(listing.contains("assets"))
        // The storage root keeps 0700 and no ACL: the volume is reached only through its exposure.
        var st = stat()
        #expect(stat(h.box.root, &st) == 0 && st.st_mode & 0o7777 == 0o700)
        #expect(extendedACL(h.box.root) == "")
        #expect(h.listAsUser(h.box.root).0 != 0)
        #expect(h.listAsUser(h.volume).0 != 0, "the volume's own path stays closed to uid 1000")
    }

    /// The attack of issue 12 item 1: with the old ACL entry, the linked user could reach any
    /// volume by name; another team's 0777 volume is out of reach now, whatever the link does.
    @Test func aLinkedUserCannotReachAnotherTeamsVolume() throws {
        let h = Home()
        let other = h.box.volume("payments", "ledger-pvc", uid: "00000000-0000-4000-8000-0000000000aa")
        chmod(other, 0o777)
        h.box.write(other + "/secret.jsonl", "{}\n")
        h.expose()
        #expect(h.links("--apply").status == 0)
        #expect(h.listAsUser(h.link).0 == 0)
        #expect(h.listAsUser(other).0 != 0)
        #expect(h.asUser("cat", other + "/secret.jsonl").0 != 0)
        #expect(h.asUser("touch", other + "/planted").0 != 0)
    }

    @Test func anUnmountedExposureIsUnreachableWithAHintThatMountsIt() {
        let h = Home()
        let r = h.links("--apply", "--json")
        #expect(r.status == 1)
        #expect(r.json.first?["state"] as? String == "unreachable")
        #expect((r.json.first?["detail"] as? String)?.contains("not mounted at \(Home.exposure)") == true)
        #expect((r.json.first?["hint"] as? String)?.hasPrefix("sudo systemctl reload storage-agent") == true)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: h.link)) == Home.exposure)
    }

    @Test func aVolumeItsOwnerCannotListIsUnreachableAsTheOwnerSeesIt() {
        let h = Home()
        chmod(h.volume, 0o700)  // root's, as a container running as root may leave it
        h.expose()
        let r = h.links("--apply", "--json")
        #expect(r.json.first?["state"] as? String == "unreachable")
        #expect((r.json.first?["detail"] as? String)?.hasPrefix("uid 1000 cannot list \(Home.exposure)") == true)
    }

    @Test func linkFollowsARecreatedPVC() throws {
        let h = Home()
        h.expose()
        #expect(h.links("--apply").status == 0)
        usleep(1_100_000)
        let newer = h.box.volume("observer-prod", "observer-data-pvc", uid: "00000000-0000-4000-8000-000000000002")
        chmod(newer, 0o777)
        h.box.write(newer + "/new.jsonl", "{}\n")
        let stale = h.links("--json")  // reads the index as it was: still the old target, ok
        #expect(stale.json.first?["target"] as? String == h.volume)
        // The index knows the new volume; the old one is still what is mounted.
        let moved = h.links("--apply", "--json")
        #expect(moved.json.first?["target"] as? String == newer)
        #expect(moved.json.first?["state"] as? String == "unreachable")
        h.expose(newer)  // what unit-sync does when the daemon restarts for it
        let applied = h.links("--apply", "--json")
        #expect(applied.json.first?["state"] as? String == "ok")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: h.link) == Home.exposure)
        #expect(h.listAsUser(h.link).1.contains("new.jsonl"))
    }

    /// A link an earlier version made points straight at the volume: it is moved to the exposure.
    @Test func aLinkStraightIntoTheStorageRootIsRetargetedToTheExposure() throws {
        let h = Home()
        try FileManager.default.createDirectory(atPath: h.home + "/observer", withIntermediateDirectories: true)
        chown(h.home + "/observer", 1000, 1000)
        #expect(symlink(h.volume, h.link) == 0)
        h.expose()
        let r = h.links("--apply", "--json")
        #expect(r.json.first?["state"] as? String == "ok", "\(r.stdout)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: h.link) == Home.exposure)
        #expect(lstatOwner(h.link)! == (1000, 1000))
    }

    /// Issue 12 item 2: inside the home the agent has exactly the user's rights. A `~/observer`
    /// the user cannot write (0555) is refused, where root would have written it anyway.
    @Test func insideTheHomeTheAgentHasOnlyTheOwnersRights() throws {
        let h = Home()
        try FileManager.default.createDirectory(atPath: h.home + "/observer", withIntermediateDirectories: true)
        chown(h.home + "/observer", 1000, 1000)
        chmod(h.home + "/observer", 0o555)
        h.expose()
        let r = h.links("--apply", "--json")
        #expect(r.status == 1)
        #expect(r.json.first?["state"] as? String == "refused")
        #expect((r.json.first?["detail"] as? String)?.contains("Permission denied") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: h.home + "/observer").isEmpty)
    }

    /// Issue 12 item 2, the race: the user swaps `~/observer/data` between a symlink (the link
    /// itself, made by root) and a hard link to a root-owned file, while the agent reconciles.
    /// The old code chowned by name and so, now and then, chowned the outside file to the user.
    @Test func aNameSwappedBetweenASymlinkAndAHardLinkNeverMakesRootChownAnything() throws {
        let h = Home()
        let observer = h.home + "/observer"
        try FileManager.default.createDirectory(atPath: observer, withIntermediateDirectories: true)
        chown(observer, 1000, 1000)
        let outside = h.box.dir + "/etc-shadow"
        h.box.write(outside, "root:*:0:0\n")
        chmod(outside, 0o640)
        h.expose()
        let volume = h.volume
        let swapper = Swapper { i in
            let temporary = observer + "/.swap"
            unlink(temporary)
            // The link as an earlier version made it (straight at the volume, root's), then the trap.
            _ = i % 2 == 0 ? symlink(volume, temporary) : link(outside, temporary)
            rename(temporary, observer + "/data")
        }
        swapper.race(least: 1000, swaps: 1000) { _ = h.links("--apply") }
        var st = stat()
        #expect(stat(outside, &st) == 0)
        #expect(st.st_uid == 0 && st.st_gid == 0 && st.st_mode & 0o7777 == 0o640)
        #expect(swapper.swaps > 1000, "the race must really have run")
    }

    @Test func aRealDirectoryWhereTheLinkShouldBeIsLeftByteForByte() throws {
        let h = Home()
        let old = h.link
        try FileManager.default.createDirectory(atPath: old + "/assets", withIntermediateDirectories: true)
        h.box.write(old + "/assets/compose-era.jsonl", "{\"old\":1}\n{\"old\":2}\n")
        h.box.write(old + "/notes.txt", "keep me")
        let before = try FileManager.default.subpathsOfDirectory(atPath: old).sorted()
        let applied = h.links("--apply")
        #expect(applied.status == 1)
        #expect(applied.stdout.contains("conflict"))
        #expect(applied.stdout.contains("a directory with 2 files"))
        #expect(try FileManager.default.subpathsOfDirectory(atPath: old).sorted() == before)
        #expect(
            try String(contentsOfFile: old + "/assets/compose-era.jsonl", encoding: .utf8)
                == "{\"old\":1}\n{\"old\":2}\n")
        #expect(try String(contentsOfFile: old + "/notes.txt", encoding: .utf8) == "keep me")
    }

    @Test func aHomeDirectorySwappedForASymlinkIsAConflictNotAWayOut() throws {
        let h = Home()
        let victim = h.box.dir + "/etc"
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
        #expect(symlink(victim, h.home + "/observer") == 0)
        let applied = h.links("--apply", "--json")
        #expect(applied.status == 1)
        #expect(applied.json.first?["state"] as? String == "conflict")
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim).isEmpty)
    }

    @Test func aForeignSymlinkIsNotReplaced() throws {
        let h = Home()
        try FileManager.default.createDirectory(atPath: h.home + "/observer", withIntermediateDirectories: true)
        #expect(symlink("/usr/share", h.link) == 0)
        let applied = h.links("--apply", "--json")
        #expect(applied.json.first?["state"] as? String == "conflict")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: h.link) == "/usr/share")
    }
}

@Suite struct FixOwnershipCLITests {
    @Test func fixOwnershipGivesTheVolumeTo999AndSaysWhat() {
        let box = CLISandbox()
        let (data, logs) = box.observer()
        let dry = box.agent(["fix-ownership", "--dry-run", "observer-prod/observer-data-pvc"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("would change"))
        var st = stat()
        #expect(stat(data + "/observer.jsonl", &st) == 0 && st.st_uid == 0)
        let r = box.agent(["fix-ownership", "--verbose", "observer-prod/observer-data-pvc"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("observer-prod/observer-data-pvc: "))
        #expect(r.stdout.contains("changed to 999:999 (from uid 0: "))
        #expect(r.stdout.contains("  changed \(data)/observer.jsonl"))
        for p in [data, data + "/observer.jsonl", data + "/assets/scalp/20260203_09.jsonl"] {
            #expect(stat(p, &st) == 0 && st.st_uid == 999 && st.st_gid == 999, "\(p)")
        }
        #expect(stat(logs + "/scalp/20260203_09.log", &st) == 0 && st.st_uid == 0, "other volumes untouched")
    }

    @Test func withoutArgumentsItFixesTheConfiguredVolumesWithTheirOwner() {
        let box = CLISandbox()
        let (_, logs) = box.observer()
        let config =
            "owner: \"999:999\"\nvolumes:\n  - pvc: observer-prod/observer-logs-pvc\n    fix_ownership: true\n    owner: \"1001:1002\"\n"
        let r = box.agent(["fix-ownership"], config: config)
        #expect(r.status == 0, "\(r.stderr)")
        var st = stat()
        #expect(stat(logs + "/scalp/20260203_09.log", &st) == 0 && st.st_uid == 1001 && st.st_gid == 1002)
        let none = box.agent(["fix-ownership"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("fix_ownership: true"))
    }
}
