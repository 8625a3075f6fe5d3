import ArgumentParser
import HostFS

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Host-side health checks (the runbook, no Kubernetes API needed); exit 1 when any fails.",
        discussion: HelpText.paragraphs(
            """
            Checks storage roots, expected volumes, stranded data in stale and orphan directories,
            ownership, a write test as the volume's owner uid, links, free space, index freshness,
            journald, a recent write per track with an active window, and the file count per volume
            against the previous doctor run (the persistence check). Each non-pass line has its fix.
            """)
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print a JSON array (keys: check status subject detail hint).")
    var json = false

    func run() throws {
        let context = try Context(global)
        let inventory = try context.openInventory()
        let now = SystemClock.nowNs() / 1_000_000_000
        let age = (try? inventory.lastScanTime()).flatMap { $0 }.map { now - $0 }
        let resolution = context.resolve()
        if !resolution.volumes.isEmpty || resolution.problems.count < context.config.storageRoots.count {
            do { _ = try inventory.scan(resolution, options: context.scanOptions) } catch { throw AgentError(error) }
        }
        let checks: [DoctorCheck]
        do {
            checks = try Doctor(
                config: context.config, resolution: resolution, inventory: inventory, indexAge: age, now: now,
                containerMounts: context.containerMounts()
            )
            .run()
        } catch {
            throw AgentError(error)
        }
        if json {
            Output.out(
                JSONWriter.lines(checks) { w, c in
                    w.object { w in
                        w.field("check", c.check.rawValue)
                        w.field("status", c.status.rawValue)
                        w.field("subject", c.subject)
                        w.field("detail", c.detail)
                        w.field("hint", c.hint.isEmpty ? nil : c.hint)
                    }
                })
        } else {
            var table = Table(["", "CHECK", "SUBJECT", "DETAIL"])
            for c in checks { table.append([c.status.rawValue.uppercased(), c.check.rawValue, c.subject, c.detail]) }
            var lines = table.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines.removeFirst()  // the runbook format has no header
            var out = ""
            for (line, c) in zip(lines, checks) {
                out += line + "\n"
                if !c.hint.isEmpty { out += "      fix: \(c.hint)\n" }
            }
            let failed = checks.filter { $0.status == .fail }.count
            let warned = checks.filter { $0.status == .warn }.count
            out +=
                "\(checks.count) checks: \(checks.count - failed - warned) passed, \(warned) warnings, \(failed) failed\n"
            Output.out(out)
        }
        if checks.contains(where: { $0.status == .fail }) { throw ExitCode(1) }
    }
}
