import Inventory
import TestSupport
import Testing

@testable import Alerting

/// Resolved entries say what recovered, in their own words, never the failure's text; a fix
/// made by hand resolves its alerts at once and the daemon does not send them again.
@Suite struct ResolvedMessageTests {
    static let failure =
        "Link /home/ubuntu/observer/data for PVC observer-prod/data: /home/ubuntu: Read-only file system (symlinkat)"

    func firing(_ type: AlertType, subject: String = "/home/ubuntu/observer/data") -> AlertRecord {
        AlertRecord(
            type: type.rawValue, subject: subject, state: .firing, namespace: "observer-prod", pvc: "data",
            path: "/storage/pvc-1_observer-prod_data", track: "scalp", message: Self.failure, priority: type.priority,
            firstFired: AlertBench.tuesday10, lastNotified: AlertBench.tuesday10, lastSeen: AlertBench.tuesday10,
            count: 1)
    }

    @Test func everyTypeHasASentenceOfItsOwnForResolved() {
        var seen: [String: AlertType] = [:]
        for type in AlertType.allCases {
            let message = type.resolvedMessage(firing(type))
            #expect(!message.isEmpty)
            #expect(!message.contains("Read-only") && !message.contains("symlinkat"), "\(type): \(message)")
            #expect(seen.updateValue(type, forKey: message) == nil, "\(type) says what \(seen[message]!) says")
        }
        let fs = AlertType.capacity.resolvedMessage(firing(.capacity, subject: "/storage/pvc-1#filesystem"))
        #expect(fs == "The file system of PVC observer-prod/data has 10% free space or more again")
    }

    @Test func theEngineSendsAndKeepsTheResolvedSentenceNotTheFailure() throws {
        let bench = try AlertBench(AlertSettings(expected: [VolumeRuleTests.expected]))
        let fired = try bench.scanAndRun()
        #expect(fired.first?.record.message.contains("has no directory") == true)
        bench.box.volume("observer-prod", "observer-data-pvc")
        let resolved = try #require(try bench.scanAndRun().first)
        #expect(resolved.state == .resolved)
        let sentence =
            "Expected volume observer-prod/observer-data-pvc has a directory on this node again, or is no longer expected"
        #expect(resolved.record.message == sentence)
        #expect(try bench.stored(.volumeMissing).first?.message == sentence, "alerts --all shows it too")
    }

    static func link(_ kind: LinkProblem.Kind, detail: String = "") -> AlertCycle.Inputs {
        var inputs = AlertCycle.Inputs()
        inputs.links = [
            LinkProblem(
                kind: kind, link: "/home/ubuntu/observer/data", target: "/storage/pvc-1_observer-prod_data",
                namespace: "observer-prod", pvc: "data", detail: detail)
        ]
        return inputs
    }

    @Test func aRefusedLinkIsUnreachableAndResolvesSayingItWorksAgain() throws {
        let bench = try AlertBench()
        let fired = try bench.run(
            Self.link(.refused, detail: "a write the link needs was refused: Read-only file system"))
        #expect(fired.map(\.type) == [.linkUnreachable] && fired.first?.state == .firing)
        #expect(try bench.run(Self.link(.refused, detail: "a write the link needs was refused")).isEmpty)
        let ok = try bench.run(Self.link(.ok))
        #expect(ok.map(\.state) == [.resolved])
        #expect(
            ok.first?.record.message
                == "The friendly path /home/ubuntu/observer/data for PVC observer-prod/data works again")
    }

    @Test func aConflictThatBecameSomethingElseSaysWhatItIsNow() throws {
        let bench = try AlertBench()
        #expect(try bench.run(Self.link(.conflict, detail: "a directory with 3 files")).map(\.type) == [.linkConflict])
        let moved = try bench.run(Self.link(.missing))
        #expect(moved.map(\.state) == [.resolved])
        let message = try #require(moved.first?.record.message)
        #expect(message.hasPrefix("Nothing is in the way of the friendly path /home/ubuntu/observer/data"))
        #expect(message.hasSuffix("it is missing now") && !message.contains("directory with"))
    }

    @Test func aFixByHandResolvesAtOnceAndTheNextCycleSendsNothing() throws {
        let bench = try AlertBench()
        #expect(try bench.run(Self.link(.conflict, detail: "a directory with 3 files")).count == 1)
        try bench.inventory.saveAlerts([firing(.ownershipDrift, subject: "/storage/other")])
        bench.now += 60
        let sink = RecordingSink()
        let resolved = try AlertEngine.resolve(
            bench.inventory,
            [
                (type: .linkConflict, subject: "/home/ubuntu/observer/data", message: nil),
                (type: .linkUnreachable, subject: "/home/ubuntu/observer/data", message: nil),
            ], sink: sink, now: bench.now)
        #expect(resolved.map(\.type) == [AlertType.linkConflict.rawValue], "only what was firing")
        #expect(sink.entries.map(\.state) == [.resolved] && sink.entries.first?.type == .linkConflict)
        #expect(sink.entries.first?.record.message.hasPrefix("Nothing is in the way") == true)
        let stored = try #require(try bench.stored(.linkConflict).first)
        #expect(stored.state == .resolved && stored.resolvedAt == bench.now)
        #expect(try bench.firing(.ownershipDrift).count == 1, "other alerts are left alone")
        // The daemon's next cycle sees the link working: nothing more is sent.
        #expect(try bench.run(Self.link(.ok)).isEmpty)
    }

    @Test func indexErrorResolvesInItsOwnWords() throws {
        let bench = try AlertBench()
        var health = IndexHealth(bench.inventory)
        health.failed(
            bench.inventory, database: "/var/lib/storage-agent/inventory.db", reason: "database is locked",
            engine: bench.cycle.engine, now: bench.now)
        health.recovered(bench.inventory, engine: bench.cycle.engine, now: bench.now + 5)
        let sent = bench.sink.entries(.indexError)
        #expect(sent.map(\.state) == [.firing, .resolved])
        #expect(sent.last?.record.message == "The index /var/lib/storage-agent/inventory.db can be written again")
    }
}
