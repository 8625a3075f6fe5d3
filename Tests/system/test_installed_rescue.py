"""Rescue as installed (issue 13): the .deb under a real systemd, the shipped config with only the
volume an operator adds (`mount:` where the app writes), a real containerd at k3s's root, and a pod
that writes its JSONL into its writable layer because the PVC was never mounted. The daemon, in its
sandbox, copies every byte into /var/lib/storage-agent/rescue within a tick, says so in the
journal, and keeps the copy after the container is removed; `rescue restore --apply` puts it into
the PVC.
"""

import hashlib
import json
import os
import uuid

from conftest import wait_for
from containerd import Containerd, kubelet_pod

KUBELET = "/var/lib/kubelet"
RESCUE = "/var/lib/storage-agent/rescue"



def test_the_installed_daemon_rescues_a_pods_writes_and_restore_puts_them_into_the_pvc(installed):
    assert not os.path.exists(KUBELET), f"{KUBELET} exists on this machine; refusing"
    installed.made.append(KUBELET)
    tag = uuid.uuid4().hex[:8]
    ns = f"obs-{tag}"
    pvc = installed.volume(ns, "observer-data-pvc")
    installed.configure({"volumes: []": f"volumes:\n  - pvc: {ns}/observer-data-pvc\n    mount: /app/data"})
    assert installed.reload().returncode == 0
    c = Containerd("/var/lib/rancher/k3s/agent/sa-test-containerd", "/var/lib/rancher/k3s/agent/containerd",
                   "/run/sa-test-containerd", run=installed.run, spawn=["nsenter", "-t", str(installed.s.pid), "-m", "-p"])
    try:
        uid = str(uuid.uuid4())
        pod = "observer-7d9f8b6c5-x2x4q"
        kubelet_pod(KUBELET, uid, pod, ns)
        before = installed.mark()
        # The PVC is not mounted: the app's data lands in its writable layer.
        app = ("mkdir -p /app/data/assets/scalp && i=0; while [ $i -lt 200 ]; do i=$((i+1)); "
               "echo '{\"i\":'$i'}' >> /app/data/assets/scalp/20261201_09.jsonl; done; exec sleep 600")
        cid = c.start(uid, {"io.kubernetes.pod.uid": uid, "io.kubernetes.pod.namespace": ns,
                            "io.kubernetes.pod.name": pod, "io.kubernetes.container.name": "observer"},
                      ["sh", "-c", app], cgroup_prefix=f"sa-test-{tag}")
        layer = wait_for(lambda: c.snapshot_of(cid), timeout=20)
        source = os.path.join("/var/lib/rancher/k3s/agent/containerd/io.containerd.snapshotter.v1.overlayfs",
                              "snapshots", layer, "fs", "app/data/assets/scalp/20261201_09.jsonl")
        assert wait_for(lambda: os.path.exists(source) and open(source).read().count("\n") == 200, timeout=20)
        with open(source, "rb") as f:
            written = hashlib.sha256(f.read()).hexdigest()

        copy = os.path.join(RESCUE, ns, pod, "observer", "app/data/assets/scalp/20261201_09.jsonl")
        rescued = wait_for(lambda: [e for e in installed.journal(after=before)
                                    if e.get("STORAGE_AGENT_ALERT") == "data-rescued"], timeout=120)
        assert rescued, installed.log(after=before)
        assert rescued[0]["PRIORITY"] == "5" and int(rescued[0]["FILES"]) >= 1, rescued[0]
        with open(copy, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == written
        assert os.stat(RESCUE).st_mode & 0o777 == 0o700 and os.stat(RESCUE).st_uid == 0
        assert "Read-only file system" not in installed.log(after=before)

        # The container goes (the runtime removes its layer): the copy stays, `gone`.
        c.kill_and_delete_task(cid)
        c.remove(cid)
        assert wait_for(lambda: not os.path.exists(source), timeout=60)
        held = json.loads(installed.agent("rescue", "--json").stdout)
        row = next(r for r in held if r["container_path"].endswith("20261201_09.jsonl"))
        assert row["state"] == "gone", row

        # restore: a dry run changes nothing; --apply puts it into the PVC, the volume's owner's.
        target = os.path.join(pvc, "assets/scalp/20261201_09.jsonl")
        dry = installed.agent("rescue", "restore", f"{ns}/observer-data-pvc")
        assert dry.returncode == 0 and not os.path.exists(target), dry.stdout + dry.stderr
        applied = installed.agent("rescue", "restore", f"{ns}/observer-data-pvc", "--apply")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        with open(target, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == written
        assert (os.stat(target).st_uid, os.stat(target).st_gid) == (999, 999)
    finally:
        c.stop()
