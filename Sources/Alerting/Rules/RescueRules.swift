/// What a rescue pass did, as the rules need it (the executable's Rescuer fills it).
package struct RescueOutcome: Sendable {
    /// New bytes copied out of one container's writable layer this pass.
    package struct Copied: Sendable {
        package var namespace: String?
        package var pod: String?
        package var container: String?
        package var snapshot: String
        /// Host path of the container's directory in the rescue area.
        package var directory: String
        package var files: Int
        package var bytes: Int64

        package init(
            namespace: String?, pod: String?, container: String?, snapshot: String, directory: String, files: Int,
            bytes: Int64
        ) {
            self.namespace = namespace
            self.pod = pod
            self.container = container
            self.snapshot = snapshot
            self.directory = directory
            self.files = files
            self.bytes = bytes
        }
    }

    package var copied: [Copied] = []
    /// The rescue area's host path.
    package var area: String
    /// Why files were held back (a fixed sentence of the agent's: a bound and its value), or nil.
    package var stopped: String?
    package var heldBack = 0
    package var heldBackBytes: Int64 = 0
    package var heldBytes: Int64 = 0

    package init(area: String) { self.area = area }
}

/// data-rescued (an event per container per cycle that copied something) and rescue-stopped (a
/// condition while `rescue.max_bytes` or `rescue.min_free` holds files back).
package enum RescueRules {
    package static let evaluates: Set<AlertScope> = [AlertScope(.rescueStopped)]

    package static func events(_ outcome: RescueOutcome) -> [AlertCondition] {
        outcome.copied.sorted { $0.directory < $1.directory }.map { c in
            let who =
                c.pod.map { "pod \(c.namespace.map { "\($0)/" } ?? "")\($0)" }
                ?? "the container of snapshot \(c.snapshot)"
            let container = c.container.map { ", container \($0)," } ?? ""
            return AlertCondition(
                type: .dataRescued, subject: String(c.directory.dropFirst(outcome.area.count + 1)),
                namespace: c.namespace, filePath: c.directory,
                numbers: [("BYTES", c.bytes), ("FILES", Int64(c.files))],
                message: "Copied \(c.files) tracked file\(c.files == 1 ? "" : "s") (\(Format.size(c.bytes))) of \(who)"
                    + "\(container) out of its writable layer into the rescue area: storage-agent rescue lists them, "
                    + "rescue restore puts them into the PVC",
                occurrences: Int64(c.files))
        }
    }

    package static func conditions(_ outcome: RescueOutcome) -> [AlertCondition] {
        guard let why = outcome.stopped else { return [] }
        return [
            AlertCondition(
                type: .rescueStopped, subject: outcome.area, filePath: outcome.area,
                numbers: [("BYTES", outcome.heldBackBytes), ("FILES", Int64(outcome.heldBack))],
                message: "Rescue stopped: \(outcome.heldBack) tracked file\(outcome.heldBack == 1 ? "" : "s") "
                    + "(\(Format.size(outcome.heldBackBytes))) in writable layers were not copied, \(why); "
                    + "restore or prune what the rescue area holds (\(Format.size(outcome.heldBytes)))")
        ]
    }
}
