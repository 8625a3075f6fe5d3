"""The seed-000 replay with a real container runtime (issue 13): the observer writes hourly JSONL
under /app/data while its data PVC is *not* mounted, and is killed and replaced three times
(`ctr task kill`, `ctr task delete`, `ctr container rm`, a new pod). Every byte it wrote must be in
the rescue area, byte-identical, and `rescue restore --apply` must put the files into the PVC,
where a fixed pod (the PVC mounted at /app/data) finds them.
"""

import hashlib
import json
import os
import shutil
import subprocess
import uuid

from conftest import wait_for
from containerd import Containerd, kubelet_pod

# The app: one hour's file per pod, plus observer.jsonl, which every new pod starts afresh in its
# new writable layer (so the rescue area keeps each pod's as its own generation).
APP = ("mkdir -p /app/data/assets/scalp; i=0; while true; do i=$((i+1)); "
       "echo '{\"pod\":\"'$POD'\",\"i\":'$i'}' >> /app/data/assets/scalp/$HOUR.jsonl; "
       "echo '{\"pod\":\"'$POD'\",\"tick\":'$i'}' >> /app/data/observer.jsonl; sleep 0.05; done")


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except OSError:
        return 0



def test_every_byte_of_a_pod_without_its_pvc_is_rescued_and_restored(agent_bin, tree, monkeypatch):
    ns = f"obs-{tree.tag}"
    volume = tree.volume(ns, "observer-data-pvc")
    root = os.path.join(tree.dir, "containerd")
    area = os.path.join(tree.dir, "state", "rescue")
    kubelet = os.path.join(tree.dir, "kubelet")
    monkeypatch.setenv("STORAGE_AGENT_KUBELET_ROOT", kubelet)
    tree.write_config(f"ephemeral:\n  containerd_root: {root}\n"
                      f"volumes:\n  - pvc: {ns}/observer-data-pvc\n    mount: /app/data\n"
                      f"rescue:\n  directory: {area}\n")

    def agent(*args):
        return subprocess.run([agent_bin, "--config", tree.config_path, *args], capture_output=True, text=True)

    state = f"/run/sa-test-rescue-{tree.tag}"
    c = Containerd(os.path.join(tree.dir, "containerd-base"), root, state)
    written = {}  # rescued path -> sha256 of what the pod wrote
    try:
        for k in range(4):
            uid, name = str(uuid.uuid4()), f"observer-7d9f8b6c5-{k}x{tree.tag[:3]}"
            kubelet_pod(kubelet, uid, name, ns)
            labels = {"io.kubernetes.pod.uid": uid, "io.kubernetes.pod.namespace": ns,
                      "io.kubernetes.pod.name": name, "io.kubernetes.container.name": "observer"}
            hour = f"2026120{1 + k // 2}_{9 + k:02d}"
            cid = c.start(uid, labels, ["sh", "-c", f"POD={name}; HOUR={hour}; {APP}"],
                          cgroup_prefix=f"sa-test-{tree.tag}")
            snapshot = wait_for(lambda: c.snapshot_of(cid), timeout=20)
            assert snapshot, c.output()
            fs = os.path.join(c.snapshots, snapshot, "fs")
            data = os.path.join(fs, "app", "data")
            hourly = os.path.join(data, "assets", "scalp", f"{hour}.jsonl")
            assert wait_for(lambda: lines(hourly) >= 10, timeout=20), c.output()
            r = agent("rescue", "--now", "--json")
            assert r.returncode == 0, r.stderr
            assert {x["state"] for x in json.loads(r.stdout) if x["pod"] == name} == {"live"}
            grown = lines(hourly)
            assert wait_for(lambda: lines(hourly) >= grown + 10, timeout=20)
            assert agent("rescue", "--now").returncode == 0, "a growing file is extended"
            c.kill_and_delete_task(cid)
            finals = {p: sha(os.path.join(data, p)) for p in (f"assets/scalp/{hour}.jsonl", "observer.jsonl")}
            r = agent("rescue", "--now", "--json")
            mine = [x for x in json.loads(r.stdout) if x["pod"] == name]
            assert {x["state"] for x in mine} == {"exited"}, mine
            c.remove(cid)
            assert wait_for(lambda: not os.path.exists(fs), timeout=30), "ctr container rm takes the writable layer"
            held = {x["container_path"]: x for x in json.loads(agent("rescue", "--json").stdout) if x["pod"] == name}
            for path, digest in finals.items():
                row = held["/app/data/" + path]
                assert row["state"] == "gone" and row["sha256"] == digest
                assert sha(row["rescued_path"]) == digest, path
                written[row["rescued_path"]] = digest
        assert len(written) == 8
        for path, digest in written.items():
            assert sha(path) == digest

        dry = agent("rescue", "restore", f"{ns}/observer-data-pvc")
        assert dry.returncode == 0 and os.listdir(volume) == [], dry.stdout + dry.stderr
        applied = agent("rescue", "restore", f"{ns}/observer-data-pvc", "--apply")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        # Four hours, the first pod's observer.jsonl; the later pods' go beside it as .rescued-<pod>.
        assert "5 restored" in applied.stdout and "3 kept beside" in applied.stdout, applied.stdout
        restored = sorted(os.listdir(os.path.join(volume, "assets", "scalp")))
        assert restored == ["20261201_09.jsonl", "20261201_10.jsonl", "20261202_11.jsonl", "20261202_12.jsonl"]
        digests = {sha(os.path.join(volume, "assets", "scalp", f)) for f in restored}
        beside = [f for f in os.listdir(volume) if f.startswith("observer.jsonl")]
        digests |= {sha(os.path.join(volume, f)) for f in beside}
        assert digests == set(written.values()) and len(beside) == 4
        assert all(os.stat(os.path.join(volume, f)).st_uid == 999 for f in beside)

        # The fixed pod: the PVC (given to the app user, as local-path does) mounted at /app/data.
        os.chown(volume, 999, 999)
        uid = str(uuid.uuid4())
        kubelet_pod(kubelet, uid, "observer-fixed", ns)
        cid = c.start(uid, {"io.kubernetes.pod.uid": uid, "io.kubernetes.pod.namespace": ns},
                      ["sh", "-c", "cat /app/data/assets/scalp/20261201_09.jsonl > /app/data/seen.txt; sleep 600"],
                      mounts=[(volume, "/app/data")], cgroup_prefix=f"sa-test-{tree.tag}")
        seen = os.path.join(volume, "seen.txt")
        assert wait_for(lambda: lines(seen) > 0, timeout=20), c.output()
        assert sha(seen) == sha(os.path.join(volume, "assets", "scalp", "20261201_09.jsonl"))
    finally:
        c.stop()
        shutil.rmtree(state, ignore_errors=True)
