#!/usr/bin/env python3
"""Benchmark storage-agent's scan/query against plain find/wc/sqlite3 baselines.

Generates a storage root with gen_storage.py (not timed), syncs and warms the
page cache, then times each measurement RUNS times and reports the median:

  a. stat floor   find ROOT -type f -printf '%p %s %T@ %i %U %G\\n' > file
  b. pipeline     find ... -print0 | xargs -0 wc -l > counts;
                  find ... -printf ... > list; sqlite3 DB (.import list, CREATE INDEX on path)
  c. full scan    storage-agent --db FRESH.db --storage-root ROOT scan
  d. rescan       the same command on the existing index (nothing changed)
  e. query        storage-agent ... query --track scalp --date 20260203 --json
  f. peak RSS     max RSS of one full scan (/usr/bin/time -f %M, else getrusage)

then, once each, the daemon (`storage-agent --config CONFIG run`, journald started
when none runs and stopped by PID afterwards):

  g. start -> ready   until stderr says `ready:` (includes the first full scan)
  h. RSS              VmRSS / VmHWM from /proc/PID/status after ready
  i. idle CPU         utime+stime over --idle-seconds with nothing touching the tree
  j. rm -> journal    write bench-latency/fI.log, wait 0.5 s (and until the daemon's
                      index has it), unlink it, poll
                      `journalctl -o json STORAGE_AGENT_ALERT=file-vanished
                      STORAGE_AGENT_STATE=firing VOLUME_PATH=...` every 10 ms until a
                      new entry appears; --latency-runs times, 1.1 s apart
  k. RSS              again, after the latency loop
  l. SIGTERM -> exit  wall time and exit status

and prints a Markdown table with ratios and the performance targets. It is a
report, not a test: exit 0 whether targets are met or missed, 1 when a command
fails or a tool is missing. Python 3 standard library only.
"""

import argparse
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

import bench_latency
import bench_scan

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GEN = os.path.join(HERE, "gen_storage.py")
STAT_FMT = r"%p %s %T@ %i %U %G\n"
# \037 / \036 (ASCII unit / record separators) so any path imports verbatim with `.import --ascii`.
LIST_FMT = r"%p\037%s\037%T@\037%i\037%U\037%G\036"
TIME = "/usr/bin/time"
JOURNALD = "/lib/systemd/systemd-journald"
JOURNAL_SOCKET = "/run/systemd/journal/socket"
VOLUME_RE = re.compile(r"^pvc-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_([^_]+)_(.+)$")


class Failed(Exception):
    """A command failed or a tool is missing: one clear message, exit 1."""


def tail(path, n=15):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def run(argv, stdout=subprocess.DEVNULL, stdin=None, errfile=None, what=None):
    """Run argv, return wall seconds; raise Failed (with stderr) on non-zero exit."""
    err = open(errfile, "wb") if errfile else subprocess.PIPE
    try:
        t0 = time.perf_counter()
        p = subprocess.run(argv, stdout=stdout, stdin=stdin, stderr=err)
        elapsed = time.perf_counter() - t0
    except OSError as e:
        raise Failed(f"cannot run {argv[0]}: {e.strerror}")
    finally:
        if errfile:
            err.close()
    if p.returncode != 0:
        msg = tail(errfile) if errfile else (p.stderr or b"").decode(errors="replace").strip()
        cmd = " ".join(shlex.quote(str(a)) for a in argv)
        raise Failed(f"{what or 'command'} failed (exit {p.returncode}): {cmd}" + (f"\n{msg}" if msg else ""))
    return elapsed


def rm_db(db):
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(db + suffix)
        except FileNotFoundError:
            pass


def machine():
    ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = None
    arm = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, val = line.partition(":")
                key, val = key.strip(), val.strip()
                if key in ("model name", "Hardware", "Model") and not model:
                    model = val
                elif key in ("CPU implementer", "CPU part"):
                    arm.setdefault(key, val)
    except OSError:
        pass
    if not model and arm:
        parts = {"0xd0c": "Neoverse-N1", "0xd40": "Neoverse-V1", "0xd49": "Neoverse-N2",
                 "0xd4f": "Neoverse-V2", "0xac3": "AmpereOne", "0xd08": "Cortex-A72", "0xd0b": "Cortex-A76"}
        part = arm.get("CPU part", "?")
        model = f"{parts.get(part, 'ARM part ' + part)} (implementer {arm.get('CPU implementer', '?')})"
    return ncpu, platform.machine(), model or "unknown", platform.release()


