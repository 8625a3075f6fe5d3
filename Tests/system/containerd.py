"""A real container runtime for system tests (design.md, "A real container runtime"): Debian's
containerd started by hand with its own config (root, state, socket; no CRI plugin), stopped by
PID; a busybox image packed as a docker-archive; containers run with `ctr run` in kubepods
cgroups with the kubelet's labels, and a kubelet-style pod directory beside them.

`run` is how commands reach the node: plain `subprocess.run` on this machine, or `Node.run`
(nsenter into the test systemd) for the installed package, whose agent sees only the processes of
its own PID namespace.
"""

import hashlib
import io
import json
import os
import signal
import subprocess
import tarfile
import time
import uuid

from conftest import wait_for

IMAGE = "docker.io/storage-agent-test/busybox:1"
APPLETS = ["sh", "sleep", "echo", "cat", "mkdir", "ls", "true"]


def local_run(*args, check=False, input=None):
    return subprocess.run(list(args), capture_output=True, text=True, check=check, input=input)


def busybox_archive(path):
    """A docker-archive with /bin/busybox, its applets, and /app owned by the app user 999."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as t:
        for d, owner in [("bin", 0), ("tmp", 0), ("proc", 0), ("dev", 0), ("sys", 0), ("etc", 0), ("app", 999),
                         ("app/data", 999)]:
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, 0o1777 if d == "tmp" else 0o755, owner, owner
            t.addfile(info)
        with open("/bin/busybox", "rb") as f:
            data = f.read()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        t.addfile(info, io.BytesIO(data))
        for applet in APPLETS:
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            t.addfile(info)
    layer = layer.getvalue()
    digest = hashlib.sha256(layer).hexdigest()
    config = json.dumps({
        "architecture": subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip(),
        "os": "linux",
        # `ctr run` 1.6 has no --user: the app user comes from the image, as the observer's does.
        "config": {"User": "999:999", "Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{digest}"]},
    }).encode()
    config_digest = hashlib.sha256(config).hexdigest()
    manifest = json.dumps([{"Config": f"{config_digest}.json", "RepoTags": [IMAGE.split("/", 1)[1]],
                            "Layers": [f"{digest}/layer.tar"]}]).encode()
    with tarfile.open(path, "w") as t:
        for name, body in [(f"{digest}/layer.tar", layer), (f"{config_digest}.json", config), ("manifest.json", manifest)]:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            t.addfile(info, io.BytesIO(body))


class Containerd:
    """containerd with its own root, state and socket; `stop()` ends every container and then it."""

    def __init__(self, base, root, state, run=local_run, spawn=None):
        self.base, self.root, self.state, self.run_cmd = base, root, state, run
        self.sock = os.path.join(state, "containerd.sock")
        self.snapshots = os.path.join(root, "io.containerd.snapshotter.v1.overlayfs", "snapshots")
        self.containers = []
        self.cgroups = []
        os.makedirs(base, exist_ok=True)
        config = os.path.join(base, "containerd.toml")
        with open(config, "w") as f:
            f.write(f'version = 2\nroot = "{root}"\nstate = "{state}"\n'
                    'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
                    f'[grpc]\n  address = "{self.sock}"\n[ttrpc]\n  address = "{self.sock}.ttrpc"\n')
        self.log = open(os.path.join(base, "containerd.log"), "ab")
        argv = ["containerd", "--config", config]
        self.proc = subprocess.Popen((spawn or []) + argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        ok = wait_for(lambda: self.ctr("version").returncode == 0, timeout=30, step=0.2)
        if not ok:
            self.stop()
            raise AssertionError(f"containerd did not start: {self.output()}")
        self.pid = self.find_pid()
        archive = os.path.join(base, "busybox.tar")
        busybox_archive(archive)
        r = self.ctr("images", "import", archive)
        assert r.returncode == 0, r.stderr

    def output(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()[-4000:]

    def find_pid(self):
        """containerd's own PID on this machine: our child, or (through nsenter) its child."""
        pid = self.proc.pid
        for _ in range(3):
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == "containerd":
                        return pid
            except OSError:
                return None
            kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
            if len(kids) != 1:
                return None
            pid = int(kids[0])
        return None

    def ctr(self, *args):
        return self.run_cmd("ctr", "-a", self.sock, "-n", "k8s.io", *args)

    def start(self, pod_uid, labels, command, mounts=(), cgroup_prefix="sa-test"):
        """`ctr run -d` in the cgroupfs-driver path of a besteffort pod; returns the container id."""
        cid = uuid.uuid4().hex + uuid.uuid4().hex
        cgroup = f"/{cgroup_prefix}/kubepods/besteffort/pod{pod_uid}/{cid}"
        args = ["run", "-d", "--cgroup", cgroup]
        for k, v in labels.items():
            args += ["--label", f"{k}={v}"]
        for src, dst in mounts:
            args += ["--mount", f"type=bind,src={src},dst={dst},options=rbind:rw"]
        r = self.ctr(*args, IMAGE, cid, *command)
        assert r.returncode == 0, r.stderr + self.output()
        self.containers.append(cid)
        self.cgroups.append(f"/{cgroup_prefix}")
        return cid

    def task_pids(self, cid):
        r = self.ctr("task", "ps", cid)
        return [int(line.split()[0]) for line in r.stdout.splitlines()[1:] if line.split()]

    def kill_and_delete_task(self, cid):
        """The container exits and its task is deleted (CRI does this); the container stays."""
        self.ctr("task", "kill", "-s", "SIGKILL", cid)
        assert wait_for(lambda: self.task_status(cid) in ("STOPPED", None), timeout=20), self.ctr("task", "ls").stdout
        r = self.ctr("task", "delete", cid)
        assert r.returncode == 0, r.stderr

    def task_status(self, cid):
        for line in self.ctr("task", "ls").stdout.splitlines():
            fields = line.split()
            if fields and fields[0] == cid:
                return fields[-1]
        return None

    def remove(self, cid):
        r = self.ctr("container", "rm", cid)
        assert r.returncode == 0, r.stderr
        self.containers.remove(cid)

    def snapshot_of(self, cid):
        """The writable layer's snapshot number: the overlay's upperdir while the task runs."""
        r = self.ctr("snapshots", "mounts", "/x", cid)
        for part in r.stdout.replace(",", " ").split():
            if part.startswith("upperdir="):
                return part.split("/")[-2]
        return None

    def stop(self):
        for cid in list(self.containers):
            self.ctr("task", "kill", "-s", "SIGKILL", cid)
            wait_for(lambda: self.ctr("task", "delete", cid).returncode == 0 or cid not in self.ctr("task", "ls").stdout,
                     timeout=20)
            self.ctr("container", "rm", cid)
            self.containers.remove(cid)
        pid = getattr(self, "pid", None) or self.find_pid()
        # Only containerd itself, checked by name: never 0, 1 or anything else.
        if pid and pid > 1 and self.proc.poll() is None:
            with open(f"/proc/{pid}/comm") as f:
                assert f.read().strip() == "containerd"
            os.kill(pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            if pid and pid > 1:
                os.kill(pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.log.close()
        # The cgroups runc left (their leaves go with the tasks), bottom-up, in every hierarchy.
        for prefix in set(self.cgroups):
            for hierarchy in os.listdir("/sys/fs/cgroup"):
                top = os.path.join("/sys/fs/cgroup", hierarchy) + prefix
                if not os.path.isdir(top):
                    continue
                for d in sorted((os.path.join(r, x) for r, ds, _ in os.walk(top) for x in ds), key=len, reverse=True):
                    rmdir_quietly(d)
                rmdir_quietly(top)


def rmdir_quietly(path):
    for _ in range(20):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)


def kubelet_pod(kubelet, uid, name, ns):
    """A kubelet-style pod directory: etc-hosts (the pod's name), containers/observer, and the
    projected service-account volume whose `namespace` file names its namespace."""
    pod = os.path.join(kubelet, "pods", uid)
    os.makedirs(os.path.join(pod, "containers", "observer"))
    with open(os.path.join(pod, "etc-hosts"), "w") as f:
        f.write(f"# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n10.42.0.17\t{name}\n")
    projected = os.path.join(pod, "volumes", "kubernetes.io~projected", "kube-api-access-x7k2p")
    os.makedirs(projected)
    with open(os.path.join(projected, "namespace"), "w") as f:
        f.write(ns)
