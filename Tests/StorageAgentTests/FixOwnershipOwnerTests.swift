import Foundation
import Glibc
import TestSupport
import Testing

/// `fix-ownership --owner UID:GID` and the dry run's warning for a volume that is mostly another
/// app's (issue 14): real trees, real chown as root.
@Suite struct FixOwnershipOwnerTests {
    /// A Grafana-like volume: `files` regular files, the first `foreign` of them owned by 472.
    func grafana(_ box: CLISandbox, files: Int, foreign: Int) -> String {
        let v = box.volume("monitoring", "grafana")
        chown(v, 999, 999)
        for i in 0..<files {
            let path = v + "/grafana-\(i).log"
            box.write(path, "line\n")
            if i < foreign { chown(path, 472, 472) } else { chown(path, 999, 999) }
        }
        return v
    }

    func owner(_ path: String) -> (UInt32, UInt32) {
        var st = stat()
        _ = lstat(path, &st)
        return (st.st_uid, st.st_gid)
    }

    @Test func aDryRunWarnsWhenMostFilesBelongToAnotherUid() {
        let box = CLISandbox()
        let v = grafana(box, files: 3, foreign: 2)
        let r = box.agent("fix-ownership", "--dry-run", "monitoring/grafana")
        #expect(r.status == 0, "\(r.stderr)")
        let warnings = r.stderr.split(separator: "\n").filter { $0.contains("belong to uid 472") }
        #expect(warnings.count == 1, "\(r.stderr)")
        #expect(
            warnings.first
                == "storage-agent: warning: monitoring/grafana: 2 of 3 regular files belong to uid 472, not 999; check the app's user before fixing (--owner 472:GID keeps them)"
        )
        #expect(owner(v + "/grafana-0.log") == (472, 472), "a dry run changes nothing")
    }

    @Test func noWarningWhenTheTargetOwnerHoldsMostFilesOrIsNamed() {
        let box = CLISandbox()
        _ = grafana(box, files: 4, foreign: 2)
        // Half is not most.
        #expect(!box.agent("fix-ownership", "--dry-run", "monitoring/grafana").stderr.contains("belong to uid"))
        let named = box.agent("fix-ownership", "--dry-run", "--owner", "472:472", "monitoring/grafana")
        #expect(named.status == 0 && !named.stderr.contains("belong to uid"), "\(named.stderr)")
        #expect(named.stdout.contains("would change to 472:472"), "\(named.stdout)")
    }

    @Test func ownerOptionGivesTheVolumeToThatOwner() {
        let box = CLISandbox()
        let v = grafana(box, files: 3, foreign: 2)
        let r = box.agent("fix-ownership", "--owner", "472:473", "monitoring/grafana")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("changed to 472:473"), "\(r.stdout)")
        for i in 0..<3 { #expect(owner(v + "/grafana-\(i).log") == (472, 473)) }
        #expect(owner(v) == (472, 473))
        // Without --owner the configured default (999:999) is used, as before.
        #expect(box.agent("fix-ownership", "monitoring/grafana").stdout.contains("changed to 999:999"))
        #expect(owner(v + "/grafana-0.log") == (999, 999))
    }

    @Test func aBadOwnerIsAUsageError() {
        let box = CLISandbox()
        _ = grafana(box, files: 1, foreign: 0)
        let r = box.agent("fix-ownership", "--owner", "grafana", "monitoring/grafana")
        #expect(r.status == 64)
        #expect(r.stderr == "storage-agent: --owner 'grafana' is not UID:GID (numbers, e.g. 472:472)\n")
    }
}
