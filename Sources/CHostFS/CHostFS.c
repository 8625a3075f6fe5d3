#define _GNU_SOURCE
#include "CHostFS.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

long chostfs_getdents64(int fd, void *buffer, size_t length) {
    return syscall(SYS_getdents64, fd, buffer, length);
}

int chostfs_birth_ns(int fd, int64_t *birth_ns, int *have_birth) {
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BTIME, &stx) != 0) return -1;
    *have_birth = (stx.stx_mask & STATX_BTIME) != 0;
    *birth_ns = (int64_t)stx.stx_btime.tv_sec * 1000000000 + stx.stx_btime.tv_nsec;
    return 0;
}

int chostfs_fchown_fd(int fd, unsigned uid, unsigned gid) {
    return fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}

int chostfs_at_empty_path(void) { return AT_EMPTY_PATH; }
int chostfs_o_path(void) { return O_PATH; }
