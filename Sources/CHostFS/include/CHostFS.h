// What Glibc hides from Swift without _GNU_SOURCE (statx, AT_EMPTY_PATH, O_PATH, getdents64).
// The header includes no system headers so that its declarations never clash with SwiftGlibc's;
// _GNU_SOURCE is defined only inside CHostFS.c.
#ifndef CHOSTFS_H
#define CHOSTFS_H
#include <stddef.h>
#include <stdint.h>

/// getdents64(2): raw `struct linux_dirent64` records into `buffer`.
long chostfs_getdents64(int fd, void *buffer, size_t length);

/// statx(2) birth time in nanoseconds; returns -1 with errno set, 0 with *have_birth = 0 when
/// the file system does not record it.
int chostfs_birth_ns(int fd, int64_t *birth_ns, int *have_birth);

/// fchownat(2) with AT_EMPTY_PATH: changes the owner of exactly the object `fd` refers to.
int chostfs_fchown_fd(int fd, unsigned uid, unsigned gid);

int chostfs_at_empty_path(void);
int chostfs_o_path(void);

#endif
