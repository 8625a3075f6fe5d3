import HostFS
import Inventory

/// Gathers what `MetricsRenderer` needs: from the index, and allocated bytes from the disk.
enum Metrics {
    /// The exposition for everything in `inventory`, with `usedBytes` (volume path -> allocated
    /// bytes, e.g. from `usedBytes(volumePaths:)`, possibly cached from an earlier scan), and the
    /// daemon's `watches` when it is the daemon that writes.
    static func exposition(
        _ inventory: Inventory, usedBytes: [String: Int64], watches: MetricsRenderer.Watches? = nil
    ) throws(InventoryError) -> String {
        MetricsRenderer.render(
            volumes: try inventory.volumes(), usedBytes: usedBytes, tracks: try inventory.trackUsage(),
            alerts: try inventory.alerts(includeResolved: false), scanDurationMs: try inventory.lastScan()?.durationMs,
            watches: watches)
    }

    /// Allocated space of one volume directory, as `du -s -B1 -x` counts it (bounded walk).
    static func usage(volumePath: String) throws(SystemError) -> DiskUsage.Usage {
        DiskUsage.measure(try Descriptor.openDirectory(path: volumePath))
    }

    /// Allocated space of each volume directory that can be opened; `failed` hears of the others.
    static func usage(
        volumePaths: [String], failed: (String, SystemError) -> Void = { _, _ in }
    ) -> [String: DiskUsage.Usage] {
        var out: [String: DiskUsage.Usage] = [:]
        for path in volumePaths {
            do {
                out[path] = try usage(volumePath: path)
            } catch {
                failed(path, error)
            }
        }
        return out
    }

    /// Allocated bytes of each volume directory that can be opened; `failed` hears of the others.
    static func usedBytes(
        volumePaths: [String], failed: (String, SystemError) -> Void = { _, _ in }
    ) -> [String: Int64] {
        usage(volumePaths: volumePaths, failed: failed).mapValues(\.bytes)
    }

    /// Renders the exposition and replaces `path` with it atomically (see `TextfileWriter`).
    static func writeTextfile(
        _ path: String, inventory: Inventory, usedBytes: [String: Int64], watches: MetricsRenderer.Watches? = nil
    ) throws(AgentError) {
        try writeTextfile(TextfileWriter.target(path), inventory: inventory, usedBytes: usedBytes, watches: watches)
    }

    static func writeTextfile(
        _ target: TextfileWriter.Target, inventory: Inventory, usedBytes: [String: Int64],
        watches: MetricsRenderer.Watches? = nil
    ) throws(AgentError) {
        let text: String
        do {
            text = try exposition(inventory, usedBytes: usedBytes, watches: watches)
        } catch {
            throw AgentError(error)
        }
        try TextfileWriter.write(text, into: target)
    }
}
