#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>

/// sd_journal_sendv(3) of `count` fields, field i being `lengths[i]` bytes at `base + offsets[i]`,
/// so Swift passes one buffer and needs no `struct iovec` (a Glibc type) of its own.
static inline int csystemd_journal_send(const char *base, const size_t *offsets, const size_t *lengths, int count) {
    if (count <= 0 || count > 256) return -22;
    struct iovec iov[256];
    for (int i = 0; i < count; i++) {
        iov[i].iov_base = (void *)(base + offsets[i]);
        iov[i].iov_len = lengths[i];
    }
    return sd_journal_sendv(iov, count);
}
