#define _GNU_SOURCE
#include "CHostFSCopy.h"
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int chostfs_open_tmpfile(int dirfd, unsigned mode) {
    return openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, (mode_t)mode);
}

int chostfs_link_fd(int fd, int dirfd, const char *name) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    // The magic link is followed on purpose: it is the very inode `fd` is open on.
    return linkat(AT_FDCWD, path, dirfd, name, AT_SYMLINK_FOLLOW);
}

int chostfs_o_noatime(void) { return O_NOATIME; }

int chostfs_futimens_mtime(int fd, int64_t seconds, long nanoseconds) {
    struct timespec times[2] = {{.tv_sec = 0, .tv_nsec = UTIME_OMIT}, {.tv_sec = seconds, .tv_nsec = nanoseconds}};
    return futimens(fd, times);
}
