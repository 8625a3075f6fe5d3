#!/usr/bin/env python3
"""Tidies the mdoc page swift-argument-parser's generate-manual made, then adds the hand-written
sections (sections.mdoc: examples, files, alerts, exit status) before AUTHORS.

Usage: tidy.py PAGE HELP_JSON, where HELP_JSON is `storage-agent --experimental-dump-help`.

What it changes, and why:
- Subcommands the help hides (shouldDisplay false: internal ones such as write-test) and the
  generated `help` subcommand are dropped: a man page documents what an operator types.
- The global options (--config, --db, --storage-root), --version and --help are listed once,
  under the command itself, not again under every subcommand.
- The generated one-line EXIT STATUS (`.Ex -std`) and the exit-code sentence of the description
  give way to the one EXIT STATUS section of sections.mdoc.
- A blank line in a discussion (between its paragraphs) becomes `.Pp`: groff warns of a blank
  input line, and lintian fails the package on it.
- Paths, options, keys and names in text (a word with one of / _ . = -) are marked `\\%`, so
  /var/lib/storage-agent/inventory.db, --refresh or stale-target is never split across lines.
"""
import json
import re
import sys


def hidden_commands(help_json):
    """Names of the subcommands (at any depth) the help does not display."""
    names = set()

    def walk(command):
        for sub in command.get("subcommands", []):
            if sub.get("shouldDisplay") is False or sub["commandName"] == "help":
                names.add(sub["commandName"])
            walk(sub)

    walk(help_json["command"])
    return names


def global_flags(help_json):
    """The `.It` heads of the root's options, as generate-manual writes them (e.g. `Fl -db Ar file`)."""
    heads = set()
    for arg in help_json["command"].get("arguments", []):
        names = arg.get("names") or []
        longs = [n["name"] for n in names if n["kind"] == "long"]
        if longs:
            heads.add("-" + longs[0])
    return heads


def item_flag(line):
    """The first long option an `.It Fl ...` line names, or None."""
    m = re.match(r"\.It Fl (?:h , )?(-[\w-]+)", line)
    return m.group(1) if m else None


def tidy(lines, hidden, globals_):
    out = []
    depth = 0  # nesting of .Bl lists; the command's own options are at depth 1
    skip_until = None  # depth at which a dropped subcommand block ends
    dropping_item = False  # inside a dropped option entry (its head line and its text)
    in_exit = False
    for line in lines:
        if line.startswith('.Sh "EXIT STATUS"') or line.startswith(".Sh EXIT STATUS"):
            in_exit = True
            continue
        if in_exit:
            if line.startswith(".Sh "):
                in_exit = False
            else:
                continue
        if line.startswith(".Bl"):
            depth += 1
        if skip_until is not None:
            if line.startswith(".El"):
                depth -= 1
                if depth < skip_until:
                    skip_until = None
                    out.append(line)
                continue
            if line.startswith(".It Em") and depth == skip_until:
                skip_until = None  # the next subcommand at the same level
            else:
                continue
        if line.startswith(".It Em"):
            dropping_item = False
            name = line.split()[2]
            if name in hidden:
                skip_until = depth
                continue
        elif line.startswith(".It"):
            flag = item_flag(line)
            dropping_item = depth > 1 and flag in globals_
            if dropping_item:
                continue
        elif line.startswith(".El"):
            dropping_item = False
            depth -= 1
        elif dropping_item:
            continue
        out.append(line)
    return out


def drop_empty_lists(lines):
    """A `.Bl` followed at once by `.El` (a subcommand whose only options were the global ones)."""
    out = []
    for line in lines:
        if line.startswith(".El") and out and out[-1].startswith(".Bl"):
            out.pop()
            continue
        out.append(line)
    return out


def unhyphenated(line):
    """Marks each path or option word of a text line as not to be hyphenated: groff otherwise
    splits /var/lib/storage-agent/inven-tory.db at a line end. Macro lines are left alone."""
    if line.startswith(".") or line.startswith("'"):
        return line
    return re.sub(r"(?<!\S)(?=[^\s]*[/_.=-])(?!\\%)", r"\\%", line)


def main():
    page, help_path = sys.argv[1], sys.argv[2]
    with open(help_path) as f:
        help_json = json.load(f)
    with open(page) as f:
        lines = f.read().split("\n")
    globals_ = global_flags(help_json) | {"-version", "-help"}
    lines = drop_empty_lists(tidy(lines, hidden_commands(help_json), globals_))
    text = "\n".join(lines)
    # The exit codes are the EXIT STATUS section's, once.
    text = re.sub(r"\s*Exit codes: [^\n]*(\n[^.\n][^\n]*)*?configuration error\.", "", text, count=1)
    with open(sys.path[0] + "/sections.mdoc") as f:
        extra = f.read()
    if "\n.Sh AUTHORS" in text:
        text = text.replace("\n.Sh AUTHORS", "\n" + extra.rstrip("\n") + "\n.Sh AUTHORS", 1)
    else:
        text = text.rstrip("\n") + "\n" + extra
    lines = text.rstrip("\n").split("\n")
    text = "\n".join(".Pp" if line.strip() == "" else unhyphenated(line) for line in lines) + "\n"
    with open(page, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
