import HostFS
import Inventory
import PVCResolver
import TestSupport
import Testing

@testable import Alerting

/// ownership-drift and ownership-unfixable from an ownership walk's report; link-conflict and
/// link-unreachable from the link manager's problems.
@Suite struct OwnershipAndLinkRuleTests {
    @Test func entriesGivenBackAndEntriesRefusedAreOneEventEachPerVolume() throws {
        let bench = try AlertBench()
        bench.box.volume("ns", "data")
        try bench.scanAndRun()
        let volume = try #require(bench.resolution().volumes.first)
        var report = OwnershipReport()
        report.previousOwners = [1000: 3, 0: 1]
        report.refused = [(Array("logs/hard.log".utf8), "it has 2 hard links")]
        var inputs = AlertCycle.Inputs()
        inputs.events = OwnershipRules.events(report, volume: volume, owner: Owner(uid: 999, gid: 999))

        let sent = try bench.run(inputs)
        #expect(sent.map(\.type) == [.ownershipDrift, .ownershipUnfixable])
        let drift = sent[0].record
        #expect(drift.subject == volume.path && drift.priority == 5)
        #expect(drift.number("FILES") == 4 && drift.number("OFFENDING_UID") == 1000)
        let refused = sent[1].record
        #expect(refused.filePath == volume.path + "/logs/hard.log" && refused.number("FILES") == 1)
        #expect(refused.priority == 4 && refused.message.contains("999:999"))
        #expect(try bench.firing(.ownershipDrift).first?.count == 4)

        bench.now += 6 * 3600
        let quiet = try bench.run()
        #expect(quiet.map(\.state) == [.resolved, .resolved], "events resolve after a quiet renotify")
        #expect(try bench.inventory.alerts(includeResolved: false).isEmpty)
    }

    @Test func aCleanWalkSaysNothing() throws {
        let bench = try AlertBench()
        bench.box.volume("ns", "data")
        let volume = try #require(bench.resolution().volumes.first)
        var inputs = AlertCycle.Inputs()
        inputs.events = OwnershipRules.events(OwnershipReport(), volume: volume, owner: Owner(uid: 999, gid: 999))
        #expect(inputs.events.isEmpty)
        #expect(try bench.scanAndRun(inputs).isEmpty)
    }

    static func links(_ problems: [LinkProblem]?) -> AlertCycle.Inputs {
        var inputs = AlertCycle.Inputs()
        inputs.links = problems
        return inputs
    }

    static let conflict = LinkProblem(
        kind: .conflict, link: "/home/ubuntu/observer/data", target: "/storage/pvc-1_observer-prod_data",
        namespace: "observer-prod", pvc: "data", detail: "a real directory is in the way")
    static let unreachable = LinkProblem(
        kind: .unreachable, link: "/home/ubuntu/observer/logs", target: nil, namespace: "observer-prod", pvc: "logs",
        detail: "the volume has no directory on this node")

    @Test func linkProblemsFireByKindAndResolveWhenTheLinksAreChecked() throws {
        let bench = try AlertBench()
        let sent = try bench.run(Self.links([Self.conflict, Self.unreachable]))
        #expect(sent.map(\.type) == [.linkConflict, .linkUnreachable])
        #expect(sent[0].record.subject == Self.conflict.link && sent[0].record.path == Self.conflict.target)
        #expect(sent[0].record.filePath == Self.conflict.link && sent[0].record.priority == 4)
        #expect(sent[1].record.pvc == "logs" && sent[1].record.path == nil)

        #expect(try bench.run(Self.links(nil)).isEmpty, "links not checked: nothing decided")
        #expect(try bench.run().isEmpty)
        let fixed = try bench.run(Self.links([Self.unreachable]))
        #expect(fixed.map(\.type) == [.linkConflict] && fixed.map(\.state) == [.resolved])
        #expect(try bench.firing(.linkUnreachable).count == 1)
        #expect(try bench.stored(.linkConflict).map(\.state) == [.resolved])
    }
}
