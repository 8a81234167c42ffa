#ifndef CHOISTSYS_H
#define CHOISTSYS_H
#include <sys/types.h>
#include <stdint.h>
#include <stddef.h>
/* Helpers for syscalls Glibc's Swift module map does not expose. */
int choist_pidfd_open(pid_t pid, unsigned int flags);
int choist_pidfd_send_signal(int pidfd, int sig);

/* Extended attributes on the path itself (never follows a final symlink). -1 + errno on error. */
int choist_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags);
ssize_t choist_lgetxattr(const char *path, const char *name, void *value, size_t size);
ssize_t choist_llistxattr(const char *path, char *list, size_t size);

/* statx(dirfd, path, flags): *is_mount_root = 1/0, or -1 when the kernel cannot tell;
   *mnt_id = the mount ID (0 when unknown). Returns 0 or -1 + errno. */
int choist_mount_info(int dirfd, const char *path, int flags, int *is_mount_root, uint64_t *mnt_id);

/* mount(2) from a short-lived thread that has its own cwd (unshare(CLONE_FS)) set to `dir`,
   so relative paths in `data` resolve against `dir` without touching the process cwd.
   Returns 0 or an errno value. */
int choist_mount_in_dir(const char *dir, const char *source, const char *target,
                        const char *fstype, unsigned long flags, const char *data);

dev_t choist_makedev(unsigned int major, unsigned int minor);

/* A NETLINK_ROUTE socket bound to the network namespace at `nspath`, opened on a short-lived
   thread that enters that namespace (setns) so no other thread of the process ever changes
   namespace. Returns the socket (close-on-exec) or -errno. */
int choist_netlink_socket_in_netns(const char *nspath);
/* A new network namespace, not bound to any path: an fd of it (O_CLOEXEC) and a NETLINK_ROUTE
   socket in it, both made on a throwaway thread. 0 or an errno. */
int choist_new_netns(int *nsfd, int *sock);

/* syncfs(2): flush the whole file system holding fd. */
int choist_syncfs(int fd);

/* accept4(fd, NULL, NULL, SOCK_CLOEXEC) filling a sockaddr_in's peer address. */
int choist_accept_cloexec(int fd, void *addr, unsigned int *addrlen);

/* A sealed (write, grow, shrink, seal) memfd copy of the file at `path`, close-on-exec;
 * or -errno. crun and runc skip their self-copy and re-exec when /proc/self/exe is one. */
int choist_sealed_copy(const char *path);

/* posix_spawn_file_actions_addclosefrom_np (glibc 2.34, not in Swift's Glibc module): the
 * child closes every descriptor >= from, whatever its close-on-exec flag. */
int choist_spawn_closefrom(void *file_actions, int from);
#endif
