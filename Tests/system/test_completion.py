"""Shell completion as bash runs it: the script argument-parser generates, sourced into a real
bash, completes track names from the configuration and PVC names from the index, and nothing
hidden (internal subcommands) or unsafe (a PVC name a shell word cannot hold)."""

import os
import sqlite3
import subprocess

import pytest


def complete(agent_bin, script, words, env=None):
    """COMPREPLY for the command line `words` with the cursor at the end of the last word."""
    line = " ".join(words)
    program = f"""
source {script}
COMP_WORDS=({' '.join(printf_quote(w) for w in words)})
COMP_CWORD={len(words) - 1}
COMP_LINE={printf_quote(line)}
COMP_POINT={len(line)}
_storage-agent {printf_quote(words[0])} {printf_quote(words[-1])} {printf_quote(words[-2])}
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    r = subprocess.run(["bash", "-c", program], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0, r.stderr
    return sorted(w for w in r.stdout.splitlines() if w)


def printf_quote(word):
    return "'" + word.replace("'", "'\\''") + "'"


@pytest.fixture
def script(agent_bin, tree):
    path = os.path.join(tree.dir, "completion.bash")
    with open(path, "w") as f:
        subprocess.run([agent_bin, "--generate-completion-script", "bash"], stdout=f, check=True)
    return path


def test_pvc_names_come_from_the_index(agent_bin, tree, script):
    tree.volume("observer-prod", "observer-data-pvc")
    tree.volume("observer-prod", "observer-logs-pvc")
    tree.volume("grafana", "grafana-pvc")
    tree.volume("observer-prod", "bad\x1bname")
    subprocess.run([agent_bin, "--config", tree.config_path, "scan"], check=True, capture_output=True)
    got = complete(agent_bin, script, [agent_bin, "--config", tree.config_path, "pvc", "resolve", "observer-prod/"])
    assert got == ["observer-prod/observer-data-pvc", "observer-prod/observer-logs-pvc"]
    # --db on the line is the index asked.
    got = complete(agent_bin, script, [agent_bin, "--db", tree.db, "rescue", "restore", "gr"])
    assert got == ["grafana/grafana-pvc"]


def test_no_index_completes_nothing_and_creates_nothing(agent_bin, tree, script):
    missing = os.path.join(tree.dir, "none", "inventory.db")
    got = complete(agent_bin, script, [agent_bin, "--db", missing, "adopt", "ob"])
    assert got == []
    assert not os.path.exists(os.path.dirname(missing))


def test_a_damaged_or_older_index_is_left_as_it_is(agent_bin, tree, script):
    # A completion only reads: a damaged index is not moved aside, an older one not migrated.
    os.makedirs(os.path.dirname(tree.db), exist_ok=True)
    with open(tree.db, "wb") as f:
        f.write(b"not a database" * 100)
    assert complete(agent_bin, script, [agent_bin, "--db", tree.db, "adopt", "ob"]) == []
    assert sorted(os.listdir(os.path.dirname(tree.db))) == [os.path.basename(tree.db)]
    os.unlink(tree.db)
    with sqlite3.connect(tree.db) as db:
        db.execute("CREATE TABLE volumes (id INTEGER)")
        db.execute("PRAGMA user_version = 1")
    assert complete(agent_bin, script, [agent_bin, "--db", tree.db, "adopt", "ob"]) == []
    with sqlite3.connect(tree.db) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (1,)
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("volumes",)]


def test_track_names_come_from_the_configuration(agent_bin, tree, script):
    tree.write_config("tracks:\n  scalp: {}\n  scanner: {}\n  swing: {}\n")
    got = complete(agent_bin, script, [agent_bin, "--config", tree.config_path, "query", "--track", "sc"])
    assert got == ["scalp", "scanner"]


def test_internal_subcommands_are_not_offered(agent_bin, tree, script):
    got = complete(agent_bin, script, [agent_bin, ""])
    assert "query" in got and "rescue" in got
    for internal in ("write-test", "link-as-user", "unit-sync"):
        assert internal not in got
