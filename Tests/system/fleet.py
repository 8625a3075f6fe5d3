"""Many nodes on one machine, for test_fleet.py: each node a network namespace (veth pair, the
addresses of packaging/fleet/prometheus.yml) with its own mount and UTS namespace (hostname, /run,
journal, machine-id, storage disk), running its own journald, storage-agent daemon,
node_exporter and journal-upload; the collector side (Prometheus, Alertmanager, journal-remote,
a webhook receiver) runs on the host end of the first node's veth. Every process is stopped by
its PID, every namespace and link removed."""

import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import yaml

from conftest import REPO, STAGE, wait_for

FLEET = os.path.join(REPO, "packaging", "fleet")
RULES = os.path.join(REPO, "packaging", "prometheus", "storage-agent-rules.yml")
CATALOG = os.path.join(REPO, "packaging", "systemd", "storage-agent.catalog")


def tool(*candidates):
    for c in candidates:
        path = shutil.which(c) or (c if os.access(c, os.X_OK) else None)
        if path:
            return path
    raise AssertionError(f"none of {candidates} is installed: run `sudo make deps`")


def load(name):
    with open(os.path.join(FLEET, name)) as f:
        return yaml.safe_load(f)


def run(*args, check=True):
    r = subprocess.run(list(args), capture_output=True, text=True)
    assert not check or r.returncode == 0, f"{args}: {r.stdout}{r.stderr}"
    return r


def as_user(user):
    """setpriv's prefix that drops to USER for good: the engines run unprivileged."""
    return ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--no-new-privs"]


def traversable(path):
    """True when every directory from / to PATH lets any user through (o+x)."""
    path = os.path.realpath(path)
    while True:
        if not os.stat(path).st_mode & 0o001:
            return False
        if path == "/":
            return True
        path = os.path.dirname(path)


def mount_point(path):
    """Whether something is mounted on PATH (os.path.ismount misses a bind of the same file system)."""
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


class Processes:
    """Children started by this test, each stopped by its own PID (TERM, then KILL)."""

    def __init__(self, logdir):
        self.logdir, self.procs = logdir, []

    def start(self, name, argv):
        log = open(os.path.join(self.logdir, f"{name}.log"), "ab")
        proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        self.procs.append((name, proc))
        return proc

    def log(self, name):
        path = os.path.join(self.logdir, f"{name}.log")
        with open(path, errors="replace") as f:
            return f.read()

    def stop(self, proc):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop_all(self):
        for _, proc in reversed(self.procs):
            self.stop(proc)
        self.procs = []


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


