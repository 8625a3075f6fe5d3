import ArgumentParser
import HostFS

/// `check-config [FILE]`: every problem of a configuration file with its line, before it is used.
/// The unit's ExecReload= runs it first, so a bad file makes `systemctl reload` fail and the
/// daemon keeps the configuration it runs with.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file: exit 0, or 78 with every error and its line.",
        discussion: HelpText.paragraphs(
            """
            FILE defaults to --config, else /etc/storage-agent/config.yaml. Prints every problem as
            FILE:LINE: what, then a summary; on success, what the configuration asks the unit to
            write (see `systemctl cat storage-agent`).
            """)
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The file to check.", valueName: "file"))
    var file: String?

    func run() throws {
        let named = file.map(Context.absolute) ?? global.config.map(Context.absolute)
        let path = named ?? Config.defaultPath
        guard let (text, distrust) = try Config.readFile(path, named: named != nil) else {
            Output.out("\(path) does not exist: the built-in defaults apply\n")
            return
        }
        let (config, problems) = Config.parseAll(text, file: path, distrust: distrust)
        guard problems.isEmpty else {
            for p in problems { Output.err("\(p.description)\n") }
            let n = problems.count
            throw AgentError(
                .config, "\(n) error\(n == 1 ? "" : "s") in \(path); fix \(n == 1 ? "it" : "them") and check again")
        }
        let writable = WritablePaths(config: config) { Output.err("storage-agent: warning: \($0)\n") }
        let volumes = config.volumes.count
        Output.out(
            "\(path): ok (\(volumes) volume\(volumes == 1 ? "" : "s"); writable for the unit: \(writable.paths.isEmpty ? "none" : writable.paths.joined(separator: ", ")))\n"
        )
    }
}
