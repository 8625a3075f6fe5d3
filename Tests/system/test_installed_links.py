"""Links and resolved entries as installed (issue 11, items 7 and 8): the .deb under a real systemd,
only config.yaml edited. A real directory in the way is a conflict whose fix: line works and that
is logged once; a write the file system refuses is `refused` (link-unreachable), never a conflict;
a fix made with `links --apply` resolves at once, in the resolved entry's own words, in
`journalctl -u storage-agent`, and the daemon does not send it again.
"""

import json
import os
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
