import ArgumentParser
import HostFS

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: index, watch with inotify, and raise alerts in the journal.",
        discussion: HelpText.paragraphs(
            """
            Meant for systemd (Type=notify): READY=1 after the first scan, STATUS= with a summary,
            WATCHDOG=1 from the working loop, SIGHUP re-reads the configuration (a bad one is
            logged and the old one kept), SIGTERM stops cleanly.
            """)
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        // Block the signals before any thread exists, so every thread inherits the mask.
        let signals: SignalDescriptor
        do { signals = try SignalDescriptor() } catch {
            throw AgentError(.ioError, "cannot set up signals: \(error.message)")
        }
        ResourceLimits.raiseOpenFiles()
        let context = try Context(global)
        let daemon = try Daemon(context: context, configPath: global.config, signals: signals)
        let status = daemon.run()
        if status != 0 { throw ExitCode(status) }
    }
}
