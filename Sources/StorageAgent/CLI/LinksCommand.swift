import Alerting
import ArgumentParser
import HostFS
import Inventory
import Journal

struct LinksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "links",
        abstract:
            "Friendly paths (volumes[].link) and their state: ok, missing, stale-target, conflict, unreachable, refused.",
        discussion: HelpText.paragraphs(
            """
            A link points at its volume's exposure, /run/storage-agent/exposed/<namespace>_<pvc>: that one
            volume, bind-mounted nosuid,nodev by a mount unit of the service (the storage root stays 0700,
            with no ACL entry for anyone). With --apply: create missing links and their parent directories
            and retarget links to a PVC's current volume, all done as the home directory's owner (a child
            that drops to that user); as root with the installed configuration, also mount the volumes
            that links need (what the service's reload does). Nothing that is not a link of ours is ever
            moved or deleted: a conflict is fixed by hand (each one's fix: line says how). A link --apply
            made work resolves its link-conflict and link-unreachable alerts at once.
            """)
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Make the links true.")
    var apply = false

    @Flag(help: "Print a JSON array (keys: link target via namespace pvc owner state detail hint).")
    var json = false

    func run() throws {
        let context = try Context(global)
        let inventory = try context.inventoryForReading(refresh: apply)
        let volumes: [VolumeRecord]
        do { volumes = try inventory.volumes() } catch { throw AgentError(error) }
        if apply { exposeVolumes(context, volumes) }
        let statuses = LinkManager(config: context.config, volumes: volumes).run(apply: apply)
        if statuses.isEmpty {
            throw AgentError(.failed, "no volumes have a link: in \(context.config.source ?? Config.defaultPath)")
        }
        if json {
            Output.out(
                JSONWriter.lines(statuses) { w, s in
                    w.object { w in
                        w.field("link", s.link)
                        w.field("target", s.target)
                        w.field("via", s.via)
                        w.field("namespace", s.namespace)
                        w.field("pvc", s.pvc)
                        w.field("owner", s.owner?.description)
                        w.field("state", s.state.rawValue)
                        w.field("detail", s.detail.isEmpty ? nil : s.detail)
                        w.field("hint", s.hint.isEmpty ? nil : s.hint)
                    }
                })
        } else {
            var table = Table(["LINK", "TARGET", "PVC", "OWNER", "STATE", "DETAIL"])
            for s in statuses {
                table.append([
                    s.link, s.target ?? "-", "\(s.namespace)/\(s.pvc)", s.owner?.description ?? "-", s.state.rawValue,
                    s.detail.isEmpty ? "-" : s.detail,
                ])
            }
            Output.out(table.render())
            for s in statuses where !s.hint.isEmpty { Output.out("fix \(s.link): \(s.hint)\n") }
        }
        if apply { resolveFixed(statuses, inventory) }
        if statuses.contains(where: { $0.state != .ok }) { throw ExitCode(1) }
    }

    /// From a root shell, with the service's own configuration and index: the mounts the links
    /// need, as the service's reload makes them (the service itself cannot, from its sandbox).
    private func exposeVolumes(_ context: Context, _ volumes: [VolumeRecord]) {
        // Outside the service's sandbox, on a node systemd runs: /run/systemd/system is writable.
        guard Credentials.effectiveUserID == 0, HostPath.isWritable(Exposure.unitDirectory),
            global.config == nil, global.db == nil, global.storageRoot.isEmpty,
            context.config.source == Config.defaultPath
        else { return }
        let sync = UnitSync(
            config: context.config, say: { if !json { Output.out(RawName.safeLine($0) + "\n") } }, warn: Context.warn)
        do { try sync.run(volumes: volumes) } catch {
            Context.warn("the links' volumes could not be mounted: \(error.message)")
        }
    }

    /// Links that work now resolve their alerts at once: the daemon would only see it at its
    /// next reconcile, and must not send them again.
    private func resolveFixed(_ statuses: [LinkStatus], _ inventory: Inventory) {
        let messages = LinkRules.resolvedMessages(statuses.map(\.check))
        let keys = statuses.filter { $0.state == .ok }.flatMap { s in
            [AlertType.linkConflict, .linkUnreachable].map { type in
                (type: type, subject: s.link, message: messages[AlertEngine.key(type.rawValue, s.link)])
            }
        }
        do {
            let resolved = try AlertEngine.resolve(
                inventory, keys, sink: JournalSink.command, now: SystemClock.nowNs() / 1_000_000_000)
            if !json {
                for r in resolved { Output.out("resolved \(r.type) for \(r.subject)\n") }
            }
        } catch {
            Context.warn("the link alerts could not be marked resolved: \(error.description)")
        }
    }
}
