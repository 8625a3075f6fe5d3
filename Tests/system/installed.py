"""The product as a node runs it: the .deb installed with dpkg under a real systemd (PID 1 in a PID
namespace, design.md's recipe), the k3s layout on this machine's file system, and the shipped
/etc/storage-agent/config.yaml edited only where an operator would edit it.

dpkg, the storage root and test users are real on this machine (only /tmp, /var/tmp and /run are
private to the namespace), so the fixture refuses to start over anything it did not make, and
removes what it made at the end, also when a test fails.
"""

import json
import os
import shutil
import subprocess
import uuid

from conftest import staged, wait_for

STORAGE = "/var/lib/rancher/k3s/storage"
CONFIG = "/etc/storage-agent/config.yaml"


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


class Systemd:
    """systemd as PID 1 in its own PID and mount namespace, with private /tmp, /var/tmp and /run."""

    def __init__(self):
        # The machine's own enabled services (an image's PostgreSQL, say) must not start in the
        # test's systemd: they are not ours, they share the host's files, and a slow one keeps
        # the boot "starting". A private, empty multi-user.target.wants hides them; what the test
        # enables (dpkg -i) lands there.
        script = (
            "mount -t tmpfs tmpfs /tmp && mount -t tmpfs tmpfs /var/tmp && mount -t tmpfs tmpfs /run && "
            "mount -t tmpfs tmpfs /etc/systemd/system/multi-user.target.wants && "
            "exec /lib/systemd/systemd --system"
        )
        self.outer = subprocess.Popen(
            ["setsid", "env", "container=storage-agent-test", "unshare", "--pid", "--fork", "--mount", "--propagation",
             "private", "--mount-proc", "sh", "-c", script],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pid = wait_for(self.find, timeout=20)
        assert self.pid, "systemd did not start"
        state = wait_for(lambda: self.run("systemctl", "is-system-running").stdout.strip() in ("running", "degraded"),
                         timeout=60, step=0.5)
        if not state:
            # A failed boot is powered off here: no fixture teardown runs for it.
            detail = (self.run("systemctl", "is-system-running").stdout
                      + self.run("systemctl", "list-jobs", "--no-pager").stdout)
            self.poweroff()
            raise AssertionError(f"the test systemd did not finish booting: {detail}")

    def find(self):
        # setsid -> unshare -> (forked) sh -> exec systemd
        frontier = [self.outer.pid]
        for _ in range(4):
            nxt = []
            for p in frontier:
                for c in children(p):
                    if comm(c) == "systemd":
                        return c
                    nxt.append(c)
            frontier = nxt
        return None

    def run(self, *args, check=False, input=None):
        return subprocess.run(["nsenter", "-t", str(self.pid), "-m", "-p", *args], capture_output=True, text=True,
                              check=check, input=input)

    def show(self, *props, unit="storage-agent"):
        out = self.run("systemctl", "show", unit, *[f"-p{p}" for p in props]).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def main_pid(self, unit="storage-agent"):
        """The unit's main process as a PID of the namespace, checked: never 0, 1 or another unit's."""
        return self.main_pids(unit)[0]

    def main_host_pid(self, unit="storage-agent"):
        """The same process as this machine's PID (for /proc/PID/... from the test)."""
        return self.main_pids(unit)[1]

    def main_pids(self, unit):
        pid = self.show("MainPID", unit=unit).get("MainPID", "")
        assert pid.isdigit() and int(pid) > 1, f"{unit} has no main process (MainPID={pid!r})"
        # MainPID is a PID of the namespace; the host PID is the one whose NSpid ends with it.
        host = [p for p in children_of_tree(self.pid) if nspid(p) == int(pid)]
        assert len(host) == 1, f"no single host process for {unit}'s MainPID {pid}"
        with open(f"/proc/{host[0]}/cgroup") as f:
            assert f"/{unit}.service" in f.read(), f"PID {host[0]} is not in {unit}.service"
        return pid, host[0]

    def poweroff(self):
        self.run("systemctl", "poweroff")
        try:
            self.outer.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.run("kill", "-9", "1")
            self.outer.wait(timeout=10)


def children_of_tree(root):
    out, frontier = [], [root]
    while frontier:
        p = frontier.pop()
        out.append(p)
        frontier.extend(children(p))
    return out


def nspid(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("NSpid:"):
                    return int(line.split()[-1])
    except OSError:
        pass
    return None


class Node:
    """A k3s-shaped node with the package installed: see the module docstring."""

    storage = STORAGE

    def __init__(self, deb):
        assert not os.path.exists("/usr/bin/storage-agent"), "storage-agent is already installed here; refusing"
        assert not os.path.exists("/var/lib/rancher"), "/var/lib/rancher exists on this machine; refusing to use it"
        self.users = []
        self.made = ["/var/lib/rancher"]
        os.makedirs(STORAGE, mode=0o700)
        self.s = Systemd()
        # The test systemd's journal is this machine's (/var/log/journal) and the boot id is the
        # kernel's: only what comes after this cursor is this node's.
        self.cursor = self.mark()
        try:
            if os.path.exists("/usr/sbin/policy-rc.d"):
                # A Docker-style image forbids starting services from maintainer scripts; a node
                # does not. Masked inside the namespace only.
                self.s.run("mount", "--bind", "/bin/true", "/usr/sbin/policy-rc.d", check=True)
            r = self.run("env", "DEBIAN_FRONTEND=noninteractive", "dpkg", "-i", staged(deb))
            assert r.returncode == 0, r.stdout + r.stderr
            with open(CONFIG) as f:
                self.shipped = f.read()
            assert wait_for(lambda: self.show("ActiveState")["ActiveState"] == "active", timeout=60), self.show(
                "ActiveState", "Result")
        except BaseException:
            self.close()
            raise

    def run(self, *args, check=False, input=None):
        return self.s.run(*args, check=check, input=input)

    def agent(self, *args):
        return self.run("/usr/bin/storage-agent", *args)

    def show(self, *props):
        return self.s.show(*props)

    def main_pid(self):
        return self.s.main_pid()

    def main_host_pid(self):
        return self.s.main_host_pid()

    def volume(self, ns, name, uid=None):
        path = os.path.join(STORAGE, f"pvc-{uid or uuid.uuid4()}_{ns}_{name}")
        os.makedirs(path, exist_ok=True)
        # local-path-provisioner makes volume directories 0777.
        os.chmod(path, 0o777)
        return path

    def write(self, path, text, mtime=None, owner=None):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        if owner is not None:
            uid, gid = (int(x) for x in owner.split(":"))
            os.chown(path, uid, gid)

    def configure(self, edits):
        """The shipped config with each key of EDITS (exact text, found once) replaced by its value."""
        text = self.shipped
        for old, new in edits.items():
            assert text.count(old) == 1, f"{old!r} is not exactly once in the shipped config"
            text = text.replace(old, new)
        with open(CONFIG, "w") as f:
            f.write(text)

    def reload(self):
        # A reload that granted something new restarts the service (exit 75): the next reload
        # waits until it is up again, as an operator's would have to.
        wait_for(lambda: self.show("ActiveState")["ActiveState"] == "active", timeout=120)
        return self.run("systemctl", "reload", "storage-agent")

    def mark(self):
        """A journal cursor: `journal(after=...)` and `log(after=...)` show only what came later."""
        out = self.s.run("journalctl", "-n", "0", "--show-cursor", "--no-pager").stdout
        return out.rsplit("-- cursor: ", 1)[1].strip() if "-- cursor: " in out else None

    def _journal(self, after, *args):
        cursor = after or self.cursor
        return self.run("journalctl", "--no-pager", "-u", "storage-agent",
                        *([f"--after-cursor={cursor}"] if cursor else []), *args).stdout

    def journal(self, after=None, **match):
        """This node's storage-agent entries (with FIELD=value matches) as dicts, oldest first.
        The matches are applied here: journalctl 252 returns nothing for --after-cursor with them."""
        out = self._journal(after, "-o", "json")
        entries = [json.loads(line) for line in out.splitlines() if line.strip()]
        return [e for e in entries if all(e.get(k) == str(v) for k, v in match.items())]

    def log(self, after=None, explain=False):
        """This node's storage-agent journal as text: messages only, or `-x` with the catalog's."""
        return self._journal(after, "-x") if explain else self._journal(after, "-o", "cat")

    def user(self, name):
        """A real user with a home under /home (removed at the end): (uid, gid, home)."""
        r = subprocess.run(["getent", "passwd", name], capture_output=True, text=True)
        assert r.returncode != 0, f"user {name} exists on this machine; refusing"
        home = f"/home/{name}"
        assert not os.path.exists(home), f"{home} exists; refusing"
        subprocess.run(["useradd", "--create-home", "--home-dir", home, "--shell", "/usr/sbin/nologin", name],
                       check=True)
        self.users.append(name)
        pw = subprocess.run(["getent", "passwd", name], capture_output=True, text=True, check=True).stdout.split(":")
        return int(pw[2]), int(pw[3]), home

    def close(self):
        self.run("env", "DEBIAN_FRONTEND=noninteractive", "dpkg", "--purge", "storage-agent")
        self.s.poweroff()
        for name in self.users:
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        for path in self.made:
            shutil.rmtree(path, ignore_errors=True)
