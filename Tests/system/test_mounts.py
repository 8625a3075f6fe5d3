"""Who mounts what: "containers" are real processes in their own mount namespaces, chrooted onto a
private root with a volume bind-mounted at /app/data, in a real pod cgroup, with a real kubelet
pod directory. Nothing is written inside any container's mount namespace but its own tmpfs."""

import json
import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest

from conftest import alerts, journal, wait_for

CGROUP = "/sys/fs/cgroup/systemd"


class Container:
    """`unshare --mount --propagation private`: a tmpfs root with /usr bound in, the volume at
    /app/data (or nothing there), then chroot and sleep. Its pid is the container's init."""

    def __init__(self, workdir, cgroup_dir, volume=None, read_only=False):
        self.root = os.path.join(workdir, f"root-{uuid.uuid4().hex[:6]}")
        os.makedirs(self.root)
        bind = ""
        if volume:
            bind = f"mount --bind '{volume}' \"$R/app/data\" && " + ("mount -o remount,bind,ro \"$R/app/data\" && " if read_only else "")
        script = (
            f"R='{self.root}' && mount -t tmpfs tmpfs \"$R\" && mkdir -p \"$R/usr\" \"$R/app/data\" && "
            "ln -s usr/bin \"$R/bin\" && ln -s usr/lib \"$R/lib\" && ln -s usr/lib64 \"$R/lib64\" && "
            f"mount --bind /usr \"$R/usr\" && {bind}"
            # Join the pod's cgroup before becoming the container's init.
            f"echo $$ > '{cgroup_dir}/cgroup.procs' && exec chroot \"$R\" /usr/bin/sleep 600"
        )
        self.proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script])
        assert wait_for(lambda: self.comm() == "sleep", timeout=10), "container did not start"
        self.pid = self.proc.pid

    def comm(self):
        try:
            with open(f"/proc/{self.proc.pid}/comm") as f:
                return f.read().strip()
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def kubelet_pod(tree, uid, token=True):
    """The kubelet's directory of pod UID (observer-0 in obs-<tag>): etc-hosts, one container and,
    unless TOKEN is false, the service account's projected namespace file."""
    kubelet = os.path.join(tree.dir, "kubelet")
    pod_dir = os.path.join(kubelet, "pods", uid)
    os.makedirs(os.path.join(pod_dir, "containers", "observer"))
    with open(os.path.join(pod_dir, "etc-hosts"), "w") as f:
        f.write("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                "10.42.0.17\tobserver-0\n")
    if token:
        projected = os.path.join(pod_dir, "volumes", "kubernetes.io~projected", "kube-api-access-x7k2p")
        os.makedirs(projected)
        with open(os.path.join(projected, "namespace"), "w") as f:
            f.write(f"obs-{tree.tag}")
    return kubelet, pod_dir


@pytest.fixture
def pod(tree, monkeypatch):
    """A pod: its cgroup (cgroupfs-driver path, a container id for each container), and its kubelet directory."""
    if not os.path.isdir(CGROUP):
        pytest.fail(f"{CGROUP} (cgroup v1 name=systemd) is needed to place test containers in a pod cgroup")
    uid = str(uuid.uuid4())
    base = os.path.join(CGROUP, f"sa-test-{tree.tag}")
    kubelet, pod_dir = kubelet_pod(tree, uid)
    monkeypatch.setenv("STORAGE_AGENT_KUBELET_ROOT", kubelet)
    running = []

    def start(volume=None, read_only=False):
        cid = uuid.uuid4().hex + uuid.uuid4().hex  # a container id: 64 hex digits, the cgroupfs leaf
        cgroup_dir = os.path.join(base, "kubepods", "besteffort", f"pod{uid}", cid)
        os.makedirs(cgroup_dir)
        c = Container(tree.dir, cgroup_dir, volume, read_only)
        c.cid = cid
        running.append(c)
        return c

    start.pod_dir = pod_dir
    yield uid, start
    for c in running:
        c.stop()
    # Remove the cgroups bottom-up once empty.
    if os.path.isdir(base):
        for d in sorted((os.path.join(r, x) for r, ds, _ in os.walk(base) for x in ds), key=len, reverse=True):
            os.rmdir(d)
        os.rmdir(base)


def agent(agent_bin, tree, *args):
    return subprocess.run([agent_bin, "--config", tree.config_path, *args], capture_output=True, text=True)


def test_mounts_reports_the_container_the_path_and_the_pod(agent_bin, tree, pod):
    uid, start = pod
    NS = f"obs-{tree.tag}"
    v = tree.volume(NS, "observer-data-pvc")
    tree.write(os.path.join(v, "assets", "scalp", "20261121_09.jsonl"), "{}\n")
    c = start(v)
    ro = start(v, read_only=True)
    r = agent(agent_bin, tree, "mounts", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 2
    for row in rows:
        assert set(row) == {"namespace", "pvc", "volume_path", "container_path", "pod_uid", "pod", "pod_namespace",
                            "container", "pid", "read_only"}
        assert row["namespace"] == NS and row["pvc"] == "observer-data-pvc"
        assert row["volume_path"] == v
        assert row["container_path"] == "/app/data"
        assert row["pod_uid"] == uid and row["pod"] == "observer-0" and row["pod_namespace"] == NS
        assert row["container"] == "observer"
    assert {(row["pid"], row["read_only"]) for row in rows} == {(c.pid, False), (ro.pid, True)}
    listed = json.loads(agent(agent_bin, tree, "pvc", "list", "--json").stdout)
    assert [x["mounts"] for x in listed if x["path"] == v] == [2]
    # Nothing was written into the containers' view of the volume.
    assert sorted(os.listdir(v)) == ["assets"]


def test_volume_unmounted_fires_after_the_grace_period_and_resolves(tree, daemon, pod):
    uid, start = pod
    NS = f"obs-{tree.tag}"
    v = tree.volume(NS, "observer-data-pvc")
    tree.write_config(f"volumes:\n  - pvc: {NS}/observer-data-pvc\n    expect: true\n    mount: /app/data\n"
                      "alerts:\n  mount_grace: 2s\n")
    mounted = start(v)
    daemon.start()
    doctor = json.loads(agent(daemon.bin, tree, "doctor", "--json").stdout)
    assert [c["status"] for c in doctor if c["check"] == "volume-mounted"] == ["pass"]
    # A rollout replaced the pod's container with one that lost its volume mount.
    mounted.stop()
    start(None)
    daemon.reload()  # a cycle: unmounted since now, inside the grace period
    time.sleep(0.5)
    assert not entries_for(NS)
    time.sleep(2.0)
    daemon.reload()
    got = wait_for(lambda: journal("STORAGE_AGENT_ALERT", "volume-unmounted", PVC_NAME="observer-data-pvc",
                                   PVC_NAMESPACE=NS))
    assert got, daemon.output()
    assert got[-1]["MESSAGE_ID"] == "9a9098847b3f44bfbaf94f62abc71e5b" and got[-1]["PRIORITY"] == "3"
    assert "/app/data" in got[-1]["MESSAGE"]
    doctor = json.loads(agent(daemon.bin, tree, "doctor", "--json").stdout)
    failed = [c for c in doctor if c["check"] == "volume-mounted"]
    assert failed[0]["status"] == "fail" and "grep -A 15 Mounts:" in failed[0]["hint"]
    # The mount is back: resolved.
    start(v)
    daemon.reload()
    assert wait_for(lambda: journal("STORAGE_AGENT_ALERT", "volume-unmounted", PVC_NAMESPACE=NS,
                                    STORAGE_AGENT_STATE="resolved"))


def entries_for(ns):
    return [e for e in journal("STORAGE_AGENT_ALERT", "volume-unmounted", PVC_NAMESPACE=ns)
            if e.get("STORAGE_AGENT_STATE") == "firing"]


def test_kubelet_volumes_are_volumes_and_emptydir_is_ephemeral(agent_bin, tree, pod, journald):
    uid, _ = pod
    NS = f"obs-{tree.tag}"
    kubelet = os.environ["STORAGE_AGENT_KUBELET_ROOT"]
    volumes = os.path.join(kubelet, "pods", uid, "volumes")
    # A CSI persistent disk (GKE, seed 004) with the kubelet's vol_data.json.
    csi = os.path.join(volumes, "kubernetes.io~csi", "pvc-0c1d2e3f-0000-4000-8000-00000000c51d")
    tree.write(os.path.join(csi, "mount", "assets", "scalp", "20261121_09.jsonl"), "{}\n{}\n")
    with open(os.path.join(csi, "vol_data.json"), "w") as f:
        json.dump({"driver": "pd.csi.storage.gke.io", "specVolID": "pvc-0c1d2e3f-0000-4000-8000-00000000c51d",
                   "volumeHandle": "projects/p/zones/z/disks/d"}, f)
    # An emptyDir holding a tracked file: it dies with the pod.
    tree.write(os.path.join(volumes, "kubernetes.io~empty-dir", "scratch", "20261121.log"), "x\n")
    # A local PV: the kubelet's bind of a storage-root directory must not be indexed twice.
    local = tree.volume(NS, "observer-logs-pvc")
    tree.write(os.path.join(local, "a.log"), "x\n")
    bind = os.path.join(volumes, "kubernetes.io~local-volume", os.path.basename(local).split("_")[0])
    os.makedirs(bind)
    assert subprocess.run(["mount", "--bind", local, bind]).returncode == 0
    try:
        r = agent(agent_bin, tree, "pvc", "list", "--json")
        assert r.returncode == 0, r.stderr
        rows = {row["path"]: row for row in json.loads(r.stdout)}
        assert rows[os.path.join(csi, "mount")]["source"] == "kubelet"
        assert rows[os.path.join(csi, "mount")]["pv"] == "pvc-0c1d2e3f-0000-4000-8000-00000000c51d"
        assert rows[os.path.join(csi, "mount")]["namespace"] == NS
        assert rows[os.path.join(csi, "mount")]["files"] == 1
        scratch = os.path.join(volumes, "kubernetes.io~empty-dir", "scratch")
        assert rows[scratch]["state"] == "ephemeral"
        assert bind not in rows and rows[local]["source"] == "dirname"
        q = json.loads(agent(agent_bin, tree, "query", "--track", "scalp", "--json").stdout)
        assert [x["path"] for x in q] == [os.path.join(csi, "mount", "assets", "scalp", "20261121_09.jsonl")]
        # The daemon raises ephemeral-writes for the emptyDir.
        from conftest import Daemon
        d = Daemon(agent_bin, tree).start()
        try:
            got = wait_for(lambda: journal("STORAGE_AGENT_ALERT", "ephemeral-writes", VOLUME_PATH=scratch))
            assert got and got[0]["MESSAGE_ID"] == "b3caa567c5ab4c74a69c44eca00afd04" and got[0]["PRIORITY"] == "3"
        finally:
            d.stop()
    finally:
        subprocess.run(["umount", bind])


def test_container_names_from_crictl_when_the_pod_has_several(agent_bin, tree, pod):
    uid, start = pod
    NS = f"obs-{tree.tag}"
    os.makedirs(os.path.join(start.pod_dir, "containers", "sidecar"))  # two containers: the kubelet dir can't tell
    v = tree.volume(NS, "observer-data-pvc")
    c = start(v)
    plain = json.loads(agent(agent_bin, tree, "mounts", "--json").stdout)
    assert [m["container"] for m in plain] == [None]
    cri = os.path.join(tree.dir, "crictl.json")
    with open(cri, "w") as f:
        json.dump({"containers": [{"id": c.cid, "podSandboxId": "s1", "metadata": {"name": "observer"},
                                   "labels": {"io.kubernetes.container.name": "observer",
                                              "io.kubernetes.pod.name": "observer-0",
                                              "io.kubernetes.pod.namespace": NS, "io.kubernetes.pod.uid": uid}}]}, f)
    tree.write_config(f"kubernetes:\n  crictl_command: cat {cri}\n")
    named = json.loads(agent(agent_bin, tree, "mounts", "--json").stdout)
    assert [(m["container"], m["pod"], m["pod_namespace"]) for m in named] == [("observer", "observer-0", NS)]
    tree.write_config("kubernetes:\n  crictl_command: exit 2\n")
    failing = agent(agent_bin, tree, "mounts", "--json")
    assert failing.returncode == 0 and "container names from the kubelet directory only" in failing.stderr


@pytest.fixture
def containerd(tree):
    """A real containerd of this test's own (design.md's recipe), stopped by PID at the end."""
    from containerd import Containerd
    base = os.path.join(tree.dir, "containerd")
    c = Containerd(base, os.path.join(base, "root"), os.path.join(base, "state"))
    yield c
    c.stop()


def test_an_exited_containers_layer_is_listed_with_its_pod_and_fires_until_the_container_is_removed(
        tree, daemon, containerd, monkeypatch):
    NS = f"obs-{tree.tag}"
    uid = str(uuid.uuid4())
    kubelet, _ = kubelet_pod(tree, uid)
    monkeypatch.setenv("STORAGE_AGENT_KUBELET_ROOT", kubelet)
    tree.write_config(f"ephemeral:\n  containerd_root: {containerd.root}\n")
    v = tree.volume(NS, "observer-data-pvc")
    labels = {"io.kubernetes.pod.uid": uid, "io.kubernetes.pod.name": "observer-0",
              "io.kubernetes.pod.namespace": NS, "io.kubernetes.container.name": "observer"}
    # The app writes its JSONL beside the volume, not into it: the incident.
    cid = containerd.start(uid, labels, ["sh", "-c", "echo '{}' > /app/20261121_09.jsonl; sleep 600 & exec sleep 600"],
                           mounts=[(v, "/app/data")], cgroup_prefix=f"sa-test-{tree.tag}")
    n = containerd.snapshot_of(cid)
    layer = os.path.join(containerd.snapshots, n, "fs")
    assert wait_for(lambda: os.path.exists(os.path.join(layer, "app", "20261121_09.jsonl")))
    daemon.start()

    def firing():
        return [a for a in alerts(daemon.bin, tree) if a["type"] == "ephemeral-writes" and a["subject"] == n]

    assert wait_for(firing), daemon.output()
    live = json.loads(agent(daemon.bin, tree, "ephemeral", "--json").stdout)
    assert [(r["state"], r["pod"], r["namespace"], r["snapshot"]) for r in live] == [("live", "observer-0", NS, n)]

    # The container exits; its task is deleted, the container is not removed (kubelet keeps the
    # last dead one): the snapshot and its JSONL stay.
    containerd.kill_and_delete_task(cid)
    assert containerd.task_status(cid) is None and os.path.isdir(layer)
    r = agent(daemon.bin, tree, "ephemeral", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["state"] == "exited" and row["rescued_bytes"] == 0
    assert (row["pod"], row["namespace"], row["container"], row["snapshot"]) == ("observer-0", NS, "observer", n)
    assert row["path"] == os.path.join(layer, "app", "20261121_09.jsonl") and row["container_path"] == "/app/20261121_09.jsonl"
    table = agent(daemon.bin, tree, "ephemeral").stdout
    assert " exited " in table and "(1 of exited containers)" in table
    daemon.reload()
    still = firing()
    assert [a["state"] for a in still] == ["firing"], still
    assert "exited container of pod " + NS + "/observer-0" in still[0]["message"]

    # The container is removed: its snapshot goes, the data is gone, the alert resolves.
    containerd.remove(cid)
    assert wait_for(lambda: not os.path.exists(os.path.join(containerd.snapshots, n)), timeout=30)
    gone = agent(daemon.bin, tree, "ephemeral", "--json")
    assert gone.returncode == 1 and json.loads(gone.stdout) == []
    daemon.reload()
    assert wait_for(lambda: not firing()), firing()
    resolved = [a for a in alerts(daemon.bin, tree, all=True) if a["type"] == "ephemeral-writes" and a["subject"] == n]
    assert [a["state"] for a in resolved] == ["resolved"]
