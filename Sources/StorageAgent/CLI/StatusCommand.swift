import Alerting
import ArgumentParser
import HostFS
import Inventory

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The daemon's state from the index: running, stuck or not running, and what it last did.",
        discussion: """
            Reads the heartbeat the daemon writes into the index (at start, on every 30 s tick, when a \
            full scan starts and ends, after every change batch), so it needs no socket: whether the \
            daemon runs (its pid alive with the start time it recorded), its last full scan and change \
            batch, the configuration it loaded and whether the file on disk differs now, inotify \
            watches against their budget, polled directories, firing alerts by type, rescue use and \
            the index's size. \
            Stuck: the pid is alive but its heartbeat is older than 3 ticks. A full scan still \
            running is busy, not stuck: the unit's watchdog ends a scan that stopped moving. \
            Degraded: stuck, or an index-error or storage-root-unavailable alert firing (the agent \
            cannot do its job). Other firing alerts are counted; 'storage-agent alerts' lists them. \
            Exit codes (LSB): 0 running and healthy, 1 degraded, 3 not running; 77 permission \
            denied (run with sudo).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print one JSON object (keys in the README, 'storage-agent status').")
    var json = false

    func run() throws {
        let context = try Context(global, readingIndex: true)
        let database = context.config.database
        // No index is "never seen" (and none is made); one this user cannot reach is 77, as for
        // every command that reads it.
        let inventory = HostPath.isMissing(database) ? nil : try context.openInventory()
        let report = try StatusReport(inventory, config: context.config)
        if json {
            var w = JSONWriter()
            Self.json(&w, report)
            Output.out(w.bytes + [0x0A])
        } else {
            Output.out(Self.text(report, database: database))
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
