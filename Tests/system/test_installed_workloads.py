"""Containers as the packaged unit sees them: the .deb under a real systemd, a real containerd in
that systemd's namespaces (the agent sees only its own PID namespace's processes), started by hand
with its own config at k3s's containerd root and stopped by PID, and a container with several
processes. Under the unit's sandbox `/proc/<pid>/ns/mnt` of a container process cannot be read
(no CAP_SYS_PTRACE), so containers must be told apart by the container id in their cgroup path.
"""

import json
import os
import uuid

from conftest import wait_for
from containerd import Containerd

UNIT = "/lib/systemd/system/storage-agent.service"
# What a service needs to run, not what confines it: everything else in [Service] is kept.
NOT_SANDBOX = ("Type", "NotifyAccess", "ExecStartPre", "ExecStart", "ExecReload", "Restart", "SuccessExitStatus",
               "RestartForceExitStatus", "RestartSec", "WatchdogSec", "TimeoutStartSec", "TimeoutStopSec")


def sandbox():
    """The installed unit's sandbox, as systemd-run properties."""
    props, section = [], None
    with open(UNIT) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and line and not line.startswith("#") and "=" in line:
                if line.split("=", 1)[0] not in NOT_SANDBOX:
                    props.append(line)
    assert any(p.startswith("CapabilityBoundingSet=") for p in props), props
    return props


def as_unit(node, *argv):
    """ARGV run under the unit's own sandbox (a transient service with its properties)."""
    args = ["systemd-run", "--quiet", "--wait", "--pipe", "--collect"]
    for p in sandbox():
        args += ["--property", p]
    return node.run(*args, *argv)


def test_a_container_with_several_processes_is_one_container_under_the_unit(installed):
    node = installed
    tag = uuid.uuid4().hex[:8]
    ns = f"obs-{tag}"
    v = node.volume(ns, "observer-data-pvc")
    base = "/var/lib/rancher/k3s/agent/sa-test-containerd"
    c = Containerd(base, "/var/lib/rancher/k3s/agent/containerd", "/run/sa-test-containerd", run=node.run,
                   spawn=["nsenter", "-t", str(node.s.pid), "-m", "-p"])
    try:
        uid = str(uuid.uuid4())
        cid = c.start(uid, {"io.kubernetes.pod.uid": uid, "io.kubernetes.pod.namespace": ns},
                      ["sh", "-c", "sleep 600 & sleep 600 & exec sleep 600"], mounts=[(v, "/app/data")],
                      cgroup_prefix=f"sa-test-{tag}")
        pids = wait_for(lambda: len(p := c.task_pids(cid)) >= 3 and p, timeout=20)
        assert pids, c.ctr("task", "ps", cid).stdout
        # What the unit cannot read: the ptrace check wants CAP_SYS_PTRACE for another uid's process.
        denied = as_unit(node, "/bin/readlink", f"/proc/{pids[-1]}/ns/mnt")
        assert denied.returncode != 0, denied.stdout
        assert node.run("/bin/readlink", f"/proc/{pids[-1]}/ns/mnt").returncode == 0, "root can"
        assert node.agent("scan").returncode == 0

        for who, run in [("the unit", lambda *a: as_unit(node, "/usr/bin/storage-agent", *a)),
                         ("root", lambda *a: node.agent(*a))]:
            r = run("mounts", "--json")
            assert r.returncode == 0, f"{who}: {r.stderr}"
            rows = [m for m in json.loads(r.stdout) if m["volume_path"] == v]
            assert len(rows) == 1, f"{who}: {rows}"
            assert rows[0]["pid"] in pids and rows[0]["pod_uid"] == uid and rows[0]["container_path"] == "/app/data"
            listed = run("pvc", "list", "--json")
            assert listed.returncode == 0, f"{who}: {listed.stderr}"
            assert [x["mounts"] for x in json.loads(listed.stdout) if x["path"] == v] == [1], who
            table = run("pvc", "list").stdout.splitlines()
            column = table[0].split().index("MOUNTS")
            line = [row.split() for row in table if "observer-data-pvc" in row and ns in row]
            assert len(line) == 1 and line[0][column] == "1", f"{who}: {table}"
    finally:
        c.stop()
