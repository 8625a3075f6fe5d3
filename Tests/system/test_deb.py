"""The Debian package on a real systemd (PID 1 in a PID namespace): install, upgrade, remove, purge.

dpkg writes to this machine's real file system (only /tmp, /var/tmp and /run are private), so
the fixture purges the package at the end, also when a test fails, and checks nothing is left.
Needs DEB_OLD and DEB_NEW (two versions built by `make test-deb`).
"""

import os
import subprocess
import time

import pytest

from conftest import Tree, staged, wait_for
from installed import Systemd

DEB_OLD = os.environ.get("DEB_OLD")
DEB_NEW = os.environ.get("DEB_NEW")

PACKAGE_FILES = [
    "/usr/bin/storage-agent",
    "/etc/storage-agent/config.yaml",
    "/usr/lib/systemd/catalog/storage-agent.catalog",
    "/usr/share/man/man8/storage-agent.8.gz",
    "/usr/share/bash-completion/completions/storage-agent",
    "/usr/share/zsh/vendor-completions/_storage-agent",
    "/usr/share/doc/storage-agent/README.md.gz",
    "/lib/systemd/system/storage-agent.service",
]


@pytest.fixture(scope="module")
def node():
    if not (DEB_OLD and DEB_NEW):
        pytest.fail("DEB_OLD and DEB_NEW are not set: run this through `make test-deb`, which builds both packages")
    assert not os.path.exists("/usr/bin/storage-agent"), "storage-agent is already installed here; refusing to touch it"
    s = Systemd()
    tree = Tree()
    # This machine is built from a container image whose /usr/sbin/policy-rc.d forbids starting
    # services (exit 101), which a node does not have. Inside the test's own mount namespace
    # only, let maintainer scripts start services as on a node; the host's file is untouched.
    if os.path.exists("/usr/sbin/policy-rc.d"):
        allow = os.path.join(tree.dir, "policy-rc.d")
        with open(allow, "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(allow, 0o755)
        s.run("mount", "--bind", allow, "/usr/sbin/policy-rc.d", check=True)
    try:
        yield s, tree
    finally:
        s.run("dpkg", "--purge", "storage-agent")
        s.poweroff()
        tree.cleanup()


def dpkg(s, *args):
    r = s.run("env", "DEBIAN_FRONTEND=noninteractive", "dpkg", *args)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def show(s, *props):
    out = s.run("systemctl", "show", "storage-agent", *[f"-p{p}" for p in props]).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def test_install_upgrade_remove_purge(node):
    s, tree = node
    v = tree.volume("observer-prod", "observer-data-pvc")
    tree.write(os.path.join(v, "assets", "scalp", "20260203_09.jsonl"), "{}\n{}\n")

    # Install: enabled, started, READY, the catalog and man page in place.
    dpkg(s, "-i", staged(DEB_OLD))
    for path in PACKAGE_FILES:
        assert os.path.exists(path), path
    props = show(s, "ActiveState", "SubState", "UnitFileState", "StatusText", "Type")
    assert props["ActiveState"] == "active" and props["SubState"] == "running", props
    assert props["UnitFileState"] == "enabled"
    assert props["Type"] == "notify"
    assert "files indexed" in props["StatusText"]
    assert s.run("man", "-w", "storage-agent").returncode == 0
    check_man_page(s)
    check_completion()

    # The admin points it at this node's storage and expects a volume that is not there.
    with open("/etc/storage-agent/config.yaml", "a") as f:
        f.write(f"\n# local edit\n")
    config = open("/etc/storage-agent/config.yaml").read()
    config = config.replace("storage_roots: [/var/lib/rancher/k3s/storage]", f"storage_roots: [{tree.root}]")
    config = config.replace("volumes: []", "volumes:\n  - pvc: observer-prod/observer-logs-pvc\n    expect: true")
    textfile = os.path.join(tree.dir, "node-exporter", "storage_agent.prom")
    os.makedirs(os.path.dirname(textfile))
    config = config.replace("  textfile: null", f"  textfile: {textfile}")
    with open("/etc/storage-agent/config.yaml", "w") as f:
        f.write(config)
    assert s.run("systemctl", "reload", "storage-agent").returncode == 0
    explained = wait_for(lambda: "Subject: Expected volume observer-prod/observer-logs-pvc has no directory" in (
        s.run("journalctl", "-x", "-u", "storage-agent", "--no-pager").stdout))
    assert explained, "journalctl -x shows the catalog entry for the provoked alert"
    assert wait_for(lambda: os.path.exists(textfile)), "the service writes metrics.textfile"
    assert open("/var/lib/storage-agent/metrics-textfiles").read() == textfile + "\n"

    # The CLI answers from the index the service keeps; a non-root user is told to use sudo.
    q = s.run("storage-agent", "query", "--track", "scalp", "--date", "20260203", "--json")
    assert q.returncode == 0 and "20260203_09.jsonl" in q.stdout, q.stderr
    nobody = s.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "storage-agent", "query")
    assert nobody.returncode == 77
    assert nobody.stderr.strip().endswith("run with sudo") and nobody.stderr.count("\n") == 1

    # Upgrade: the conffile edit survives, the service is restarted on the new binary.
    before = show(s, "MainPID", "ExecMainStartTimestampMonotonic")
    dpkg(s, "--force-confold", "-i", staged(DEB_NEW))
    assert "observer-logs-pvc" in open("/etc/storage-agent/config.yaml").read()
    after = wait_for(lambda: (p := show(s, "MainPID", "ActiveState", "ExecMainStartTimestampMonotonic"))["ActiveState"] == "active" and p)
    assert after["MainPID"] != before["MainPID"]
    assert after["ExecMainStartTimestampMonotonic"] != before["ExecMainStartTimestampMonotonic"]
    version = s.run("dpkg-query", "-W", "-f=${Version}", "storage-agent").stdout
    assert version == DEB_NEW.rsplit("_", 2)[1]

    # Remove: stopped, state kept.
    dpkg(s, "-r", "storage-agent")
    assert show(s, "ActiveState")["ActiveState"] in ("inactive", "")
    assert not os.path.exists("/usr/bin/storage-agent")
    assert os.path.exists("/var/lib/storage-agent/inventory.db")
    assert os.path.exists("/etc/storage-agent/config.yaml"), "remove keeps the conffile"

    # Purge: state and configuration gone; nothing of the package left.
    dpkg(s, "-P", "storage-agent")
    assert not os.path.exists("/var/lib/storage-agent")
    assert not os.path.exists("/etc/storage-agent")
    assert not os.path.exists(textfile), "purge removes the metrics textfile: node_exporter would serve it forever"
    for path in PACKAGE_FILES:
        assert not os.path.exists(path), path
    assert s.run("dpkg", "-s", "storage-agent").returncode != 0


