import ArgumentParser
import HostFS

/// The unit runs this before every start and on every reload, with full privileges (`+`): it
/// turns the configuration into the unit's writable directories (a runtime drop-in) and has
/// systemd re-read the unit when they changed, so the next `run` is granted exactly those.
struct UnitSyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unit-sync",
        abstract: "Internal (systemd unit): write the unit's ReadWritePaths= drop-in from the configuration.",
        shouldDisplay: false)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        guard Credentials.effectiveUserID == 0 else {
            throw AgentError(.permission, "unit-sync writes \(WritablePaths.dropInDirectory); run it as root")
        }
        let config = try Config.load(path: global.config)
        let source = config.source ?? Config.defaultPath
        let wanted = WritablePaths(config: config) { Output.err("storage-agent: warning: \($0)\n") }
        let text = wanted.dropIn(source: source)
        let file = WritablePaths.dropInDirectory + "/" + WritablePaths.dropInName
        let onDisk: String? = try? readTextFile(file).get()
        guard text != onDisk else { return }
        do {
            if let text {
                try HostPath.makeDirectory(WritablePaths.dropInDirectory, mode: 0o755)
                try Descriptor.openDirectory(path: WritablePaths.dropInDirectory).replaceFile(
                    named: WritablePaths.dropInName, temporary: ".\(WritablePaths.dropInName).new",
                    contents: Array(text.utf8), mode: 0o644)
            } else {
                try Descriptor.openDirectory(path: WritablePaths.dropInDirectory).removeFile(
                    named: WritablePaths.dropInName)
            }
        } catch {
            throw AgentError(.cannotCreate, "cannot write \(file): \(error.message)")
        }
        let shown = wanted.paths.isEmpty ? "none" : wanted.paths.joined(separator: ", ")
        Output.out("storage-agent: writable for the unit: \(shown); reloading systemd's units\n")
        var reload = Subprocess(executable: "/bin/systemctl", arguments: ["systemctl", "daemon-reload"])
        reload.timeoutSeconds = 90
        reload.capture = .standardError
        let outcome: Subprocess.Outcome
        do { outcome = try reload.run() } catch {
            throw AgentError(.ioError, "cannot run systemctl daemon-reload: \(error.message)")
        }
        guard outcome.succeeded else {
            let said = String(decoding: outcome.output.prefix(400), as: UTF8.self).split(separator: "\n").first ?? ""
            throw AgentError(.ioError, "systemctl daemon-reload failed (\(outcome.termination)): \(said)")
        }
    }
}
