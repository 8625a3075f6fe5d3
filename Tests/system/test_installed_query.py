"""query as installed: a recreated PVC's stale directory is told apart from the live one, and a file
deleted after it was indexed leaves a `deleted` hour, not a filled one (issue 11, items 4 and 6).

The package runs under a real systemd with the shipped config, unedited: the daemon indexes the
node on its own, and the CLI answers from its index.
"""

import json
import os
import time

from conftest import wait_for

NS, PVC = "observer-prod", "observer-data-pvc"
OLD_UID = "00000000-0000-4000-8000-0000000011d1"
NEW_UID = "00000000-0000-4000-8000-0000000011d2"
DAY = "20260203"  # a Tuesday


def rows(node, *args):
    r = node.agent("query", *args, "--json")
    return json.loads(r.stdout) if r.returncode == 0 else []


def test_stale_directory_rows_and_deleted_hours(installed):
    node = installed
    old = node.volume(NS, PVC, uid=OLD_UID)
    for h in (9, 10):
        node.write(f"{old}/assets/scalp/{DAY}_{h:02d}.jsonl", '{"p":1}\n')
    # The PVC is recreated: its new directory is born later, so the old one is stale.
    time.sleep(1.1)
    new = node.volume(NS, PVC, uid=NEW_UID)
    for h in range(11, 16):
        node.write(f"{new}/assets/scalp/{DAY}_{h:02d}.jsonl", '{"p":1}\n')
    expected = {f"{old}/assets/scalp/{DAY}_{h:02d}.jsonl" for h in (9, 10)} | {
        f"{new}/assets/scalp/{DAY}_{h:02d}.jsonl" for h in range(11, 16)}

    # The daemon indexes both directories by itself (no --refresh).
    indexed = wait_for(lambda: {r["path"] for r in rows(node, "--track", "scalp", "--date", DAY)} == expected,
                       timeout=60, step=0.5)
    assert indexed, rows(node, "--track", "scalp", "--date", DAY)

    table = node.agent("query", "--track", "scalp", "--date", DAY, "-o", "wide")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    # The zone is the header's; no cell holds a space, so the words line up with the header's.
    header = lines[0].split()
    assert header == ["MODIFIED", "(Asia/Seoul)", "SIZE", "LINES", "TRACK", "PVC", "PV", "STATE", "PATH", "HOST-PATH"]
    table_rows = [dict(zip(header, line.split())) for line in lines[1:-1]]
    assert len(table_rows) == 7
    for cells in table_rows:
        assert cells["PVC"] == f"{NS}/{PVC}", cells
        assert cells["STATE"] == ("stale" if cells["HOST-PATH"].startswith(old + "/") else "current"), cells
        assert cells["HOST-PATH"].endswith("/" + cells["PATH"]), cells
    assert sum(1 for cells in table_rows if cells["STATE"] == "stale") == 2

    for row in rows(node, "--track", "scalp", "--date", DAY):
        assert row["volume_state"] == ("stale" if row["path"].startswith(old + "/") else "current"), row
        assert (row["namespace"], row["pvc"]) == (NS, PVC)
    # One directory by its PV name; the PVC by its name alone.
    assert {r["path"] for r in rows(node, "--pv", f"pvc-{OLD_UID}")} == {p for p in expected if p.startswith(old)}
    assert len(rows(node, "--pvc", PVC, "--track", "scalp")) == 7

    # A file deleted after it was indexed: its hour is deleted, not filled.
    gone = f"{new}/assets/scalp/{DAY}_13.jsonl"
    os.unlink(gone)
    noticed = wait_for(lambda: any(r["path"] == gone and r["deleted"]
                                   for r in rows(node, "--track", "scalp", "--include-deleted")), timeout=60, step=0.5)
    assert noticed, rows(node, "--track", "scalp", "--include-deleted")
    gaps = node.agent("query", "--gaps", "--date", DAY, "--json")
    assert gaps.returncode == 0, gaps.stderr
    found = json.loads(gaps.stdout)
    assert len(found) == 1, found
    g = found[0]
    assert (g["namespace"], g["pvc"], g["path"], g["volume_state"]) == (NS, PVC, new, "current")
    assert g["deleted"] == [13]
    assert g["missing"] == [9, 10]
    assert g["outside_window"] is False
    assert g["stale_only"] == [9, 10] and g["stale_paths"] == [old]
    text = node.agent("query", "--gaps", "--date", DAY, "--pvc", PVC)
    assert text.stdout.splitlines() == [
        f"{NS}/{PVC}  scalp  {DAY}  missing 09:00, 10:00  deleted 13:00",
        f"  files for 09:00, 10:00 are only in stale {old}",
    ], text.stdout + text.stderr
