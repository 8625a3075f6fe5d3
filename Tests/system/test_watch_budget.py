"""The daemon never holds more inotify watches than its budget (issue 12, item 7): the system's
fs.inotify.max_user_watches is shared with kubelet, containerd and every other root process.
Directories over the budget are re-read on the 30 s tick instead, so nothing is missed."""

import json
import os
import subprocess

from conftest import wait_for


def kernel_watches(pid):
    """inotify watches the process holds, from /proc/PID/fdinfo (the kernel's own count)."""
    total = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:inotify":
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                total += sum(1 for line in f if line.startswith("inotify wd:"))
        except OSError:
            pass
    return total


def query(bin, tree):
    out = subprocess.run([bin, "--config", tree.config_path, "query", "--json"], capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else []


def test_a_volume_with_more_directories_than_the_budget_never_takes_more_watches(tree, daemon):
    v = tree.volume("obs", "data")
    for i in range(40):
        os.makedirs(f"{v}/d{i:02}")
    tree.write_config("index:\n  max_watches: 8\n")
    daemon.start()
    assert kernel_watches(daemon.proc.pid) <= 8
    log = daemon.output()
    assert "8 directories watched, the agent's budget (index.max_watches)" in log
    # Files written in every directory, most of them with no watch: all found (on the tick for
    # those), none lost.
    for i in range(40):
        tree.write(f"{v}/d{i:02}/scalp_20260203.jsonl", "{}\n")
    assert wait_for(lambda: len(query(daemon.bin, tree)) == 40, timeout=70, step=1), len(query(daemon.bin, tree))
    assert kernel_watches(daemon.proc.pid) <= 8


def test_with_the_default_budget_every_directory_of_a_small_volume_is_watched(tree, daemon):
    v = tree.volume("obs", "data")
    for i in range(40):
        os.makedirs(f"{v}/d{i:02}")
    daemon.start()
    with open("/proc/sys/fs/inotify/max_user_watches") as f:
        limit = int(f.read())
    # The default is a quarter of the system's limit; 40 directories fit in it.
    assert 41 <= limit // 4
    assert kernel_watches(daemon.proc.pid) >= 41  # the volume, its 40 directories (and the root)
    assert "index.max_watches" not in daemon.output()
