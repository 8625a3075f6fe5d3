import Alerting
import ArgumentParser
import HostFS
import Inventory
import Workloads

extension RescueCommand {
    struct RestoreCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Place rescued files into the PVC that should have held them.",
            discussion: HelpText.paragraphs(
                """
                A rescued file of the PVC's namespace whose container path lies under the volume's configured \
                mount: goes to the same path below the PVC's current directory (/app/data/assets/x.jsonl -> \
                <PVC dir>/assets/x.jsonl). Dry run by default: the plan, per file. --apply copies by descriptor, \
                never overwrites (a different file under the name gets the copy beside it as NAME.rescued-<pod>; \
                an identical one is skipped), gives new files and directories to the volume's owner (owner:, \
                default 999:999), keeps mtime and verifies the sha256 recorded at the rescue. The rescued copies \
                stay until rescue prune. Exit 1 when something was refused.
                """)
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The PVC: NAMESPACE/NAME.", valueName: "pvc"), completion: Completions.pvcs)
        var claim: String

        @Option(help: ArgumentHelp("Only files rescued from this pod.", valueName: "pod"))
        var fromPod: String?

        @Flag(help: "Copy for real; without it nothing is changed.")
        var apply = false

        func run() throws {
            let context = try Context(global)
            let resolution = context.resolve()
            try context.check(resolution)
            let matches = try PVCCommand.ResolveCommand.match(claim, in: resolution.volumes)
            guard let current = matches.first(where: { $0.state == .current }), let namespace = current.namespace,
                let pvc = current.pvc
            else {
                throw AgentError(
                    .failed,
                    "PVC \(claim) has no current directory on this node to restore into; see storage-agent pvc list")
            }
            guard
                let mount = context.config.volumes.first(where: { $0.claim == "\(namespace)/\(pvc)" && $0.mount != nil }
                )?.mount
            else {
                throw AgentError(
                    .config,
                    "PVC \(namespace)/\(pvc) has no mount: in \(context.config.source ?? Config.defaultPath), so no container path maps into it; add its mount path to its volumes entry"
                )
            }
            let prefix = RescueSelection.prefix(mount)
            let inventory = try context.openInventory()
            let records: [RescuedRecord]
            do { records = try inventory.rescued() } catch { throw AgentError(error) }
            let chosen = records.filter {
                $0.namespace == namespace && $0.containerPath.starts(with: prefix)
                    && $0.containerPath.count > prefix.count && (fromPod == nil || $0.pod == fromPod)
            }.sorted {
                $0.containerPath != $1.containerPath
                    ? RawName.precedes($0.containerPath, $1.containerPath)
                    : ($0.firstCopied, $0.generation) < ($1.firstCopied, $1.generation)
            }
            guard let area = try RescueArea.open(context.config.rescue.directory, create: false), !chosen.isEmpty else {
                throw AgentError(
                    .failed,
                    "nothing rescued for PVC \(namespace)/\(pvc) under \(mount)\(fromPod.map { " from pod \($0)" } ?? ""); see storage-agent rescue"
                )
            }
            let owner = VolumeOwnership(config: context.config).owner(for: current, force: true) ?? context.config.owner
            let destination: Descriptor
            do { destination = try current.open() } catch {
                throw AgentError(
                    error.isPermission ? .permission : .ioError, "cannot open \(current.path): \(error.message)")
            }
            var restorer = Restorer(
                area: area, destination: destination, path: current.path, owner: owner, apply: apply)
            for r in chosen { restorer.restore(r, to: Array(r.containerPath.dropFirst(prefix.count))) }
            let items = restorer.items
            Output.out(Self.table(items, into: current.path, apply: apply))
            if items.contains(where: { $0.action == .refused }) { throw ExitCode(1) }
        }

