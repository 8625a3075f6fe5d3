#!/usr/bin/env python3
"""Generate a realistic local-path-provisioner storage root for storage-agent.

The tree mirrors what the observer incident left on a k3s node (see
docs/context.md): one directory per PVC named ``pvc-<uid>_<namespace>_<pvc>``,
hourly/daily JSONL and log files in the track layouts the seeds show, a PVC
recreated under the same name (an older second directory), a Postgres volume,
a legacy ``pvc-<uid>`` volume, ``lost+found`` and a stray file in the root.

Everything is deterministic for a given --seed (names, uuids, contents,
mtimes). File mtimes are the end of the hour/day the file represents in
Asia/Seoul (fixed UTC+9). Directory mtimes are set last, to the newest entry
they hold. Nothing is chowned. Python 3 standard library only.
"""

import argparse
import datetime as dt
import gzip
import json
import math
import os
import random
import socket
import sys
import time
import uuid

KST = 9 * 3600                  # Asia/Seoul, no DST: a fixed offset is exact
SESSION_HOURS = range(9, 16)    # 09:00-15:30 -> hourly files 09..15
INDEXED_SUFFIXES = (b".jsonl", b".log")
LOGS_PVC_UID = "3a60a238-a7b1-45b5-9d1d-cfd3a23701da"   # the one from the incident
RETENTION_DAYS = {"scalp": 3, "swing": 7, "system": 30}
BULK_PER_VOLUME = 50_000        # bulk files per data volume before adding another
BULK_MAX_VOLUMES = 20
BULK_SYMBOLS = 250              # per day dir: 250 * 7 scalp hours = 1,750 entries
PROGRESS_EVERY = 50_000

# A few real KOSPI names (UTF-8 in the universe snapshots); the rest are made up.
KNOWN_SYMBOLS = [
    ("005930", "삼성전자", 71200), ("000660", "SK하이닉스", 142500),
    ("373220", "LG에너지솔루션", 402000), ("207940", "삼성바이오로직스", 781000),
    ("005380", "현대차", 188300), ("035420", "NAVER", 201500),
    ("000270", "기아", 86700), ("068270", "셀트리온", 178900),
    ("051910", "LG화학", 452500), ("035720", "카카오", 54300),
    ("105560", "KB금융", 61200), ("006400", "삼성SDI", 431000),
    ("055550", "신한지주", 41850), ("012330", "현대모비스", 221000),
    ("028260", "삼성물산", 112300), ("066570", "LG전자", 98400),
]


class Failure(Exception):
    """A user-facing error: printed as one line, exit status 1."""


def b(s):
    return s if isinstance(s, bytes) else os.fsencode(s)


def tick_size(price):
    """KRX tick size for a price band (post-2023 rules, close enough)."""
    for limit, tick in ((2000, 1), (5000, 5), (20000, 10), (50000, 50), (200000, 100), (500000, 500)):
        if price < limit:
            return tick
    return 1000


def day_start(day):
    """00:00 Asia/Seoul of `day` as a UTC epoch second."""
    return (day.toordinal() - dt.date(1970, 1, 1).toordinal()) * 86400 - KST


def ymd(day):
    return day.strftime("%Y%m%d")


