import HostFS
import Inventory

/// Gathers what `MetricsRenderer` needs: from the index, and allocated bytes from the disk.
enum Metrics {
    /// The exposition for everything in `inventory`, with `usedBytes` (volume path -> allocated
    /// bytes, e.g. from `usedBytes(volumePaths:)`, possibly cached from an earlier scan).
    static func exposition(_ inventory: Inventory, usedBytes: [String: Int64]) throws(InventoryError) -> String {
        MetricsRenderer.render(
            volumes: try inventory.volumes(), usedBytes: usedBytes, tracks: try inventory.trackUsage(),
            alerts: try inventory.alerts(includeResolved: false), scanDurationMs: try inventory.lastScan()?.durationMs)
    }

    /// Allocated bytes of one volume directory, as `du -s -B1 -x` counts them.
    static func usedBytes(volumePath: String) throws(SystemError) -> Int64 {
        DiskUsage.allocatedBytes(try Descriptor.openDirectory(path: volumePath))
    }

    /// Allocated bytes of each volume directory that can be opened; `failed` hears of the others.
    static func usedBytes(
        volumePaths: [String], failed: (String, SystemError) -> Void = { _, _ in }
    ) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for path in volumePaths {
            do {
                out[path] = try usedBytes(volumePath: path)
            } catch {
                failed(path, error)
            }
        }
        return out
    }

    /// Renders the exposition and replaces `path` with it atomically (see `TextfileWriter`).
    static func writeTextfile(
        _ path: String, inventory: Inventory, usedBytes: [String: Int64]
    ) throws(AgentError) {
        let text: String
        do {
            text = try exposition(inventory, usedBytes: usedBytes)
        } catch {
            throw AgentError(error)
        }
        try TextfileWriter.write(text, to: path)
    }
}
