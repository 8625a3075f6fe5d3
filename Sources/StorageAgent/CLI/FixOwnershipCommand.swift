import Alerting
import ArgumentParser
import HostFS
import Inventory
import Journal
import PVCResolver

struct FixOwnershipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix-ownership",
        abstract: "Give volumes to their container user (default 999:999), safely.",
        discussion: HelpText.paragraphs(
            """
            Without arguments: every volume configured with fix_ownership: true. With NS/NAME \
            arguments: those PVCs' current volumes, with their configured owner or the global one. \
            Only directories and regular files are changed, by descriptor; symlinks, devices, FIFOs \
            and sockets are never touched; hard-linked files are refused; setuid/setgid bits are \
            cleared. A volume fixed with nothing refused resolves its ownership-drift and \
            ownership-unfixable alerts at once. \
            --owner UID:GID gives every volume named (or configured) to that owner instead. A dry \
            run warns on stderr, one line per volume, when most of a volume's regular files (more \
            than half, all counted) belong to a uid other than the one it would give them to: a \
            Grafana volume at 472 is probably another app's data, not drift. \
            Exit codes: 0 done, 1 no volume to fix, 64 usage (a bad --owner), 66 a storage root is \
            missing, 77 permission denied.
            """)
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Show what would change; change nothing.")
    var dryRun = false

    @Option(
        help: ArgumentHelp(
            "Owner to give the volumes to, numeric (default: each volume's configured owner, else 'owner', 999:999).",
            valueName: "uid:gid"))
    var owner: String?

    @Flag(help: "Print every path changed.")
    var verbose = false

    @Argument(help: ArgumentHelp("PVCs to fix.", valueName: "ns/name"))
    var claims: [String] = []

    func run() throws {
        let forced: Owner?
        if let owner {
            guard let parsed = Owner.parse(owner) else {
                throw AgentError(.usage, "--owner '\(owner)' is not UID:GID (numbers, e.g. 472:472)")
            }
            forced = parsed
        } else {
            forced = nil
        }
        let context = try Context(global)
        let resolution = context.resolve()
        try context.check(resolution)
        let ownership = VolumeOwnership(config: context.config)
        var targets: [(Volume, Owner)] = []
        if claims.isEmpty {
            for v in resolution.volumes where v.state != .stale {
                if let owner = ownership.owner(for: v) { targets.append((v, forced ?? owner)) }
            }
            if targets.isEmpty {
                throw AgentError(.failed, "no volume is configured with fix_ownership: true; name PVCs as NS/NAME")
            }
        } else {
            for claim in claims {
                let matches = try PVCCommand.ResolveCommand.match(claim, in: resolution.volumes)
                guard let v = matches.first(where: { $0.state == .current }) ?? matches.first else {
                    throw AgentError(.failed, "no volume directory for PVC \(claim); see 'storage-agent pvc list'")
                }
                targets.append((v, forced ?? ownership.owner(for: v, force: true)!))
            }
        }
        var fixed: [(Volume, Owner)] = []
        for (volume, owner) in targets {
            let r = ownership.fix(volume, owner: owner, dryRun: dryRun, verbose: verbose)
            if !dryRun && r.refused.isEmpty && r.skipped.isEmpty { fixed.append((volume, owner)) }
            let name = volume.claim ?? volume.path
            if dryRun, let warning = Self.foreignOwnerWarning(r, name: name, owner: owner) { Context.warn(warning) }
            var line = "\(name): \(Format.count(Int64(r.checked))) checked, \(Format.count(Int64(r.changed))) "
            line += dryRun ? "would change" : "changed"
            line += " to \(owner)"
            if !r.previousOwners.isEmpty {
                line +=
                    " (from "
                    + r.previousOwners.sorted { $0.key < $1.key }.map { "uid \($0.key): \($0.value)" }.joined(
                        separator: ", ") + ")"
            }
            if r.capabilitiesRemoved > 0 {
                line += ", \(Format.count(Int64(r.capabilitiesRemoved))) file capabilities "
                line += dryRun ? "would be removed" : "removed"
            }
            if r.setIDCleared > 0 {
                line += ", \(Format.count(Int64(r.setIDCleared))) setuid/setgid "
                line += dryRun ? "would be cleared" : "cleared"
            }
            if !r.refused.isEmpty { line += ", \(r.refused.count) refused" }
            Output.out(line + "\n")
            for p in r.changedPaths {
                Output.out("  \(dryRun ? "would change" : "changed") \(volume.path)/\(RawName.display(p))\n")
            }
            for (p, reason) in r.refused { Output.out("  refused \(volume.path)/\(RawName.display(p)): \(reason)\n") }
            for (p, reason) in r.skipped { Context.warn("skipped \(volume.path)/\(RawName.display(p)): \(reason)") }
        }
        resolveFixed(fixed, context)
    }

    /// A dry run about to give away a volume whose regular files mostly (over half) belong to
    /// another uid: probably another app's data (Grafana's 472), not drift to fix.
    static func foreignOwnerWarning(_ r: OwnershipReport, name: String, owner: Owner) -> String? {
        let total = r.fileOwners.values.reduce(0, +)
        guard let (uid, count) = r.fileOwners.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }), uid != owner.uid,
            count * 2 > total
        else { return nil }
        return "\(name): \(count) of \(total) regular files belong to uid \(uid), not \(owner.uid); "
            + "check the app's user before fixing (--owner \(uid):GID keeps them)"
    }

    /// Volumes fixed with nothing refused or skipped: their ownership alerts are resolved now and
    /// the resolved entries sent, so the daemon neither keeps them firing until its next
    /// reconcile nor sends them again.
    func resolveFixed(_ fixed: [(Volume, Owner)], _ context: Context) {
        guard !fixed.isEmpty, Inventory.exists(at: context.config.database) else { return }
        let keys = fixed.flatMap { volume, owner in
            let name = volume.claim.map { "PVC \($0)" } ?? "volume \(volume.path)"
            return [
                (
                    type: AlertType.ownershipDrift, subject: volume.path,
                    message: String?("Every entry in \(name) belongs to \(owner) again (storage-agent fix-ownership)")
                ),
                (
                    type: AlertType.ownershipUnfixable, subject: volume.path,
                    message: String?(
                        "Every entry in \(name) was given to \(owner): storage-agent fix-ownership refused none")
                ),
            ]
        }
        do {
            let inventory = try Inventory(path: context.config.database)
            let resolved = try AlertEngine.resolve(
                inventory, keys, sink: JournalSink.command, now: SystemClock.nowNs() / 1_000_000_000)
            for r in resolved { Output.out("resolved \(r.type) for \(r.subject)\n") }
        } catch {
            Context.warn("the ownership alerts could not be marked resolved: \(error.description)")
        }
    }
}
