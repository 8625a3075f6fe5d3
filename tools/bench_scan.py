"""Issue 15, queries and scans: two storage-agent binaries side by side in one run (bench.py).

`--base-bin OLD` puts the release binary of another commit (main's, say) next to `--bin`: the
full scan, the no-change rescan and the query are run alternately, OLD then NEW, on the same
tree, so both see the same caches and the same neighbours. The query is run `QUERY_RUNS` times
per binary (it takes milliseconds; the median is reported), and `plocate` over an `updatedb -l 0`
database of the same tree is timed next to it as an anchor.

`--million` (make bench-1m): the full scan, the no-change rescan, peak RSS and the index size of
`--bin` against `find -printf` and `du -s -B1 -x` of the same tree, once each, and plocate's
`updatedb -l 0` (names only) as an anchor. Python 3 standard library only.
"""

import os
import shutil
import statistics
import subprocess
import time

QUERY = ("query", "--track", "scalp", "--date", "20260203", "--json")
QUERY_RUNS = 21
UPDATEDB = "/usr/bin/updatedb"
PLOCATE = "/usr/bin/plocate"
TIME = "/usr/bin/time"


def db_bytes(db):
    """The index on disk: the file and what its WAL still holds."""
    return sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))


def rm_db(db):
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(db + suffix)
        except FileNotFoundError:
            pass


class SideBySide:
    """c, d, e and f for two binaries, alternating, on the tree of `bench` (a bench.Bench)."""

    def __init__(self, bench, run, failed):
        self.b = bench
        self.run = run          # bench.run: wall seconds, raises on a non-zero exit
        self.Failed = failed
        self.bins = {"before": bench.args.base_bin, "after": bench.args.bin}
        self.r = {k: {"scan": [], "rescan": [], "query": []} for k in self.bins}
        self.outputs = {}

    def argv(self, which, db, *cmd):
        return [self.bins[which], "--db", db, "--storage-root", self.b.root, *cmd]

    def db(self, which):
        return os.path.join(self.b.state, f"side-{which}.db")

    def measure(self):
        runs = self.b.args.runs
        for _ in range(runs):
            for which in self.bins:
                db = self.db(which)
                rm_db(db)
                self.r[which]["scan"].append(self.run(self.argv(which, db, "scan"), what=f"{which}: scan"))
        for _ in range(runs):
            for which in self.bins:
                self.r[which]["rescan"].append(
                    self.run(self.argv(which, self.db(which), "scan"), what=f"{which}: rescan"))
        for _ in range(QUERY_RUNS):
            for which in self.bins:
                out = self.b.o(f"side-{which}.json")
                with open(out, "wb") as f:
                    self.r[which]["query"].append(
                        self.run(self.argv(which, self.db(which), *QUERY), stdout=f, what=f"{which}: query"))
        for which in self.bins:
            with open(self.b.o(f"side-{which}.json"), "rb") as f:
                self.outputs[which] = f.read()
            self.r[which]["index"] = db_bytes(self.db(which))
            self.r[which]["rss_kb"] = peak_rss_kb(self.argv(which, self.db(which) + ".rss", "scan"), self.run,
                                                  self.b.o(f"side-{which}.rss"))
            rm_db(self.db(which) + ".rss")
        self.plocate()
        return self

    def plocate(self):
        """updatedb -l 0 of the tree (names only), then `plocate` for the same files, as an anchor."""
        self.r["plocate"] = None
        if not (os.access(UPDATEDB, os.X_OK) and os.access(PLOCATE, os.X_OK)):
            return
        out = os.path.join(self.b.state, "plocate.db")
        self.r["updatedb"] = self.run([UPDATEDB, "-l", "0", "-U", self.b.root, "-o", out], what="updatedb")
        # Every scalp file of 2026-02-03: the same files the query lists, by name.
        pattern = "*/scalp/*20260203*"
        times = []
        for _ in range(QUERY_RUNS):
            with open(self.b.o("plocate.txt"), "wb") as f:
                times.append(self.run([PLOCATE, "-d", out, pattern], stdout=f, what="plocate"))
        with open(self.b.o("plocate.txt"), "rb") as f:
            self.r["plocate_rows"] = f.read().count(b"\n")
        self.r["plocate"] = times

    def report(self, floor, ratio, fmt_s):
        r = self.r
        med = {w: {k: statistics.median(v) for k, v in r[w].items() if isinstance(v, list)} for w in self.bins}
        same = self.outputs["before"] == self.outputs["after"]
        print("\n## Issue 15: queries and scans, side by side\n")
        print(f"- before: `{self.bins['before']}`; after: `{self.bins['after']}`")
        print(f"- scan and rescan: {self.b.args.runs} runs each, query: {QUERY_RUNS} runs each, alternating "
              "before/after; medians")
        print(f"- query output byte-identical between the two: {'yes' if same else 'NO'} "
              f"({len(self.outputs['after']):,} bytes)")
        head = ("measure", "before", "after", "after/before", "target", "status")
        print("\n| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")

        def row(name, b, a, before, after, target, ok):
            print(f"| {name} | {before} | {after} | {ratio(a, b)} | {target} | {'met' if ok else 'missed'} |")

        q_b, q_a = med["before"]["query"], med["after"]["query"]
        row("`query --track scalp --date 20260203 --json`", q_b, q_a, f"{q_b * 1000:.1f} ms", f"{q_a * 1000:.1f} ms",
            "<= 15 ms", q_a <= 0.015)
        for key, name, target in (("scan", "full scan, vs `find -printf` stat floor", 1.5),
                                  ("rescan", "no-change rescan, vs stat floor", None)):
            b, a = med["before"][key], med["after"][key]
            row(name, b, a, f"{fmt_s(b)}, {b / floor:.2f}x", f"{fmt_s(a)}, {a / floor:.2f}x",
                f"<= {target}x" if target else "(not raised)", a <= (target or 1.5) * floor)
        files = self.b.args.files
        ib, ia = r["before"]["index"], r["after"]["index"]
        row("index size, bytes per file", ib, ia, f"{ib / files:.0f}", f"{ia / files:.0f}", "<= 200", ia / files <= 200)
        rb, ra = r["before"]["rss_kb"] / 1024, r["after"]["rss_kb"] / 1024
        row("full scan peak RSS", rb, ra, f"{rb:.1f} MB", f"{ra:.1f} MB", "<= 64 MB", ra <= 64)
        print()
        for w in self.bins:
            print(f"- {w} runs: scan " + " / ".join(f"{t:.3f}" for t in r[w]["scan"]) + " s; rescan "
                  + " / ".join(f"{t:.3f}" for t in r[w]["rescan"]) + " s; query "
                  + " ".join(f"{t * 1000:.1f}" for t in r[w]["query"]) + " ms")
        if r.get("plocate"):
            p = statistics.median(r["plocate"])
            print(f"- anchor: `updatedb -l 0` of the tree {fmt_s(r['updatedb'])}; `plocate -d DB '*/scalp/*20260203*'` "
                  f"median {p * 1000:.1f} ms ({r['plocate_rows']:,} names)")
        else:
            print("- anchor: plocate not installed (apt-get install plocate)")


