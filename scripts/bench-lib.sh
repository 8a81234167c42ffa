# Shared by the bench scripts (sourced). A bench's hoistd gets its own bridge and subnet,
# so it never touches the host's default `hoist0`, and removes them when it is done
# (hoistd leaves its bridge and chains in place when it stops, as dockerd leaves docker0).

BENCH_BRIDGE=hbb$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
BENCH_BIP=10.$((200 + RANDOM % 50)).$((RANDOM % 256)).1/24
BENCH_NET_FLAGS=(--bridge "$BENCH_BRIDGE" --bip "$BENCH_BIP")

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