class Content:
    """Deterministic line generators (JSONL records and log lines)."""

    def __init__(self, rng):
        self.rng = rng
        self.prices = {}
        self.refs = {}
        self.acc = {}
        self.seq = 0

    def _price(self, sym, base=None):
        p = self.prices.get(sym)
        if p is None:
            p = base or self.rng.randrange(2000, 300000)
            p -= p % tick_size(p)
        if base and abs(p - base) * 10 > base:     # stay within +-10% of the reference
            p = base
        t = tick_size(p)
        p = max(t, p + t * (int(self.rng.random() * 7) - 3))
        self.prices[sym] = p
        return p

    def quotes(self, day, start, span, n, symbols, track):
        """`n` KIS real-time quote records spread over [start, start+span) s of `day` (KST)."""
        rnd = self.rng.random
        date_s = day.isoformat()
        out = []
        nsym = len(symbols)
        for i in range(n):
            sod = start + (span * i) // n
            h, rem = divmod(sod, 3600)
            m, s = divmod(rem, 60)
            sym, base = symbols[(i * 7 + int(rnd() * 3)) % nsym]
            p = self._price(sym, base)
            t = tick_size(p)
            ref = base or p
            chg = p - ref
            vol = 1 + int(rnd() * rnd() * 5000)
            acc = self.acc.get((sym, date_s), 0) + vol
            self.acc[(sym, date_s)] = acc
            self.seq += 1
            out.append(
                f'{{"ts":"{date_s}T{h:02d}:{m:02d}:{s:02d}.{int(rnd() * 1000):03d}+09:00",'
                f'"tr_id":"H0STCNT0","symbol":"{sym}","price":{p},"change":{chg},'
                f'"change_rate":{chg * 100 / ref:.2f},"volume":{vol},"acc_volume":{acc},'
                f'"bid":{p - t},"ask":{p},"bid_qty":{int(rnd() * 20000)},'
                f'"ask_qty":{int(rnd() * 20000)},"seq":{self.seq},"track":"{track}"}}\n'
            )
        return "".join(out).encode()

    _times = None
    _millis = [f"{i:03d}" for i in range(1000)]

    def symbol_quotes(self, date_s, start, span, n, sym, base, track):
        """Fast path for the bulk files: one symbol, one random draw per line."""
        times = Content._times
        if times is None:
            times = Content._times = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
        millis = self._millis
        ref = self.refs.get(sym)
        if ref is None:
            ref = base or self.rng.randrange(2000, 300000)
            ref -= ref % tick_size(ref)
            self.refs[sym] = ref
        p = self.prices.get(sym, ref)
        if abs(p - ref) * 20 > ref:     # keep within +-5% of the reference price
            p = ref
        t = tick_size(p)
        acc = self.acc.get((sym, date_s), 0)     # accumulated volume restarts every day
        seq = self.seq
        rnd = self.rng.random
        head = f'{{"ts":"{date_s}T'
        mid = f'+09:00","tr_id":"H0STCNT0","symbol":"{sym}","price":'
        tail = f',"track":"{track}"}}\n'
        rates = {}
        out = []
        for i in range(n):
            x = int(rnd() * 4294967296)
            p += t * ((x >> 28) % 3 - 1)
            if p < t:
                p = t
            vol = 1 + (x & 0xFFF)
            acc += vol
            seq += 1
            chg = p - ref
            rate = rates.get(p)
            if rate is None:
                rate = rates[p] = f"{chg * 100 / ref:.2f}"
            out.append(f'{head}{times[start + (span * i) // n]}.{millis[x % 1000]}{mid}{p},"change":{chg},'
                       f'"change_rate":{rate},"volume":{vol},"acc_volume":{acc},"bid":{p - t},"ask":{p},'
                       f'"bid_qty":{(x >> 12) & 0x3FFF},"ask_qty":{(x >> 14) & 0x3FFF},"seq":{seq}{tail}')
        self.prices[sym] = p
        self.acc[(sym, date_s)] = acc
        self.seq = seq
        return "".join(out).encode()

    def events(self, day, start, span, n, kind):
        """Event-bus / system JSONL records."""
        rng = self.rng
        date_s = day.isoformat()
        out = []
        for i in range(n):
            sod = start + (span * i) // n
            h, rem = divmod(sod, 3600)
            m, s = divmod(rem, 60)
            ts = f"{date_s}T{h:02d}:{m:02d}:{s:02d}.{rng.randrange(1000):03d}+09:00"
            if kind == "gap":
                rec = {"ts": ts, "symbol": rng.choice(KNOWN_SYMBOLS)[0], "track": rng.choice(["scalp", "swing"]),
                       "gap_seconds": round(rng.uniform(1.5, 90), 3), "expected_seq": 1000 + i * 37,
                       "got_seq": 1000 + i * 37 + rng.randrange(1, 40)}
            elif kind == "overflow":
                rec = {"ts": ts, "queue": rng.choice(["quotes", "writer", "ws-inbound"]),
                       "depth": rng.randrange(9000, 10001), "capacity": 10000, "dropped": rng.randrange(1, 500)}
            elif kind == "system":
                rec = {"ts": ts, "level": rng.choice(["INFO"] * 8 + ["WARNING"]), "component": "observer.health",
                       "event": rng.choice(["heartbeat", "ws.ping", "token.refresh", "disk.check"]),
                       "rss_mb": rng.randrange(180, 420), "queue_depth": rng.randrange(0, 300)}
            elif kind == "universe":
                sym, name, base = KNOWN_SYMBOLS[i % len(KNOWN_SYMBOLS)]
                rec = {"ts": ts, "symbol": sym, "name": name, "market": "KOSPI", "prev_close": base,
                       "listed_shares": rng.randrange(10**7, 6 * 10**9), "tracks": ["scalp", "swing"]}
            else:  # event bus
                rec = {"ts": ts, "event": rng.choice(["collector.started", "collector.subscribed", "writer.rotated",
                                                      "writer.flushed", "ws.reconnected", "session.open",
                                                      "session.close"]),
                       "track": rng.choice(["scalp", "swing", None]), "pod": f"observer-7d9f8c6b5-{rng.choice(['x2kqp', 'm8zrt'])}"}
            out.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
        return "".join(out).encode()

    LOG_MESSAGES = {
        "system": [
            ("INFO", "observer.scheduler", "tick: {n} jobs due"),
            ("INFO", "observer.health", "ok: ws=connected writer=idle rss={n}MB"),
            ("INFO", "observer.auth", "KIS access token valid for {n} more minutes"),
            ("WARNING", "observer.ws", "websocket ping timeout after {n} ms; reconnecting"),
            ("INFO", "observer.session", "market closed; next session in {n} minutes"),
        ],
        "scalp": [
            ("INFO", "observer.collector", "received {n} quotes for {sym}"),
            ("INFO", "observer.writer", "appended {n} records to /app/data/assets/scalp/{date}_{hh}.jsonl"),
            ("WARNING", "observer.collector", "gap of {n} ms in {sym} stream"),
            ("DEBUG", "observer.ws", "H0STCNT0 frame {n} bytes"),
        ],
        "swing": [
            ("INFO", "observer.collector", "daily bar fetched for {sym} ({n} rows)"),
            ("INFO", "observer.writer", "appended {n} records to /app/data/assets/swing/{date}.jsonl"),
        ],
        "maintenance": [
            ("INFO", "observer.maintenance", "cleanup: removed /app/logs/scalp/{old}_{hh}.log (retention 3d)"),
            ("INFO", "observer.maintenance", "cleanup: removed /app/logs/swing/{old}.log (retention 7d)"),
            ("INFO", "observer.maintenance", "backup: archived {n} files to /app/data/backups/archives"),
        ],
        "app": [
            ("INFO", "app", "request handled in {n} ms"),
            ("ERROR", "app", "connection refused; retry {n}"),
        ],
    }

    def logs(self, day, start, span, n, kind):
        rng = self.rng
        date_s = day.isoformat()
        d8 = ymd(day)
        old = ymd(day - dt.timedelta(days=8))
        msgs = self.LOG_MESSAGES[kind]
        out = []
        for i in range(n):
            sod = start + (span * i) // n
            h, rem = divmod(sod, 3600)
            m, s = divmod(rem, 60)
            level, logger, fmt = msgs[rng.randrange(len(msgs))]
            msg = fmt.format(n=rng.randrange(1, 900), sym=rng.choice(KNOWN_SYMBOLS)[0], date=d8, hh=f"{h:02d}", old=old)
            out.append(f"{date_s} {h:02d}:{m:02d}:{s:02d},{rng.randrange(1000):03d} {level} {logger}: {msg}\n")
        return "".join(out).encode()

    def postgres(self, day, n):
        rng = self.rng
        out = []
        for i in range(n):
            sod = (86400 * i) // n
            h, rem = divmod(sod, 3600)
            m, s = divmod(rem, 60)
            msg = rng.choice(["LOG:  checkpoint starting: time",
                              "LOG:  checkpoint complete: wrote 42 buffers (0.3%); 0 WAL file(s) added",
                              "LOG:  automatic vacuum of table \"observer.public.quotes\": index scans: 1",
                              "FATAL:  password authentication failed for user \"observer\""])
            out.append(f"{day.isoformat()} {h:02d}:{m:02d}:{s:02d}.{rng.randrange(1000):03d} KST [{rng.randrange(30, 9000)}] {msg}\n")
        return "".join(out).encode()


