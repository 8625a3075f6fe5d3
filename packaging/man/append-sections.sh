#!/bin/sh
# Appends the hand-written sections (files, alerts, exit codes) to the mdoc page that
# swift-argument-parser's generate-manual made. Usage: append-sections.sh storage-agent.8
set -eu
page="$1"
here=$(dirname "$0")
[ -f "$page" ] || { echo "append-sections: no $page" >&2; exit 1; }
# Insert before the AUTHORS section when there is one, else at the end.
if grep -q '^\.Sh AUTHORS' "$page"; then
    awk -v extra="$here/sections.mdoc" '/^\.Sh AUTHORS/ { while ((getline line < extra) > 0) print line } { print }' "$page" > "$page.new"
    mv "$page.new" "$page"
else
    cat "$here/sections.mdoc" >> "$page"
fi
