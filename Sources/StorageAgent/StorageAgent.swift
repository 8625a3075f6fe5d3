import ArgumentParser
import HostFS

/// The `storage-agent` command line: finds PVC directories, indexes their JSONL and log files,
/// and answers questions about them.
struct StorageAgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage-agent",
        abstract: "Find, index and guard the data in a k3s node's PersistentVolume directories.",
        discussion: HelpText.paragraphs(
            """
            Maps PVC names to their host directories (local-path-provisioner layouts, path patterns,
            PV objects), indexes every JSONL and log file into SQLite, and answers queries from it.

            Exit codes: 0 ok, 1 nothing found or check failed, 64 usage, 65 bad data, 66 missing input,
            73 cannot create output, 74 I/O error, 77 permission denied, 78 configuration error.
            """),
        version: "0.1.0",
        subcommands: [
            CoverageCommand.self,
            RunCommand.self, ScanCommand.self, PVCCommand.self, QueryCommand.self, AlertsCommand.self,
            LinksCommand.self, EphemeralCommand.self,
            FixOwnershipCommand.self, DoctorCommand.self, WriteTestCommand.self, LinkAsUserCommand.self,
            MountsCommand.self, AdoptCommand.self, RescueCommand.self,
            StatusCommand.self, MetricsCommand.self, CheckConfigCommand.self, UnitSyncCommand.self,
        ]
    )

    @OptionGroup var global: GlobalOptions
}

/// Options every command takes, before or after the command name.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file.", valueName: "file"))
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Index database (default from the config: /var/lib/storage-agent/inventory.db).", valueName: "file"))
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Storage root to scan; repeat for several. Replaces the configured roots.", valueName: "dir")
    )
    var storageRoot: [String] = []
}

@main
enum Main {
    static func main() {
        do {
            var command = try StorageAgentCommand.parseAsRoot()
            try command.run()
        } catch let error as AgentError {
            Output.err("storage-agent: \(RawName.safeLine(error.message))\n")
            CurrentProcess.exit(error.code.rawValue)
        } catch {
            StorageAgentCommand.exit(withError: error)
        }
    }
}