def fs_type(path):
    """File-system type of the mount holding `path` (from /proc/self/mounts)."""
    best, kind = "", "unknown"
    path = os.path.realpath(path)
    try:
        with open("/proc/self/mounts") as f:
            for line in f:
                fields = line.split()
                if len(fields) < 3:
                    continue
                mnt = fields[1].replace("\\040", " ")
                inside = path == mnt or path.startswith(mnt.rstrip("/") + "/")
                if inside and len(mnt) >= len(best):
                    best, kind = mnt, f"{fields[2]} ({fields[0]} on {mnt})"
    except OSError:
        pass
    return kind


class Bench:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        # --tree: a tree gen_storage.py made before (kept; only bench-latency/ and bench-burst/ change).
        self.root = args.tree or os.path.join(work, "storage")
        self.state = os.path.join(work, "state")   # 0700, like /var/lib/storage-agent
        os.mkdir(self.state, 0o700)
        self.out = os.path.join(work, "out")
        os.mkdir(self.out)
        self.results = {}

    def o(self, name):
        return os.path.join(self.out, name)

    def agent(self, db, *cmd):
        return [self.args.bin, "--db", db, "--storage-root", self.root, *cmd]

    def repeat(self, key, fn):
        times = []
        for _ in range(self.args.runs):
            times.append(fn())
        self.results[key] = times
        return times

    # -- not timed ---------------------------------------------------------
    def generate(self):
        if self.args.tree:
            self.gen_secs, self.gen_summary = 0.0, f"the existing tree {self.root} (--tree)"
            self.warm()
            return
        gen_out = self.o("gen.txt")
        with open(gen_out, "wb") as f:
            secs = run([sys.executable, GEN, self.root, "--files", str(self.args.files), "--seed", str(self.args.seed)],
                       stdout=f, errfile=self.o("gen.err"), what="gen_storage.py")
        self.gen_secs = secs
        self.gen_summary = tail(gen_out, 1)
        self.warm()

    def warm(self):
        """Not timed: sync, a find for the dentry and inode caches, then every file read once. A
        tree generated long before, or 2.6 GB of it, is not in the page cache, and a cold full
        scan measures the disk (60 s instead of 8 s at 1M)."""
        os.sync()
        self.stat_floor()
        run(["bash", "-c", f"find {shlex.quote(self.root)} -type f -print0 | xargs -0 cat > /dev/null"],
            errfile=self.o("warm.err"), what="warming the page cache")

    # -- a. stat floor ------------------------------------------------------
    def stat_floor(self):
        with open(self.o("stat.txt"), "wb") as f:
            return run(["find", self.root, "-type", "f", "-printf", STAT_FMT], stdout=f,
                       errfile=self.o("find.err"), what="find (stat floor)")

    # -- b. pipeline ----------------------------------------------------------
    def pipeline(self):
        db = os.path.join(self.state, "pipeline.db")
        rm_db(db)
        counts, lst = self.o("counts.txt"), self.o("list.txt")
        script = (f"set -o pipefail; find {shlex.quote(self.root)} -type f \\( -name '*.jsonl' -o -name '*.log' \\) "
                  f"-print0 | xargs -0 wc -l > {shlex.quote(counts)}")
        sql = ("CREATE TABLE files(path TEXT, size INTEGER, mtime REAL, ino INTEGER, uid INTEGER, gid INTEGER);\n"
               f".import --ascii {lst} files\n"
               "CREATE INDEX files_path ON files(path);\n")
        sql_file = self.o("import.sql")
        with open(sql_file, "w") as f:
            f.write(sql)
        t0 = time.perf_counter()
        run(["bash", "-c", script], errfile=self.o("wc.err"), what="find | xargs wc -l")
        with open(lst, "wb") as f:
            run(["find", self.root, "-type", "f", "-printf", LIST_FMT], stdout=f,
                errfile=self.o("list.err"), what="find -printf (list)")
        with open(sql_file, "rb") as f:
            run(["sqlite3", "-bail", db], stdin=f, errfile=self.o("sqlite.err"), what="sqlite3 import")
        return time.perf_counter() - t0

    def check_pipeline(self):
        db = os.path.join(self.state, "pipeline.db")
        p = subprocess.run(["sqlite3", db, "SELECT count(*) FROM files"], capture_output=True, text=True)
        rows = p.stdout.strip()
        with open(self.o("stat.txt"), "rb") as f:
            listed = f.read().count(b"\n")
        return rows, listed

    # -- c-f. the agent ---------------------------------------------------------
    def full_scan(self):
        db = os.path.join(self.state, "inventory.db")
        rm_db(db)
        with open(self.o("scan.out"), "wb") as f:
            return run(self.agent(db, "scan"), stdout=f, errfile=self.o("scan.err"), what="storage-agent scan")

    def rescan(self):
        db = os.path.join(self.state, "inventory.db")
        with open(self.o("rescan.out"), "wb") as f:
            return run(self.agent(db, "scan"), stdout=f, errfile=self.o("rescan.err"),
                       what="storage-agent scan (rescan)")

    def query(self):
        db = os.path.join(self.state, "inventory.db")
        with open(self.o("query.json"), "wb") as f:
            return run(self.agent(db, "query", "--track", "scalp", "--date", "20260203", "--json"), stdout=f,
                       errfile=self.o("query.err"), what="storage-agent query")

    def query_rows(self):
        try:
            with open(self.o("query.json"), "rb") as f:
                data = json.load(f)
            return len(data) if isinstance(data, list) else "not a JSON array"
        except (OSError, ValueError) as e:
            return f"invalid JSON ({e.__class__.__name__})"

    def peak_rss_kb(self):
        db = os.path.join(self.state, "rss.db")
        rm_db(db)
        argv = self.agent(db, "scan")
        if os.access(TIME, os.X_OK):
            rss_file = self.o("rss.txt")
            run([TIME, "-f", "%M", "-o", rss_file, *argv], errfile=self.o("rss.err"), what="storage-agent scan (RSS)")
            with open(rss_file) as f:
                kb = int(f.read().split()[-1])
            how = "/usr/bin/time -f %M"
        else:
            probe = ("import resource, subprocess, sys\n"
                     "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
                     "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                     "sys.exit(p.returncode)\n")
            with open(self.o("rss.txt"), "wb") as f:
                run([sys.executable, "-c", probe, *argv], stdout=f, errfile=self.o("rss.err"),
                    what="storage-agent scan (RSS)")
            kb = int(tail(self.o("rss.txt"), 1))
            how = "getrusage(RUSAGE_CHILDREN)"
        rm_db(db)
        return kb, how


def proc_status_kb(pid, *keys):
    """VmRSS / VmHWM (kB) from /proc/PID/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in keys:
                out[key] = int(val.split()[0])
    missing = [k for k in keys if k not in out]
    if missing:
        raise Failed(f"/proc/{pid}/status has no {', '.join(missing)}")
    return out


def proc_cpu_ticks(pid):
    """utime + stime (fields 14 and 15 of /proc/PID/stat), in clock ticks."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read()
    rest = data[data.rindex(b")") + 2:].split()   # fields 3.. (the comm may hold spaces or ')')
    return int(rest[11]) + int(rest[12])


def journal_socket_live(path=JOURNAL_SOCKET):
    """True when a journald is bound to the socket (connect on a stale socket file fails)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def percentile(values, pct):
    """Nearest-rank percentile (p95 of 30 values is the 29th smallest)."""
    v = sorted(values)
    return v[max(0, math.ceil(pct / 100 * len(v)) - 1)]


class DaemonBench:
    """g-l: `storage-agent run` on the bench tree, alerts read back from the journal."""

    def __init__(self, bench, bin=None, tag=""):
        self.b = bench
        self.args = bench.args
        self.work = bench.work
        self.bin = bin or bench.args.bin
        self.tag = tag                # "" for --bin, "-base" for --base-bin: own index, log, config
        self.db = os.path.join(self.work, f"daemon{tag}.db")
        self.journald = None          # Popen when we started it
        self.journald_pid = None      # the journald in use (ours or reused)
        self.proc = None
        self.log = os.path.join(self.work, f"daemon{tag}.log")
        self.r = {}

    # -- journald ---------------------------------------------------------------
    def ensure_journald(self):
        running = subprocess.run(["pgrep", "-x", "systemd-journal"], capture_output=True, text=True)
        pids = running.stdout.split()
        if os.path.exists(JOURNAL_SOCKET) and pids:
            self.journald_pid = int(pids[0])
            self.r["journald"] = f"reused the running systemd-journald (PID {self.journald_pid})"
            return
        if not os.access(JOURNALD, os.X_OK):
            raise Failed(f"no journald runs and {JOURNALD} is missing (apt-get install systemd) or pass --skip-daemon")
        os.makedirs("/run/systemd/journal", exist_ok=True)
        err = open(os.path.join(self.work, "journald.log"), "wb")
        try:
            self.journald = subprocess.Popen([JOURNALD], stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        except OSError as e:
            raise Failed(f"cannot start {JOURNALD}: {e.strerror}")
        finally:
            err.close()
        self.journald_pid = self.journald.pid
        deadline = time.monotonic() + 10
        while not journal_socket_live():
            if self.journald.poll() is not None:
                raise Failed(f"{JOURNALD} exited with status {self.journald.returncode}\n"
                             + tail(os.path.join(self.work, "journald.log")))
            if time.monotonic() > deadline:
                raise Failed(f"{JOURNALD} did not bind {JOURNAL_SOCKET} within 10 s")
            time.sleep(0.05)
        self.r["journald"] = f"started {JOURNALD} (PID {self.journald_pid}), stopped by PID afterwards"

    def stop_journald(self):
        if self.journald is None:
            return
        if self.journald.poll() is None:
            self.journald.terminate()
            try:
                self.journald.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.journald.kill()
                self.journald.wait()
        self.journald = None

    # -- the daemon ---------------------------------------------------------------
    def config(self):
        path = os.path.join(self.work, f"daemon{self.tag}.yaml")
        with open(path, "w") as f:
            f.write(f"storage_roots: [{json.dumps(self.b.root)}]\n"
                    f"database: {json.dumps(self.db)}\n"
                    "alerts:\n"
                    "  renotify: 1s\n")
        return path

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self, during):
        if not self.alive():
            raise Failed(f"storage-agent run exited with status {self.proc.returncode} {during}\n" + tail(self.log))

    def start(self):
        conf = self.config()
        argv = [self.bin, "--config", conf, "run"]
        self.r["argv"] = " ".join(shlex.quote(a) for a in argv)
        err = open(self.log, "wb")
        try:
            t0 = time.perf_counter()
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        except OSError as e:
            raise Failed(f"cannot run {argv[0]}: {e.strerror}")
        finally:
            err.close()
        deadline = t0 + 300
        while True:
            with open(self.log, "rb") as f:
                text = f.read()
            if b"ready:" in text:
                break
            self.check_alive("before it was ready")
            if time.perf_counter() > deadline:
                raise Failed("storage-agent run was not ready within 300 s\n" + tail(self.log))
            time.sleep(0.01)
        self.r["ready"] = time.perf_counter() - t0
        text = text.decode(errors="replace")
        m = re.search(r"scan \(start\): .* in (\d+) ms", text)
        self.r["first_scan_ms"] = int(m.group(1)) if m else None
        m = re.search(r"ready: (.*)", text)
        self.r["ready_line"] = m.group(1).strip() if m else ""

    def rss(self, key):
        kb = proc_status_kb(self.proc.pid, "VmRSS", "VmHWM")
        self.r[key] = (kb["VmRSS"] / 1024, kb["VmHWM"] / 1024)

    def idle_cpu(self):
        hz = os.sysconf("SC_CLK_TCK")
        before = proc_cpu_ticks(self.proc.pid)
        t0 = time.perf_counter()
        time.sleep(self.args.idle_seconds)
        after = proc_cpu_ticks(self.proc.pid)
        wall = time.perf_counter() - t0
        self.check_alive("during the idle measurement")
        cpu = (after - before) / hz
        self.r["idle"] = (cpu, wall, 100 * cpu / wall, hz, after - before)

    def latency_volume(self):
        """The first `pvc-<uid>_<ns>_<name>` directory whose claim has no other directory (so: current)."""
        dirs = sorted(d for d in os.listdir(self.b.root)
                      if VOLUME_RE.match(d) and os.path.isdir(os.path.join(self.b.root, d))
                      and not os.path.islink(os.path.join(self.b.root, d)))
        claims = {}
        for d in dirs:
            claims.setdefault(VOLUME_RE.match(d).groups(), []).append(d)
        for d in dirs:
            if len(claims[VOLUME_RE.match(d).groups()]) == 1:
                return os.path.join(self.b.root, d)
        if dirs:
            return os.path.join(self.b.root, dirs[0])
        raise Failed(f"no pvc-<uid>_<namespace>_<pvc> directory in {self.b.root}")

    def journal(self, volume, state="firing"):
        argv = ["journalctl", "-o", "json", "--no-pager", "STORAGE_AGENT_ALERT=file-vanished",
                f"VOLUME_PATH={volume}"]
        if state:
            argv.insert(-1, f"STORAGE_AGENT_STATE={state}")
        p = subprocess.run(argv, capture_output=True)
        if p.returncode != 0:
            raise Failed(f"journalctl failed (exit {p.returncode}): {p.stderr.decode(errors='replace').strip()}")
        return [line for line in p.stdout.splitlines() if line.startswith(b"{")]

    def latency(self):
        volume = self.latency_volume()
        self.r["latency_volume"] = volume
        d = os.path.join(volume, "bench-latency")
        shutil.rmtree(d, ignore_errors=True)   # a --base-bin run before this one left its files
        os.mkdir(d)
        time.sleep(0.5)                      # let the daemon walk the new directory and watch it
        # Read-only look at the daemon's index (WAL: never blocks its writer): is fI.log indexed yet?
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        sql = ("SELECT count(*) FROM files f JOIN dirs d ON d.id = f.dir_id JOIN dirs r ON r.id = d.parent "
               "JOIN volumes v ON v.id = d.volume_id "
               "WHERE v.path = ? AND r.parent = 0 AND d.name = ? AND f.name = ? AND f.deleted_at IS NULL")
        ticks, t0 = proc_cpu_ticks(self.proc.pid), time.perf_counter()
        try:
            self.latency_loop(volume, d, con, sql)
        finally:
            con.close()
        self.r["latency_cpu"] = ((proc_cpu_ticks(self.proc.pid) - ticks) / os.sysconf("SC_CLK_TCK"),
                                 time.perf_counter() - t0)
        self.r["journal_entries"] = (len(self.journal(volume)), len(self.journal(volume, "resolved")))

    def latency_loop(self, volume, d, con, sql):
        polled, stamped, missed, polls, late, unindexed = [], [], 0, [], [], 0
        for i in range(self.args.latency_runs):
            f = os.path.join(d, f"f{i}.log")
            with open(f, "w") as fh:
                fh.write(f"bench latency run {i}\n")
            time.sleep(0.5)                  # the daemon indexes it (200 ms batch window)
            # A file the daemon never indexed cannot vanish from its index: when a slow cycle
            # has not indexed it after 0.5 s, wait for it (and report how often and how long).
            t_idx, waited = time.time(), False
            while not con.execute(sql, (volume, b"bench-latency", f"f{i}.log".encode())).fetchall()[0][0]:
                if time.time() - t_idx > 10:
                    unindexed += 1
                    waited = False
                    break
                waited = True
                time.sleep(0.01)
            if waited:
                late.append(time.time() - t_idx)
            self.check_alive("during the latency loop")
            if time.time() - t_idx > 10:     # never indexed: its deletion is no test of the daemon
                os.unlink(f)
                time.sleep(1.1)
                continue
            before = len(self.journal(volume))
            t0 = time.time()
            os.unlink(f)
            n_polls = 0
            while True:
                entries = self.journal(volume)
                n_polls += 1
                if len(entries) > before:
                    t1 = time.time()
                    polled.append(t1 - t0)
                    try:
                        stamp = int(json.loads(entries[-1])["__REALTIME_TIMESTAMP"]) / 1e6
                        stamped.append(stamp - t0)
                    except (ValueError, KeyError):
                        pass
                    break
                if time.time() - t0 > 10:
                    missed += 1
                    break
                time.sleep(0.01)
            polls.append(n_polls)
            time.sleep(1.1)                  # outside the 1 s renotify window: the next one is a new entry
        self.r["latency"] = polled
        self.r["latency_stamped"] = stamped
        self.r["latency_missed"] = missed
        self.r["latency_polls"] = polls
        self.r["latency_late_index"] = late
        self.r["latency_unindexed"] = unindexed

    def stop(self):
        t0 = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            status = None
        self.r["stop"] = (time.perf_counter() - t0, status)
        if status is None:
            self.kill()

    def kill(self):
        """Cleanup after a failure: SIGTERM, then SIGKILL after 10 s, by PID."""
        if not self.alive():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def measure(self):
        try:
            self.ensure_journald()
            say("g. daemon: start -> ready")
            self.start()
            self.rss("rss_ready")
            say(f"i. daemon: idle CPU over {self.args.idle_seconds:g} s")
            self.idle_cpu()
            say(f"j. daemon: rm -> journal latency, {self.args.latency_runs} runs")
            self.latency()
            bench_latency.after_latency(self)
            self.rss("rss_after")
            say("l. daemon: SIGTERM -> exit")
            self.stop()
            self.r["daemon_log"] = tail(self.log, 4)
        except sqlite3.Error as e:
            raise Failed(f"cannot read the daemon's index {self.db}: {e}")
        finally:
            self.kill()
            if self.journald is None and self.journald_pid and not os.path.exists(f"/proc/{self.journald_pid}"):
                self.r["journald"] += "; NOTE: it had exited by the end of the run"
            self.stop_journald()
        return self.r


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def say(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def fmt_s(t):
    return f"{t:.3f} s"


def report(b, args):
    r = b.results
    med = {k: statistics.median(v) for k, v in r.items()}
    floor, pipe = med["stat"], med["pipeline"]
    n = args.files
    rows = []
    star = []

    def ratio(x, base):
        return f"{x / base:.2f}x" if base > 0 else "n/a"

    def runs(k, scale=1.0, digits=3):
        return " / ".join(f"{t * scale:.{digits}f}" for t in r[k])

    rows.append(("a. stat floor: `find -type f -printf`", fmt_s(floor), runs("stat") + " s", "1.00x", ratio(floor, pipe), "", ""))
    rows.append(("b. pipeline: `find -print0 \\| xargs -0 wc -l` + `find -printf` + `sqlite3 .import` + index", fmt_s(pipe),
                 runs("pipeline") + " s", ratio(pipe, floor), "1.00x", "", ""))
    if args.skip_agent:
        for name in ("c. full scan", "d. no-change rescan", "e. query --track scalp --date 20260203 --json",
                     "f. full scan peak RSS"):
            rows.append((name, "skipped", "", "", "", "", "--skip-agent"))
    else:
        scan, rescan, query = med["scan"], med["rescan"], med["query"]
        ok_scan = scan <= 0.3 * pipe and scan <= 4 * floor
        rows.append(("c. full scan (fresh DB)", fmt_s(scan), runs("scan") + " s", ratio(scan, floor), ratio(scan, pipe),
                     "<= 0.3x pipeline and <= 4x stat floor", "met" if ok_scan else "missed"))
        rows.append(("d. no-change rescan", fmt_s(rescan), runs("rescan") + " s", ratio(rescan, floor), ratio(rescan, pipe),
                     "<= 1.5x stat floor", "met" if rescan <= 1.5 * floor else "missed"))
        q_note = "" if n == 200_000 else "*"
        if q_note:
            star.append(f"\\* the query target is set for N = 200,000; this run used N = {n:,}.")
        rows.append(("e. query --track scalp --date 20260203 --json", f"{query * 1000:.1f} ms",
                     runs("query", 1000, 1) + " ms", ratio(query, floor), ratio(query, pipe),
                     "< 50 ms at 200k", ("met" if query < 0.050 else "missed") + q_note))
        kb, how = b.rss
        mb = kb / 1024
        r_note = "" if n >= 1_000_000 else "†"
        if r_note:
            star.append(f"† the RSS target is set for N = 1,000,000; this run used N = {n:,} (indicative only).")
        rows.append((f"f. full scan peak RSS ({how})", f"{mb:.1f} MB", "1 run", "", "",
                     "< 64 MB at 1M files", ("met" if mb < 64 else "missed") + r_note))

    d = getattr(b, "daemon", None)
    if args.skip_agent or args.skip_daemon:
        why = "--skip-agent" if args.skip_agent else "--skip-daemon"
        for name in ("g. daemon start -> ready", "h. daemon RSS after ready", "i. daemon idle CPU",
                     "j. daemon rm -> journal latency", "k. daemon RSS after the latency loop",
                     "l. daemon SIGTERM -> exit"):
            rows.append((name, "skipped", "", "", "", "", why))
    elif d:
        d_note = "" if n == 200_000 else "‡"
        if d_note:
            star.append(f"‡ the daemon RSS target is set for N = 200,000; this run used N = {n:,}.")
        first = f"; first scan {d['first_scan_ms'] / 1000:.3f} s (daemon log)" if d.get("first_scan_ms") is not None else ""
        rows.append(("g. daemon start -> `ready:` (includes the first full scan)", fmt_s(d["ready"]), "1 run" + first,
                     ratio(d["ready"], floor), ratio(d["ready"], pipe), "", ""))

        def rss_row(key, name):
            rss, hwm = d[key]
            rows.append((f"{name} (VmRSS; VmHWM)", f"{rss:.1f} MB", f"VmHWM {hwm:.1f} MB", "", "",
                         "VmRSS < 40 MB at 200k files", ("met" if rss < 40 else "missed") + d_note))

        rss_row("rss_ready", "h. daemon RSS after ready")
        cpu, wall, pct, hz, ticks = d["idle"]
        rows.append((f"i. daemon idle CPU (utime+stime over {wall:.1f} s)", f"{cpu:.2f} s",
                     f"{ticks} ticks of 1/{hz} s = {pct:.2f}% of one core", "", "", "~0 (< 1% of one core)",
                     "met" if pct < 1 else "missed"))
        lat, missed = d["latency"], d["latency_missed"]
        runs_total = args.latency_runs
        if lat:
            p50, p95, mx = statistics.median(lat), percentile(lat, 95), max(lat)
            ok = p95 < 2 and missed == 0
            rows.append(("j. daemon rm -> journal entry (polled `journalctl` every 10 ms), p50 / p95 / max",
                         f"{p50 * 1000:.0f} / {p95 * 1000:.0f} / {mx * 1000:.0f} ms",
                         f"{len(lat)} of {runs_total - d['latency_unindexed']} seen, {missed} not within 10 s",
                         "", "",
                         "p95 < 2 s, none missed", "met" if ok else "missed"))
            st = d["latency_stamped"]
            if st:
                rows.append(("j'. rm -> the entry's journal timestamp (no polling overhead), p50 / p95 / max",
                             f"{statistics.median(st) * 1000:.0f} / {percentile(st, 95) * 1000:.0f} / "
                             f"{max(st) * 1000:.0f} ms", f"{len(st)} entries", "", "", "", ""))
        else:
            rows.append(("j. daemon rm -> journal entry, p50 / p95 / max", "none seen",
                         f"0 of {runs_total} seen within 10 s", "", "", "p95 < 2 s, none missed", "missed"))
        rss_row("rss_after", "k. daemon RSS after the latency loop")
        secs, status = d["stop"]
        rows.append(("l. daemon SIGTERM -> exit", fmt_s(secs) if status is not None else "> 60 s (killed)",
                     f"exit status {status}", "", "", "< 10 s, exit 0",
                     "met" if status == 0 and secs < 10 else "missed"))

    ncpu, arch, model, kernel = machine()
    print(f"## storage-agent benchmark, N = {n:,} indexed files\n")
    print(f"- machine: {ncpu} CPUs (nproc), {arch}, {model}, Linux {kernel}")
    print(f"- storage: {fs_type(b.root)} at {b.work}")
    print(f"- generator: {b.gen_summary} ({b.gen_secs:.1f} s, not timed below)")
    print(f"- runs: median of {args.runs} (wall time, warm page cache)")
    print(f"- load average (1/5/15 min) at start: {b.load_start}; at end: {b.load_end}")
    rows_db, listed = b.check_pipeline()
    print(f"- baseline check: find listed {listed:,} regular files, sqlite3 imported {rows_db} rows")
    if not args.skip_agent:
        print(f"- query returned {b.query_rows()} rows; agent: {args.bin}")
    print()
    head = ("measurement", "median", "runs", "vs stat floor", "vs pipeline", "target", "status")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if star:
        print()
        for s in star:
            print(s)
    if d:
        print(f"\ndaemon: `{d['argv']}`; {d['journald']}")
        print(f"- ready: {d['ready_line']}")
        print(f"- latency volume: {d['latency_volume']}/bench-latency "
              f"(journalctl calls per run: median {statistics.median(d['latency_polls'] or [0]):g}, "
              f"max {max(d['latency_polls'] or [0])})")
        late, unindexed = d["latency_late_index"], d["latency_unindexed"]
        print(f"- fI.log not yet in the index 0.5 s after it was written: {len(late) + unindexed} of "
              f"{args.latency_runs} runs" + (f" (indexed up to {max(late):.2f} s later)" if late else "")
              + (f"; {unindexed} never indexed within 10 s" if unindexed else ""))
        cpu, wall = d["latency_cpu"]
        print(f"- daemon CPU during the latency loop: {cpu:.2f} s in {wall:.1f} s ({100 * cpu / wall:.0f}% of one core; "
              f"{cpu / args.latency_runs:.3f} s per write + unlink)")
        firing, resolved = d["journal_entries"]
        print(f"- file-vanished entries for that volume after the loop: {firing} firing, {resolved} resolved")
        print("- latency runs (ms): " + " ".join(f"{x * 1000:.0f}" for x in d["latency"]))
    if getattr(b, "side", None):
        b.side.report(floor, ratio, fmt_s)
    if not args.skip_agent:
        s = tail(b.o("scan.out"), 3)
        if s:
            print("\nlast scan summary:\n```\n" + s + "\n```")


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="bench.py",
        description="Time storage-agent scan/rescan/query and peak RSS against find/wc/sqlite3 baselines, "
                    "then the daemon (ready time, RSS, idle CPU, rm -> journal latency, SIGTERM) "
                    "on a generated storage root; print a Markdown report.",
        epilog="Targets: full scan <= 0.3x pipeline and <= 4x stat floor; rescan <= 1.5x stat floor; "
               "query < 50 ms at 200k files; scan peak RSS < 64 MB at 1M files; daemon RSS < 40 MB at 200k "
               "files, idle CPU ~0, rm -> journal p95 < 2 s, SIGTERM -> exit < 10 s with status 0. Exit 0 "
               "whether targets are met or missed; 1 when a command fails.")
    ap.add_argument("--bin", metavar="PATH", help="the storage-agent executable (required unless --skip-agent)")
    ap.add_argument("--files", type=int, default=200_000, metavar="N", help="indexed files to generate (default 200000)")
    ap.add_argument("--workdir", metavar="DIR",
                    help="parent for a fresh bench-* directory (default: <repo>/.build-bench)")
    ap.add_argument("--keep", action="store_true", help="keep the generated tree, databases and outputs")
    ap.add_argument("--skip-agent", action="store_true", help="run only the find/pipeline baselines")
    ap.add_argument("--skip-daemon", action="store_true", help="skip the daemon measurements (g-l)")
    ap.add_argument("--idle-seconds", type=float, default=30, metavar="S",
                    help="idle CPU measurement window (default 30)")
    ap.add_argument("--latency-runs", type=int, default=30, metavar="K",
                    help="rm -> journal latency samples (default 30)")
    ap.add_argument("--runs", type=int, default=3, metavar="R", help="runs per measurement (default 3)")
    ap.add_argument("--seed", type=int, default=1, metavar="S", help="generator seed (default 1)")
    bench_latency.add_arguments(ap)
    ap.add_argument("--million", action="store_true",
                    help="only the issue 15 large-tree figures (make bench-1m): full scan, rescan, peak RSS and "
                         "index size against find, du and plocate's updatedb, one run each")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if args.latency_runs < 1:
        ap.error("--latency-runs must be at least 1")
    if args.idle_seconds <= 0:
        ap.error("--idle-seconds must be positive")
    if args.base_bin:
        args.base_bin = os.path.abspath(args.base_bin)
        if not (os.path.isfile(args.base_bin) and os.access(args.base_bin, os.X_OK)):
            print(f"bench: --base-bin {args.base_bin} is not an executable file", file=sys.stderr)
            return 1
    if not args.skip_agent:
        if not args.bin:
            ap.error("--bin is required (or pass --skip-agent)")
        args.bin = os.path.abspath(args.bin)
        if args.base_bin:
            args.base_bin = os.path.abspath(args.base_bin)
    if args.tree:
        args.tree = os.path.abspath(args.tree)
        if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
            print(f"bench: {args.bin} is not an executable file; build storage-agent first or pass --skip-agent",
                  file=sys.stderr)
            return 1
    daemon = not (args.skip_agent or args.skip_daemon or args.million)
    if daemon:
        p = subprocess.run([args.bin, "--help"], capture_output=True, text=True)
        if not re.search(r"^\s+run\s", p.stdout, re.M):
            print(f"bench: {args.bin} has no `run` command (an old build?); rebuild it (make release) "
                  "or pass --skip-daemon", file=sys.stderr)
            return 1
    for tool in ("find", "xargs", "wc", "sqlite3", "bash") + (("journalctl", "pgrep") if daemon else ()):
        if not shutil.which(tool):
            print(f"bench: {tool} not found in PATH; install it (sqlite3: apt-get install sqlite3)", file=sys.stderr)
            return 1

    def interrupted(signum, frame):
        raise KeyboardInterrupt   # SIGTERM too: stop the daemon (and our journald), remove the tree

    signal.signal(signal.SIGTERM, interrupted)
    parent = os.path.abspath(args.workdir or os.path.join(REPO, ".build-bench"))
    made_parent = not os.path.exists(parent)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix="bench-", dir=parent)
    status = 0
    try:
        b = Bench(args, work)
        b.load_start = loadavg()
        print(f"bench: generating {args.files:,} files in {b.root} ...", file=sys.stderr, flush=True)
        b.generate()
        if args.million:
            say(f"issue 15: {args.files:,} files: find, du, updatedb, scan, rescan, RSS, index size")
            ncpu, arch, model, kernel = machine()
            print(f"- machine: {ncpu} CPUs (nproc), {arch}, {model}, Linux {kernel}")
            print(f"- storage: {fs_type(b.root)} at {b.work}; generator: {b.gen_summary}")
            print(f"- load average at start: {b.load_start}; agent: {args.bin}")
            bench_scan.million(b, run, fmt_s)
            print(f"- load average at end: {loadavg()}")
            return status
        print("bench: a. stat floor", file=sys.stderr, flush=True)
        b.repeat("stat", b.stat_floor)
        print("bench: b. pipeline", file=sys.stderr, flush=True)
        b.repeat("pipeline", b.pipeline)
        if not args.skip_agent:
            print("bench: c. full scan", file=sys.stderr, flush=True)
            b.repeat("scan", b.full_scan)
            print("bench: d. rescan", file=sys.stderr, flush=True)
            b.repeat("rescan", b.rescan)
            print("bench: e. query", file=sys.stderr, flush=True)
            b.repeat("query", b.query)
            print("bench: f. peak RSS", file=sys.stderr, flush=True)
            b.rss = b.peak_rss_kb()
            if args.base_bin:
                say("issue 15: before/after side by side (scan, rescan, query, plocate)")
                b.side = bench_scan.SideBySide(b, run, Failed).measure()
            if daemon:
                if args.base_bin:
                    b.daemon_base = DaemonBench(b, bin=args.base_bin, tag="-base").measure()
                b.daemon = DaemonBench(b).measure()
                if args.idle_1m:
                    if args.base_bin:
                        b.idle_base = bench_latency.idle_default(b, args.base_bin, "-base")
                    b.idle = bench_latency.idle_default(b, args.bin, "")
        b.load_end = loadavg()
        report(b, args)
        bench_latency.report(b, args)
    except Failed as e:
        print(f"bench: {e}", file=sys.stderr)
        if not args.keep:
            print("bench: (rerun with --keep to inspect the tree and outputs)", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        status = 130
    finally:
        if args.keep:
            print(f"bench: kept {work}", file=sys.stderr)
        else:
            subprocess.run(["rm", "-rf", "--one-file-system", "--", work])
            if made_parent:
                try:
                    os.rmdir(parent)
                except OSError:
                    pass
    return status


if __name__ == "__main__":
    sys.exit(main())
