import Alerting
import ArgumentParser
import HostFS

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Update the index once and print a summary.",
        discussion:
            HelpText.paragraphs(
                "Unchanged files (same inode, size and mtime) are not read again; grown files are counted from their old end."
            )
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let context = try Context(global)
        let inventory = try context.openInventory()
        let r = try context.scan(inventory)
        var line = "scanned \(r.volumes) volume\(r.volumes == 1 ? "" : "s"): \(Format.count(Int64(r.files))) files, "
        line +=
            "\(Format.size(r.bytes)); \(r.counted) counted, \(r.created) new, \(r.changed) changed, \(r.deleted) deleted"
        line += " in \(r.durationNs / 1_000_000) ms"
        if !r.skipped.isEmpty {
            line += "; \(r.skipped.count) part\(r.skipped.count == 1 ? "" : "s") skipped (see above)"
        }
        Output.out(line + "\n")
    }
}
