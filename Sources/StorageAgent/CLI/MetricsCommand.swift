import ArgumentParser
import HostFS
import Inventory

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the Prometheus text exposition (format 0.0.4).",
        discussion: HelpText.paragraphs(
            """
            Reads the index (scanning first when there is none) and measures the space each live \
            volume takes on disk, as 'du -s -B1 -x' does.
            With --textfile, the exposition replaces that file atomically instead, for node_exporter's \
            textfile collector (--collector.textfile.directory). Example:
              storage-agent metrics --textfile /var/lib/prometheus/node-exporter/storage_agent.prom
            """)
    )

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "Write the exposition to this file (temporary file, fsync, rename) instead of standard output.",
            valueName: "file"))
    var textfile: String?

    func run() throws {
        let context = try Context(global)
        // Where it goes is checked before the index is read or made (a scan may take long).
        let target = try textfile.map { path throws(AgentError) in try TextfileWriter.target(Context.absolute(path)) }
        let inventory = try context.inventoryForReading(refresh: false)
        ResourceLimits.raiseOpenFiles()
        let volumes: [VolumeRecord]
        do { volumes = try inventory.volumes() } catch { throw AgentError(error) }
        let used = Metrics.usedBytes(volumePaths: volumes.map(\.path)) { path, error in
            Context.warn("cannot measure \(path): \(error.message); its used bytes are left out")
        }
        if let target {
            try Metrics.writeTextfile(target, inventory: inventory, usedBytes: used)
        } else {
            do { Output.out(try Metrics.exposition(inventory, usedBytes: used)) } catch { throw AgentError(error) }
        }
    }
}
