"""The watchdog is fed from the walker's progress (issue 12, item 9). A file on a real FUSE file
system served by this test (slowfs.py) is read by the agent's walker one MiB at a time, each MiB
answered only once the daemon has sent WATCHDOG=1 since the last one: the scan finishes only if
the watchdog is fed *during* that one file. Then one read is left unanswered, as a hung disk
would leave it: WATCHDOG=1 stops (systemd would restart the service), while the daemon's loop
still answers SIGHUP; answered, the read returns and WATCHDOG=1 comes back. Every step waits for
an event on the daemon's NOTIFY_SOCKET, never for a duration."""

import json
import os
import signal
import socket
import subprocess
import threading
import uuid

import pytest

from slowfs import MiB, SlowFS

SIZE = 8 * MiB
STUCK = 6  # the MiB whose first read is held


class NotifySocket:
    """A unix datagram socket standing in for systemd's: every sd_notify message, in order."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            with self.changed:
                self.messages.append(data.decode(errors="replace"))
                self.changed.notify_all()

    def watchdogs(self):
        with self.changed:
            return sum(1 for m in self.messages if "WATCHDOG=1" in m.split("\n"))

    def wait(self, predicate, start=0, timeout=90):
        """Index of the first message from `start` on that satisfies `predicate` (None: timed out,
        a safety net only)."""
        with self.changed:
            found = [None]

            def look():
                for i in range(start, len(self.messages)):
                    if predicate(self.messages[i]):
                        found[0] = i
                        return True
                return False

            self.changed.wait_for(look, timeout=timeout)
            return found[0]

    def wait_count(self, predicate, n, start=0, timeout=90):
        """Index of the n-th message from `start` on that satisfies `predicate`."""
        index = start - 1
        for _ in range(n):
            index = self.wait(predicate, start=index + 1, timeout=timeout)
            if index is None:
                return None
        return index

    def close(self):
        self.sock.close()
        os.unlink(self.path)


class Gate:
    """Answers the first read of MiB k only after a WATCHDOG=1 newer than MiB k-1's answer; holds
    the first read of MiB STUCK until released."""

    def __init__(self, notify):
        self.notify, self.opened = notify, {0: 0}
        self.stuck, self.release = threading.Event(), threading.Event()

    def __call__(self, offset):
        window = offset // MiB
        if window in self.opened:
            return True
        if window == STUCK and not self.release.is_set():
            self.stuck.set()
            self.release.wait()
        before = self.opened[window - 1]
        with self.notify.changed:
            if not self.notify.changed.wait_for(lambda: self.notify.watchdogs() > before, timeout=90):
                return False  # never fed during the file: the read stays unanswered
        self.opened[window] = self.notify.watchdogs()
        return True


@pytest.fixture
def slow_node(tree):
    root = os.path.join(tree.dir, "fuse-root")
    os.makedirs(root)
    notify = NotifySocket(os.path.join(tree.dir, "notify.sock"))
    gate = Gate(notify)
    volume = f"pvc-{uuid.uuid4()}_obs_data"
    fs = SlowFS(root, volume, "big.jsonl", SIZE, gate)
    with open(tree.config_path, "w") as f:
        f.write(f"storage_roots: [{root}]\ndatabase: {tree.db}\n")
    yield root, notify, gate, fs
    gate.release.set()
    fs.close()
    notify.close()


def test_the_watchdog_is_fed_while_one_file_is_read_and_not_while_a_read_hangs(agent_bin, tree, slow_node):
    root, notify, gate, fs = slow_node
    log = open(os.path.join(tree.dir, "daemon.log"), "ab")
    # WatchdogSec=0.4s: WATCHDOG_USEC as systemd sets it; the daemon sends every 0.2 s at most.
    env = dict(os.environ, NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="400000")
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([agent_bin, "--config", tree.config_path, "run"], env=env,
                            stdout=subprocess.DEVNULL, stderr=log)

    def output():
        with open(log.name, errors="replace") as f:
            return f.read()

    try:
        # MiB 0 to 5 of the one file, each answered after a WATCHDOG=1 sent while the walker
        # was inside the file.
        assert gate.stuck.wait(timeout=60), (sorted(gate.opened), fs.reads[-3:], output())
        assert sorted(gate.opened) == list(range(STUCK))
        assert all(gate.opened[w] > gate.opened[w - 1] for w in range(1, STUCK))

        # The read of MiB 6 hangs. Three due times pass unfed, each said in STATUS=.
        stalled = lambda m: m.startswith("STATUS=stalled: the scan made no progress")
        first = notify.wait(stalled)
        third = notify.wait_count(stalled, 3, start=first)
        assert first is not None and third is not None, (notify.messages[-5:], output())
        between = notify.messages[first:third + 1]
        assert not any("WATCHDOG=1" in m.split("\n") for m in between), between
        assert "the watchdog is not fed, so systemd restarts the service" in output()

        # The loop itself is not stuck: SIGHUP is answered while the read hangs.
        hup = len(notify.messages)
        proc.send_signal(signal.SIGHUP)
        ready = notify.wait(lambda m: "READY=1" in m.split("\n"), start=hup)
        assert ready is not None, output()
        assert any(m.startswith("RELOADING=1") for m in notify.messages[hup:ready + 1])
        assert not any("WATCHDOG=1" in m.split("\n") for m in notify.messages[first:ready + 1])

        # The read returns: WATCHDOG=1 comes back, the file is indexed whole.
        resumed = len(notify.messages)
        gate.release.set()
        assert notify.wait(lambda m: "WATCHDOG=1" in m.split("\n"), start=resumed) is not None, output()
        started = notify.wait(lambda m: m.startswith("READY=1") and "last scan" in m, start=resumed)
        assert started is not None, output()
        rows = json.loads(subprocess.run([agent_bin, "--config", tree.config_path, "query", "--json"],
                                         capture_output=True, text=True, check=True).stdout)
        assert [(os.path.basename(r["path"]), r["lines"]) for r in rows] == [("big.jsonl", SIZE // 64)]
        assert "the scan moves again" in output()
    finally:
        gate.release.set()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # its loop was stuck too (the build before issue 12)
                proc.kill()
                proc.wait()
        log.close()
    assert proc.returncode == 0, output()
