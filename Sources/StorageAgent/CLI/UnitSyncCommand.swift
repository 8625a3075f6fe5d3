import ArgumentParser
import HostFS
import Inventory

/// The unit runs this before every start and on every reload, with full privileges (`+`): it
/// turns the configuration into the unit's writable directories (a runtime drop-in) and the
/// mount units of the friendly links' volumes, and has systemd re-read them when they changed,
/// so the next `run` is granted exactly those. The package's removal runs it with --withdraw.
struct UnitSyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unit-sync",
        abstract:
            "Internal (systemd unit): write the unit's drop-in and the links' mount units from the configuration.",
        shouldDisplay: false)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Unmount and remove everything unit-sync made (the package's removal).")
    var withdraw = false

    func run() throws {
        guard Credentials.effectiveUserID == 0 else {
            throw AgentError(.permission, "unit-sync writes \(WritablePaths.dropInDirectory); run it as root")
        }
        let say: (String) -> Void = { Output.out("storage-agent: \(RawName.safeLine($0))\n") }
        if withdraw {
            try UnitSync(config: Config(), say: say, warn: Context.warn).withdraw()
            return
        }
        let config = try Config.load(path: global.config)
        try UnitSync(config: config, say: say, warn: Context.warn).run(volumes: Self.indexedVolumes(config))
    }

    /// The index's volumes, read without creating or scanning anything; nil without an index.
    static func indexedVolumes(_ config: Config) -> [VolumeRecord]? {
        guard Inventory.exists(at: config.database) else { return nil }
        do {
            return try Inventory(path: config.database).volumes()
        } catch {
            Context.warn(
                "cannot read the index \(config.database) (\(error.description)); no volume is exposed for links")
            return nil
        }
    }
}
