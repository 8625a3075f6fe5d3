"""Each alert type provoked on a real tree and read back from a real journal."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time

from conftest import alerts, journal, wait_for

IDS = {
    "volume-missing": ("7ee95f78a9424bfb808a980a36fb27db", "3"),
    "volume-recreated": ("1036720ea6e94da29978159d6127e32f", "4"),
    "orphan-volume": ("02328d1b195f49d482e787fe39cfb187", "5"),
    "file-vanished": ("88f9cdf67913402590ddb9308adeae83", "3"),
    "file-truncated": ("fac6eea9bb93489e8e6de6b689e12686", "4"),
    "track-stale": ("068753952b75435f8ccbb6567b287792", "3"),
    "storage-root-unavailable": ("5a36df640d164388bdf4082e96f6e8b5", "3"),
    "index-error": ("12f3d722e5ca4079bb3ca5383e4e3284", "3"),
}


def entries(kind, **match):
    return journal("STORAGE_AGENT_ALERT", kind, **match)


def check_common(entry, kind, state="firing"):
    message_id, priority = IDS[kind]
    assert entry["MESSAGE_ID"] == message_id
    assert entry["PRIORITY"] == (priority if state == "firing" else "6")
    assert entry["SYSLOG_IDENTIFIER"] == "storage-agent"
    assert entry["STORAGE_AGENT_STATE"] == state
    assert entry["MESSAGE"]


def test_volume_missing_fires_once_resolves_and_survives_restarts(tree, daemon):
    tree.write_config(f"volumes:\n  - pvc: obs-{tree.tag}/data\n    expect: true\n")
    daemon.start()
    firing = wait_for(lambda: entries("volume-missing", PVC_NAMESPACE=f"obs-{tree.tag}"))
    assert len(firing) == 1
    check_common(firing[0], "volume-missing")
    assert firing[0]["PVC_NAME"] == "data"
    # A restart does not fire again what is already firing.
    daemon.stop()
    daemon.start()
    time.sleep(0.5)
    assert len(entries("volume-missing", PVC_NAMESPACE=f"obs-{tree.tag}")) == 1
    # The directory appears: resolved, once.
    tree.volume(f"obs-{tree.tag}", "data")
    resolved = wait_for(lambda: entries("volume-missing", PVC_NAMESPACE=f"obs-{tree.tag}", STORAGE_AGENT_STATE="resolved"))
    assert len(resolved) == 1
    check_common(resolved[0], "volume-missing", "resolved")
    assert [a["state"] for a in alerts(daemon.bin, tree, all=True) if a["type"] == "volume-missing"] == ["resolved"]


def test_renotify_after_the_configured_interval(tree, daemon):
    tree.write_config(f"volumes:\n  - pvc: re-{tree.tag}/data\n    expect: true\nalerts:\n  renotify: 1s\n")
    daemon.start()
    assert wait_for(lambda: entries("volume-missing", PVC_NAMESPACE=f"re-{tree.tag}"))
    time.sleep(1.2)
    daemon.reload()  # a reload runs a full cycle
    again = wait_for(lambda: len(entries("volume-missing", PVC_NAMESPACE=f"re-{tree.tag}")) >= 2)
    assert again
    assert alerts(daemon.bin, tree)[0]["count"] >= 2


def test_file_vanished_is_one_entry_per_volume_with_a_count(tree, daemon):
    v = tree.volume("obs", f"data-{tree.tag}")
    now = time.time()
    for i in range(300):
        tree.write(os.path.join(v, "assets", "scalp", f"{i:04d}_20261121_09.jsonl"), "{}\n", mtime=now)
    tree.write(os.path.join(v, "old", "20200101.log"), "x\n", mtime=now - 90 * 86400)
    daemon.start()
    shutil.rmtree(os.path.join(v, "assets"))
    got = wait_for(lambda: entries("file-vanished", VOLUME_PATH=v))
    assert len(got) == 1
    check_common(got[0], "file-vanished")
    assert got[0]["FILES"] == "300"
    assert got[0]["BYTES"] == "900"
    assert got[0]["FILE_PATH"] == os.path.join(v, "assets", "scalp")
    assert got[0]["PVC_NAME"] == f"data-{tree.tag}"
    assert "0001_20261121" not in got[0]["MESSAGE"], "raw file names never go into MESSAGE"


def test_a_later_loss_in_the_same_volume_is_heard_with_the_shipped_renotify(tree, daemon):
    # No alerts: key, so renotify is the built-in 6h: the second deletion is news, not a repeat.
    v = tree.volume("obs", f"later-{tree.tag}")
    now = time.time()
    for name in ("a", "b"):
        tree.write(os.path.join(v, "scalp", f"{name}_20261121_09.jsonl"), "{}\n", mtime=now)
    daemon.start()
    os.unlink(os.path.join(v, "scalp", "a_20261121_09.jsonl"))
    assert wait_for(lambda: len(entries("file-vanished", VOLUME_PATH=v)) == 1)
    os.unlink(os.path.join(v, "scalp", "b_20261121_09.jsonl"))
    got = wait_for(lambda: len(entries("file-vanished", VOLUME_PATH=v)) == 2 and entries("file-vanished", VOLUME_PATH=v))
    assert got, daemon.output()
    assert [e["FILES"] for e in got] == ["1", "1"]
    assert got[1]["FILE_PATH"] == os.path.join(v, "scalp", "b_20261121_09.jsonl")
    assert got[1]["COUNT"] == "2"


def test_retention_explains_old_deletions(tree, daemon):
    v = tree.volume("obs", f"ret-{tree.tag}")
    old = time.time() - 5 * 86400  # scalp retention is 3 days
    tree.write(os.path.join(v, "scalp", "20261101_09.jsonl"), "{}\n", mtime=old)
    tree.write(os.path.join(v, "keep.log"), "x\n")
    daemon.start()
    os.unlink(os.path.join(v, "scalp", "20261101_09.jsonl"))
    # Make a change the daemon must pick up after the deletion, then check nothing fired.
    os.unlink(os.path.join(v, "keep.log"))
    assert wait_for(lambda: entries("file-vanished", VOLUME_PATH=v))
    (entry,) = entries("file-vanished", VOLUME_PATH=v)
    assert entry["FILES"] == "1"  # keep.log only; the scalp file was retention's


def test_file_truncated_names_the_file_in_its_field(tree, daemon):
    v = tree.volume("obs", f"trunc-{tree.tag}")
    path = os.path.join(v, "swing", "20261121.jsonl")
    tree.write(path, "{}\n" * 100)
    daemon.start()
    with open(path, "r+") as f:
        f.truncate(30)
    got = wait_for(lambda: entries("file-truncated", VOLUME_PATH=v))
    assert len(got) == 1
    check_common(got[0], "file-truncated")
    assert got[0]["FILE_PATH"] == path
    assert got[0]["BYTES"] == "270"
    assert got[0]["TRACK"] == "swing"


def du(path):
    """What `du -s -B1 -x PATH` prints, in bytes."""
    return int(subprocess.run(["du", "-s", "-B1", "-x", path], capture_output=True, text=True, check=True).stdout.split()[0])


def test_volume_recreated_says_what_is_stranded_where(tree, daemon):
    old = tree.volume("obs", f"rec-{tree.tag}")
    tree.write(os.path.join(old, "observer.jsonl"), "{}\n" * 10)
    daemon.start()
    time.sleep(1.1)
    new = tree.volume("obs", f"rec-{tree.tag}")
    got = wait_for(lambda: entries("volume-recreated", PVC_NAME=f"rec-{tree.tag}"))
    assert len(got) == 1
    check_common(got[0], "volume-recreated")
    assert got[0]["VOLUME_PATH"] == old
    assert got[0]["BYTES"] == str(du(old)), "allocated bytes, as du counts them"
    assert got[0]["FILES"] == "1"
    assert new in got[0]["MESSAGE"] and old in got[0]["MESSAGE"]
    assert f"sudo storage-agent adopt obs/rec-{tree.tag}" in got[0]["MESSAGE"], "the message names the way back"
    # The command it names brings the data into the current directory, where the running daemon indexes it.
    adopt = subprocess.run([daemon.bin, "--config", tree.config_path, "adopt", f"obs/rec-{tree.tag}", "--apply", "--json"],
                           capture_output=True, text=True)
    assert adopt.returncode == 0, adopt.stderr
    assert [row["action"] for row in json.loads(adopt.stdout)] == ["copy"]
    def indexed():
        rows = json.loads(subprocess.run([daemon.bin, "--config", tree.config_path, "query", "--pvc", f"obs/rec-{tree.tag}",
                                          "--json"], capture_output=True, text=True, check=True).stdout)
        return [r for r in rows if r["path"] == os.path.join(new, "observer.jsonl") and r["lines"] == 10]
    assert wait_for(indexed), daemon.output()


def test_a_recreated_postgres_pvc_with_no_indexed_file_is_heard(tree, daemon):
    # The old directory holds only what Postgres writes: no *.jsonl, no *.log.
    old = tree.volume("observer-prod", f"db-{tree.tag}")
    os.makedirs(os.path.join(old, "base", "16384"))
    with open(os.path.join(old, "base", "16384", "1259"), "wb") as f:
        f.write(os.urandom(1 << 20))
    tree.write(os.path.join(old, "PG_VERSION"), "16\n")
    daemon.start()
    time.sleep(1.1)
    new = tree.volume("observer-prod", f"db-{tree.tag}")
    got = wait_for(lambda: entries("volume-recreated", PVC_NAME=f"db-{tree.tag}"))
    assert len(got) == 1, daemon.output()
    check_common(got[0], "volume-recreated")
    assert got[0]["VOLUME_PATH"] == old
    assert int(got[0]["BYTES"]) >= 1 << 20
    assert got[0]["BYTES"] == str(du(old))
    assert got[0]["FILES"] == "0"
    # pvc list: USED is what du counts, next to the indexed FILES and SIZE.
    listed = json.loads(subprocess.run([daemon.bin, "--config", tree.config_path, "pvc", "list", "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    by_path = {row["path"]: row for row in listed}
    assert by_path[old]["files"] == 0 and by_path[old]["bytes"] == 0
    for row in listed:
        assert row["used_bytes"] == du(row["path"]), row
    assert by_path[new]["state"] == "current"
    # The data is copied over and the old directory emptied: resolved, in its own words.
    shutil.rmtree(os.path.join(old, "base"))
    os.unlink(os.path.join(old, "PG_VERSION"))
    daemon.reload()
    resolved = wait_for(lambda: entries("volume-recreated", PVC_NAME=f"db-{tree.tag}", STORAGE_AGENT_STATE="resolved"))
    assert len(resolved) == 1, daemon.output()
    check_common(resolved[0], "volume-recreated", "resolved")
    assert resolved[0]["MESSAGE"] == f"PVC observer-prod/db-{tree.tag} has no data stranded in an older directory any more"


def test_orphan_volume_when_no_pv_claims_it(tree, daemon):
    orphan = tree.volume("obs", f"orph-{tree.tag}")
    tree.write(os.path.join(orphan, "a.log"), "x\n")
    pvs = os.path.join(tree.dir, "pv.json")
    with open(pvs, "w") as f:
        f.write('{"apiVersion":"v1","kind":"List","items":[]}')
    tree.write_config(f"kubernetes:\n  pv_command: cat {pvs}\n")
    daemon.start()
    got = wait_for(lambda: entries("orphan-volume", VOLUME_PATH=orphan))
    assert len(got) == 1
    check_common(got[0], "orphan-volume")
    assert got[0]["FILES"] == "1"


def test_track_stale_inside_the_active_window(tree, daemon):
    v = tree.volume("obs", f"stale-{tree.tag}")
    tree.write(os.path.join(v, "ticks", "20261121.jsonl"), "{}\n", mtime=time.time() - 3 * 3600)
    tree.write_config("tracks:\n  ticks: {active: \"Sun-Sat 00:00-24:00\", timezone: UTC, stale_after: 1m}\n")
    # The window must have been open for stale_after already: skip the first two minutes of a UTC day.
    while time.gmtime().tm_hour == 0 and time.gmtime().tm_min < 2:
        time.sleep(5)
    daemon.start()
    got = wait_for(lambda: entries("track-stale", VOLUME_PATH=v))
    assert len(got) == 1
    check_common(got[0], "track-stale")
    assert got[0]["TRACK"] == "ticks"
    assert int(got[0]["AGE_SECONDS"]) >= 3 * 3600 - 60
    # Data arrives again: resolved at the next cycle.
    with open(os.path.join(v, "ticks", "20261121.jsonl"), "a") as f:
        f.write("{}\n")
    daemon.reload()
    assert wait_for(lambda: entries("track-stale", VOLUME_PATH=v, STORAGE_AGENT_STATE="resolved"))


def test_storage_root_unavailable_and_back(tree, daemon):
    second = os.path.join(tree.dir, "second-root")
    tree.write_config(f"storage_roots: [{tree.root}, {second}]\n".replace(f"storage_roots: [{tree.root}]\n", ""))
    with open(tree.config_path, "w") as f:
        f.write(f"storage_roots: [{tree.root}, {second}]\ndatabase: {tree.db}\n")
    daemon.start()
    got = wait_for(lambda: entries("storage-root-unavailable", VOLUME_PATH=second))
    assert len(got) == 1
    check_common(got[0], "storage-root-unavailable")
    os.makedirs(second)
    daemon.reload()
    assert wait_for(lambda: entries("storage-root-unavailable", VOLUME_PATH=second, STORAGE_AGENT_STATE="resolved"))


def test_index_error_while_the_index_is_locked(tree, daemon):
    v = tree.volume("obs", f"lock-{tree.tag}")
    tree.write(os.path.join(v, "a.log"), "x\n")
    daemon.start()
    db = sqlite3.connect(tree.db, timeout=1)
    db.execute("BEGIN EXCLUSIVE")
    tree.write(os.path.join(v, "b.log"), "x\n")
    got = wait_for(lambda: entries("index-error", VOLUME_PATH=None) if False else [
        e for e in entries("index-error") if tree.db in e["MESSAGE"]], timeout=20)
    db.rollback()
    db.close()
    assert len(got) == 1
    check_common(got[0], "index-error")
    tree.write(os.path.join(v, "c.log"), "x\n")
    assert wait_for(lambda: [e for e in entries("index-error", STORAGE_AGENT_STATE="resolved") if tree.db in e["MESSAGE"]])


def test_flood_cap_sends_at_most_max_per_cycle_then_a_summary(tree, daemon):
    now = time.time()
    volumes = [tree.volume("flood", f"v{i:03d}-{tree.tag}") for i in range(60)]
    for i in range(10_000):
        tree.write(os.path.join(volumes[i % 60], f"f{i:05d}.log"), "x\n", mtime=now)
    tree.write_config("alerts:\n  max_per_cycle: 50\n")
    daemon.start()
    before = len(journal("STORAGE_AGENT_ALERT", "alerts-suppressed"))
    # Held stopped while deleting, so no 200 ms inotify batch sees part of it on a slow machine:
    # on SIGCONT the pending SIGHUP makes one full cycle that sees all 10,000 deletions at once.
    daemon.proc.send_signal(signal.SIGSTOP)
    for v in volumes:
        for name in os.listdir(v):
            os.unlink(os.path.join(v, name))
    n = daemon.output().count("configuration reloaded")
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.proc.send_signal(signal.SIGCONT)
    assert wait_for(lambda: daemon.output().count("configuration reloaded") > n), daemon.output()
    summary = wait_for(lambda: len(journal("STORAGE_AGENT_ALERT", "alerts-suppressed")) > before)
    assert summary
    sent = [e for e in entries("file-vanished") if tree.tag in e.get("PVC_NAME", "")]
    assert len(sent) == 50
    assert sum(int(e["FILES"]) for e in sent) <= 10_000
    last = journal("STORAGE_AGENT_ALERT", "alerts-suppressed")[-1]
    assert last["MESSAGE_ID"] == "52c89eda33b94981b970496a0ad8c5c6"
    assert last["COUNT"] == "10"
    # Nothing is lost: the index has all 60.
    assert len([a for a in alerts(daemon.bin, tree) if a["type"] == "file-vanished"]) == 60


def test_track_gap_once_per_finished_window_with_the_missing_hours(tree, daemon):
    v = tree.volume("obs", f"gap-{tree.tag}")
    # An hourly track active 00:00-03:00 UTC every day: the last finished window is today after
    # 03:00 UTC, else yesterday.
    now = time.gmtime()
    day = time.strftime("%Y%m%d", now if now.tm_hour >= 3 else time.gmtime(time.time() - 86400))
    for hour in (0, 2):
        tree.write(os.path.join(v, "ticks", f"{day}_{hour:02d}.jsonl"), "{}\n")
    tree.write_config("tracks:\n  ticks: {active: \"Sun-Sat 00:00-03:00\", timezone: UTC, hourly: true}\n")
    daemon.start()
    got = wait_for(lambda: entries("track-gap", VOLUME_PATH=v))
    assert len(got) == 1
    assert got[0]["MESSAGE_ID"] == "79f8ed48c0d34800a42a914e9fb132ca"
    assert got[0]["PRIORITY"] == "4"
    assert f"for 01:00 on {day}" in got[0]["MESSAGE"]
    daemon.reload()
    time.sleep(0.5)
    assert len(entries("track-gap", VOLUME_PATH=v)) == 1, "once per day"
