#!/usr/bin/env python3
"""Rescue cost (BENCHMARKS.md, "Issue 13: rescue"): a real containerd container whose writable layer
gets N MiB of JSONL, then `storage-agent rescue --now` timed (wall, user, sys CPU; bytes written
from /proc/PID/io), first copy and growth; then the daemon's delay from a write in the layer to
its rescued copy. Run as root: STORAGE_AGENT_BIN=... python3 tools/bench_rescue.py [MiB]."""

import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "system"))
from containerd import Containerd  # noqa: E402

BIN = os.environ["STORAGE_AGENT_BIN"]
MIB = int(sys.argv[1]) if len(sys.argv) > 1 else 1024


def timed(config, *args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    p = subprocess.Popen([BIN, "--config", config, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    read, written = 0, 0
    while p.poll() is None:
        try:
            with open(f"/proc/{p.pid}/io") as f:
                io = dict(l.split(": ") for l in f.read().splitlines())
            read, written = max(read, int(io["rchar"])), max(written, int(io["wchar"]))
        except (OSError, KeyError, ValueError):
            pass
        time.sleep(0.005)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime, (read, written), p.returncode


def fill(path, mib):
    line = b'{"t":1770000000,"bid":71234.5,"ask":71235.0,"v":12}\n' * 1024
    with open(path, "ab") as f:
        for _ in range(mib * 1024 * 1024 // len(line)):
            f.write(line)


def main():
    base = tempfile.mkdtemp(prefix="bench-rescue-", dir="/var/tmp")
    tag = uuid.uuid4().hex[:8]
    ns = f"obs-{tag}"
    root, area, kubelet = f"{base}/containerd", f"{base}/state/rescue", f"{base}/kubelet"
    os.environ["STORAGE_AGENT_KUBELET_ROOT"] = kubelet
    config = f"{base}/config.yaml"
    os.makedirs(f"{base}/storage")
    with open(config, "w") as f:
        f.write(f"storage_roots: [{base}/storage]\ndatabase: {base}/state/inventory.db\n"
                f"ephemeral:\n  containerd_root: {root}\nvolumes:\n  - pvc: {ns}/observer-data-pvc\n    mount: /app/data\n"
                f"rescue:\n  directory: {area}\n  max_bytes: 64Gi\n  min_free: 1%\n")
    state = f"/run/sa-bench-{tag}"
    c = Containerd(f"{base}/containerd-base", root, state)
    try:
        uid = str(uuid.uuid4())
        pod = f"{kubelet}/pods/{uid}"
        os.makedirs(f"{pod}/containers/observer")
        os.makedirs(f"{pod}/volumes/kubernetes.io~projected/token")
        with open(f"{pod}/etc-hosts", "w") as f:
            f.write("# Kubernetes-managed hosts file.\n10.42.0.9\tobserver-0\n")
        with open(f"{pod}/volumes/kubernetes.io~projected/token/namespace", "w") as f:
            f.write(ns)
        cid = c.start(uid, {"io.kubernetes.pod.uid": uid}, ["sleep", "3600"], cgroup_prefix=f"sa-bench-{tag}")
        snap = None
        while not snap:
            snap = c.snapshot_of(cid)
        data = f"{c.snapshots}/{snap}/fs/app/data"
        os.makedirs(f"{data}/assets/scalp", exist_ok=True)
        files = 16
        for i in range(files):
            fill(f"{data}/assets/scalp/20261201_{i:02d}.jsonl", MIB // files)
        subprocess.run(["sync"])
        os.system("echo 3 > /proc/sys/vm/drop_caches")
        wall, user, sys_, written, rc = timed(config, "rescue", "--now")
        gib = MIB / 1024
        print(f"first copy, {MIB} MiB in {files} files (cold cache), rc {rc}: wall {wall:.2f} s, user {user:.2f} s, "
              f"sys {sys_:.2f} s; per GiB: CPU {(user + sys_) / gib:.2f} s, read {written[0] / gib / 2**30:.2f} GiB, "
              f"written {written[1] / gib / 2**30:.2f} GiB")
        wall, user, sys_, written, rc = timed(config, "rescue", "--now")
        print(f"nothing changed, rc {rc}: wall {wall:.2f} s, CPU {user + sys_:.2f} s, read {written[0]} B, "
              f"written {written[1]} B")
        grow = max(MIB // 8, 16)
        for i in range(files):
            fill(f"{data}/assets/scalp/20261201_{i:02d}.jsonl", grow // files)
        wall, user, sys_, written, rc = timed(config, "rescue", "--now")
        print(f"growth, {grow} MiB appended, rc {rc}: wall {wall:.2f} s, CPU {user + sys_:.2f} s; per GiB appended: "
              f"CPU {(user + sys_) / (grow / 1024):.2f} s, read {written[0] / (grow / 1024) / 2**30:.2f} GiB, "
              f"written {written[1] / (grow / 1024) / 2**30:.2f} GiB")
        # The daemon: a line written in the layer, then how long until its copy has it.
        d = subprocess.Popen([BIN, "--config", config, "run"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)
            delays = []
            target = f"{area}/{ns}/observer-0/observer/app/data/assets/scalp/20261201_00.jsonl"
            for n in range(3):
                mark = f'{{"mark":{n},"id":"{uuid.uuid4().hex}"}}\n'.encode()
                start = time.monotonic()
                with open(f"{data}/assets/scalp/20261201_00.jsonl", "ab") as f:
                    f.write(mark)
                while True:
                    with open(target, "rb") as f:
                        f.seek(-len(mark), 2)
                        if f.read() == mark:
                            break
                    time.sleep(0.05)
                delays.append(time.monotonic() - start)
            print("daemon: write -> rescued copy: " + ", ".join(f"{x:.1f} s" for x in delays))
        finally:
            d.terminate()
            d.wait(timeout=30)
    finally:
        c.stop()
        subprocess.run(["rm", "-rf", base, state])


if __name__ == "__main__":
    main()
