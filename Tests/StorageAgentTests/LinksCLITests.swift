import Foundation
import Glibc
import TestSupport
import Testing

@testable import Alerting

/// Friendly links through the built binary, on real trees, checked the way the user would.
@Suite struct LinksCLITests {
    /// A storage root at 0700 (as k3s keeps it), a volume, and /home/ubuntu owned by uid 1000.
    final class Home {
        let box = CLISandbox()
        let home: String
        let volume: String
        var link: String { home + "/observer/data" }

        init() {
            home = box.dir + "/home/ubuntu"
            try! FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            chown(home, 1000, 1000)
            volume = box.volume("observer-prod", "observer-data-pvc", uid: "00000000-0000-4000-8000-000000000001")
            chmod(volume, 0o777)
            box.write(volume + "/assets/scalp/20260203_09.jsonl", "{}\n")
            chmod(box.root, 0o700)
        }

        var config: String {
            "volumes:\n  - pvc: observer-prod/observer-data-pvc\n    link: \(link)\n"
        }

        func links(_ args: String...) -> CLIResult { box.agent(["links"] + args, config: config) }

        /// `ls` as uid 1000, as the issue asks.
        func listAsUser(_ path: String) -> (Int32, String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            p.arguments = ["--reuid=1000", "--regid=1000", "--clear-groups", "ls", path + "/"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = Pipe()
            try! p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    func lstatOwner(_ path: String) -> (UInt32, UInt32)? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return (st.st_uid, st.st_gid)
    }

    @Test func linkIsCreatedOwnedByTheHomeOwnerAndReachableThroughA0700Root() throws {
        let h = Home()
        let before = h.links("--json")
        #expect(before.status == 1)
        #expect(before.json.first?["state"] as? String == "missing")
        #expect(h.listAsUser(h.volume).0 != 0, "the 0700 root must block uid 1000 before --apply")
        let applied = h.links("--apply", "--json")
        #expect(applied.status == 0, "\(applied.stderr)")
        let row = try #require(applied.json.first)
        #expect(Set(row.keys) == ["link", "target", "namespace", "pvc", "owner", "state", "detail", "hint"])
        #expect(row["state"] as? String == "ok")
        #expect(row["owner"] as? String == "1000:1000")
        #expect(row["target"] as? String == h.volume)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: h.link) == h.volume)
        #expect(lstatOwner(h.link)! == (1000, 1000))
        #expect(lstatOwner(h.home + "/observer")! == (1000, 1000))
        let (status, listing) = h.listAsUser(h.link)
        #expect(status == 0)
        #expect(listing.contains("assets"))
        // Traverse only: uid 1000 still cannot list the storage root itself.
        #expect(h.listAsUser(h.box.root).0 != 0)
    }

    @Test func chmod700MasksTheAccessAndApplyRepairsIt() {
        let h = Home()
        #expect(h.links("--apply").status == 0)
        chmod(h.box.root, 0o700)  // what k3s's setup script does again
        let check = h.links("--json")
        #expect(check.json.first?["state"] as? String == "unreachable")
        #expect(h.listAsUser(h.link).0 != 0)
        #expect(h.links("--apply").status == 0)
        #expect(h.listAsUser(h.link).0 == 0)
    }

    @Test func linkFollowsARecreatedPVC() throws {
        let h = Home()
        #expect(h.links("--apply").status == 0)
        usleep(1_100_000)
        let newer = h.box.volume("observer-prod", "observer-data-pvc", uid: "00000000-0000-4000-8000-000000000002")
        chmod(newer, 0o777)
        let stale = h.links("--json")  // reads the index as it was: still the old target, ok
        #expect(stale.json.first?["target"] as? String == h.volume)
        let applied = h.links("--apply", "--json")
        #expect(applied.json.first?["state"] as? String == "ok")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: h.link) == newer)
        #expect(lstatOwner(h.link)! == (1000, 1000))
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
