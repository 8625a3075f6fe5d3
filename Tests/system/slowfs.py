"""A tiny FUSE file system served from this process, over /dev/fuse with no library: a storage
root holding one volume directory with one JSONL file whose reads the test answers when it
chooses. It is the real slow input the watchdog tests need: the agent's walker really waits in
read(2), as on a dying disk or a hung NFS server, and nothing of the agent is replaced.

Only what the agent does is served: LOOKUP, GETATTR, OPEN(DIR), READ(DIR), RELEASE(DIR), FLUSH,
STATFS; everything else is ENOSYS (lseek then falls back to "all data", getxattr to "none")."""

import ctypes
import errno
import os
import stat
import struct
import threading

FUSE_LOOKUP, FUSE_FORGET, FUSE_GETATTR = 1, 2, 3
FUSE_OPEN, FUSE_READ, FUSE_STATFS, FUSE_RELEASE, FUSE_FLUSH = 14, 15, 17, 18, 25
FUSE_INIT, FUSE_OPENDIR, FUSE_READDIR, FUSE_RELEASEDIR = 26, 27, 28, 29
FUSE_INTERRUPT, FUSE_DESTROY, FUSE_BATCH_FORGET = 36, 38, 42
FOPEN_DIRECT_IO = 1 << 0
MiB = 1 << 20

IN_HEADER = struct.Struct("<IIQQIIIHH")  # len opcode unique nodeid uid gid pid total_extlen padding
OUT_HEADER = struct.Struct("<IiQ")       # len error unique
ATTR = struct.Struct("<QQQQQQIIIIIIIIII")  # ino size blocks atime mtime ctime *nsec mode nlink uid gid rdev blksize flags


class SlowFS:
    """Mounts at MOUNTPOINT: /<volume>/<name> of SIZE bytes, a newline every 64 bytes.

    `gate(offset)` is called (on the server thread) before each READ is answered, with the
    read's offset: it returns when the read may be answered, or False to leave it unanswered
    until `close()`."""

    def __init__(self, mountpoint, volume, name, size, gate):
        self.mountpoint, self.size, self.gate = mountpoint, size, gate
        self.nodes = {1: ("dir", {volume.encode(): 2}), 2: ("dir", {name.encode(): 3}), 3: ("file", None)}
        self.reads = []  # offsets of READ requests, in arrival order
        self.fd = os.open("/dev/fuse", os.O_RDWR | os.O_CLOEXEC)
        libc = ctypes.CDLL(None, use_errno=True)
        options = f"fd={self.fd},rootmode=40755,user_id=0,group_id=0,allow_other".encode()
        if libc.mount(b"slowfs", mountpoint.encode(), b"fuse.slowfs", ctypes.c_ulong(6), options) != 0:  # nosuid,nodev
            e = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(e, f"mount fuse at {mountpoint}: {os.strerror(e)}")
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        """Ends the connection (every read still waiting fails) and unmounts."""
        try:
            os.close(self.fd)
        except OSError:
            pass
        libc = ctypes.CDLL(None, use_errno=True)
        libc.umount2(self.mountpoint.encode(), 2)  # MNT_DETACH
        self.thread.join(timeout=10)

    def _attr(self, node):
        kind = self.nodes[node][0]
        mode = (stat.S_IFDIR | 0o755) if kind == "dir" else (stat.S_IFREG | 0o644)
        size = self.size if kind == "file" else 4096
        return ATTR.pack(node, size, (size + 511) // 512, 1_770_000_000, 1_770_000_000, 1_770_000_000, 0, 0, 0,
                         mode, 2 if kind == "dir" else 1, 0, 0, 0, 4096, 0)

    def _reply(self, unique, error=0, body=b""):
        try:
            os.write(self.fd, OUT_HEADER.pack(OUT_HEADER.size + len(body), -error, unique) + body)
        except OSError:
            pass  # the request was interrupted, or the connection is gone

    def _content(self, offset, size):
        end = min(self.size, offset + size)
        line = b"x" * 63 + b"\n"
        first = offset // 64
        data = line * ((end - first * 64) // 64 + 1)
        return data[offset - first * 64:end - first * 64]

    def _serve(self):
        while True:
            try:
                request = os.read(self.fd, 1 << 21)
            except OSError as e:
                if e.errno in (errno.EINTR, errno.EAGAIN):
                    continue
                return  # ENODEV: unmounted, EBADF: closed
            length, opcode, unique, node, *_ = IN_HEADER.unpack_from(request)
            body = request[IN_HEADER.size:length]
            if opcode == FUSE_INIT:
                major, minor, readahead, _flags = struct.unpack_from("<IIII", body)
                out = struct.pack("<IIIIHHIIHHII", 7, min(minor, 31), readahead, 0, 16, 12, 4096, 1, 0, 0, 0, 0)
                self._reply(unique, body=out + b"\0" * 24)
            elif opcode in (FUSE_FORGET, FUSE_BATCH_FORGET, FUSE_INTERRUPT):
                continue  # no reply
            elif opcode == FUSE_LOOKUP:
                child = self.nodes.get(node, ("file", None))[1] or {}
                found = child.get(body.rstrip(b"\0"))
                if found is None:
                    self._reply(unique, errno.ENOENT)
                else:
                    self._reply(unique, body=struct.pack("<QQQQII", found, 0, 1, 1, 0, 0) + self._attr(found))
            elif opcode == FUSE_GETATTR:
                self._reply(unique, body=struct.pack("<QII", 1, 0, 0) + self._attr(node))
            elif opcode in (FUSE_OPEN, FUSE_OPENDIR):
                self._reply(unique, body=struct.pack("<QIi", 0, FOPEN_DIRECT_IO if opcode == FUSE_OPEN else 0, 0))
            elif opcode == FUSE_READDIR:
                _fh, offset, size = struct.unpack_from("<QQI", body)
                entries = [(b".", node, 4), (b"..", 1, 4)] + [
                    (n, i, 4 if self.nodes[i][0] == "dir" else 8) for n, i in self.nodes[node][1].items()]
                out = b""
                for index, (name, ino, kind) in enumerate(entries[offset:], start=offset + 1):
                    entry = struct.pack("<QQII", ino, index, len(name), kind) + name
                    entry += b"\0" * (-len(entry) % 8)
                    if len(out) + len(entry) > size:
                        break
                    out += entry
                self._reply(unique, body=out)
            elif opcode == FUSE_READ:
                _fh, offset, size = struct.unpack_from("<QQI", body)
                self.reads.append(offset)
                threading.Thread(target=self._answer_read, args=(unique, offset, size), daemon=True).start()
            elif opcode in (FUSE_RELEASE, FUSE_RELEASEDIR, FUSE_FLUSH):
                self._reply(unique)
            elif opcode == FUSE_STATFS:
                self._reply(unique, body=struct.pack("<QQQQQIII", 1 << 20, 1 << 19, 1 << 19, 1000, 900, 4096, 255, 4096)
                            + b"\0" * 28)
            elif opcode == FUSE_DESTROY:
                self._reply(unique)
                return
            else:
                self._reply(unique, errno.ENOSYS)

    def _answer_read(self, unique, offset, size):
        if self.gate(offset) is False:
            return  # never answered: the reader waits until close()
        self._reply(unique, body=self._content(offset, size))
