import HostFS
import Inventory
import PVCResolver
import Workloads

/// One evaluation of the alert rules. Each family runs when its inputs are there, and only the
/// families that ran may resolve what they no longer see: this is the one place that decides
/// which alerts a cycle evaluated.
package struct AlertCycle: Sendable {
    /// What a cycle looked at. A nil member was not looked at this cycle.
    package struct Inputs: Sendable {
        package var problems: [ResolveProblem] = []
        package var changes: [ChangeEvent] = []
        /// Ownership walks' events (OwnershipRules).
        package var events: [AlertCondition] = []
        /// Run the rules that depend on the clock (track-stale, track-gap, volume-unmounted).
        package var clock = false
        /// Running containers and their volume mounts, for volume-unmounted (with `clock`).
        package var mounts: (mounts: [ContainerMount], containers: [ContainerMounts.Container])?
        /// Every friendly link checked this cycle (ok ones too: they say what a resolved entry says).
        package var links: [LinkProblem]?
        /// Allocated bytes and free space per volume path (du and statvfs, on reconcile).
        package var usage: (used: [String: Int64], freePercent: [String: Double])?
        /// Allocated space per volume path as last measured (the daemon keeps it between
        /// reconciles): stale and orphan directories that hold data without indexed files.
        package var allocated: [String: DiskUsage.Usage] = [:]
        /// Tracked files in containers' writable layers (on reconcile).
        package var layers: [EphemeralFile]?
        /// What a rescue pass copied out of writable layers, and whether a bound stopped it.
        package var rescue: RescueOutcome?

        package init() {}
    }

    package private(set) var settings: AlertSettings
    package private(set) var engine: AlertEngine
    private var tracks: TrackRules
    private var grace = MountGrace()

    package init(settings: AlertSettings, sink: any AlertSink) {
        self.settings = settings
        engine = AlertEngine(renotify: settings.renotify, maxPerCycle: settings.maxPerCycle, sink: sink)
        tracks = TrackRules(tracks: settings.tracks, zones: TimeZones(tracks: settings.tracks))
    }

    /// A reloaded configuration: new settings, the same sink, and how long each expected mount
    /// has been missing kept (a reload is no reason to restart a grace period).
    package mutating func reconfigure(_ settings: AlertSettings) {
        self.settings = settings
        engine = AlertEngine(renotify: settings.renotify, maxPerCycle: settings.maxPerCycle, sink: engine.sink)
        tracks = TrackRules(tracks: settings.tracks, zones: TimeZones(tracks: settings.tracks))
    }

    /// Evaluates, records and sends; returns the number of journal entries sent.
    @discardableResult
    package mutating func run(_ inventory: Inventory, _ inputs: Inputs, now: Int64) throws(InventoryError) -> Int {
        let volumes = try inventory.volumes(includeGone: false)
        var conditions = VolumeRules.conditions(
            settings, volumes: volumes, problems: inputs.problems, allocated: inputs.allocated)
        var evaluated = VolumeRules.evaluates
        var events =
            FileRules.events(
                settings, changes: inputs.changes, volumes: try inventory.volumes(includeGone: true), now: now)
            + inputs.events
        if inputs.clock {
            conditions += tracks.stale(lastWrites: try inventory.trackLastWrites(), volumes: volumes, now: now)
            evaluated.formUnion(TrackRules.evaluates)
            let known = Set(
                try inventory.alerts(includeResolved: true).filter { $0.type == AlertType.trackGap.rawValue }
                    .map(\.subject))
            events += try tracks.gaps(inventory, now: now, known: known)
            let missing = inputs.mounts.map {
                WorkloadRules.unmounted(settings.expected, mounts: $0.mounts, containers: $0.containers)
            }
            conditions += grace.conditions(missing ?? [], grace: settings.mountGrace, now: now)
            evaluated.formUnion(WorkloadRules.evaluatesMounts)
        }
        var resolvedMessages: [String: String] = [:]
        if let links = inputs.links {
            conditions += LinkRules.conditions(links)
            evaluated.formUnion(LinkRules.evaluates)
            resolvedMessages.merge(LinkRules.resolvedMessages(links)) { first, _ in first }
        }
        if let usage = inputs.usage {
            conditions += CapacityRules.conditions(volumes, used: usage.used, freePercent: usage.freePercent)
            evaluated.formUnion(CapacityRules.evaluates)
        }
        if let layers = inputs.layers {
            conditions += WorkloadRules.layerConditions(layers)
            evaluated.formUnion(WorkloadRules.evaluatesLayers)
        }
        if let rescue = inputs.rescue {
            events += RescueRules.events(rescue)
            conditions += RescueRules.conditions(rescue)
            evaluated.formUnion(RescueRules.evaluates)
        }
        return try engine.cycle(
            inventory: inventory, conditions: conditions, evaluated: evaluated, events: events,
            resolvedMessages: resolvedMessages, now: now)
    }
}