def check_man_page(s):
    """The installed page: an EXAMPLES section, one EXIT STATUS, the global options once, no
    internal subcommand, and no path or option split by hyphenation at any width."""
    source = subprocess.run(["zcat", "/usr/share/man/man8/storage-agent.8.gz"], capture_output=True, text=True).stdout
    assert ".Sh EXAMPLES" in source and "storage-agent query --track scalp --date 20260203" in source
    assert source.count("EXIT STATUS") == 1, "one EXIT STATUS section"
    assert source.count(".It Fl -db") == 1 and source.count(".It Fl -config") == 1, "global options once"
    for internal in ("write-test", "link-as-user", "unit-sync", ".It Em help"):
        assert internal not in source, internal
    for width in ("60", "80", "100"):
        page = s.run("env", f"MANWIDTH={width}", "MAN_KEEP_FORMATTING=", "man", "-P", "cat", "storage-agent").stdout
        assert "EXAMPLES" in page and "storage-agent coverage --track scalp" in page
        # A word broken at the line's end by hyphenation ends in U+2010 (or "-" in ASCII output).
        broken = [line.split()[-1] for line in page.splitlines()
                  if line.strip() and line.rstrip()[-1] in "\u2010-" and not line.rstrip().endswith(" -")]
        assert not [w for w in broken if any(c in w for c in "/_.=") or w.startswith("-")], broken


def check_completion():
    bash = open("/usr/share/bash-completion/completions/storage-agent").read()
    zsh = open("/usr/share/zsh/vendor-completions/_storage-agent").read()
    for script in (bash, zsh):
        # Values from the index and the configuration, asked of the binary at completion time.
        assert "---completion pvc resolve -- positional@0" in script
        assert "---completion query -- --track" in script
        for internal in ("write-test", "link-as-user", "unit-sync"):
            assert internal not in script, internal
    assert zsh.startswith("#compdef storage-agent")
