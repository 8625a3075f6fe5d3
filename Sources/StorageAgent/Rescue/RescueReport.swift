import Alerting
import HostFS
import Inventory

/// What one rescue pass did, for the log, the alerts and `rescue --now`.
struct RescueReport {
    /// New bytes copied for one container: `<namespace>/<pod>/<container>` in the area.
    struct Container {
        var namespace: String?
        var pod: String?
        var container: String?
        var snapshot: String
        /// Host path of the container's directory in the rescue area.
        var directory: String
        var files = 0
        var bytes: Int64 = 0
    }

    var containers: [String: Container] = [:]
    /// Bytes copied this pass (new copies whole, grown ones their new bytes).
    var passBytes: Int64 = 0
    /// Files left for the next pass (the per-pass budget was spent).
    var deferred = 0
    /// Files (and their bytes) not rescued because a bound was reached, and the first reason.
    var heldBack = 0
    var heldBackBytes: Int64 = 0
    var stopped: String?
    var skipped: [(path: String, reason: String)] = []
    /// Everything the rescue area holds after the pass.
    var heldBytes: Int64 = 0

    mutating func skip(_ path: String, _ reason: String) { skipped.append((path, reason)) }

    mutating func holdBack(_ bytes: Int64, _ why: String) {
        heldBack += 1
        heldBackBytes += bytes
        stopped = stopped ?? why
    }

    mutating func copied(_ r: RescuedRecord, bytes: Int64, area: RescueArea) {
        let parts = (area.relative(r.rescuedPath) ?? []).split(separator: 0x2F, maxSplits: 3).prefix(3)
        let key = RawName.decoded(Array(parts.joined(separator: [0x2F])))
        var c =
            containers[key]
            ?? Container(
                namespace: r.namespace, pod: r.pod, container: r.container, snapshot: r.snapshot,
                directory: RawName.decoded(area.host(Array(parts.joined(separator: [0x2F])))))
        c.files += 1
        c.bytes += bytes
        containers[key] = c
        passBytes += bytes
    }

    var copiedFiles: Int { containers.values.reduce(0) { $0 + $1.files } }

    /// This pass followed by `next`: copies add up; what was held back, skipped or left is `next`'s.
    mutating func merge(_ next: RescueReport) {
        for (key, c) in next.containers {
            var sum = containers[key] ?? c
            if containers[key] != nil {
                sum.files += c.files
                sum.bytes += c.bytes
            }
            containers[key] = sum
        }
        passBytes += next.passBytes
        (deferred, heldBack, heldBackBytes, stopped) = (next.deferred, next.heldBack, next.heldBackBytes, next.stopped)
        (skipped, heldBytes) = (next.skipped, next.heldBytes)
    }
}
