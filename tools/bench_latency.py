"""The daemon's latency and idle measurements for bench.py (issue 15: "latency and idle").

Kept apart from bench.py's scan and query measurements so each part can change on its own:

  burst      --burst-files K files in bench-burst/, indexed, then unlinked in one go (an
             `rm -rf`): how long until the index has them all deleted, how many journal entries
             (one per batch that saw deletions) and the daemon's CPU
  steady     one line appended to bench-latency/writer.log every 100 ms for --steady-seconds:
             the daemon's CPU, and whether the index kept up
  idle       (--idle-1m) the daemon with the default configuration (no renotify, the default
             rescan_interval) on the bench tree: utime+stime over --idle-window seconds after
             `ready:`, split into reconcile scans and the rest, and CPU per hour

Python 3 standard library only; bench.py owns the tree, journald and cleanup.
"""

import os
import re
import shutil
import signal
import sqlite3
import statistics
import sys
import time

# Live files in one directory right under the volume's root (the bench-latency query's shape).
LIVE_IN_DIR = ("SELECT count(*) FROM files f JOIN dirs d ON d.id = f.dir_id JOIN dirs r ON r.id = d.parent "
               "JOIN volumes v ON v.id = d.volume_id "
               "WHERE v.path = ? AND r.parent = 0 AND d.name = ? AND f.deleted_at IS NULL")
LINES_OF = ("SELECT f.lines FROM files f JOIN dirs d ON d.id = f.dir_id JOIN dirs r ON r.id = d.parent "
            "JOIN volumes v ON v.id = d.volume_id "
            "WHERE v.path = ? AND r.parent = 0 AND d.name = ? AND f.name = ? AND f.deleted_at IS NULL")
# A reload asks for its full scan as "change in a storage root" (needFullScan).
SCAN_LINE = re.compile(r"scan \((reconcile|change in a storage root)\): .* in (\d+) ms")
HOUR = 3600


