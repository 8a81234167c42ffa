# Shared by the bench scripts (sourced). A bench's hoistd gets its own bridge and subnet,
# so it never touches the host's default `hoist0`, and removes them when it is done
# (hoistd leaves its bridge and chains in place when it stops, as dockerd leaves docker0).

BENCH_BRIDGE=hbb$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
BENCH_BIP=10.$((200 + RANDOM % 50)).$((RANDOM % 256)).1/24
BENCH_NET_FLAGS=(--bridge "$BENCH_BRIDGE" --bip "$BENCH_BIP")

# Run first in a private mount namespace (`unshare -m`) so that crun 1.8 accepts this
# machine's hybrid cgroups: /sys/fs/cgroup/unified covered by a tmpfs of the namespace's own,
# as hoist-shim does. What crun and podman make there for the unified line of
# /proc/self/cgroup goes with the namespace; an unmount left it in the host's
# /sys/fs/cgroup tmpfs, hidden under the cgroup2 mount.
HIDE_UNIFIED_CGROUP='mount -t tmpfs -o size=1m,mode=755 tmpfs /sys/fs/cgroup/unified 2>/dev/null ||
    umount /sys/fs/cgroup/unified 2>/dev/null || true'

# Removes the bridge named in $1 and the iptables chains hoistd made for it.
remove_bench_bridge() {
    local br=$1 t c
    for t in "nat PREROUTING -m addrtype --dst-type LOCAL -j HOIST-$br" "nat OUTPUT -m addrtype --dst-type LOCAL -j HOIST-$br" \
             "nat POSTROUTING -j HOIST-POST-$br" "filter FORWARD -j HOIST-FWD-$br"; do
        set -- $t; local table=$1; shift; iptables -w -t "$table" -D "$@" 2>/dev/null
    done
    for c in "nat HOIST-$br" "nat HOIST-POST-$br" "filter HOIST-FWD-$br"; do
        set -- $c; iptables -w -t "$1" -F "$2" 2>/dev/null; iptables -w -t "$1" -X "$2" 2>/dev/null
    done
    ip link del "$br" 2>/dev/null
    return 0
}

# Removes the containers of the bench's hoistd (socket $2, binaries in $1), then stops that
# hoistd by its PID ($3): TERM, up to 5 s, then KILL.
stop_bench_daemon() {
    local bin=$1 sock=$2 pid=$3 ids
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    ids=$("$bin/hoist" -H "unix://$sock" ps -aq 2>/dev/null)
    [ -n "$ids" ] && "$bin/hoist" -H "unix://$sock" rm -f $ids >/dev/null 2>&1
    kill -TERM "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    return 0
}

# Kills shims and container processes of this run only: found by the pid files under the
# data root $1, checked against their command line (hoist-shim, or a path under $2), never by name.
kill_bench_leftovers() {
    local root=$1 tmp=$2 pf pid
    [ -d "$root" ] || return 0
    find "$root" -path '*/rootfs' -prune -o -type f -name '*pid*' -size -64c -print 2>/dev/null |
    while read -r pf; do
        pid=$(tr -dc 0-9 <"$pf")
        [ -n "$pid" ] && [ "$pid" -gt 1 ] || continue
        if tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -q "hoist-shim\|$tmp"; then
            kill -KILL "$pid" 2>/dev/null
        fi
    done
    return 0
}

# Unmounts everything at or under $1, deepest first.
unmount_under() {
    awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo |
        awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2- |
        while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    return 0
}
