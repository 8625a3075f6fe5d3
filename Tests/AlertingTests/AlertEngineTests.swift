import Inventory
import TestSupport
import Testing

@testable import Alerting

/// The engine's transitions, on link-unreachable conditions (any condition would do).
@Suite struct AlertEngineTests {
    static func problem(_ n: Int) -> LinkProblem {
        LinkProblem(
            kind: .unreachable, link: "/home/u\(n)/data", target: nil, namespace: "ns", pvc: "data\(n)",
            detail: "the volume has no directory on this node")
    }

    static func links(_ range: ClosedRange<Int>) -> AlertCycle.Inputs {
        var inputs = AlertCycle.Inputs()
        inputs.links = range.map(problem)
        return inputs
    }

    static var none: AlertCycle.Inputs {
        var inputs = AlertCycle.Inputs()
        inputs.links = []
        return inputs
    }

    @Test func aConditionFiresOnceAndNotAgainWhileFiring() throws {
        let bench = try AlertBench()
        #expect(try bench.run(Self.links(1...1)).map(\.state) == [.firing])
        for _ in 0..<3 {
            bench.now += 60
            #expect(try bench.run(Self.links(1...1)).isEmpty)
        }
        let r = try #require(try bench.firing(.linkUnreachable).first)
        #expect(r.firstFired == AlertBench.tuesday10 && r.lastNotified == AlertBench.tuesday10 && r.count == 1)
        #expect(r.lastSeen == bench.now)
    }

    @Test func aConditionStillFiringIsSentAgainAfterRenotify() throws {
        let bench = try AlertBench(AlertSettings(renotify: 3600))
        try bench.run(Self.links(1...1))
        bench.now += 3599
        #expect(try bench.run(Self.links(1...1)).isEmpty)
        bench.now += 1
        let again = try bench.run(Self.links(1...1))
        #expect(again.map(\.state) == [.firing])
        #expect(again.first?.record.count == 2 && again.first?.record.firstFired == AlertBench.tuesday10)
        #expect(try bench.firing(.linkUnreachable).first?.lastNotified == bench.now)
        bench.now += 60
        #expect(try bench.run(Self.links(1...1)).isEmpty, "the next re-notify is another renotify away")
    }

    @Test func aResolvedEntryIsSentOnce() throws {
        let bench = try AlertBench()
        try bench.run(Self.links(1...1))
        bench.now += 60
        let resolved = try bench.run(Self.none)
        #expect(resolved.map(\.state) == [.resolved])
        #expect(resolved.first?.record.resolvedAt == bench.now)
        bench.now += 60
        #expect(try bench.run(Self.none).isEmpty)
        #expect(try bench.inventory.alerts(includeResolved: false).isEmpty)
        #expect(try bench.stored(.linkUnreachable).map(\.state) == [.resolved])

        bench.now += 60
        #expect(try bench.run(Self.links(1...1)).map(\.state) == [.firing], "a new incident fires again")
        #expect(try bench.firing(.linkUnreachable).first?.firstFired == bench.now)
    }

    @Test func moreThanMaxPerCycleIsCutToOneSuppressedSummaryWithTheCount() throws {
        let bench = try AlertBench(AlertSettings(maxPerCycle: 3))
        let sent = try bench.run(Self.links(1...5))
        #expect(sent.count == 3)
        #expect(bench.sink.suppressed == [2])
        #expect(try bench.firing(.linkUnreachable).count == 5, "every alert is kept in the index")
        bench.now += 60
        #expect(try bench.run(Self.links(1...5)).isEmpty && bench.sink.suppressed.isEmpty)

        bench.now += 60
        #expect(try bench.run(Self.none).count == 3 && bench.sink.suppressed == [2])
        #expect(try bench.firing(.linkUnreachable).isEmpty)
    }

    @Test func exactlyMaxPerCycleSendsNoSummary() throws {
        let bench = try AlertBench(AlertSettings(maxPerCycle: 3))
        #expect(try bench.run(Self.links(1...3)).count == 3)
        #expect(bench.sink.suppressed.isEmpty)
    }

    @Test func stateSurvivesANewEngineOnTheSameIndex() throws {
        let bench = try AlertBench()
        try bench.run(Self.links(1...2))

        let sink = RecordingSink()
        let reopened = try Inventory(path: bench.box.dbPath)
        var cycle = AlertCycle(settings: AlertSettings(storageRoots: [bench.root]), sink: sink)
        try cycle.run(reopened, Self.links(1...2), now: bench.now + 60)
        #expect(sink.entries.isEmpty, "a restart does not re-fire what is firing")
        try cycle.run(reopened, Self.links(2...2), now: bench.now + 120)
        #expect(sink.entries.map(\.state) == [.resolved])
        #expect(sink.entries.first?.record.subject == "/home/u1/data")
        #expect(sink.entries.first?.record.firstFired == bench.now)
        #expect(try reopened.alerts(includeResolved: false).map(\.subject) == ["/home/u2/data"])
    }
}
