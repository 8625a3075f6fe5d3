import HostFS
import Inventory
import PVCResolver
import TestSupport

@testable import Alerting

/// One node for the alert tests: a real storage root and SQLite index in a temporary directory,
/// an `AlertCycle` on it sending to a `RecordingSink`, and a clock the test moves.
final class AlertBench {
    /// Tuesday 2026-02-03 10:00:00 UTC.
    static let tuesday10: Int64 = 1_770_112_800

    let box = Sandbox(label: "sa-alerting")
    let sink = RecordingSink()
    let inventory: Inventory
    var cycle: AlertCycle
    var now = tuesday10
    var persistentVolumes: [PersistentVolume]?
    var kubelet: [KubeletVolume] = []
    var extraRoots: [String] = []

    init(_ settings: AlertSettings = AlertSettings()) throws {
        inventory = try box.inventory()
        var settings = settings
        if settings.storageRoots.isEmpty { settings.storageRoots = [box.root] }
        cycle = AlertCycle(settings: settings, sink: sink)
    }

    var root: String { box.root }

    func resolution() -> Resolution {
        Resolver(roots: [box.root] + extraRoots, persistentVolumes: persistentVolumes, kubelet: kubelet).resolve()
    }

    /// Scans the tree into the index (at `now`) and runs one cycle on what the scan saw; returns
    /// what the sink recorded during this cycle.
    @discardableResult
    func scanAndRun(_ inputs: AlertCycle.Inputs = AlertCycle.Inputs()) throws -> [RecordingSink.Entry] {
        let resolution = resolution()
        let report = try inventory.scan(resolution, options: box.options(nowNs: now * 1_000_000_000))
        var inputs = inputs
        inputs.problems += resolution.problems
        inputs.changes += report.events
        return try run(inputs)
    }

    /// Runs one cycle without scanning; returns what the sink recorded during it.
    @discardableResult
    func run(_ inputs: AlertCycle.Inputs = AlertCycle.Inputs()) throws -> [RecordingSink.Entry] {
        sink.take()
        try cycle.run(inventory, inputs, now: now)
        return sink.entries
    }

    /// The index's alerts of one type (resolved ones too).
    func stored(_ type: AlertType) throws -> [AlertRecord] {
        try inventory.alerts(includeResolved: true).filter { $0.type == type.rawValue }
    }

    /// The index's firing alerts of one type.
    func firing(_ type: AlertType) throws -> [AlertRecord] {
        try inventory.alerts(includeResolved: false).filter { $0.type == type.rawValue }
    }
}

extension AlertRecord {
    /// The value of a journal number field (BYTES, FILES, ...).
    func number(_ name: String) -> Int64? { numbers.first { $0.name == name }?.value }
}

extension RecordingSink.Entry {
    func number(_ name: String) -> Int64? { record.number(name) }
}
