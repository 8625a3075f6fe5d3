"""The packaged unit does what config.yaml asks, as a node runs it: the .deb installed under a real
systemd, only config.yaml edited (no drop-in), a reload. Ownership is fixed and the friendly link
works for its user; the unit stays sandboxed (nothing else becomes writable, exposure <= 2.0); a
bad file fails the reload and the daemon keeps the configuration it runs with.
"""

import os

from conftest import wait_for
from installed import CONFIG

DROP_IN = "/run/systemd/system/storage-agent.service.d/50-writable-paths.conf"
# Mount types that are not the machine's files (the namespace's own /dev, /proc, /sys, tmpfs).
PSEUDO = {"proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "mqueue", "cgroup", "cgroup2", "securityfs", "pstore",
          "bpf", "debugfs", "tracefs", "configfs", "fusectl", "hugetlbfs", "binfmt_misc", "autofs", "ramfs"}


def writable_mounts(node):
    """Mount points the service's processes can write on the machine's file systems (None while
    it has no main process, e.g. restarting)."""
    out = []
    try:
        pid = node.main_host_pid()
    except AssertionError:
        return None
    with open(f"/proc/{pid}/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            fields = left.split()
            if right.split()[0] not in PSEUDO and "rw" in fields[5].split(","):
                out.append(fields[4])
    return sorted(set(out))


def owners(tree):
    found = set()
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in [dirpath] + [os.path.join(dirpath, n) for n in filenames]:
            st = os.lstat(name)
            found.add((st.st_uid, st.st_gid))
    return found


def link_config(link):
    return ("volumes:\n  - pvc: observer-prod/observer-data-pvc\n"
            + (f"    link: {link}\n" if link else "") + "    fix_ownership: true")


def test_fix_ownership_and_the_link_work_after_a_reload_with_no_drop_in(installed):
    uid, gid, home = installed.user("satest")
    v = installed.volume("observer-prod", "observer-data-pvc")
    for name in ("assets/scalp/20260203_09.jsonl", "assets/scalp/20260203_10.jsonl", "logs/app.log"):
        installed.write(f"{v}/{name}", "{}\n")
    assert owners(v) == {(0, 0)}
    link = f"{home}/observer/data"
    installed.configure({"volumes: []": link_config(link)})
    check = installed.agent("check-config")
    assert check.returncode == 0, check.stderr
    assert f"writable for the unit: {home}, {installed.storage}" in check.stdout
    first = installed.main_pid()

    reload = installed.reload()
    assert reload.returncode == 0, reload.stderr
    assert wait_for(lambda: owners(v) == {(999, 999)}, timeout=90), owners(v)
    assert wait_for(lambda: os.path.islink(link), timeout=60)
    ls = installed.run("setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups", "ls", f"{link}/assets/scalp")
    assert ls.returncode == 0 and "20260203_09.jsonl" in ls.stdout, ls.stderr
    st = os.lstat(link)
    assert (st.st_uid, st.st_gid) == (uid, gid)

    log = installed.log()
    assert "Read-only file system" not in log, log
    # The new directories need a new mount namespace: the daemon restarted itself for them.
    assert "restarting to be granted them" in log
    assert installed.main_pid() != first
    assert "given to 999:999" in log

    # No drop-in but the one the unit writes itself; sandboxed as before.
    props = installed.show("DropInPaths", "MemoryMax", "MemoryHigh", "CPUWeight", "IOSchedulingClass", "Nice")
    assert props["DropInPaths"].split() == [DROP_IN]
    assert int(props["MemoryMax"]) == 512 << 20 and int(props["MemoryHigh"]) == 256 << 20
    assert props["CPUWeight"] == "20" and props["IOSchedulingClass"] == "3" and props["Nice"] == "10"
    security = installed.run("systemd-analyze", "security", "storage-agent").stdout
    exposure = float(security.split("Overall exposure level for storage-agent.service:")[1].split()[0])
    assert exposure <= 2.0
    allowed = {"/var/lib/storage-agent", installed.storage, home, "/tmp", "/var/tmp"}
    # The link's exposure appears in the unit's namespace as unit-sync mounted it (mounts made on
    # the host after the start propagate in as they are): a view of the linked volume itself.
    exposures = {m for m in writable_mounts(installed) if m.startswith("/run/storage-agent/exposed/")}
    assert exposures == {"/run/storage-agent/exposed/observer-prod_observer-data-pvc"}
    assert set(writable_mounts(installed)) - exposures <= allowed, writable_mounts(installed)


def test_a_bad_config_fails_the_reload_and_the_daemon_keeps_the_old_one(installed):
    pid = installed.main_pid()
    with open(CONFIG) as f:
        good = f.read()
    lines = good.splitlines()
    renotify = next(i for i, l in enumerate(lines) if l.strip() == "renotify: 6h") + 1
    bad = good.replace("  renotify: 6h", "  renotify: soon") + "bogus_key: 1\n"
    with open(CONFIG, "w") as f:
        f.write(bad)

    reload = installed.reload()
    assert reload.returncode != 0
    log = installed.log()
    assert f"{CONFIG}:{renotify}: alerts.renotify: bad duration" in log
    assert f"{CONFIG}:{len(lines) + 1}: unknown key 'bogus_key'" in log
    props = installed.show("ActiveState", "MainPID")
    assert props["ActiveState"] == "active" and props["MainPID"] == pid
    assert wait_for(lambda: f"{CONFIG} changed since" in installed.show("StatusText")["StatusText"], timeout=60)

    check = installed.agent("check-config")
    assert check.returncode == 78 and check.stderr.count("\n") == 3, check.stderr
    # Reading the index needs no config; fixing does.
    q = installed.agent("query", "--json")
    assert q.returncode == 0 and "20260203_09.jsonl" in q.stdout, q.stderr
    assert q.stderr.count("\n") == 1 and "check-config" in q.stderr
    assert installed.agent("alerts").returncode in (0, 1)
    assert installed.agent("fix-ownership", "--dry-run").returncode == 78

    with open(CONFIG, "w") as f:
        f.write(good)
    assert installed.reload().returncode == 0
    assert installed.main_pid() == pid
    assert wait_for(lambda: "changed since" not in installed.show("StatusText")["StatusText"], timeout=60)


def test_a_link_that_leaves_the_config_takes_its_home_out_of_the_unit(installed):
    home = "/home/satest"
    installed.configure({"volumes: []": link_config(None)})
    assert installed.reload().returncode == 0
    assert wait_for(lambda: (m := writable_mounts(installed)) is not None and home not in m, timeout=60), (
        writable_mounts(installed))
    assert installed.storage in writable_mounts(installed)
    # /run is the namespace's own: read the drop-in there.
    drop_in = installed.run("cat", DROP_IN)
    assert drop_in.returncode == 0 and home not in drop_in.stdout and installed.storage in drop_in.stdout