        static func table(_ items: [AdoptItem], into destination: String, apply: Bool) -> [UInt8] {
            var table = Table(["ACTION", "SIZE", "RESCUED", "DESTINATION", "DETAIL"], rightAligned: [1])
            for item in items {
                table.append([
                    item.action.rawValue, Format.size(item.bytes), RawName.display(item.source),
                    item.destination.map { RawName.display($0) } ?? "-", item.detail ?? "",
                ])
            }
            let t = AdoptTotals(items)
            let summary = [
                "\(t.count(.copy)) \(apply ? "restored" : "to restore") (\(Format.size(t.size(.copy))))",
                "\(t.count(.conflict)) \(apply ? "kept beside" : "to keep beside") (\(Format.size(t.size(.conflict))))",
                "\(t.count(.skip)) already there", "\(t.count(.refused)) refused",
            ].joined(separator: ", ")
            let next =
                apply
                ? "the rescued copies are kept: storage-agent rescue prune removes them once \(destination) is checked"
                : "dry run: nothing changed; run again with --apply to restore into \(destination)"
            return Array((table.render() + RawName.safeLine(summary) + "\n" + RawName.safeLine(next) + "\n").utf8)
        }
    }

    struct PruneCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Remove rescued copies whose source is gone, last copied before a given age.",
            discussion: HelpText.paragraphs(
                """
                Only copies in state gone (the container or the file is gone, or a newer generation follows it) \
                whose last copy is older than --older-than are pruned; copies of live or exited containers are \
                kept (they would be copied again). Dry run by default; --apply removes the files and their \
                index records.
                """)
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Age, e.g. 30d, 12h.", valueName: "duration"))
        var olderThan: String

        @Flag(help: "Remove for real; without it nothing is changed.")
        var apply = false

        func run() throws {
            guard let age = DurationText.seconds(olderThan) else {
                throw AgentError(.usage, "--older-than: bad duration '\(olderThan)'; use e.g. 30d, 12h")
            }
            let context = try Context(global)
            let inventory = try context.openInventory()
            let held = try RescueCommand.listed(context, inventory, context.config.ephemeralScanner)
            let now = SystemClock.nowNs() / 1_000_000_000
            let old = held.filter { now - $0.record.lastCopied >= age }
            let chosen = old.filter { $0.state == "gone" }
            var table = Table(["ACTION", "SIZE", "LAST-COPIED", "RESCUED-PATH"], rightAligned: [1])
            var removed: [Int64] = []
            var failed = 0
            let area = try RescueArea.open(context.config.rescue.directory, create: false)
            for h in chosen {
                var action = apply ? "removed" : "remove"
                if apply {
                    guard let area, let (directories, name) = area.split(h.record.rescuedPath) else {
                        action = "kept: not in rescue.directory"
                        failed += 1
                        table.append([action, Format.size(h.record.bytes), "", RawName.display(h.path)])
                        continue
                    }
                    do {
                        let dir = try area.directory(directories, create: false)
                        try dir.remove(RescueArea.cName(name))
                        removed.append(h.record.id)
                        Self.removeEmpty(area, directories)
                    } catch  where error.isVanished {
                        removed.append(h.record.id)
                    } catch {
                        action = "failed: \(error.message)"
                        failed += 1
                    }
                }
                table.append([
                    action, Format.size(h.record.bytes), SystemClock.local(ns: h.record.lastCopied * 1_000_000_000),
                    RawName.display(h.path),
                ])
            }
            do { try inventory.forgetRescued(removed) } catch { throw AgentError(error) }
            let bytes = chosen.reduce(0) { $0 + $1.record.bytes }
            var summary =
                "\(chosen.count) cop\(chosen.count == 1 ? "y" : "ies") (\(Format.size(bytes))) "
                + (apply ? "removed" : "to remove") + " older than \(olderThan)"
            let kept = old.count - chosen.count
            if kept > 0 { summary += "; \(kept) kept: their source still exists" }
            if !apply { summary += "\ndry run: nothing changed; run again with --apply to remove them" }
            Output.out((chosen.isEmpty ? "" : table.render()) + summary + "\n")
            if failed > 0 { throw ExitCode(1) }
        }

        /// Removes the now empty directories of a pruned copy, deepest first, never the area itself.
        static func removeEmpty(_ area: RescueArea, _ directories: [[UInt8]]) {
            var parts = directories
            while let last = parts.popLast() {
                guard let parent = try? area.directory(parts, create: false),
                    (try? parent.remove(RescueArea.cName(last), directory: true)) != nil
                else { return }
            }
        }
    }
}