def peak_rss_kb(argv, run, out):
    """Max RSS of one run, from /usr/bin/time -f %M (0 when it is missing)."""
    if not os.access(TIME, os.X_OK):
        return 0
    run([TIME, "-f", "%M", "-o", out, *argv], what="peak RSS")
    with open(out) as f:
        return int(f.read().split()[-1])


def million(bench, run, fmt_s):
    """--million: one run each of find, du, updatedb and the agent's scan, rescan, RSS, index size."""
    b = bench
    files = b.args.files
    rows = []
    with open(b.o("m-find.txt"), "wb") as f:
        floor = run(["find", b.root, "-type", "f", "-printf", r"%p %s %T@ %i %U %G\n"], stdout=f, what="find")
    rows.append(("`find -type f -printf` (stat floor)", fmt_s(floor), "1.00x", ""))
    du = run(["du", "-s", "-B1", "-x", b.root], stdout=subprocess.DEVNULL, what="du")
    rows.append(("`du -s -B1 -x`", fmt_s(du), f"{du / floor:.2f}x", ""))
    if os.access(UPDATEDB, os.X_OK):
        out = os.path.join(b.state, "m-plocate.db")
        t = run([UPDATEDB, "-l", "0", "-U", b.root, "-o", out], what="updatedb")
        size = os.path.getsize(out)
        rows.append(("plocate `updatedb -l 0` (names only; anchor)", fmt_s(t), f"{t / floor:.2f}x",
                     f"database {size / 1e6:.1f} MB, {size / files:.0f} bytes per file"))
    db = os.path.join(b.state, "m-inventory.db")
    rm_db(db)
    argv = [b.args.bin, "--db", db, "--storage-root", b.root, "scan"]
    rss_out = b.o("m-rss.txt")
    if os.access(TIME, os.X_OK):
        t0 = time.perf_counter()
        run([TIME, "-f", "%M", "-o", rss_out, *argv], what="full scan")
        scan = time.perf_counter() - t0
        with open(rss_out) as f:
            rss = int(f.read().split()[-1]) / 1024
    else:
        scan, rss = run(argv, what="full scan"), None
    rows.append(("storage-agent full scan (fresh index)", fmt_s(scan), f"{scan / floor:.2f}x",
                 f"{scan / du:.2f}x du"))
    rescan = run(argv, what="no-change rescan")
    rows.append(("storage-agent no-change rescan", fmt_s(rescan), f"{rescan / floor:.2f}x", f"{rescan / du:.2f}x du"))
    rows.append(("storage-agent full scan peak RSS", f"{rss:.1f} MB" if rss is not None else "n/a", "",
                 "target <= 64 MB: " + ("met" if rss is not None and rss <= 64 else "missed")))
    size = db_bytes(db)
    rows.append(("storage-agent index size", f"{size / 1e6:.1f} MB", "",
                 f"{size / files:.0f} bytes per file; target <= 200: " + ("met" if size / files <= 200 else "missed")))
    print(f"\n## Issue 15: {files:,} files, one run each\n")
    print("| measure | time / size | vs stat floor | notes |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


def available():
    return shutil.which("du") is not None
