#define _GNU_SOURCE
#include "choistsys.h"
#include <sys/syscall.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <sys/socket.h>
#include <sched.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <spawn.h>

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

int choist_pidfd_open(pid_t pid, unsigned int flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }
int choist_pidfd_send_signal(int pidfd, int sig) { return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0); }

int choist_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags) {
    return lsetxattr(path, name, value, size, flags);
}
ssize_t choist_lgetxattr(const char *path, const char *name, void *value, size_t size) {
    return lgetxattr(path, name, value, size);
}
ssize_t choist_llistxattr(const char *path, char *list, size_t size) { return llistxattr(path, list, size); }

int choist_mount_info(int dirfd, const char *path, int flags, int *is_mount_root, uint64_t *mnt_id) {
    struct statx sx;
    if (statx(dirfd, path, flags, STATX_MNT_ID, &sx) != 0) return -1;
    *is_mount_root = (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
        ? ((sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0) : -1;
    *mnt_id = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
    return 0;
}

struct mount_req {
    const char *dir, *source, *target, *fstype, *data;
    unsigned long flags;
    int err;
};

static void *mount_thread(void *arg) {
    struct mount_req *r = arg;
    /* The cwd change must stay private to this thread: the daemon's other threads use the
       process cwd. The thread exits right after, so its private fs context dies with it. */
    if (unshare(CLONE_FS) != 0) { r->err = errno; return NULL; }
    if (chdir(r->dir) != 0) { r->err = errno; return NULL; }
    if (mount(r->source, r->target, r->fstype, r->flags, r->data) != 0) { r->err = errno; return NULL; }
    r->err = 0;
    return NULL;
}

int choist_mount_in_dir(const char *dir, const char *source, const char *target,
                        const char *fstype, unsigned long flags, const char *data) {
    struct mount_req r = { dir, source, target, fstype, data, flags, EINVAL };
    pthread_t t;
    int e = pthread_create(&t, NULL, mount_thread, &r);
    if (e != 0) return e;
    pthread_join(t, NULL);
    return r.err;
}

struct netns_req { const char *path; int result; };

static void *netns_thread(void *arg) {
    struct netns_req *r = arg;
    int fd = open(r->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { r->result = -errno; return NULL; }
    int rc = setns(fd, CLONE_NEWNET);
    int e = errno;
    close(fd);
    if (rc != 0) { r->result = -e; return NULL; }
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    r->result = s >= 0 ? s : -errno;
    /* The thread ends here, still in the other namespace: nothing else ever runs on it. */
    return NULL;
}

struct new_netns_req { int nsfd; int sock; int err; };

static void *new_netns_thread(void *arg) {
    struct new_netns_req *r = arg;
    if (unshare(CLONE_NEWNET) != 0) { r->err = errno; return NULL; }
    int ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (ns < 0) { r->err = errno; return NULL; }
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (s < 0) { r->err = errno; close(ns); return NULL; }
    r->nsfd = ns; r->sock = s; r->err = 0;
    /* The thread ends here, still in the new namespace: nothing else ever runs on it. */
    return NULL;
}

int choist_new_netns(int *nsfd, int *sock) {
    struct new_netns_req r = { -1, -1, EINVAL };
    pthread_t t;
    int e = pthread_create(&t, NULL, new_netns_thread, &r);
    if (e != 0) return e;
    pthread_join(t, NULL);
    if (r.err == 0) { *nsfd = r.nsfd; *sock = r.sock; }
    return r.err;
}

int choist_netlink_socket_in_netns(const char *nspath) {
    struct netns_req r = { nspath, -EINVAL };
    pthread_t t;
    int e = pthread_create(&t, NULL, netns_thread, &r);
    if (e != 0) return -e;
    pthread_join(t, NULL);
    return r.result;
}

dev_t choist_makedev(unsigned int major, unsigned int minor) { return makedev(major, minor); }

int choist_syncfs(int fd) { return syncfs(fd); }

int choist_accept_cloexec(int fd, void *addr, unsigned int *addrlen) {
    return accept4(fd, (struct sockaddr *)addr, (socklen_t *)addrlen, SOCK_CLOEXEC);
}

int choist_sealed_copy(const char *path) {
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) return -errno;
    struct stat st;
    if (fstat(in, &st) < 0) { int e = errno; close(in); return -e; }
    int fd = memfd_create("hoist-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) { int e = errno; close(in); return -e; }
    off_t done = 0;
    while (done < st.st_size) {
        ssize_t n = sendfile(fd, in, NULL, (size_t)(st.st_size - done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { int e = n < 0 ? errno : EIO; close(in); close(fd); return -e; }
        done += n;
    }
    close(in);
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
        int e = errno; close(fd); return -e;
    }
    return fd;
}

int choist_spawn_closefrom(void *file_actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)file_actions, from);
}
