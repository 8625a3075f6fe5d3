// The calls a file copy needs that Glibc hides without _GNU_SOURCE (O_TMPFILE, O_NOATIME,
// linkat through /proc/self/fd). No system headers here, as in CHostFS.h.
#ifndef CHOSTFS_COPY_H
#define CHOSTFS_COPY_H
#include <stdint.h>

/// openat(2) "." of `dirfd` with O_TMPFILE | O_RDWR | O_CLOEXEC: a new file with no name in that
/// directory; -1 with errno (EOPNOTSUPP, EISDIR on kernels or file systems without it).
int chostfs_open_tmpfile(int dirfd, unsigned mode);

/// linkat(2) of exactly the inode `fd` is open on, through the /proc/self/fd/N magic link with
/// AT_SYMLINK_FOLLOW, to `name` in `dirfd`; fails with EEXIST when something is there.
int chostfs_link_fd(int fd, int dirfd, const char *name);

/// O_NOATIME: reading does not update the access time (owner or CAP_FOWNER only, else EPERM).
int chostfs_o_noatime(void);

/// futimens(2): sets the modification time of `fd`, leaving the access time alone (UTIME_OMIT).
int chostfs_futimens_mtime(int fd, int64_t seconds, long nanoseconds);

#endif
