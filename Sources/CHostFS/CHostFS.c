#define _GNU_SOURCE
#include "CHostFS.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
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

long long chostfs_seek_data(int fd, long long offset) { return lseek(fd, offset, SEEK_DATA); }
long long chostfs_seek_hole(int fd, long long offset) { return lseek(fd, offset, SEEK_HOLE); }

int chostfs_inotify_init(void) { return inotify_init1(IN_NONBLOCK | IN_CLOEXEC); }

int chostfs_inotify_watch_fd(int inotify_fd, int dirfd, uint32_t mask) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", dirfd);
    // The magic link is followed on purpose: it leads to the very inode `dirfd` is open on,
    // with no lookup by name under the volume.
    return inotify_add_watch(inotify_fd, path, mask);
}

int chostfs_signalfd_term_int_hup(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int chostfs_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    return n < 0 && errno != EAGAIN ? -1 : 0;
}

int chostfs_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags) {
    return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}

static void fd_path(int fd, char *path, size_t size) { snprintf(path, size, "/proc/self/fd/%d", fd); }

int chostfs_fchmod_fd(int fd, unsigned mode) {
    char path[64];
    fd_path(fd, path, sizeof path);
    return chmod(path, mode);
}

long chostfs_get_acl(int fd, void *buffer, size_t size) {
    char path[64];
    fd_path(fd, path, sizeof path);
    return getxattr(path, "system.posix_acl_access", buffer, size);
}

int chostfs_set_acl(int fd, const void *buffer, size_t size) {
    char path[64];
    fd_path(fd, path, sizeof path);
    return setxattr(path, "system.posix_acl_access", buffer, size, 0);
}

int chostfs_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int chostfs_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

// Whether this kernel refuses f*xattr calls on O_PATH descriptors (EBADF; before Linux 6.x): then
// every later call goes through the magic link straight away, one lookup instead of two calls.
static _Atomic int opath_xattr_refused = 0;

int chostfs_fremovexattr(int fd, const char *name) {
    if (!opath_xattr_refused) {
        if (fremovexattr(fd, name) == 0) return 0;
        if (errno != EBADF) return -1;
        opath_xattr_refused = 1;
    }
    // The magic link reaches exactly the inode `fd` is open on.
    char path[64];
    fd_path(fd, path, sizeof path);
    return removexattr(path, name);
}

long chostfs_fgetxattr_size(int fd, const char *name) {
    if (!opath_xattr_refused) {
        long n = fgetxattr(fd, name, NULL, 0);
        if (n >= 0 || errno != EBADF) return n;
        opath_xattr_refused = 1;
    }
    char path[64];
    fd_path(fd, path, sizeof path);
    return getxattr(path, name, NULL, 0);
}
