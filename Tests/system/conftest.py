"""Shared fixtures for system tests: the built binary, a real journald, sample trees, the daemon."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("STORAGE_AGENT_BIN", os.path.join(REPO, ".build", "debug", "storage-agent"))
SOCKET = "/run/systemd/journal/socket"


def _hidden_in_test_systemd(path):
    """True when the test systemd's private /tmp, /var/tmp or /run would hide PATH."""
    real = os.path.realpath(path)
    return any(real == d or real.startswith(d + "/") for d in ("/tmp", "/var/tmp", "/run"))


# What the tests hand in (trees, the binary, packages) lives where the namespaced systemd sees it:
# the build folder, or, for a clone under /tmp, a directory of this run's own under /var/lib,
# removed when the session ends.
if _hidden_in_test_systemd(REPO):
    os.makedirs("/var/lib/storage-agent-systest", exist_ok=True)
    STAGE = tempfile.mkdtemp(prefix="run-", dir="/var/lib/storage-agent-systest")
else:
    STAGE = os.path.join(REPO, ".build-systest")


def staged(path):
    """PATH itself, or a copy of it under STAGE when the test systemd could not see PATH."""
    if not _hidden_in_test_systemd(path):
        return path
    copy = os.path.join(STAGE, "in", os.path.basename(path))
    if not os.path.exists(copy):
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        shutil.copy2(path, copy)
    return copy


@pytest.fixture(scope="session", autouse=True)
def _stage_cleanup():
    yield
    if STAGE.startswith("/var/lib/storage-agent-systest/"):
        shutil.rmtree(STAGE, ignore_errors=True)
        try:
            os.rmdir("/var/lib/storage-agent-systest")
        except OSError:
            pass


@pytest.fixture(scope="session")
def agent_bin():
    assert os.access(BIN, os.X_OK), f"build storage-agent first ({BIN})"
    return staged(BIN)


@pytest.fixture(scope="session")
def journald():
    """A real systemd-journald; started here (and stopped by PID) unless one already runs."""
    started = None
    if not os.path.exists(SOCKET) or subprocess.run(["pgrep", "-x", "systemd-journal"], capture_output=True).returncode:
        os.makedirs("/run/systemd/journal", exist_ok=True)
        started = subprocess.Popen(["/lib/systemd/systemd-journald"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(SOCKET) and time.time() < deadline:
            time.sleep(0.05)
        assert os.path.exists(SOCKET), "journald did not come up"
    yield
    if started:
        started.send_signal(signal.SIGTERM)
        started.wait(timeout=10)


def journal(field, value, **match):
    """Entries with FIELD=value (and more matches), oldest first, as dicts."""
    args = ["journalctl", "-o", "json", "--no-pager", f"{field}={value}"] + [f"{k}={v}" for k, v in match.items()]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def wait_for(predicate, timeout=15.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


class Tree:
    """A storage root and state directory under STAGE (never /tmp: the systemd tests hide it)."""

    def __init__(self):
        os.makedirs(STAGE, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="t-", dir=STAGE)
        self.root = os.path.join(self.dir, "storage")
        os.makedirs(self.root)
        self.db = os.path.join(self.dir, "state", "inventory.db")
        self.config_path = os.path.join(self.dir, "config.yaml")
        self.tag = uuid.uuid4().hex[:8]
        self.write_config()

    def volume(self, ns, name, uid=None):
        uid = uid or str(uuid.uuid4())
        path = os.path.join(self.root, f"pvc-{uid}_{ns}_{name}")
        os.makedirs(path, exist_ok=True)
        return path

    def write(self, path, text, mtime=None):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        if mtime is not None:
            os.utime(path, (mtime, mtime))

    def write_config(self, extra=""):
        with open(self.config_path, "w") as f:
            f.write(f"storage_roots: [{self.root}]\ndatabase: {self.db}\n{extra}")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def installed():
    """The .deb (DEB_NEW) installed under a real systemd on a k3s-shaped node: installed.Node."""
    deb = os.environ.get("DEB_NEW")
    if not deb:
        pytest.fail("DEB_NEW is not set: run this through `make test-deb`, which builds the package")
    from installed import Node

    node = Node(deb)
    try:
        yield node
    finally:
        node.close()


@pytest.fixture
def tree():
    t = Tree()
    yield t
    t.cleanup()


class Daemon:
    """`storage-agent run` as a child process, stopped by PID."""

    def __init__(self, bin, tree):
        self.bin, self.tree, self.proc = bin, tree, None
        self.log = os.path.join(tree.dir, "daemon.log")

    def start(self):
        self.proc = subprocess.Popen(
            [self.bin, "--config", self.tree.config_path, "run"], stdout=subprocess.DEVNULL, stderr=open(self.log, "ab")
        )
        assert wait_for(lambda: "ready:" in self.output(), timeout=30), self.output()
        return self

    def output(self):
        with open(self.log, errors="replace") as f:
            return f.read() if os.path.exists(self.log) else ""

    def reload(self):
        n = self.output().count("configuration reloaded")
        self.proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: self.output().count("configuration reloaded") > n or "reload failed" in self.output())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)
        return self.proc.returncode


@pytest.fixture
def daemon(agent_bin, tree, journald):
    d = Daemon(agent_bin, tree)
    yield d
    d.stop()


def alerts(agent_bin, tree, all=False):
    args = [agent_bin, "--config", tree.config_path, "alerts", "--json"] + (["--all"] if all else [])
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
