"""Scan progress on stderr (issue 14): shown on a terminal, never when piped or under systemd.

The binary runs on a real pseudo-terminal (pty.openpty) with a real tree; what it wrote to the
terminal is read back from the pty's other end.
"""

import os
import subprocess

import pytest

from conftest import Tree

CLEAR = "\r\x1b[K"


@pytest.fixture
def volumes():
    tree = Tree()
    for v in range(3):
        path = tree.volume("obs", f"data-{v}")
        for hour in range(9, 16):
            tree.write(os.path.join(path, "scalp", f"20260203_{hour:02d}.jsonl"), "{}\n" * 10)
    yield tree
    tree.cleanup()


def on_pty(argv, env):
    """Runs ARGV with stderr on a new pseudo-terminal (stdout piped); (status, stdout, terminal)."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    out = proc.stdout.read()
    proc.wait()
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return proc.returncode, out.decode(), seen.decode(errors="replace")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("INVOCATION_ID", "JOURNAL_STREAM")}
    env.update(extra)
    return env


@pytest.mark.parametrize("command", [["scan"], ["query", "--refresh"], ["query"]])
def test_a_scan_on_a_terminal_shows_progress_and_clears_it(agent_bin, volumes, command):
    argv = [agent_bin, "--db", volumes.db, "--storage-root", volumes.root] + command
    status, out, terminal = on_pty(argv, clean_env())
    assert status == 0, terminal
    assert "scanning: " in terminal and " volumes, " in terminal and " files/s" in terminal, repr(terminal)
    assert terminal.endswith(CLEAR), repr(terminal)  # the line is gone before the command ends
    assert "scanning" not in out


def test_piped_stderr_shows_no_progress(agent_bin, volumes):
    argv = [agent_bin, "--db", volumes.db, "--storage-root", volumes.root, "scan"]
    r = subprocess.run(argv, capture_output=True, text=True, env=clean_env())
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert "scanned 3 volumes" in r.stdout


@pytest.mark.parametrize("variable", ["INVOCATION_ID", "JOURNAL_STREAM"])
def test_under_systemd_a_terminal_shows_no_progress(agent_bin, volumes, variable):
    argv = [agent_bin, "--db", volumes.db, "--storage-root", volumes.root, "scan"]
    status, out, terminal = on_pty(argv, clean_env(**{variable: "1"}))
    assert status == 0, terminal
    assert "scanning" not in terminal and CLEAR not in terminal, repr(terminal)