class Node:
    """One node: namespaces, a storage disk bind-mounted on its storage root, and its processes."""

    def __init__(self, fleet, index, name, target):
        self.fleet, self.index, self.name = fleet, index, name
        self.address, port = target.rsplit(":", 1)
        self.port = int(port)
        a, b, c, d = self.address.split(".")
        self.host_address = f"{a}.{b}.{c}.{int(d) - 1}"
        self.netns = f"sa-test-fleet-{name}"
        self.veth_host, self.veth_node = f"safl{index}h", f"safl{index}n"
        self.dir = os.path.join(fleet.dir, name)
        self.disk = os.path.join(self.dir, "disk")
        self.root = os.path.join(self.dir, "storage")
        self.textfile = os.path.join(self.dir, "textfile")
        self.config = os.path.join(self.dir, "config.yaml")
        for d in (self.disk, self.root, self.textfile, os.path.join(self.dir, "state")):
            os.makedirs(d, exist_ok=True)
        os.chmod(self.dir, 0o755)
        os.chmod(self.textfile, 0o755)
        self.holder = None

    def network(self):
        for cmd in (
            ["ip", "netns", "add", self.netns],
            ["ip", "link", "add", self.veth_host, "type", "veth", "peer", "name", self.veth_node],
            ["ip", "link", "set", self.veth_node, "netns", self.netns],
            ["ip", "addr", "add", f"{self.host_address}/30", "dev", self.veth_host],
            ["ip", "link", "set", self.veth_host, "up"],
            ["ip", "-n", self.netns, "addr", "add", f"{self.address}/30", "dev", self.veth_node],
            ["ip", "-n", self.netns, "link", "set", self.veth_node, "up"],
            ["ip", "-n", self.netns, "link", "set", "lo", "up"],
            # The collector lives on the first node's host address: reach it through this node's host end.
            ["ip", "-n", self.netns, "route", "add", "10.253.0.0/16", "via", self.host_address],
        ):
            run(*cmd)

    def boot(self):
        """The holder: a shell in the node's namespaces that sets up its mounts, then sleeps."""
        machine_id = os.path.join(self.dir, "machine-id")
        with open(machine_id, "w") as f:
            f.write(f"{self.index:02x}" * 16 + "\n")
        # The host's kernel ring buffer is not this node's log: keep it out of the node's journal.
        journald_conf = os.path.join(self.dir, "journald.conf")
        with open(journald_conf, "w") as f:
            f.write("[Journal]\nReadKMsg=no\n")
        ready = os.path.join(self.dir, "booted")
        script = " && ".join([
            f"hostname {self.name}",
            "mount -t tmpfs tmpfs /run", "mkdir -p /run/systemd/journal",
            "mount -t tmpfs tmpfs /var/log/journal",
            f"mount --bind {machine_id} /etc/machine-id",
            f"mount --bind {journald_conf} /etc/systemd/journald.conf",
            f"mount --bind {os.path.join(FLEET, 'journal-upload.conf')} /etc/systemd/journal-upload.conf",
            f"mount --bind {self.disk} {self.root}",
            f"touch {ready}",
            "exec sleep infinity",
        ])
        self.holder = self.fleet.procs.start(
            f"{self.name}-holder",
            # nsenter, not `ip netns exec`: that one mounts a fresh /sys, without the cgroup tree journald needs.
            ["unshare", "--mount", "--uts", "--propagation", "private",
             "nsenter", f"--net=/run/netns/{self.netns}", "sh", "-c", script])
        assert wait_for(lambda: os.path.exists(ready) or self.holder.poll() is not None), "node did not boot"
        assert self.holder.poll() is None, self.fleet.procs.log(f"{self.name}-holder")

    def inside(self, *argv):
        """ARGV in this node's network, mount and UTS namespaces (nsenter execs it: its PID is ours)."""
        return ["nsenter", "-t", str(self.holder.pid), "-n", "-m", "-u", "--", *argv]

    def sh(self, command, check=True):
        return run(*self.inside("sh", "-c", command), check=check)

    def start(self, agent_bin, extra_config):
        procs = self.fleet.procs
        procs.start(f"{self.name}-journald", self.inside("/lib/systemd/systemd-journald"))
        socket = f"/proc/{self.holder.pid}/root/run/systemd/journal/socket"
        assert wait_for(lambda: os.path.exists(socket)), procs.log(f"{self.name}-journald")
        with open(self.config, "w") as f:
            f.write(
                f"storage_roots: [{self.root}]\ndatabase: {self.dir}/state/inventory.db\n"
                f"index:\n  rescan_interval: 10s\nmetrics:\n  textfile: {self.textfile}/storage_agent.prom\n"
                + extra_config)
        self.agent = procs.start(f"{self.name}-agent", self.inside(agent_bin, "--config", self.config, "run"))
        assert wait_for(lambda: "ready:" in procs.log(f"{self.name}-agent") or self.agent.poll() is not None,
                        timeout=30), procs.log(f"{self.name}-agent")
        assert self.agent.poll() is None, procs.log(f"{self.name}-agent")
        procs.start(f"{self.name}-node-exporter", self.inside(
            *as_user("prometheus"), tool("prometheus-node-exporter"), f"--web.listen-address={self.address}:{self.port}",
            "--collector.disable-defaults", "--collector.textfile", f"--collector.textfile.directory={self.textfile}"))
        procs.start(f"{self.name}-journal-upload", self.inside(
            "/lib/systemd/systemd-journal-upload", f"--save-state={self.dir}/upload-state"))

    def on_disk(self, relative):
        """Where the host reaches ROOT/RELATIVE: the storage root is a bind mount only the node sees."""
        return os.path.join(self.disk, relative)

    def write(self, relative, size=0, text=None):
        path = self.on_disk(relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(text.encode() if text is not None else os.urandom(size))
        return path

    def unmount_storage(self):
        # Lazily: the daemon may hold a descriptor in the tree; new lookups see the empty root at once.
        self.sh(f"umount -l {self.root}")

    def mount_storage(self):
        self.sh(f"mount --bind {self.disk} {self.root}")

    def teardown(self):
        run("ip", "netns", "del", self.netns, check=False)
        run("ip", "link", "del", self.veth_host, check=False)


class Receiver:
    """Alertmanager's webhook receiver: records every notification's alerts."""

    def __init__(self, address, port):
        self.notifications, self.lock = [], threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.notifications.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((address, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def alerts(self, status=None, **labels):
        """Alerts notified so far (each a dict with status and labels), matching STATUS and LABELS."""
        with self.lock:
            found = [a for n in self.notifications for a in n["alerts"]]
        return [a for a in found if (status is None or a["status"] == status)
                and all(a["labels"].get(k) == v for k, v in labels.items())]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Fleet:
    """The nodes of packaging/fleet/prometheus.yml and the collector, on this machine."""

    def __init__(self):
        os.makedirs(STAGE, exist_ok=True)
        # The engines run as their own users: they need a path they may traverse (a clone under
        # /root is not one), so the run lives under /var/lib then.
        base = STAGE if traversable(STAGE) else "/var/lib"
        self.dir = tempfile.mkdtemp(prefix="storage-agent-fleet-", dir=base)
        os.chmod(self.dir, 0o755)
        self.procs = Processes(self.dir)
        self.prometheus_config = load("prometheus.yml")
        targets = self.prometheus_config["scrape_configs"][0]["static_configs"]
        self.nodes = [Node(self, i + 1, t["labels"]["node"], t["targets"][0]) for i, t in enumerate(targets)]
        self.collector = self.nodes[0].host_address
        self.receiver = None
        # `ip netns add` makes /run/netns a mount point and `ip netns del` leaves it: close() undoes
        # what this run made, or later tests (the unit's writable mounts) see a stray mount.
        self.netns_dir = (os.path.isdir("/run/netns"), mount_point("/run/netns"))
        used = run("ip", "-o", "addr", "show").stdout
        assert "10.253." not in used, f"10.253.0.0/16 is in use on this machine; the fleet test needs it:\n{used}"

    def start(self, agent_bin, configs):
        for node in self.nodes:
            node.network()
        # The collector first: journal-upload gives up when its first connection is refused.
        self.start_journal_remote()
        self.start_alertmanager()
        self.start_prometheus()
        for node in self.nodes:
            node.boot()
            node.start(agent_bin, configs.get(node.name, ""))

    def start_journal_remote(self):
        with open(os.path.join(FLEET, "journal-remote.conf")) as f:
            exec_start = [line.split("=", 1)[1] for line in f if line.startswith("ExecStart=")][-1].split()
        self.remote_dir = os.path.join(self.dir, "remote")
        os.makedirs(self.remote_dir)
        shutil.chown(self.remote_dir, "systemd-journal-remote", "systemd-journal-remote")
        argv = [a if not a.startswith("--output=") else f"--output={self.remote_dir}/" for a in exec_start]
        self.procs.start("journal-remote", [
            "systemd-socket-activate", "-l", f"{self.collector}:19532", *as_user("systemd-journal-remote"), *argv])

    def start_alertmanager(self):
        config = load("alertmanager.yml")
        config["route"].update(group_wait="1s", group_interval="1s", repeat_interval="1h")
        url = urllib.parse.urlparse(config["receivers"][0]["webhook_configs"][0]["url"])
        self.receiver = Receiver(url.hostname, url.port)
        path = self.write_config("alertmanager.yml", config)
        am_address = self.prometheus_config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"][0]
        data = os.path.join(self.dir, "alertmanager")
        os.makedirs(data)
        shutil.chown(data, "prometheus", "prometheus")
        self.procs.start("alertmanager", [
            *as_user("prometheus"), tool("prometheus-alertmanager", "alertmanager"), f"--config.file={path}",
            f"--storage.path={data}", f"--web.listen-address={am_address}", "--cluster.listen-address="])
        assert wait_for(lambda: http_ok(f"http://{am_address}/-/ready"), timeout=30), self.procs.log("alertmanager")

    def start_prometheus(self):
        config = json.loads(json.dumps(self.prometheus_config))
        config["global"].update(scrape_interval="1s", evaluation_interval="1s")
        rules = os.path.join(self.dir, os.path.basename(RULES))
        shutil.copy(RULES, rules)  # byte for byte, where the prometheus user may read it
        os.chmod(rules, 0o644)
        config["rule_files"] = [rules, self.shortened_rules()]
        path = self.write_config("prometheus.yml", config)
        data = os.path.join(self.dir, "prometheus")
        os.makedirs(data)
        shutil.chown(data, "prometheus", "prometheus")
        self.api = f"http://{self.collector}:9090/api/v1"
        self.procs.start("prometheus", [
            *as_user("prometheus"), tool("prometheus"), f"--config.file={path}", f"--storage.tsdb.path={data}",
            f"--web.listen-address={self.collector}:9090"])
        assert wait_for(lambda: http_ok(f"http://{self.collector}:9090/-/ready"), timeout=60), self.procs.log("prometheus")

    def shortened_rules(self):
        """A test-only copy of the shipped usage and capacity rules with `for: 0s` and the label
        test_for="shortened", beside the shipped file (loaded unchanged): their `for:` (10m, 5m)
        is longer than this test may run, and this copy shows them firing through Alertmanager."""
        with open(RULES) as f:
            shipped = yaml.safe_load(f)
        names = ("StorageAgentVolumeAlmostFull", "StorageAgentWarningAlertFiring")
        rules = [dict(r, labels=dict(r["labels"], test_for="shortened"), **{"for": "0s"})
                 for g in shipped["groups"] for r in g["rules"] if r.get("alert") in names]
        assert len(rules) == len(names), "the shipped rules file lost a usage or capacity rule"
        return self.write_config("rules-for-shortened.yml", {"groups": [{"name": "test-for-shortened", "rules": rules}]})

    def write_config(self, name, config):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            yaml.safe_dump(config, f)
        os.chmod(path, 0o644)
        return path

    def query(self, promql):
        """An instant query's result: a list of (labels, value)."""
        url = f"{self.api}/query?" + urllib.parse.urlencode({"query": promql})
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return [(s["metric"], float(s["value"][1])) for s in body["data"]["result"]]

    def rule_alerts(self):
        with urllib.request.urlopen(f"{self.api}/alerts", timeout=10) as r:
            return json.load(r)["data"]["alerts"]

    def remote_journal(self, *matches, catalog=False):
        """journalctl -D on the collector's directory; with CATALOG, -x against a private catalog
        database built from packaging/systemd/storage-agent.catalog (the host's stays untouched)."""
        argv = ["journalctl", "-D", self.remote_dir, "--no-pager", *matches]
        if not catalog:
            out = run(*argv, "-o", "json").stdout
            return [json.loads(line) for line in out.splitlines() if line.strip()]
        root = os.path.join(self.dir, "catalog-root")
        if not os.path.exists(root):
            os.makedirs(os.path.join(root, "usr/lib/systemd/catalog"))
            shutil.copy(CATALOG, os.path.join(root, "usr/lib/systemd/catalog"))
            run("journalctl", f"--root={root}", "--update-catalog")
        database = os.path.join(root, "var/lib/systemd/catalog/database")
        assert os.path.exists(database), "journalctl --update-catalog wrote no database"
        # journalctl -x reads /var/lib/systemd/catalog/database: show it ours in a mount namespace.
        return run("unshare", "--mount", "--propagation", "private", "sh", "-c",
                   'mount --bind "$0" /var/lib/systemd/catalog && exec "$@"',
                   os.path.dirname(database), *argv, "-x").stdout

    def close(self):
        self.procs.stop_all()
        if self.receiver:
            self.receiver.close()
        for node in self.nodes:
            node.teardown()
        existed, mounted = self.netns_dir
        while not mounted and mount_point("/run/netns") and not os.listdir("/run/netns"):
            run("umount", "/run/netns")
        if not existed and os.path.isdir("/run/netns") and not os.listdir("/run/netns"):
            os.rmdir("/run/netns")
        shutil.rmtree(self.dir, ignore_errors=True)
