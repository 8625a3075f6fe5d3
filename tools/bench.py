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

and prints a Markdown table with ratios and the performance targets. It is a
report, not a test: exit 0 whether targets are met or missed, 1 when a command
fails or a tool is missing. Python 3 standard library only.
"""

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GEN = os.path.join(HERE, "gen_storage.py")
STAT_FMT = r"%p %s %T@ %i %U %G\n"
# \037 / \036 (ASCII unit / record separators) so any path imports verbatim with `.import --ascii`.
LIST_FMT = r"%p\037%s\037%T@\037%i\037%U\037%G\036"
TIME = "/usr/bin/time"


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
        self.root = os.path.join(work, "storage")
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
        gen_out = self.o("gen.txt")
        with open(gen_out, "wb") as f:
            secs = run([sys.executable, GEN, self.root, "--files", str(self.args.files), "--seed", str(self.args.seed)],
                       stdout=f, errfile=self.o("gen.err"), what="gen_storage.py")
        self.gen_secs = secs
        self.gen_summary = tail(gen_out, 1)
        os.sync()
        self.stat_floor()       # warm the dentry/inode cache; not recorded

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

    ncpu, arch, model, kernel = machine()
    print(f"## storage-agent benchmark, N = {n:,} indexed files\n")
    print(f"- machine: {ncpu} CPUs (nproc), {arch}, {model}, Linux {kernel}")
    print(f"- storage: {fs_type(b.root)} at {b.work}")
    print(f"- generator: {b.gen_summary} ({b.gen_secs:.1f} s, not timed below)")
    print(f"- runs: median of {args.runs} (wall time, warm page cache)")
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
    if not args.skip_agent:
        s = tail(b.o("scan.out"), 3)
        if s:
            print("\nlast scan summary:\n```\n" + s + "\n```")


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="bench.py",
        description="Time storage-agent scan/rescan/query and peak RSS against find/wc/sqlite3 baselines "
                    "on a generated storage root; print a Markdown report.",
        epilog="Targets: full scan <= 0.3x pipeline and <= 4x stat floor; rescan <= 1.5x stat floor; "
               "query < 50 ms at 200k files; scan peak RSS < 64 MB at 1M files. Exit 0 whether targets are "
               "met or missed; 1 when a command fails.")
    ap.add_argument("--bin", metavar="PATH", help="the storage-agent executable (required unless --skip-agent)")
    ap.add_argument("--files", type=int, default=200_000, metavar="N", help="indexed files to generate (default 200000)")
    ap.add_argument("--workdir", metavar="DIR",
                    help="parent for a fresh bench-* directory (default: <repo>/.build-bench)")
    ap.add_argument("--keep", action="store_true", help="keep the generated tree, databases and outputs")
    ap.add_argument("--skip-agent", action="store_true", help="run only the find/pipeline baselines")
    ap.add_argument("--runs", type=int, default=3, metavar="R", help="runs per measurement (default 3)")
    ap.add_argument("--seed", type=int, default=1, metavar="S", help="generator seed (default 1)")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if not args.skip_agent:
        if not args.bin:
            ap.error("--bin is required (or pass --skip-agent)")
        args.bin = os.path.abspath(args.bin)
        if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
            print(f"bench: {args.bin} is not an executable file; build storage-agent first or pass --skip-agent",
                  file=sys.stderr)
            return 1
    for tool in ("find", "xargs", "wc", "sqlite3", "bash"):
        if not shutil.which(tool):
            print(f"bench: {tool} not found in PATH; install it (sqlite3: apt-get install sqlite3)", file=sys.stderr)
            return 1

    parent = os.path.abspath(args.workdir or os.path.join(REPO, ".build-bench"))
    made_parent = not os.path.exists(parent)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix="bench-", dir=parent)
    status = 0
    try:
        b = Bench(args, work)
        print(f"bench: generating {args.files:,} files in {b.root} ...", file=sys.stderr, flush=True)
        b.generate()
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
        report(b, args)
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
