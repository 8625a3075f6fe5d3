/// Help text as paragraphs: a discussion is written in the source in lines that fit the source,
/// but argument-parser keeps every newline and wraps each line again at the terminal's width, so
/// a sentence broke raggedly in `--help` and in the man page. Here the lines of a paragraph are
/// joined and argument-parser wraps them once. Kept on their own line: a blank line (between
/// paragraphs), a line that starts with a space (indented, verbatim), and an example: a line that
/// starts with `Example`, `storage-agent ` or `journalctl `.
enum HelpText {
    static func paragraphs(_ text: String) -> String {
        var out = ""
        var previousVerbatim = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let verbatim =
                line.first == " " || line.hasPrefix("Example") || line.hasPrefix("storage-agent ")
                || line.hasPrefix("journalctl ")
            if line.isEmpty {
                out += "\n\n"
                previousVerbatim = true
                continue
            }
            if !out.isEmpty && !out.hasSuffix("\n") { out += verbatim || previousVerbatim ? "\n" : " " }
            out += line
            previousVerbatim = verbatim
        }
        return out
    }
}
