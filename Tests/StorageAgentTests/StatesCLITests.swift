import Foundation
import Glibc
import HostFS
import Inventory
import TestSupport
import Testing

@testable import Alerting
@testable import StorageAgent

/// Issue 11, items 5, 7 and 8 through the built binary on real trees and a real index: USED as
/// du counts it, fixes by hand that resolve their alerts at once, and link states and hints
/// that say what is wrong and how to fix it.
@Suite struct StatesCLITests {
    // MARK: - pvc list: USED next to the indexed FILES and SIZE

    @Test func pvcListShowsUsedAsDuCountsItNextToTheIndexedFiles() throws {
        let box = CLISandbox()
        let old = box.volume("observer-prod", "observer-db-pvc", uid: "00000000-0000-4000-8000-000000000001")
        try makeDirectories(old + "/base/16384")
        try writeFile(old + "/base/16384/1259", noise(1 << 20))
        box.write(old + "/log/postgresql.log", "ready\n")
        sleepPastASecond()
        let new = box.volume("observer-prod", "observer-db-pvc", uid: "00000000-0000-4000-8000-000000000002")
        let r = box.agent("pvc", "list", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let byPath = Dictionary(uniqueKeysWithValues: r.json.map { ($0["path"] as! String, $0) })
        #expect(byPath[old]?["files"] as? Int == 1 && byPath[old]?["bytes"] as? Int == 6, "indexed: the .log only")
        #expect(byPath[old]?["used_bytes"] as? Int == Int(du(old)))
        #expect(byPath[new]?["used_bytes"] as? Int == Int(du(new)))
        let table = box.agent("pvc", "list")
        let header = try #require(table.stdout.split(separator: "\n").first)
        let columns = header.split(separator: " ").map(String.init)
        #expect(columns.firstIndex(of: "USED") == columns.firstIndex(of: "SIZE")! + 1, "\(header)")
        let row = try #require(table.stdout.split(separator: "\n").first { $0.contains(old) })
        #expect(row.contains(Format.size(du(old))))
    }

    // MARK: - fix-ownership resolves its alerts at once

    func seed(_ box: CLISandbox, _ records: [(AlertType, String)]) throws {
        let inventory = try box.inventory()
        try inventory.saveAlerts(
            records.map { type, subject in
                AlertRecord(
                    type: type.rawValue, subject: subject, state: .firing, namespace: "observer-prod", pvc: "x",
                    path: subject, message: "the failure's own text: Read-only file system", priority: type.priority,
                    firstFired: 1_770_000_000, lastNotified: 1_770_000_000, lastSeen: 1_770_000_000, count: 1)
            })
    }

    func alert(_ box: CLISandbox, _ type: AlertType, _ subject: String) throws -> AlertRecord? {
        try box.inventory().alerts(includeResolved: true).first { $0.type == type.rawValue && $0.subject == subject }
    }

    @Test func fixOwnershipResolvesTheVolumesOwnershipAlertsInTheIndexAtOnce() throws {
        let box = CLISandbox()
        let (data, logs) = box.observer()
        #expect(box.agent("scan").status == 0)
        try seed(box, [(.ownershipUnfixable, data), (.ownershipDrift, data), (.ownershipUnfixable, logs)])
        let dry = box.agent("fix-ownership", "--dry-run", "observer-prod/observer-data-pvc")
        #expect(dry.status == 0 && !dry.stdout.contains("resolved"))
        #expect(try alert(box, .ownershipUnfixable, data)?.state == .firing, "a dry run fixes nothing")

        let r = box.agent("fix-ownership", "observer-prod/observer-data-pvc")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("resolved ownership-unfixable for \(data)"))
        #expect(r.stdout.contains("resolved ownership-drift for \(data)"))
        let unfixable = try #require(try alert(box, .ownershipUnfixable, data))
        #expect(unfixable.state == .resolved && unfixable.resolvedAt != nil)
        #expect(
            unfixable.message
                == "Every entry in PVC observer-prod/observer-data-pvc was given to 999:999: storage-agent fix-ownership refused none"
        )
        #expect(try alert(box, .ownershipDrift, data)?.state == .resolved)
        #expect(try alert(box, .ownershipUnfixable, logs)?.state == .firing, "other volumes are left alone")
        // Nothing is resolved twice: a second run has nothing firing to resolve.
        #expect(!box.agent("fix-ownership", "observer-prod/observer-data-pvc").stdout.contains("resolved"))
    }

    @Test func fixOwnershipThatRefusesAnEntryLeavesItsAlertFiring() throws {
        let box = CLISandbox()
        let (data, _) = box.observer()
        try writeFile(box.dir + "/outside-secret", "secret\n")
        #expect(link(box.dir + "/outside-secret", data + "/planted.jsonl") == 0)
        #expect(box.agent("scan").status == 0)
        try seed(box, [(.ownershipUnfixable, data)])
        let r = box.agent("fix-ownership", "observer-prod/observer-data-pvc")
        #expect(r.stdout.contains("1 refused") && !r.stdout.contains("resolved"))
        #expect(try alert(box, .ownershipUnfixable, data)?.state == .firing)
    }

    // MARK: - links: states, hints that work, resolution at once

    @Test func aDirectoryInTheWayIsAConflictWhoseHintFixesItAndApplyThenResolvesAtOnce() throws {
        let h = LinksCLITests.Home()
        h.expose()
        h.box.write(h.link + "/compose-era.jsonl", "{}\n")
        for d in ["/observer", "/observer/data"] { chown(h.home + d, 1000, 1000) }  // the user's own, as it was
        #expect(h.links("--apply").status == 1)
        let doctor = h.box.agent(["doctor", "--json"], config: h.config)
        let row = try #require(doctor.json.first { $0["check"] as? String == "link" })
        let hint = try #require(row["hint"] as? String)
        #expect(hint.contains("sudo mv \(h.link) \(h.link).old") && hint.hasSuffix("sudo storage-agent links --apply"))
        let listed = h.links("--json").json.first
        #expect(listed?["state"] as? String == "conflict" && listed?["hint"] as? String == hint)
        try seed(h.box, [(.linkConflict, h.link)])  // what the daemon raised

        // Do what the hint says: move it aside by hand, then links --apply.
        #expect(rename(h.link, h.link + ".old") == 0)
        let applied = h.links("--apply")
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(applied.stdout.contains("resolved link-conflict for \(h.link)"))
        let resolved = try #require(try alert(h.box, .linkConflict, h.link))
        #expect(resolved.state == .resolved)
        #expect(resolved.message.hasSuffix("any more: it works again") && !resolved.message.contains("Read-only"))
        #expect(try String(contentsOfFile: h.link + ".old/compose-era.jsonl", encoding: .utf8) == "{}\n")
    }

    @Test func aWriteTheFileSystemRefusesIsRefusedNotAConflict() throws {
        let h = LinksCLITests.Home()
        // The home read-only, as ProtectHome=read-only makes it for the service (in the agent's
        // mount namespace, which ends with the test).
        h.expose()
        try #require(h.namespace.sh("mount --bind '\(h.home)' '\(h.home)'; mount -o remount,bind,ro '\(h.home)'") == 0)
        let r = h.links("--apply", "--json")
        #expect(r.status == 1)
        let row = try #require(r.json.first)
        #expect(row["state"] as? String == "refused")
        #expect((row["detail"] as? String)?.contains("Read-only file system") == true)
        #expect((row["hint"] as? String)?.contains("sudo storage-agent links --apply from a root shell") == true)
        #expect((row["hint"] as? String)?.contains("findmnt -T \(h.home)") == true)
        let doctor = h.box.agent(["doctor", "--json"], config: h.config)
        let check = try #require(doctor.json.first { $0["check"] as? String == "link" })
        #expect((check["detail"] as? String)?.hasPrefix("missing") == true, "without --apply nothing is written")
        #expect(check["hint"] as? String == "sudo storage-agent links --apply")
    }

    @Test func aForeignSymlinksTargetStaysOutOfTheDetail() throws {
        let h = LinksCLITests.Home()
        try FileManager.default.createDirectory(atPath: h.home + "/observer", withIntermediateDirectories: true)
        #expect(symlink("/tmp/x\nFAKE ALERT", h.link) == 0)
        let row = try #require(h.links("--apply", "--json").json.first)
        #expect(row["state"] as? String == "conflict")
        #expect((row["detail"] as? String)?.contains("FAKE") == false)
        #expect((row["hint"] as? String)?.contains("sudo rm \(h.link)") == true)
    }

    // MARK: - the daemon logs a link's trouble once

    @Test func aConflictIsLoggedOnceAndAgainOnlyWhenItChanges() {
        var log = LinkLog()
        var s = LinkStatus(
            link: "/home/ubuntu/observer/data", target: "/s/v", namespace: "ns", pvc: "data", owner: nil,
            state: .conflict, detail: "a directory with 2 files, 8.0K is there; it was left as it is",
            hint: LinkStatus.moveAside("/home/ubuntu/observer/data"))
        #expect(log.report([s]).count == 1)
        #expect(log.report([s]).isEmpty, "the same conflict on the next reconcile")
        #expect(log.report([s]).isEmpty)
        s.detail = "a directory with 3 files, 12K is there; it was left as it is"
        #expect(log.report([s]) == ["link /home/ubuntu/observer/data: conflict: \(s.detail); fix: \(s.hint)"])
        s.set(.ok, "", hint: "")
        #expect(log.report([s]) == ["link /home/ubuntu/observer/data: ok again"])
        #expect(log.report([s]).isEmpty)
    }
}
