"""`status` as installed (issue 14): the packaged daemon under a real systemd keeps the heartbeat
`status` reads from the index, so the operator's CLI (no socket, no drop-in) sees it running with the
unit's main PID, a config edited but not reloaded, and, once the unit is stopped, not running (3)."""

import json

from conftest import wait_for

CONFIG = "/etc/storage-agent/config.yaml"


def status(node):
    r = node.agent("status", "--json")
    try:
        return r.returncode, json.loads(r.stdout)
    except ValueError:
        return r.returncode, {"stdout": r.stdout, "stderr": r.stderr}


def test_status_follows_the_installed_unit(installed):
    node = installed
    v = node.volume("observer-prod", "observer-data-pvc")
    node.write(f"{v}/assets/scalp/20260203_09.jsonl", "{}\n")

    seen = wait_for(lambda: (s := status(node))[1].get("full_scan_at") and s, timeout=60, step=0.5)
    assert seen, status(node)
    code, s = seen
    assert code == 0, s
    assert (s["state"], s["health"]) == ("running", "healthy"), s
    assert str(s["pid"]) == node.main_pid()
    assert s["config_path"] == CONFIG and s["config_on_disk"] == "same", s
    # The start's scan, or a later one for the volume made in the storage root meanwhile.
    assert s["full_scan_reason"] in ("start", "change in a storage root"), s
    assert s["watches"] >= 1 and s["watch_budget"] > 0
    assert s["index_database_bytes"] > 0

    # An edit the daemon has not loaded is shown, and is no longer once it is reloaded.
    with open(CONFIG, "a") as f:
        f.write("# edited on the node, not reloaded yet\n")
    code, s = status(node)
    assert (code, s["config_on_disk"]) == (0, "changed"), s
    text = node.agent("status")
    assert "the file on disk differs (systemctl reload storage-agent)" in text.stdout, text.stdout
    assert node.reload().returncode == 0
    assert wait_for(lambda: status(node)[1].get("config_on_disk") == "same", timeout=60, step=0.5), status(node)

    # Stopped by systemd: not running (LSB 3), with when it stopped.
    assert node.run("systemctl", "stop", "storage-agent").returncode == 0
    code, s = status(node)
    assert (code, s["state"]) == (3, "not-running"), s
    assert s["stopped_at"], s
    assert node.agent("status").stdout.startswith("daemon: not running"), node.agent("status").stdout
