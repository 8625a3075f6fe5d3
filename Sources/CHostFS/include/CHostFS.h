// What Glibc hides from Swift without _GNU_SOURCE (statx, AT_EMPTY_PATH, O_PATH, getdents64).
// The header includes no system headers so that its declarations never clash with SwiftGlibc's;
// _GNU_SOURCE is defined only inside CHostFS.c.
#ifndef CHOSTFS_H
#define CHOSTFS_H
#include <stddef.h>
#include <stdint.h>
#include "CHostFSCopy.h"
#include "CHostFSSHA256.h"

/// getdents64(2): raw `struct linux_dirent64` records into `buffer`.
long chostfs_getdents64(int fd, void *buffer, size_t length);

/// statx(2) birth time in nanoseconds; returns -1 with errno set, 0 with *have_birth = 0 when
/// the file system does not record it.
int chostfs_birth_ns(int fd, int64_t *birth_ns, int *have_birth);

/// fchownat(2) with AT_EMPTY_PATH: changes the owner of exactly the object `fd` refers to.
int chostfs_fchown_fd(int fd, unsigned uid, unsigned gid);

/// inotify_init1(2) with IN_NONBLOCK | IN_CLOEXEC.
int chostfs_inotify_init(void);

/// inotify_add_watch(2) on exactly the directory `dirfd` refers to, through the /proc/self/fd/N
/// magic link: no path under a volume is resolved by name.
int chostfs_inotify_watch_fd(int inotify_fd, int dirfd, uint32_t mask);

/// A signalfd(2) for SIGTERM, SIGINT and SIGHUP, after blocking them in this thread (call before
/// starting any other thread so they inherit the mask).
int chostfs_signalfd_term_int_hup(void);

/// Reads one signal from a signalfd; returns the signal number, 0 when none is pending, -1 on error.
int chostfs_signalfd_read(int fd);

/// renameat2(2) with RENAME_NOREPLACE (flags = 1) or RENAME_EXCHANGE (flags = 2).
int chostfs_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags);

/// fchmod through /proc/self/fd/N, which works for O_PATH descriptors and reaches exactly that inode.
int chostfs_fchmod_fd(int fd, unsigned mode);

/// fgetxattr/fsetxattr of "system.posix_acl_access" through /proc/self/fd/N (O_PATH descriptors).
long chostfs_get_acl(int fd, void *buffer, size_t size);
int chostfs_set_acl(int fd, const void *buffer, size_t size);

/// pipe2(2) with O_CLOEXEC: no other thread's child can inherit either end.
int chostfs_pipe_cloexec(int fds[2]);

/// eventfd(2) with EFD_CLOEXEC | EFD_NONBLOCK, starting at 0.
int chostfs_eventfd(void);

/// fremovexattr(2) of exactly the inode `fd` refers to (through /proc/self/fd/N when the kernel
/// refuses an O_PATH descriptor with EBADF).
int chostfs_fremovexattr(int fd, const char *name);
/// fgetxattr(2) with a zero size: the value's length, or -1 (ENODATA when absent); same fallback.
long chostfs_fgetxattr_size(int fd, const char *name);

int chostfs_at_empty_path(void);
int chostfs_o_path(void);

/* lseek(2) SEEK_DATA / SEEK_HOLE (GNU): the next data extent at or after offset, and where it
   ends; -1 with ENXIO when no data follows. */
long long chostfs_seek_data(int fd, long long offset);
long long chostfs_seek_hole(int fd, long long offset);

#endif
