"""`storage-agent metrics` against the real Prometheus tools: promtool's linter, the real `du`, and
node_exporter's textfile collector scraped over HTTP. Needs `prometheus` (promtool) and
`prometheus-node-exporter` from apt."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from conftest import REPO, wait_for

PROMTOOL = shutil.which("promtool")
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
RULES = os.path.join(REPO, "packaging", "prometheus", "storage-agent-rules.yml")
RULES_TEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "storage-agent-rules.test.yml")
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def need(tool, package):
    if tool is None:
        pytest.fail(f"{package} is not installed: apt-get install -y {package}")
    return tool


def parse(text, prefix="storage_agent_"):
    """Samples whose name starts with `prefix`: {(name, frozenset of labels): value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels, value = m.groups()
        if not name.startswith(prefix):
            continue
        key = (name, frozenset(LABEL.findall(labels or "")))
        assert key not in out, f"duplicate series {key}"
        out[key] = float(value)
    return out


def du(path):
    out = subprocess.run(["du", "-s", "-B1", "-x", path], capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def generated(tree):
    """The realistic observer tree of tools/gen_storage.py, hostile entries included."""
    subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "gen_storage.py"), tree.root, "--adversarial"],
        check=True, capture_output=True)
    return tree


@pytest.fixture
def metrics(agent_bin, generated):
    """Runs `storage-agent metrics` with extra arguments; returns the completed process."""
    def run(*args):
        r = subprocess.run([agent_bin, "--config", generated.config_path, "metrics", *args],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r
    return run


@pytest.fixture
def textfile_dir(tree):
    path = os.path.join(tree.dir, "textfile")
    os.makedirs(path)
    return path


@pytest.fixture
def node_exporter(textfile_dir, tree):
    """A real node_exporter with only the textfile collector, on a free 127.0.0.1 port; stopped by PID."""
    exe = need(NODE_EXPORTER, "prometheus-node-exporter")
    port = free_port()
    log = open(os.path.join(tree.dir, "node_exporter.log"), "wb")
    proc = subprocess.Popen(
        [exe, f"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults", "--collector.textfile",
         f"--collector.textfile.directory={textfile_dir}"],
        stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/metrics"

    def up():
        if proc.poll() is not None:
            return True
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        assert wait_for(up, timeout=15) and proc.poll() is None, open(log.name, errors="replace").read()
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def volumes_by_labels(agent_bin, tree):
    out = subprocess.run([agent_bin, "--config", tree.config_path, "pvc", "list", "--json"],
                         capture_output=True, text=True, check=True).stdout
    return {
        frozenset({"namespace": v["namespace"] or "", "pvc": v["pvc"] or "", "pv": v["pv"] or "",
                   "state": v["state"]}.items()): v["path"]
        for v in json.loads(out)
    }


def test_promtool_accepts_the_exposition_without_lint_problems(metrics):
    promtool = need(PROMTOOL, "prometheus")
    text = metrics().stdout
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "" and r.stderr.strip() == "", r.stdout + r.stderr
    for family in ["storage_agent_volumes", "storage_agent_volume_used_bytes", "storage_agent_volume_files",
                   "storage_agent_volume_last_write_timestamp_seconds",
                   "storage_agent_track_last_write_timestamp_seconds", "storage_agent_track_bytes",
                   "storage_agent_alerts_firing", "storage_agent_scan_duration_seconds"]:
        assert f"# TYPE {family} gauge\n" in text, family
        assert f"# HELP {family} " in text, family


def test_the_daemons_textfile_says_how_many_directories_are_watched_and_polled(tree, daemon, textfile_dir):
    promtool = need(PROMTOOL, "prometheus")
    v = tree.volume("obs", "data")
    for i in range(6):
        os.makedirs(f"{v}/d{i}")
    target = os.path.join(textfile_dir, "storage_agent.prom")
    tree.write_config(f"index:\n  max_watches: 3\nmetrics:\n  textfile: {target}\n")
    daemon.start()
    with open(target) as f:
        text = f.read()
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "", r.stdout + r.stderr
    samples = parse(text)
    # The storage root, the volume and its 6 directories: 3 watched (the budget), 5 re-read on the tick.
    assert samples[("storage_agent_watched_directories", frozenset())] == 3
    assert samples[("storage_agent_polled_directories", frozenset())] == 5
    assert "3 directories watched, 5 polled" in daemon.output()


def test_used_bytes_equal_du_of_each_volume(agent_bin, metrics, generated):
    samples = parse(metrics().stdout)
    paths = volumes_by_labels(agent_bin, generated)
    used = {labels: v for (name, labels), v in samples.items() if name == "storage_agent_volume_used_bytes"}
    assert set(used) == set(paths), (sorted(used), sorted(paths))
    assert samples[("storage_agent_volumes", frozenset())] == len(paths)
    for labels, value in used.items():
        expected = du(paths[labels])
        assert abs(value - expected) <= expected * 0.01, (paths[labels], value, expected)
    # The recreated observer-data-pvc: stale and current directories are two volume series, one track series.
    data = [dict(l) for l in used if dict(l)["pvc"] == "observer-data-pvc" and dict(l)["namespace"] == "observer-prod"]
    assert sorted(d["state"] for d in data) == ["current", "stale"]
    scalp = [(n, dict(l)) for (n, l) in samples if n == "storage_agent_track_bytes"
             and dict(l) == {"namespace": "observer-prod", "pvc": "observer-data-pvc", "track": "scalp"}]
    assert len(scalp) == 1


def test_node_exporter_serves_the_textfile(metrics, textfile_dir, node_exporter):
    target = os.path.join(textfile_dir, "storage_agent.prom")
    r = metrics("--textfile", target)
    assert r.stdout == ""
    assert oct(os.stat(target).st_mode & 0o7777) == "0o644"
    assert [n for n in os.listdir(textfile_dir)] == ["storage_agent.prom"], "no temporary file is left behind"
    with open(target) as f:
        written = parse(f.read())
    assert written

    text = scrape(node_exporter)
    assert 'node_textfile_scrape_error 0' in text, text
    mtime = [line for line in text.splitlines() if line.startswith("node_textfile_mtime_seconds{")]
    assert len(mtime) == 1 and "storage_agent.prom" in mtime[0], mtime
    served = parse(text)
    assert served == written

    # Rewritten in place: the next scrape sees the new file whole (never a half-written one).
    os.utime(target, (0, 0))
    metrics("--textfile", target)
    assert os.stat(target).st_mtime > 0
    assert parse(scrape(node_exporter)) == written


def test_textfile_in_a_missing_directory_fails_clearly(agent_bin, generated):
    r = subprocess.run([agent_bin, "--config", generated.config_path, "metrics", "--textfile",
                        os.path.join(generated.dir, "missing", "storage_agent.prom")], capture_output=True, text=True)
    assert r.returncode == 73
    assert "does not exist" in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_alert_rules_are_valid_and_behave():
    promtool = need(PROMTOOL, "prometheus")
    r = subprocess.run([promtool, "check", "rules", RULES], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS: 7 rules found" in r.stdout, r.stdout
    r = subprocess.run([promtool, "test", "rules", os.path.basename(RULES_TEST)], capture_output=True, text=True,
                       cwd=os.path.dirname(RULES_TEST))
    assert r.returncode == 0, r.stdout + r.stderr
