import ArgumentParser
import HostFS
import Inventory

struct LinksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "links",
        abstract: "Friendly paths (volumes[].link) and their state: ok, missing, stale-target, conflict, unreachable.",
        discussion: """
            With --apply: create missing links (and their parent directories, owned by the home directory's
            owner), retarget links to a PVC's current volume, and give the link's owner traverse access to
            the 0700 storage root with a POSIX ACL entry. Nothing that is not a link of ours is ever moved
            or deleted.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Make the links true.")
    var apply = false

    @Flag(help: "Print a JSON array (keys: link target namespace pvc owner state).")
    var json = false

    func run() throws {
        let context = try Context(global)
        let inventory = try context.inventoryForReading(refresh: apply)
        let volumes: [VolumeRecord]
        do { volumes = try inventory.volumes() } catch { throw AgentError(error) }
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
                        w.field("namespace", s.namespace)
                        w.field("pvc", s.pvc)
                        w.field("owner", s.owner?.description)
                        w.field("state", s.state.rawValue)
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
        }
        if statuses.contains(where: { $0.state != .ok }) { throw ExitCode(1) }
    }
}