def say(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def add_arguments(ap):
    ap.add_argument("--burst-files", type=int, default=1000, metavar="K",
                    help="files unlinked at once in the burst measurement (default 1000; 0 skips it)")
    ap.add_argument("--steady-seconds", type=float, default=20, metavar="S",
                    help="steady writer: one line every 100 ms for S seconds (default 20; 0 skips it)")
    ap.add_argument("--base-bin", metavar="PATH",
                    help="a second storage-agent (e.g. main's release build): the daemon measurements run "
                         "for it too, on the same tree, and the report puts both side by side")
    ap.add_argument("--tree", metavar="DIR",
                    help="use this tree made by gen_storage.py --files N (kept) instead of generating one")
    ap.add_argument("--idle-1m", action="store_true",
                    help="also measure the idle daemon with the default configuration (make bench-1m)")
    ap.add_argument("--idle-window", type=float, default=660, metavar="S",
                    help="--idle-1m window after ready (default 660: includes one 10 min reconcile)")


def wait_count(con, args, want, timeout=60):
    t0 = time.time()
    while con.execute(LIVE_IN_DIR, args).fetchall()[0][0] != want:
        if time.time() - t0 > timeout:
            return None
        time.sleep(0.01)
    return time.time()


def after_latency(d):
    """Runs after the rm -> journal loop, on the same daemon: the burst, then the steady writer."""
    if d.args.burst_files > 0:
        say(f"j2. daemon: burst of {d.args.burst_files} unlinks")
        burst(d)
    if d.args.steady_seconds > 0:
        say(f"j3. daemon: steady writer for {d.args.steady_seconds:g} s")
        steady(d)
    shutil.rmtree(os.path.join(d.r["latency_volume"], "bench-latency"), ignore_errors=True)


def burst(d):
    from bench import proc_cpu_ticks
    k = d.args.burst_files
    volume = d.r["latency_volume"]
    bdir = os.path.join(volume, "bench-burst")
    shutil.rmtree(bdir, ignore_errors=True)
    os.mkdir(bdir)
    time.sleep(0.5)                          # walked and watched
    for i in range(k):
        with open(os.path.join(bdir, f"b{i}.log"), "w") as fh:
            fh.write(f"burst {i}\n")
    con = sqlite3.connect(f"file:{d.db}?mode=ro", uri=True)
    try:
        key = (volume, b"bench-burst")
        if wait_count(con, key, k) is None:
            d.r["burst"] = None
            return
        time.sleep(1.1)                      # outside the 1 s renotify window
        before = len(d.journal(volume))
        hz = os.sysconf("SC_CLK_TCK")
        ticks = proc_cpu_ticks(d.proc.pid)
        t0 = time.time()
        for i in range(k):
            os.unlink(os.path.join(bdir, f"b{i}.log"))
        t_last = time.time()
        t_done = wait_count(con, key, 0)
        cpu = (proc_cpu_ticks(d.proc.pid) - ticks) / hz
        time.sleep(0.5)                      # the cycle's journal entry follows its commit
        entries = len(d.journal(volume)) - before
    finally:
        con.close()
    d.r["burst"] = {"files": k, "unlink_s": t_last - t0,
                    "indexed_after_last_s": None if t_done is None else t_done - t_last,
                    "first_to_indexed_s": None if t_done is None else t_done - t0,
                    "entries": entries, "cpu_s": cpu}
    shutil.rmtree(bdir, ignore_errors=True)


def steady(d):
    from bench import proc_cpu_ticks
    volume = d.r["latency_volume"]
    path = os.path.join(volume, "bench-latency", "writer.log")
    hz = os.sysconf("SC_CLK_TCK")
    ticks, t0 = proc_cpu_ticks(d.proc.pid), time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < d.args.steady_seconds:
        with open(path, "a") as fh:
            fh.write(f"steady {n}\n")
        n += 1
        next_at = t0 + n * 0.1
        time.sleep(max(0, next_at - time.perf_counter()))
    wall = time.perf_counter() - t0
    cpu = (proc_cpu_ticks(d.proc.pid) - ticks) / hz
    time.sleep(1)
    con = sqlite3.connect(f"file:{d.db}?mode=ro", uri=True)
    try:
        rows = con.execute(LINES_OF, (volume, b"bench-latency", b"writer.log")).fetchall()
    finally:
        con.close()
    d.r["steady"] = {"appends": n, "wall_s": wall, "cpu_s": cpu, "lines_indexed": rows[0][0] if rows else 0}


# -- idle with the default configuration (--idle-1m) ----------------------------------------------

def idle_default(b, bin, tag):
    """`storage-agent run` with only storage_roots and database set: defaults for everything else."""
    from bench import DaemonBench, Failed, proc_cpu_ticks, tail

    class DefaultDaemon(DaemonBench):
        def config(self):
            path = os.path.join(self.work, f"daemon-idle{self.tag}.yaml")
            with open(path, "w") as f:
                f.write(f"storage_roots: [{json_str(self.b.root)}]\ndatabase: {json_str(self.db)}\n")
            return path

    d = DefaultDaemon(b, bin=bin, tag="-idle" + tag)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(d.db + suffix):
            os.unlink(d.db + suffix)
    window = b.args.idle_window
    hz = os.sysconf("SC_CLK_TCK")
    r = {}
    try:
        d.ensure_journald()
        say(f"m. idle daemon, default configuration ({os.path.basename(bin)}{tag}): start")
        d.start()
        r["ready_s"] = d.r["ready"]
        r["first_scan_ms"] = d.r["first_scan_ms"]
        say(f"m. idle daemon: {window:g} s window")
        seen = len(open(d.log, "rb").read())
        samples = [(time.perf_counter(), proc_cpu_ticks(d.proc.pid))]
        scans = []                           # (sample index when logged, reason, duration ms)
        while samples[-1][0] - samples[0][0] < window:
            time.sleep(1)
            d.check_alive("during the idle window")
            samples.append((time.perf_counter(), proc_cpu_ticks(d.proc.pid)))
            with open(d.log, "rb") as f:
                f.seek(seen)
                new = f.read()
            seen += len(new)
            for m in SCAN_LINE.finditer(new.decode(errors="replace")):
                scans.append((len(samples) - 1, m.group(1), int(m.group(2))))
        measured_reload = False
        if not any(reason == "reconcile" for _, reason, _ in scans):
            # The window holds no reconcile: a reload does the same full scan; measure one.
            measured_reload = True
            d.proc.send_signal(signal.SIGHUP)
            t_hup = time.perf_counter()
            while time.perf_counter() - t_hup < 300:
                time.sleep(1)
                samples.append((time.perf_counter(), proc_cpu_ticks(d.proc.pid)))
                with open(d.log, "rb") as f:
                    f.seek(seen)
                    new = f.read()
                seen += len(new)
                found = [m for m in SCAN_LINE.finditer(new.decode(errors="replace")) if m.group(1) != "reconcile"]
                if found:
                    time.sleep(1)            # the cycle after the scan (alerts, links)
                    samples.append((time.perf_counter(), proc_cpu_ticks(d.proc.pid)))
                    scans.append((len(samples) - 2, "reload", int(found[0].group(2))))
                    break
        r["log"] = tail(d.log, 3)
        d.stop()
    except Failed:
        raise
    finally:
        d.kill()
        d.stop_journald()
    # CPU of each full scan: from the sample before it started (its duration back from the line
    # that reports it, one more second for rounding) to the sample after its line.
    full = []
    for i, reason, ms in scans:
        t_end = samples[i][0]
        start = max(j for j in range(i + 1) if samples[j][0] <= t_end - ms / 1000 - 1 or j == 0)
        stop = min(i + 1, len(samples) - 1)
        full.append({"reason": reason, "ms": ms, "cpu_s": (samples[stop][1] - samples[start][1]) / hz,
                     "span": (start, stop)})
    in_window = [s for s in full if s["reason"] == "reconcile"]
    last_window = next(i for i, (t, _) in enumerate(samples) if t - samples[0][0] >= window) \
        if samples[-1][0] - samples[0][0] >= window else len(samples) - 1
    total_ticks = samples[last_window][1] - samples[0][1]
    scan_ticks = sum(s["cpu_s"] for s in in_window) * hz
    scan_secs = sum(samples[s["span"][1]][0] - samples[s["span"][0]][0] for s in in_window)
    wall = samples[last_window][0] - samples[0][0]
    rest_rate = (total_ticks - scan_ticks) / hz / max(1e-9, wall - scan_secs)   # CPU s per s outside scans
    cost = statistics.median([s["cpu_s"] for s in full]) if full else 0.0
    interval = 600                               # index.rescan_interval's default (10m)
    per_hour = rest_rate * HOUR + (HOUR / interval) * cost
    r.update({"window_s": wall, "total_cpu_s": total_ticks / hz, "scans": full, "reconciles_in_window": len(in_window),
              "measured_reload": measured_reload, "rest_cpu_per_s": rest_rate, "scan_cost_s": cost,
              "per_hour_s": per_hour, "pct_core": 100 * per_hour / HOUR, "hz": hz})
    return r


def json_str(s):
    import json
    return json.dumps(s)


# -- the report -------------------------------------------------------------------------------------

def ms(x):
    return f"{x * 1000:.0f} ms"


def latency_cells(d):
    from bench import percentile
    lat, st = d.get("latency") or [], d.get("latency_stamped") or []
    out = {}
    if lat:
        out["j"] = f"{ms(statistics.median(lat))[:-3]} / {ms(percentile(lat, 95))[:-3]} / {ms(max(lat))}"
    if st:
        out["j'"] = f"{ms(statistics.median(st))[:-3]} / {ms(percentile(st, 95))[:-3]} / {ms(max(st))}"
    bu = d.get("burst")
    if bu:
        done = bu["indexed_after_last_s"]
        out["burst"] = (f"{bu['files']} unlinks in {ms(bu['unlink_s'])}; all deleted in the index "
                        f"{'never' if done is None else ms(done)} after the last; {bu['entries']} journal entries; "
                        f"CPU {bu['cpu_s']:.2f} s")
    sw = d.get("steady")
    if sw:
        out["steady"] = (f"CPU {sw['cpu_s']:.2f} s in {sw['wall_s']:.0f} s ({100 * sw['cpu_s'] / sw['wall_s']:.1f}% of a "
                         f"core); {sw['lines_indexed']} of {sw['appends']} lines indexed 1 s after the last")
    return out


def idle_cell(r):
    if not r:
        return ""
    how = "one reload's full scan (no reconcile in the window)" if r["measured_reload"] else \
        f"{r['reconciles_in_window']} reconcile(s) in the window"
    return (f"{r['per_hour_s']:.1f} s CPU per hour = {r['pct_core']:.3f}% of a core "
            f"(outside full scans {r['rest_cpu_per_s'] * HOUR:.1f} s/h over {r['window_s']:.0f} s; "
            f"a full scan {r['scan_cost_s']:.2f} s CPU x 6/h, from {how})")


def report(b, args):
    """The side-by-side section: --bin against --base-bin (when given), and the --idle-1m rows."""
    mine = getattr(b, "daemon", None)
    base = getattr(b, "daemon_base", None)
    idle, idle_base = getattr(b, "idle", None), getattr(b, "idle_base", None)
    if not (mine or idle):
        return
    cols = [("this build", mine, idle)]
    if base or idle_base:
        cols.insert(0, ("base", base, idle_base))
    print(f"\n### Issue 15: latency and idle, N = {args.files:,}\n")
    for name, _, _ in cols:
        print(f"- {name}: `{args.base_bin if name == 'base' else args.bin}`")
    print()
    print("| measurement | " + " | ".join(n for n, _, _ in cols) + " | target |")
    print("|---|" + "---|" * len(cols) + "---|")
    cells = [latency_cells(d or {}) for _, d, _ in cols]
    rows = [("j", "rm -> journal entry (polled), p50 / p95 / max", ""),
            ("j'", "rm -> the entry's journal timestamp, p50 / p95 / max", "p95 <= 50 ms"),
            ("burst", f"burst: {args.burst_files} files unlinked at once", "coalesced: a few batches"),
            ("steady", "steady writer, one append every 100 ms", "no more CPU than before")]
    for key, label, target in rows:
        if any(key in c for c in cells):
            print(f"| {label} | " + " | ".join(c.get(key, "") for c in cells) + f" | {target} |")
    if idle or idle_base:
        print(f"| m. idle daemon, default configuration, CPU per hour | "
              + " | ".join(idle_cell(i) for _, _, i in cols) + " | <= 0.5% of a core |")
        for name, _, i in cols:
            if i:
                scans = "; ".join(f"{s['reason']} {s['ms']} ms, {s['cpu_s']:.2f} s CPU" for s in i["scans"])
                print(f"\n- idle ({name}): start scan {i['first_scan_ms']} ms; window {i['window_s']:.0f} s, "
                      f"{i['total_cpu_s']:.2f} s CPU in all; full scans: {scans or 'none'}")