class Tree:
    """Writes the tree, tracks counts and directory mtimes."""

    def __init__(self, root, force):
        self.root = b(root)
        self.force = force
        self.dirs = {}          # rel dir (bytes) -> newest child mtime (ns) or None
        self.dir_floor = {}     # rel dir -> mtime for dirs that stay empty
        self.volumes = 0
        self.indexed = 0
        self.bytes = 0
        self.written = 0
        self.started = time.monotonic()
        self.progress_total = None
        self._dfd_rel = None
        self._dfd = None
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        self.flags = flags | (os.O_TRUNC if force else os.O_EXCL)

    def path(self, rel):
        return os.path.join(self.root, rel) if rel else self.root

    def mkdir(self, rel, mode=0o755):
        rel = b(rel)
        if rel in self.dirs:
            return
        parent = os.path.dirname(rel)
        if parent:
            self.mkdir(parent)
        try:
            os.mkdir(self.path(rel), mode)
        except FileExistsError:
            if not self.force:
                raise
        self.dirs[rel] = None

    def volume(self, name, mode=0o777):
        """A volume directory; local-path's setup script makes them 0777."""
        rel = b(name)
        self.mkdir(rel)
        os.chmod(self.path(rel), mode)
        self.volumes += 1
        return rel

    def _note(self, rel_dir, mtime_ns):
        if not rel_dir:
            return
        cur = self.dirs.get(rel_dir)
        if cur is None or mtime_ns > cur:
            self.dirs[rel_dir] = mtime_ns

    def write(self, rel, data, mtime):
        """Write a regular file at `rel` with `data` and mtime `mtime` (epoch s, int or float)."""
        rel = b(rel)
        d, name = os.path.split(rel)
        if d:
            self.mkdir(d)
        if d != self._dfd_rel:
            if self._dfd is not None:
                os.close(self._dfd)
            self._dfd = os.open(self.path(d), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            self._dfd_rel = d
        fd = os.open(name, self.flags, 0o644, dir_fd=self._dfd)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            ns = round(mtime * 1000) * 1_000_000     # millisecond precision, exact
            os.utime(fd, ns=(ns, ns))
        finally:
            os.close(fd)
        self._note(d, ns)
        self.bytes += len(data)
        self.written += 1
        if name.endswith(INDEXED_SUFFIXES):
            self.indexed += 1
        if self.written % PROGRESS_EVERY == 0:
            total = f"/{self.progress_total}" if self.progress_total else ""
            print(f"gen_storage: {self.written}{total} files ({time.monotonic() - self.started:.1f} s)",
                  file=sys.stderr, flush=True)

    def floor(self, rel, mtime):
        """mtime for a directory when none of its entries is newer."""
        self.dir_floor[b(rel)] = round(mtime * 1000) * 1_000_000

    def close_dir(self):
        if self._dfd is not None:
            os.close(self._dfd)
            self._dfd = None
            self._dfd_rel = None

    def finish_dirs(self):
        """Set every directory's mtime to its newest entry, deepest first."""
        self.close_dir()
        for rel in sorted(self.dirs, key=lambda r: r.count(b"/"), reverse=True):
            known = [ns for ns in (self.dirs[rel], self.dir_floor.get(rel)) if ns is not None]
            if not known:
                continue
            ns = max(known)
            os.utime(self.path(rel), ns=(ns, ns), follow_symlinks=False)
            parent = os.path.dirname(rel)
            if parent:
                self._note(parent, ns)


# ---------------------------------------------------------------------------
# Layout


def pvc_uid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def window(end, days):
    return [end - dt.timedelta(days=i) for i in range(days - 1, -1, -1)]


def weekdays(days):
    return [d for d in days if d.weekday() < 5]


def hour_end(day, hour, rng):
    return day_start(day) + hour * 3600 + 3599 + rng.randrange(1000) / 1000


def day_end(day, rng):
    return day_start(day) + 86399 + rng.randrange(1000) / 1000


def write_logs_volume(tree, rng, content, vol, days):
    """observer-logs-pvc: system hourly logs at the root, per-track logs, system JSONL, maintenance."""
    last = days[-1]
    for day in days:
        age = (last - day).days
        d8 = ymd(day)
        for hour in range(24):
            if age < RETENTION_DAYS["system"]:
                tree.write(vol + b"/" + b(f"{d8}_{hour:02d}.log"),
                           content.logs(day, hour * 3600, 3600, rng.randrange(10, 401), "system"),
                           hour_end(day, hour, rng))
            if age < RETENTION_DAYS["scalp"]:
                tree.write(vol + b(f"/scalp/{d8}_{hour:02d}.log"),
                           content.logs(day, hour * 3600, 3600, rng.randrange(10, 401), "scalp"),
                           hour_end(day, hour, rng))
        if age < RETENTION_DAYS["scalp"]:
            tree.write(vol + b(f"/scalp/{d8}.log"),
                       content.logs(day, 0, 86400, rng.randrange(10, 401), "scalp"), day_end(day, rng))
        if age < RETENTION_DAYS["swing"]:
            tree.write(vol + b(f"/swing/{d8}.log"),
                       content.logs(day, 9 * 3600, 23400, rng.randrange(10, 401), "swing"), day_end(day, rng))
        tree.write(vol + b(f"/system/gap_{d8}.jsonl"),
                   content.events(day, 9 * 3600, 23400, rng.randrange(10, 120), "gap"), day_end(day, rng))
        tree.write(vol + b(f"/system/overflow_{d8}.jsonl"),
                   content.events(day, 9 * 3600, 23400, rng.randrange(10, 60), "overflow"), day_end(day, rng))
        tree.write(vol + b(f"/maintenance/cleanup_{d8}.log"),
                   content.logs(day, 3 * 3600, 1800, rng.randrange(10, 60), "maintenance"), day_end(day, rng))


def write_data_volume(tree, rng, content, vol, days, symbols, flat=True, extras=True):
    """observer-data-pvc: hourly scalp, daily swing, event bus, flat variants, non-indexed files."""
    trading = weekdays(days)
    for day in trading:
        d8 = ymd(day)
        for hour in SESSION_HOURS:
            tree.write(vol + b(f"/assets/scalp/{d8}_{hour:02d}.jsonl"),
                       content.quotes(day, hour * 3600, 1800 if hour == 15 else 3600,
                                      rng.randrange(10, 401), symbols, "scalp"),
                       hour_end(day, hour, rng))
        tree.write(vol + b(f"/assets/swing/{d8}.jsonl"),
                   content.quotes(day, 9 * 3600, 23400, rng.randrange(10, 401), symbols, "swing"),
                   day_end(day, rng))
    last = days[-1]
    tree.write(vol + b"/observer.jsonl", content.events(last, 0, 86400, rng.randrange(10, 401), "bus"),
               day_end(last, rng))
    if flat and trading:
        day = trading[-1]
        d8 = ymd(day)
        for hour in SESSION_HOURS:
            tree.write(vol + b(f"/assets/scalp_{d8}_{hour:02d}.jsonl"),
                       content.quotes(day, hour * 3600, 3600, rng.randrange(10, 401), symbols, "scalp"),
                       hour_end(day, hour, rng))
        tree.write(vol + b(f"/assets/swing_{d8}.jsonl"),
                   content.quotes(day, 9 * 3600, 23400, rng.randrange(10, 401), symbols, "swing"),
                   day_end(day, rng))
    if flat:
        for day in days:
            tree.write(vol + b(f"/assets/system_{ymd(day)}.jsonl"),
                       content.events(day, 0, 86400, rng.randrange(10, 401), "system"), day_end(day, rng))
    if extras:
        prev = ymd(last - dt.timedelta(days=1))
        manifest = json.dumps({"archive": f"observer-data_{prev}.tar.gz", "files": 8, "created": f"{prev}T03:00:00+09:00",
                               "sha256": "%064x" % rng.getrandbits(256)}, indent=2).encode() + b"\n"
        archive = gzip.compress(content.quotes(last, 9 * 3600, 23400, 200, symbols, "swing"), mtime=0)
        tree.write(vol + b(f"/backups/archives/observer-data_{prev}.tar.gz"), archive, day_start(last) + 3 * 3600 + 12)
        tree.write(vol + b(f"/backups/manifests/observer-data_{prev}.json"), manifest, day_start(last) + 3 * 3600 + 13)
        parquet = b"PAR1" + rng.randbytes(4096) + b"PAR1"
        tree.write(vol + b(f"/datasets/scalp_{prev[:6]}.parquet"), parquet, day_start(last) + 4 * 3600)
        tree.mkdir(vol + b"/cache")
        tree.floor(vol + b"/cache", day_start(days[0]))


def write_db_volume(tree, rng, content, vol, days):
    tree.write(vol + b"/PG_VERSION", b"16\n", day_start(days[0]) - 86400 * 30)
    tree.write(vol + b"/base/1/1234", rng.randbytes(8192), day_end(days[-1], rng))
    tree.write(vol + b"/base/1/1249", rng.randbytes(16384), day_end(days[-1], rng))
    tree.write(vol + b"/global/pg_control", rng.randbytes(8192), day_end(days[-1], rng))
    tree.write(vol + b"/postgresql.auto.conf", b"# Do not edit this file manually!\n", day_start(days[0]) - 86400 * 30)
    tree.mkdir(vol + b"/pg_wal")
    tree.write(vol + b"/pg_wal/000000010000000000000001", rng.randbytes(65536), day_end(days[-1], rng))
    for day in days:
        tree.write(vol + b(f"/log/postgresql-{day.isoformat()}.log"),
                   content.postgres(day, rng.randrange(10, 120)), day_end(day, rng))


def write_universe_volume(tree, rng, content, vol, days):
    for day in weekdays(days):
        tree.write(vol + b(f"/snapshots/universe_{ymd(day)}.jsonl"),
                   content.events(day, 8 * 3600 + 1800, 60, len(KNOWN_SYMBOLS), "universe"),
                   day_start(day) + 8 * 3600 + 1860)


def write_adversarial(tree, rng, content, vol, day):
    """Hostile entries a container could plant in a world-writable volume."""
    evil = vol + b"/evil"
    tree.mkdir(evil)
    t = day_end(day, rng)
    p = tree.path(evil)
    made = []

    def special(name, fn):
        try:
            fn(os.path.join(p, name))
            made.append(name)
        except FileExistsError:
            if not tree.force:
                raise

    special(b"pipe.jsonl", os.mkfifo)
    special(b"link.jsonl", lambda q: os.symlink(b"/etc/passwd", q))
    special(b"loop", lambda q: os.symlink(b"loop", q))
    special(b"up", lambda q: os.symlink(b"../..", q))
    data = content.quotes(day, 9 * 3600, 3600, 12, [(s, base) for s, _, base in KNOWN_SYMBOLS[:4]], "scalp")
    tree.write(evil + b"/bad\nname.jsonl", data, t)
    tree.write(evil + b"/caf\xe9_20260203.jsonl", data, t)
    prefix, suffix = b"long_20260203_", b".jsonl"
    tree.write(evil + b"/" + prefix + b"x" * (255 - len(prefix) - len(suffix)) + suffix, data, t)
    # Same inode under two names (st_nlink == 2): ownership fixing must refuse it.
    tree.write(evil + b"/hardlink_20260203.jsonl", data, t)
    special(b"hardlink2_20260203.jsonl", lambda q: os.link(os.path.join(p, b"hardlink_20260203.jsonl"), q))
    tree.indexed += 1   # the second name is an indexed regular file too (also when --force found it)
    deep = evil + b"/d" * 200
    tree.write(deep + b"/deep.log", content.logs(day, 9 * 3600, 3600, 10, "app"), t)

    # AF_UNIX paths are limited to 108 bytes: bind relative to the directory.
    cwd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.chdir(p)
        sock.bind(b"sock.log")
        made.append(b"sock.log")
    except OSError as e:
        if not (tree.force and e.errno == 98):  # EADDRINUSE: already there
            print(f"gen_storage: warning: skipped unix socket sock.log: {e.strerror}", file=sys.stderr)
    finally:
        sock.close()
        os.fchdir(cwd)
        os.close(cwd)
    ns = round(t * 1000) * 1_000_000
    for name in made:   # deterministic mtimes for the non-regular entries too
        os.utime(os.path.join(p, name), ns=(ns, ns), follow_symlinks=False)


def bulk_symbols(rng, count):
    syms = [(s, base) for s, _, base in KNOWN_SYMBOLS]
    seen = {s for s, _ in syms}
    while len(syms) < count:
        s = f"{rng.randrange(1000, 999999):06d}"
        if s not in seen:
            seen.add(s)
            syms.append((s, 0))
    return syms[:count]


def write_bulk(tree, rng, content, vols, total, end):
    """`total` small files over `vols`: assets/scalp/<date>/<SYM>_<date>_<HH>.jsonl and
    assets/swing/<date>/<SYM>_<date>.jsonl, newest trading day first, <= 2,000 entries a dir."""
    syms = bulk_symbols(rng, BULK_SYMBOLS)
    k = len(vols)
    for i, vol in enumerate(vols):
        budget = total // k + (1 if i < total % k else 0)
        day = end
        while budget > 0:
            if day.weekday() < 5:
                d8 = ymd(day)
                iso = day.isoformat()
                t0 = day_start(day)
                scalp = vol + b(f"/assets/scalp/{d8}/")
                swing = vol + b(f"/assets/swing/{d8}/")
                for sym, base in syms:
                    for hour in SESSION_HOURS:
                        if budget == 0:
                            break
                        tree.write(scalp + f"{sym}_{d8}_{hour:02d}.jsonl".encode(),
                                   content.symbol_quotes(iso, hour * 3600, 3600, rng.randrange(5, 17), sym, base, "scalp"),
                                   t0 + hour * 3600 + 3599 + rng.randrange(1000) / 1000)
                        budget -= 1
                for sym, base in syms:
                    if budget == 0:
                        break
                    tree.write(swing + f"{sym}_{d8}.jsonl".encode(),
                               content.symbol_quotes(iso, 9 * 3600, 23400, rng.randrange(5, 17), sym, base, "swing"),
                               t0 + 86399 + rng.randrange(1000) / 1000)
                    budget -= 1
            day -= dt.timedelta(days=1)


def generate(args):
    rng = random.Random(args.seed)
    content = Content(rng)
    end = dt.datetime.strptime(args.end, "%Y%m%d").date()
    days = window(end, args.days)
    symbols = [(s, base) for s, _, base in KNOWN_SYMBOLS]

    root = b(args.root)
    if os.path.lexists(root):
        if not os.path.isdir(root) or os.path.islink(root):
            raise Failure(f"{args.root} exists and is not a directory")
        if os.listdir(root) and not args.force:
            raise Failure(f"{args.root} is not empty; pick a new directory or pass --force to write into it")
    else:
        os.makedirs(root, 0o700)     # k3s: chmod 700 on the storage root
    tree = Tree(root, args.force)

    def name(ns, pvc, uid=None):
        return f"pvc-{uid or pvc_uid(rng)}_{ns}_{pvc}"

    # Stale first: the PVC existed before, was deleted with Retain and recreated.
    stale_end = min(end - dt.timedelta(days=10), days[0] - dt.timedelta(days=1))
    stale_days = window(stale_end, args.days)
    stale = tree.volume(name("observer-prod", "observer-data-pvc"))
    write_data_volume(tree, rng, content, stale, stale_days, symbols, flat=False, extras=False)

    logs = tree.volume(name("observer-prod", "observer-logs-pvc", LOGS_PVC_UID))
    write_logs_volume(tree, rng, content, logs, days)
    data = tree.volume(name("observer-prod", "observer-data-pvc"))
    write_data_volume(tree, rng, content, data, days, symbols)
    db = tree.volume(name("observer-prod", "observer-db-pvc"), 0o700)
    write_db_volume(tree, rng, content, db, days)
    uni = tree.volume(name("observer-prod", "observer-universe-pvc"))
    write_universe_volume(tree, rng, content, uni, days)
    dev_logs = tree.volume(name("observer-dev", "observer-logs-pvc"))
    write_logs_volume(tree, rng, content, dev_logs, days)
    dev_data = tree.volume(name("observer-dev", "observer-data-pvc"))
    write_data_volume(tree, rng, content, dev_data, days, symbols[:6])
    legacy = tree.volume(f"pvc-{pvc_uid(rng)}")
    tree.write(legacy + b"/app.log", content.logs(days[-1], 0, 86400, rng.randrange(10, 401), "app"),
               day_end(days[-1], rng) - 86400 * 60)
    if args.adversarial:
        write_adversarial(tree, rng, content, logs, end)

    tree.mkdir(b"lost+found", 0o700)
    tree.floor(b"lost+found", day_start(days[0]) - 86400 * 90)
    tree.write(b"README.txt", b"Volumes of the local-path-provisioner live here. Do not edit by hand.\n",
               day_start(days[0]) - 86400 * 90)

    if args.files is not None:
        bulk = args.files - tree.indexed
        if bulk < 0:
            raise Failure(f"--files {args.files} is below the base layout's {tree.indexed} indexed files; "
                          f"use at least {tree.indexed}, a smaller --days, or omit --files")
        nvol = max(1, min(BULK_MAX_VOLUMES, math.ceil(bulk / BULK_PER_VOLUME)))
        vols = [data, dev_data]
        for i in range(2, nvol):
            ns = "observer-prod" if i % 2 == 0 else "observer-dev"
            vols.append(tree.volume(name(ns, f"observer-shard-{i:02d}-pvc")))
        tree.progress_total = tree.written + bulk
        write_bulk(tree, rng, content, vols[:nvol], bulk, end)

    tree.finish_dirs()
    root_mtime = day_end(end, rng)
    os.utime(root, (root_mtime, root_mtime))
    return tree


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="gen_storage.py",
        description="Generate a deterministic local-path-provisioner storage root (observer layout) "
                    "for storage-agent tests and benchmarks.",
        epilog="Default: a demo tree of about 500 indexed files in observer-prod and observer-dev: "
               "logs/data/db/universe PVCs, a recreated (older, stale) observer-data-pvc, a legacy "
               "pvc-<uid> volume, lost+found/ and README.txt. With --files N, N indexed files in total "
               "(the demo tree plus small per-symbol files in data volumes, <= 2,000 entries per "
               "directory, one more data volume per 50,000 files, up to 20). --adversarial adds "
               "<logs-pvc>/evil/ with a FIFO, symlinks (/etc/passwd, a loop, ../..), names with a "
               "newline, invalid UTF-8 and 255 bytes, a hard-linked file, a 200-deep directory chain "
               "and a unix socket. Mtimes are end of the hour/day each file covers (UTC+9). "
               "Prints 'generated ROOT: V volumes, F indexed files, B bytes' (F: regular *.jsonl/*.log "
               "files inside volumes, hard links counted per name; B: all regular files written).")
    ap.add_argument("root", metavar="ROOT", help="storage root to create (must be missing or empty)")
    ap.add_argument("--files", type=int, metavar="N", help="total number of indexed (*.jsonl, *.log) files")
    ap.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    ap.add_argument("--days", type=int, default=5, metavar="D",
                    help="days of history in the demo layout, ending at --end (default 5)")
    ap.add_argument("--end", default="20260203", metavar="YYYYMMDD",
                    help="last day of the generated history (default 20260203)")
    ap.add_argument("--adversarial", action="store_true", help="add hostile entries under <logs-pvc>/evil/")
    ap.add_argument("--force", action="store_true",
                    help="write into a non-empty ROOT (same-named files are overwritten; nothing is deleted)")
    args = ap.parse_args(argv)
    if args.days < 1:
        ap.error("--days must be at least 1")
    if args.files is not None and args.files < 0:
        ap.error("--files must not be negative")
    try:
        dt.datetime.strptime(args.end, "%Y%m%d")
    except ValueError:
        ap.error(f"--end {args.end!r} is not a YYYYMMDD date")
    try:
        tree = generate(args)
    except Failure as e:
        print(f"gen_storage: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        where = os.fsdecode(e.filename) if e.filename else args.root
        print(f"gen_storage: {where!r}: {e.strerror}", file=sys.stderr)
        return 1
    print(f"generated {args.root}: {tree.volumes} volumes, {tree.indexed} indexed files, {tree.bytes} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
