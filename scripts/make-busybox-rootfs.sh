#!/bin/sh
# Builds a minimal busybox root file system tar from the busybox-static package's
# /bin/busybox: every applet as a relative symlink in /bin, /etc/passwd and /etc/group
# (root, nobody), /tmp (1777), /root, and empty mount points /proc /sys /dev.
# Deterministic (fixed mtimes, sorted names, numeric owner 0, ustar): the same busybox
# binary always gives the same tar, hence the same diffID.
#
#   scripts/make-busybox-rootfs.sh OUT.tar        (BUSYBOX=/path/to/busybox to override)
set -eu

out=${1:?usage: $0 OUT.tar}
bb=${BUSYBOX:-/bin/busybox}
if [ ! -x "$bb" ]; then
    echo "$0: $bb not found (apt-get install busybox-static)" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/hoist-rootfs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
r=$tmp/rootfs
umask 022
mkdir -p "$r/bin" "$r/etc" "$r/root" "$r/tmp" "$r/proc" "$r/sys" "$r/dev" \
         "$r/usr/bin" "$r/usr/sbin" "$r/sbin" "$r/var/tmp" "$r/home"

cp "$bb" "$r/bin/busybox"
chmod 0755 "$r/bin/busybox"
for applet in $("$bb" --list); do
    [ "$applet" = busybox ] && continue
    ln -s busybox "$r/bin/$applet"
done

printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' > "$r/etc/passwd"
printf '%s\n' 'root:x:0:' 'nobody:x:65534:' > "$r/etc/group"
: > "$r/etc/hostname"
: > "$r/etc/hosts"
: > "$r/etc/resolv.conf"
chmod 0644 "$r/etc/passwd" "$r/etc/group" "$r/etc/hostname" "$r/etc/hosts" "$r/etc/resolv.conf"

# Directory modes spelled out so the caller's umask cannot change the result.
find "$r" -type d -exec chmod 0755 {} +
chmod 0700 "$r/root"
chmod 1777 "$r/tmp" "$r/var/tmp"

tar --create --file="$out.tmp" --directory="$r" \
    --format=ustar --sort=name --mtime=@946684800 \
    --owner=0 --group=0 --numeric-owner \
    .
mv "$out.tmp" "$out"
