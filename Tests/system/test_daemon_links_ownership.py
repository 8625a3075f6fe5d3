"""The daemon keeps links true and volumes owned, and says so in the journal."""

import os
import subprocess
import time

from conftest import alerts, journal, wait_for


def test_new_files_are_given_to_the_owner_as_inotify_reports_them(tree, daemon):
    v = tree.volume("obs", f"own-{tree.tag}")
    os.makedirs(os.path.join(v, "assets"))
    tree.write_config(f"volumes:\n  - pvc: obs/own-{tree.tag}\n    fix_ownership: true\n")
    daemon.start()
    assert os.stat(os.path.join(v, "assets")).st_uid == 999  # fixed by the first full pass
    path = os.path.join(v, "assets", "20261121_10.jsonl")
    tree.write(path, "{}\n")  # written by root, like a misconfigured job
    assert wait_for(lambda: os.stat(path).st_uid == 999, timeout=10)
    drift = wait_for(lambda: journal("STORAGE_AGENT_ALERT", "ownership-drift", VOLUME_PATH=v))
    assert drift[0]["MESSAGE_ID"] == "8b66c772c0ff4be7a1781687fab954cd"
    assert drift[0]["PRIORITY"] == "5"
    assert drift[0]["OFFENDING_UID"] == "0"


def test_hard_linked_files_are_refused_with_a_warning(tree, daemon):
    v = tree.volume("obs", f"hl-{tree.tag}")
    outside = os.path.join(tree.dir, "outside-secret")
    tree.write(outside, "secret\n")
    os.link(outside, os.path.join(v, "planted.jsonl"))
    tree.write_config(f"volumes:\n  - pvc: obs/hl-{tree.tag}\n    fix_ownership: true\n")
    daemon.start()
    got = wait_for(lambda: journal("STORAGE_AGENT_ALERT", "ownership-unfixable", VOLUME_PATH=v))
    assert got[0]["PRIORITY"] == "4"
    assert "hard-linked" in got[0]["MESSAGE"]
    assert os.stat(outside).st_uid == 0


def test_a_link_conflict_is_raised_and_the_directory_left_alone(tree, daemon):
    tree.volume("obs", f"ln-{tree.tag}")
    link = os.path.join(tree.dir, "home", "observer", "data")
    tree.write(os.path.join(link, "old.jsonl"), "{}\n")
    tree.write_config(f"volumes:\n  - pvc: obs/ln-{tree.tag}\n    link: {link}\n")
    daemon.start()
    got = wait_for(lambda: journal("STORAGE_AGENT_ALERT", "link-conflict", FILE_PATH=link))
    assert got[0]["MESSAGE_ID"] == "f7d040cf08904787b26bd812ddf2a6ed"
    assert "a directory with 1 files" in got[0]["MESSAGE"]
    assert os.path.isdir(link) and os.listdir(link) == ["old.jsonl"]
    # Two more reconciles (reloads) see the same conflict: it is logged once, and sent once.
    daemon.reload()
    daemon.reload()
    assert daemon.output().count(f"link {link}: conflict:") == 1, daemon.output()
    assert f"fix: move it aside by hand (it may hold data): sudo mv {link} {link}.old" in daemon.output()
    assert len(journal("STORAGE_AGENT_ALERT", "link-conflict", FILE_PATH=link)) == 1
    # Moved aside by the operator: the next reconcile (here: a reload) makes the link and resolves,
    # saying what recovered rather than repeating the conflict.
    os.rename(link, link + ".compose-era")
    daemon.reload()
    assert wait_for(lambda: os.path.islink(link))
    resolved = wait_for(lambda: journal("STORAGE_AGENT_ALERT", "link-conflict", FILE_PATH=link,
                                        STORAGE_AGENT_STATE="resolved"))
    assert len(resolved) == 1
    # Run by hand, outside the unit, nothing mounts the volume's exposure (the unit's unit-sync
    # does; test_installed_links.py proves that path): the link is there and the message says
    # truthfully what is left, in its own words, not the conflict's.
    assert os.readlink(link) == f"/run/storage-agent/exposed/obs_ln-{tree.tag}"
    assert resolved[0]["MESSAGE"].endswith("any more; it is unreachable now"), resolved[0]["MESSAGE"]
    assert "directory with" not in resolved[0]["MESSAGE"]
    unreachable = wait_for(lambda: journal("STORAGE_AGENT_ALERT", "link-unreachable", FILE_PATH=link))
    assert "is not mounted at /run/storage-agent/exposed/" in unreachable[0]["MESSAGE"]


def test_fix_ownership_by_hand_resolves_at_once_and_the_daemon_does_not_send_it_again(tree, daemon):
    v = tree.volume("obs", f"byhand-{tree.tag}")
    outside = os.path.join(tree.dir, "outside-secret")
    tree.write(outside, "secret\n")
    planted = os.path.join(v, "planted.jsonl")
    os.link(outside, planted)
    tree.write_config(f"volumes:\n  - pvc: obs/byhand-{tree.tag}\n    fix_ownership: true\n")
    daemon.start()
    assert wait_for(lambda: journal("STORAGE_AGENT_ALERT", "ownership-unfixable", VOLUME_PATH=v))
    # The operator removes the hard link and fixes the volume by hand.
    os.unlink(planted)
    fixed = subprocess.run([daemon.bin, "--config", tree.config_path, "fix-ownership", f"obs/byhand-{tree.tag}"],
                           capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stderr
    assert f"resolved ownership-unfixable for {v}" in fixed.stdout
    resolved = journal("STORAGE_AGENT_ALERT", "ownership-unfixable", VOLUME_PATH=v, STORAGE_AGENT_STATE="resolved")
    assert len(resolved) == 1, "sent by the command itself, at once"
    assert resolved[0]["MESSAGE"] == (f"Every entry in PVC obs/byhand-{tree.tag} was given to 999:999: "
                                      "storage-agent fix-ownership refused none")
    assert resolved[0]["PRIORITY"] == "6"
    assert [a["state"] for a in alerts(daemon.bin, tree, all=True)
            if a["type"] == "ownership-unfixable" and a["subject"] == v] == ["resolved"]
    # The daemon's next full cycle does not send it again.
    daemon.reload()
    time.sleep(0.5)
    assert len(journal("STORAGE_AGENT_ALERT", "ownership-unfixable", VOLUME_PATH=v)) == 2
