import Glibc
import HostFS
import Inventory
import PVCResolver
import TestSupport
import Testing

@testable import Alerting

/// subtree-skipped: a tree deeper than index.max_depth is tampering, left out and alerted.
@Suite struct TreeRuleTests {
    @Test func aTooDeepSubtreeFiresOncePerVolumeAndResolvesWhenItIsGone() throws {
        let bench = try AlertBench()
        let v = bench.box.volume("observer-prod", "observer-data-pvc")
        let top = v + "/x\nFORGED"
        #expect(mkdir(top, 0o755) == 0)
        nestDirectories(top, depth: 70, name: { _ in "d" })
        let resolution = bench.resolution()
        let report = try bench.inventory.scan(resolution, options: bench.box.options())
        var inputs = AlertCycle.Inputs()
        inputs.events = TreeRules.events(report.skipped, volumes: resolution.volumes)
        let sent = try bench.run(inputs)
        #expect(sent.map(\.type) == [.subtreeSkipped])
        let record = try #require(sent.first?.record)
        #expect(record.subject == v && record.pvc == "observer-data-pvc" && record.priority == 4)
        #expect(record.filePath == v + "/x\\x0aFORGED" + String(repeating: "/d", count: 64))
        #expect(record.number("COUNT") == 1)
        #expect(!record.message.contains("FORGED"), "MESSAGE carries no tenant text")
        #expect(record.message.contains("PVC observer-prod/observer-data-pvc"))
        // Seen again on the next scan: still one alert, counted, not sent again.
        let again = try bench.inventory.scan(resolution, options: bench.box.options())
        inputs.events = TreeRules.events(again.skipped, volumes: resolution.volumes)
        #expect(try bench.run(inputs).isEmpty)
        #expect(try bench.firing(.subtreeSkipped).first?.count == 2)
        removeTree(top)
        bench.now += 6 * 3600
        let quiet = try bench.run()
        #expect(quiet.map(\.state) == [.resolved])
        #expect(quiet.first?.record.message.hasPrefix("Nothing in PVC observer-prod/observer-data-pvc") == true)
    }

    @Test func unreadableSubtreesAreNotTampering() throws {
        let skipped = [SkippedPath(path: "/v/a", reason: "Permission denied", volumePath: "/v")]
        #expect(TreeRules.events(skipped, volumes: []).isEmpty)
    }
}
