"""The packaged unit under a real systemd running as PID 1 in its own PID namespace.

Booted with design.md's recipe: private tmpfs on /tmp, /var/tmp and /run, so systemd's boot-time
cleanup never touches the host. Everything the test hands in lives under the build folder.
"""

import os
import shutil
import subprocess
import time

import pytest

from conftest import REPO, Tree, wait_for
from installed import Systemd

UNIT = os.path.join(REPO, "packaging", "systemd", "storage-agent.service")
CATALOG = os.path.join(REPO, "packaging", "systemd", "storage-agent.catalog")


@pytest.fixture(scope="module")
def systemd():
    s = Systemd()
    yield s
    s.poweroff()


@pytest.fixture(scope="module")
def unit(systemd, agent_bin):
    tree = Tree()
    v = tree.volume("observer-prod", "observer-data-pvc")
    tree.write(os.path.join(v, "assets", "scalp", "20261121_09.jsonl"), "{}\n" * 5)
    tree.write_config("volumes:\n  - pvc: observer-prod/observer-logs-pvc\n    expect: true\n")
    with open(UNIT) as f:
        # Every command of the unit (unit-sync, check-config, run) with the test's binary and config.
        text = f.read().replace("/usr/bin/storage-agent ", f"{agent_bin} --config {tree.config_path} ")
    dropin = f"[Service]\nReadWritePaths={tree.dir}\nWatchdogSec=3s\nRestartSec=1s\nTimeoutStopSec=3s\n"
    systemd.run("mkdir", "-p", "/run/systemd/system/storage-agent.service.d", check=True)
    systemd.run("tee", "/run/systemd/system/storage-agent.service", input=text, check=True)
    systemd.run("tee", "/run/systemd/system/storage-agent.service.d/test.conf", input=dropin, check=True)
    systemd.run("systemctl", "daemon-reload", check=True)
    state_existed = os.path.exists("/var/lib/storage-agent")
    yield tree
    systemd.run("systemctl", "stop", "storage-agent")
    tree.cleanup()
    if not state_existed and os.path.isdir("/var/lib/storage-agent"):
        shutil.rmtree("/var/lib/storage-agent")


def test_unit_verifies_and_is_hardened(unit, systemd):
    verify = subprocess.run(["systemd-analyze", "verify", "--man=no", UNIT], capture_output=True, text=True)
    # The only complaint allowed before installation: the binary is not at /usr/bin yet.
    problems = [l for l in verify.stderr.splitlines() if l.strip() and "/usr/bin/storage-agent" not in l]
    assert problems == []
    security = subprocess.run(["systemd-analyze", "security", "--offline=yes", UNIT], capture_output=True, text=True)
    exposure = float(security.stdout.split("Overall exposure level for storage-agent.service:")[1].split()[0])
    assert exposure <= 2.0


def test_start_reaches_running_only_after_ready_with_status(unit, systemd):
    start = systemd.run("systemctl", "start", "storage-agent")
    assert start.returncode == 0, start.stderr
    props = systemd.show("ActiveState", "SubState", "StatusText", "Type")
    assert props["ActiveState"] == "active" and props["SubState"] == "running"
    assert props["Type"] == "notify"
    assert "volumes" in props["StatusText"] and "files indexed" in props["StatusText"]
    log = systemd.run("journalctl", "-u", "storage-agent", "--no-pager", "-o", "cat").stdout
    assert log.index("ready:") > log.index("scan (start)")


def test_alerts_reach_the_unit_journal_and_the_catalog_explains_them(unit, systemd):
    entries = wait_for(lambda: systemd.run("journalctl", "-u", "storage-agent", "-o", "json", "--no-pager",
                                           "STORAGE_AGENT_ALERT=volume-missing").stdout.strip())
    assert '"PVC_NAME":"observer-logs-pvc"' in entries
    # journalctl -x needs the catalog in the database; install it for the test and put the host back.
    target = "/usr/lib/systemd/catalog/storage-agent.catalog"
    database = "/var/lib/systemd/catalog/database"
    backup = database + ".storage-agent-test"
    had_database = os.path.exists(database)
    if had_database:
        shutil.copy2(database, backup)
    shutil.copy(CATALOG, target)
    try:
        systemd.run("journalctl", "--update-catalog", check=True)
        explained = systemd.run("journalctl", "-x", "-u", "storage-agent", "--no-pager").stdout
        assert "Subject: Expected volume observer-prod/observer-logs-pvc has no directory on this node" in explained
        assert "grep -A 15 Mounts:" in explained
    finally:
        os.unlink(target)
        if had_database:
            os.replace(backup, database)
        else:
            systemd.run("journalctl", "--update-catalog")


def test_reload_rereads_the_configuration(unit, systemd):
    unit.write_config("volumes:\n  - pvc: observer-prod/observer-logs-pvc\n    expect: true\n"
                      "  - pvc: observer-prod/observer-db-pvc\n    expect: true\n")
    assert systemd.run("systemctl", "reload", "storage-agent").returncode == 0
    assert wait_for(lambda: '"PVC_NAME":"observer-db-pvc"' in systemd.run(
        "journalctl", "-u", "storage-agent", "-o", "json", "--no-pager", "STORAGE_AGENT_ALERT=volume-missing").stdout)
    # A bad configuration fails the reload itself (check-config), with every error and its line;
    # the daemon keeps running the old one and says so in its status.
    pid = systemd.main_pid()
    with open(unit.config_path, "a") as f:
        f.write("bogus_key: 1\nalerts:\n  renotify: soon\n")
    reload = systemd.run("systemctl", "reload", "storage-agent")
    assert reload.returncode != 0
    log = systemd.run("journalctl", "-u", "storage-agent", "--no-pager", "-o", "cat").stdout
    assert f"{unit.config_path}:8: unknown key 'bogus_key'" in log
    assert f"{unit.config_path}:10: alerts.renotify: bad duration" in log
    props = systemd.show("ActiveState", "MainPID")
    assert props["ActiveState"] == "active" and props["MainPID"] == pid
    assert wait_for(lambda: f"{unit.config_path} changed since" in systemd.show("StatusText")["StatusText"], timeout=60)


def test_a_stalled_loop_is_killed_by_the_watchdog_and_restarted(unit, systemd):
    unit.write_config("volumes:\n  - pvc: observer-prod/observer-logs-pvc\n    expect: true\n")
    before = systemd.show("MainPID", "NRestarts")
    systemd.run("kill", "-STOP", systemd.main_pid(), check=True)
    restarted = wait_for(lambda: (p := systemd.show("MainPID", "NRestarts", "ActiveState"))["ActiveState"] == "active"
                         and p["MainPID"] not in ("0", before["MainPID"]) and p, timeout=40, step=0.5)
    assert restarted, systemd.show("MainPID", "NRestarts", "ActiveState", "Result")
    assert int(restarted["NRestarts"]) > int(before["NRestarts"])
    log = systemd.run("journalctl", "-u", "storage-agent", "--no-pager").stdout
    assert "Watchdog timeout" in log


def test_stop_is_clean(unit, systemd):
    systemd.run("systemctl", "start", "storage-agent")
    assert systemd.run("systemctl", "stop", "storage-agent").returncode == 0
    props = systemd.show("ActiveState", "Result", "ExecMainStatus")
    assert props["ActiveState"] == "inactive"
    assert props["Result"] == "success"
    assert props["ExecMainStatus"] == "0"
    assert "stopping" in systemd.run("journalctl", "-u", "storage-agent", "--no-pager", "-o", "cat").stdout
