"""Links and resolved entries as installed (issue 11, items 7 and 8): the .deb under a real systemd,
only config.yaml edited. A real directory in the way is a conflict whose fix: line works and that
is logged once; a write the file system refuses is `refused` (link-unreachable), never a conflict;
a fix made with `links --apply` resolves at once, in the resolved entry's own words, in
`journalctl -u storage-agent`, and the daemon does not send it again.
"""

import json
import os
import shutil
import time

from conftest import wait_for


def entries(node, after=None, **match):
    """This node's entries with FIELD=value, filtered here: journalctl 252 finds nothing when
    --after-cursor (the node's own entries) is combined with field matches."""
    return [e for e in node.journal(after=after) if all(e.get(k) == v for k, v in match.items())]


def link_config(*links):
    out = "volumes:"
    for pvc, link in links:
        out += f"\n  - pvc: observer-prod/{pvc}\n    link: {link}"
    return out


def test_a_directory_in_the_way_is_a_conflict_whose_hint_works_and_apply_resolves_it_at_once(installed):
    uid, gid, home = installed.user("salink")
    v = installed.volume("observer-prod", "observer-data-pvc")
    installed.write(f"{v}/assets/scalp/20260203_09.jsonl", "{}\n")
    link = f"{home}/observer/data"
    # The Docker Compose era's data directory, still there.
    installed.write(f"{link}/assets/scalp/20250101_09.jsonl", "{\"old\":1}\n", owner=f"{uid}:{gid}")
    for d in ("observer", "observer/data", "observer/data/assets", "observer/data/assets/scalp"):
        os.chown(f"{home}/{d}", uid, gid)
    installed.configure({"volumes: []": link_config(("observer-data-pvc", link))})
    assert installed.reload().returncode == 0

    firing = wait_for(lambda: entries(installed, STORAGE_AGENT_ALERT="link-conflict", FILE_PATH=link), timeout=90)
    assert len(firing) == 1 and firing[0]["STORAGE_AGENT_STATE"] == "firing", installed.log()
    assert "a directory with 1 files" in firing[0]["MESSAGE"]
    assert not entries(installed, STORAGE_AGENT_ALERT="link-unreachable", FILE_PATH=link)
    explained = installed.log(explain=True)
    assert "Subject: A friendly link cannot be made: something else is there (firing)" in explained
    # Logged once: two more reconciles (reloads) see the same conflict and say nothing new.
    after = installed.mark()
    assert installed.reload().returncode == 0
    assert installed.reload().returncode == 0
    time.sleep(2)
    assert f"link {link}: conflict" not in installed.log(after=after), installed.log(after=after)
    assert f"link {link}: conflict" in installed.log()

    # links says what is there and how to fix it; doctor says the same.
    shown = installed.agent("links")
    assert shown.returncode == 1
    fix = f"fix {link}: move it aside by hand (it may hold data): sudo mv {link} {link}.old; then sudo storage-agent links --apply"
    assert fix in shown.stdout, shown.stdout
    doctor = json.loads(installed.agent("doctor", "--json").stdout)
    check = next(c for c in doctor if c["check"] == "link")
    assert check["hint"].startswith("move it aside by hand") and "storage-agent links --apply" in check["hint"]

    # Do what the hint says.
    os.rename(link, link + ".old")
    before = installed.mark()
    applied = installed.agent("links", "--apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert f"resolved link-conflict for {link}" in applied.stdout
    resolved = entries(installed, after=before, STORAGE_AGENT_ALERT="link-conflict", FILE_PATH=link)
    assert [e["STORAGE_AGENT_STATE"] for e in resolved] == ["resolved"], "sent by the command, at once"
    assert resolved[0]["MESSAGE"] == (f"Nothing is in the way of the friendly path {link} for PVC "
                                      "observer-prod/observer-data-pvc any more: it works again")
    assert resolved[0]["PRIORITY"] == "6"
    assert "Subject: A friendly link cannot be made: something else is there (resolved)" in installed.log(
        after=before, explain=True)
    ls = installed.run("setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups", "ls", f"{link}/assets/scalp")
    assert ls.returncode == 0 and "20260203_09.jsonl" in ls.stdout, ls.stderr
    assert os.listdir(link + ".old/assets/scalp") == ["20250101_09.jsonl"]
    # The daemon's next full cycle does not send it again.
    assert installed.reload().returncode == 0
    time.sleep(2)
    assert len(entries(installed, after=before, STORAGE_AGENT_ALERT="link-conflict", FILE_PATH=link)) == 1
    assert [a["state"] for a in json.loads(installed.agent("alerts", "--all", "--json").stdout)
            if a["type"] == "link-conflict" and a["subject"] == link] == ["resolved"]


def test_a_write_the_file_system_refuses_is_refused_not_a_conflict(installed):
    uid, gid, home = installed.user("salink2")
    v = installed.volume("observer-prod", "observer-logs-pvc")
    installed.write(f"{v}/20260203_09.log", "line\n")
    parent = f"{home}/observer"
    os.makedirs(parent)
    os.chown(parent, uid, gid)
    # A read-only file system where the link goes (read-only in its superblock: no sandbox
    # setting makes it writable). Mounted before the reload, so the restarted service sees it.
    mounted = installed.run("mount", "-t", "tmpfs", "-o", f"ro,size=1m,mode=0755,uid={uid},gid={gid}", "tmpfs", parent)
    assert mounted.returncode == 0, mounted.stderr
    try:
        link = f"{parent}/logs"
        installed.configure({"volumes: []": link_config(("observer-logs-pvc", link))})
        assert installed.reload().returncode == 0
        firing = wait_for(lambda: entries(installed, STORAGE_AGENT_ALERT="link-unreachable", FILE_PATH=link), timeout=90)
        assert len(firing) == 1, installed.log()
        assert "was refused" in firing[0]["MESSAGE"] and "Read-only file system" in firing[0]["MESSAGE"]
        assert not entries(installed, STORAGE_AGENT_ALERT="link-conflict", FILE_PATH=link)
        row = json.loads(installed.agent("links", "--json").stdout)
        state = next(r for r in row if r["link"] == link)
        assert state["state"] == "missing", "without --apply nothing is written"
        applied = json.loads(installed.agent("links", "--apply", "--json").stdout)
        state = next(r for r in applied if r["link"] == link)
        assert state["state"] == "refused", state
        assert state["hint"] == ("sudo storage-agent links --apply from a root shell (outside the service's sandbox); "
                                 f"if it is refused there too, the file system is read-only or forbids it: "
                                 f"findmnt -T {parent}")

        # The operator follows the hint: findmnt says read-only; made writable, links --apply works.
        assert "ro" in installed.run("findmnt", "-n", "-o", "OPTIONS", "-T", parent).stdout.split(",")
        assert installed.run("mount", "-o", "remount,rw", parent).returncode == 0
        before = installed.mark()
        fixed = installed.agent("links", "--apply")
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        assert f"resolved link-unreachable for {link}" in fixed.stdout
        resolved = entries(installed, after=before, STORAGE_AGENT_ALERT="link-unreachable", FILE_PATH=link)
        assert [e["STORAGE_AGENT_STATE"] for e in resolved] == ["resolved"]
        assert resolved[0]["MESSAGE"] == f"The friendly path {link} for PVC observer-prod/observer-logs-pvc works again"
        assert "Read-only" not in resolved[0]["MESSAGE"]
        ls = installed.run("setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups", "ls", f"{link}/")
        assert ls.returncode == 0 and "20260203_09.log" in ls.stdout, ls.stderr
    finally:
        installed.run("umount", parent)


EXPOSED = "/run/storage-agent/exposed"


def link_state(node, link):
    rows = json.loads(node.agent("links", "--json").stdout or "[]")
    return next((r for r in rows if r["link"] == link), {})


def as_user(node, uid, gid, *command):
    """COMMAND as the user, inside the node (whose /run holds the exposures)."""
    return node.run("setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups", *command)


def extended_acl(node, path):
    return node.run("getfacl", "--skip-base", "--absolute-names", "--omit-header", path).stdout.strip()


def test_a_linked_user_reaches_exactly_their_volume_nosuid_and_loses_it_with_the_link(installed):
    """Issue 12 item 1: the storage root keeps 0700 and no ACL entry; the link's user reaches only
    the linked volume, through a nosuid,nodev mount the unit made; a setuid-root file in it does
    not run as root; removing the link from the config removes the mount and the access. The
    ACL entries an earlier version gave are removed."""
    uid, gid, home = installed.user("saexpose")
    mine = installed.volume("observer-prod", "observer-data-pvc")
    installed.write(f"{mine}/assets/scalp/20260203_09.jsonl", "{}\n")
    other = installed.volume("payments", "ledger-pvc")
    installed.write(f"{other}/ledger.jsonl", "{\"secret\": 1}\n")
    # A setuid-root helper that a container running as root left in the volume.
    shutil.copy("/usr/bin/id", f"{mine}/id-suid")
    os.chmod(f"{mine}/id-suid", 0o4755)
    # What an earlier version did for a link: traverse on the 0700 root, r-x on the volume.
    for path, perms in ((installed.storage, "--x"), (mine, "r-x")):
        assert installed.run("setfacl", "-m", f"u:{uid}:{perms}", path).returncode == 0
    assert as_user(installed, uid, gid, "cat", f"{other}/ledger.jsonl").returncode == 0, "the old hole, reproduced"

    link = f"{home}/observer/data"
    installed.configure({"volumes: []": link_config(("observer-data-pvc", link))})
    before = installed.mark()
    assert installed.reload().returncode == 0
    assert wait_for(lambda: link_state(installed, link).get("state") == "ok", timeout=120), (
        link_state(installed, link), installed.log(after=before))
    exposure = f"{EXPOSED}/observer-prod_observer-data-pvc"
    assert os.readlink(link) == exposure
    row = link_state(installed, link)
    assert row["target"] == mine and row["via"] == exposure
    # Made by the user, not chowned by root.
    assert os.lstat(link).st_uid == uid and os.stat(f"{home}/observer").st_uid == uid

    # The mount is the unit's, nosuid,nodev.
    unit = installed.run("systemd-escape", "--path", "--suffix=mount", exposure).stdout.strip()
    assert installed.run("systemctl", "is-active", unit).stdout.strip() == "active"
    options = installed.run("findmnt", "-n", "-o", "OPTIONS", exposure).stdout.strip().split(",")
    assert "nosuid" in options and "nodev" in options, options

    # The user: their volume, read and write; the setuid file runs as them; nothing else.
    listed = as_user(installed, uid, gid, "ls", f"{link}/assets/scalp")
    assert listed.returncode == 0 and "20260203_09.jsonl" in listed.stdout, listed.stderr
    assert as_user(installed, uid, gid, "touch", f"{link}/written-by-user").returncode == 0
    assert os.stat(f"{mine}/written-by-user").st_uid == uid
    ran = as_user(installed, uid, gid, f"{link}/id-suid", "-u")
    assert ran.returncode == 0 and ran.stdout.strip() == str(uid), ran.stdout + ran.stderr
    assert as_user(installed, uid, gid, "cat", f"{other}/ledger.jsonl").returncode != 0
    assert as_user(installed, uid, gid, "ls", installed.storage).returncode != 0
    assert as_user(installed, uid, gid, "ls", mine).returncode != 0, "the volume's own path stays closed"
    # The storage root: 0700, no entry for anyone; the old entries are gone, and it said so.
    assert os.stat(installed.storage).st_mode & 0o7777 == 0o700
    assert extended_acl(installed, installed.storage) == "" and extended_acl(installed, mine) == ""
    said = installed.log(after=before)
    assert f"removed the ACL entries u:{uid}:--x from {installed.storage}" in said, said
    assert f"removed the ACL entries u:{uid}:r-x from {mine}" in said, said

    # The link leaves the config: the mount and the access go with the reload.
    installed.configure({})
    assert installed.reload().returncode == 0
    assert wait_for(lambda: installed.run("findmnt", "-n", exposure).returncode != 0, timeout=60)
    assert installed.run("systemctl", "is-active", unit).stdout.strip() != "active"
    assert installed.run("test", "-e", f"/run/systemd/system/{unit}").returncode != 0
    assert as_user(installed, uid, gid, "ls", f"{link}/").returncode != 0
    assert os.listdir(mine), "nothing in the volume was touched"


def test_a_recreated_pvc_is_followed_the_service_restarts_to_mount_the_new_volume(installed):
    uid, gid, home = installed.user("sarecreate")
    old = installed.volume("observer-prod", "observer-logs-pvc")
    installed.write(f"{old}/old.log", "x\n")
    link = f"{home}/observer/logs"
    installed.configure({"volumes: []": link_config(("observer-logs-pvc", link))})
    assert installed.reload().returncode == 0
    assert wait_for(lambda: link_state(installed, link).get("state") == "ok", timeout=120), installed.log()
    first = installed.main_pid()
    time.sleep(1.1)  # a later birth time: the newer directory is the PVC's current volume
    before = installed.mark()
    newer = installed.volume("observer-prod", "observer-logs-pvc")
    installed.write(f"{newer}/new.log", "y\n")

    def sees_new():
        r = as_user(installed, uid, gid, "ls", f"{link}/")
        return r.returncode == 0 and "new.log" in r.stdout

    assert wait_for(sees_new, timeout=180), installed.log(after=before)
    assert "restarting so the service mounts them" in installed.log(after=before)
    assert installed.main_pid() != first
    assert link_state(installed, link).get("target") == newer
    assert os.readlink(link) == f"{EXPOSED}/observer-prod_observer-logs-pvc", "the link itself never moved"
