#!/usr/bin/env bash
# What bridge networking costs, on a private hoistd (own bridge and subnet):
#   1. `hoist run --rm busybox true` with the default bridge vs `--network none` (hyperfine)
#   2. per-container network setup as hoistd measures it (debug log)
#   3. TCP throughput host -> container: through a published port (kernel DNAT, 127.0.0.1)
#      vs straight to the container's address (1 GiB each, python sender, busybox nc sink)
# Env: RUNS (default 20), HOIST_BIN_DIR (default .build/release), MB (default 1024).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
. scripts/bench-lib.sh
BIN=${HOIST_BIN_DIR:-$REPO/.build/release}
RUNS=${RUNS:-20}
MB=${MB:-1024}
for tool in hyperfine python3 curl ip iptables; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/hoist-netbench.XXXXXX)
SOCK=$TMP/hoist.sock
ROOT=$TMP/root
BRIDGE=$BENCH_BRIDGE
BIP=$BENCH_BIP
H="$BIN/hoist -H unix://$SOCK"
HOISTD_PID=

cleanup() {
    set +e
    stop_bench_daemon "$BIN" "$SOCK" "$HOISTD_PID"
    remove_bench_bridge "$BRIDGE"
    unmount_under "$TMP"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash scripts/make-busybox-rootfs.sh "$TMP/busybox.tar" >/dev/null
"$BIN/hoistd" -D --data-root "$ROOT" -H "unix://$SOCK" --bridge "$BRIDGE" --bip "$BIP" >"$TMP/hoistd.log" 2>&1 </dev/null &
HOISTD_PID=$!
disown "$HOISTD_PID"
for _ in $(seq 100); do curl -sf --max-time 1 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1 && break; sleep 0.1; done
$H import "$TMP/busybox.tar" busybox:latest >/dev/null
$H run --rm busybox true

echo "== run latency: bridge vs --network none ($RUNS runs)"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$TMP/lat.json" \
    -n bridge "$H run --rm busybox true" -n none "$H run --rm --network none busybox true" >/dev/null
python3 - "$TMP/lat.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
b, n = r["bridge"]["mean"] * 1000, r["none"]["mean"] * 1000
print(f"bridge {b:.1f} ms (±{r['bridge']['stddev']*1000:.1f}), none {n:.1f} ms (±{r['none']['stddev']*1000:.1f}), bridge adds {b - n:.1f} ms")
PY
echo "== per-container network setup (hoistd's own measure, µs)"
grep -o 'network setup of [0-9a-f]*: [0-9]* us' "$TMP/hoistd.log" | awk '{print $NF=="us" ? $(NF-1) : $NF}' |
    sort -n | awk '{a[NR]=$1} END {if (NR) printf "n=%d median=%d us p90=%d us\n", NR, a[int(NR/2)+1], a[int(NR*0.9)+1]}'

echo "== throughput host -> container, $MB MiB"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("",0)); print(s.getsockname()[1])')
$H run -d --name sink -p "127.0.0.1:$PORT:5000" busybox sh -c 'while :; do nc -l -p 5000 >/dev/null; done' >/dev/null
IP=$($H inspect -f '{{.NetworkSettings.IPAddress}}' sink)
python3 - "$IP" "$PORT" "$MB" <<'PY'
import socket, sys, time
ip, port, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
buf = b"\0" * (1 << 20)
def run(addr):
    for _ in range(50):
        try:
            s = socket.create_connection(addr, timeout=5); break
        except OSError:
            time.sleep(0.1)
    t = time.monotonic()
    for _ in range(mb):
        s.sendall(buf)
    s.shutdown(socket.SHUT_WR); s.recv(1); s.close()
    return mb / (time.monotonic() - t)
direct = run((ip, 5000)); time.sleep(0.3)
published = run(("127.0.0.1", port)); time.sleep(0.3)
direct2 = run((ip, 5000)); time.sleep(0.3)
published2 = run(("127.0.0.1", port))
d, p = max(direct, direct2), max(published, published2)
print(f"direct {ip}:5000 {d:.0f} MiB/s, published 127.0.0.1:{port} {p:.0f} MiB/s, ratio {p/d:.2f}")
PY
