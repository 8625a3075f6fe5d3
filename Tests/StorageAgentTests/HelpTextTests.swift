import Foundation
import TestSupport
import Testing

@testable import StorageAgent

/// `--help` reads as text: a paragraph is wrapped once, at the terminal's width, never broken
/// again where the source happened to break its line.
@Suite struct HelpTextTests {
    @Test func linesOfAParagraphAreJoinedAndExamplesKeptApart() {
        let text = HelpText.paragraphs(
            "One sentence that the source\nbroke in two.\n\nA new paragraph.\nExample: storage-agent status\n  indented\nafter"
        )
        #expect(
            text
                == "One sentence that the source broke in two.\n\nA new paragraph.\nExample: storage-agent status\n  indented\nafter"
        )
    }

    /// Every visible command's discussion, at 80 and 120 columns (argument-parser fills a line
    /// to one column less than the width): a line ends early only where
    /// the next word would not fit, at a paragraph's end, or before an example.
    @Test(arguments: [80, 120]) func noRaggedLineInAnyCommandsHelp(columns: Int) throws {
        for path in visibleCommands() {
            var environment = ProcessInfo.processInfo.environment
            environment["COLUMNS"] = String(columns)
            let r = CLI.run(path + ["--help"], environment: environment)
            #expect(r.status == 0, "\(path): \(r.stderr)")
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let usage = lines.firstIndex { $0.hasPrefix("USAGE:") } ?? lines.count
            for i in 0..<max(0, usage - 1) {
                let (line, next) = (lines[i], lines[i + 1])
                guard !line.isEmpty, !next.isEmpty, !next.hasPrefix(" "), !next.hasPrefix("Example"),
                    !next.hasPrefix("storage-agent "), !next.hasPrefix("journalctl ")
                else { continue }
                let word = next.split(separator: " ").first.map(String.init) ?? next
                #expect(
                    line.count + 1 + word.count >= columns,
                    "storage-agent \(path.joined(separator: " ")) --help at \(columns) columns breaks early: \(line) | \(next)"
                )
            }
        }
    }

    /// The command paths the help shows, from the binary's own description of itself.
    func visibleCommands() -> [[String]] {
        let dump = CLI.run(["--experimental-dump-help"])
        let root = try? JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any]
        var paths: [[String]] = [[]]
        func walk(_ command: [String: Any], _ path: [String]) {
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                guard let name = sub["commandName"] as? String, sub["shouldDisplay"] as? Bool != false, name != "help"
                else { continue }
                paths.append(path + [name])
                walk(sub, path + [name])
            }
        }
        if let command = root?["command"] as? [String: Any] { walk(command, []) }
        #expect(paths.count > 10, "the command tree: \(dump.stderr)")
        return paths
    }
}
