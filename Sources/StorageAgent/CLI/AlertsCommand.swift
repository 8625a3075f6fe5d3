import ArgumentParser
import HostFS
import Inventory

struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List firing alerts (or all, with --all) from the index.",
        discussion:
            HelpText.paragraphs(
                "The daemon ('storage-agent run') raises them; this reads their state. 'journalctl -x -u storage-agent' explains each."
            )
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Include resolved alerts.")
    var all = false

    @Flag(
        help:
            "Print a JSON array (keys: type state subject namespace pvc path first_fired last_notified count message).")
    var json = false

    func run() throws {
        let context = try Context(global, readingIndex: true)
        let inventory = try context.openInventory()
        let alerts: [AlertRecord]
        do { alerts = try inventory.alerts(includeResolved: all) } catch { throw AgentError(error) }
        if json {
            Output.out(JSONWriter.lines(alerts, Self.json))
            return
        }
        guard !alerts.isEmpty else {
            Output.out(all ? "no alerts recorded\n" : "no alerts firing\n")
            return
        }
        var table = Table(
            ["TYPE", "STATE", "PVC", "FIRST-FIRED", "LAST-NOTIFIED", "COUNT", "MESSAGE"], rightAligned: [5])
        for a in alerts {
            table.append([
                a.type, a.state.rawValue, a.namespace.map { "\($0)/\(a.pvc ?? "-")" } ?? "-",
                SystemClock.local(ns: a.firstFired * 1_000_000_000),
                SystemClock.local(ns: a.lastNotified * 1_000_000_000), String(a.count),
                RawName.display(Array(a.message.utf8)),
            ])
        }
        Output.out(table.render())
    }

    static func json(_ w: inout JSONWriter, _ a: AlertRecord) {
        w.object { w in
            w.field("type", a.type)
            w.field("state", a.state.rawValue)
            w.field("subject", a.subject)
            w.field("namespace", a.namespace)
            w.field("pvc", a.pvc)
            w.field("path", a.path)
            w.field("first_fired", SystemClock.rfc3339(ns: a.firstFired * 1_000_000_000))
            w.field("last_notified", SystemClock.rfc3339(ns: a.lastNotified * 1_000_000_000))
            w.field("count", a.count)
            w.field("message", a.message)
        }
    }
}
