#!/usr/bin/env bash
# exec latency, in one hyperfine run, against one running busybox container:
#   hoist exec C true        (CLI -> hoistd: inspect, create, start (hijacked), inspect -> shim -> crun exec)
#   crun exec <id> true      (the floor: the bare OCI runtime's exec of the same container)
# Prints each mean and the ratio hoist/crun (goal: within 3x).
#
# crun 1.8 refuses this machine's hybrid cgroups while /sys/fs/cgroup/unified is a cgroup2
# mount, so hyperfine runs in a private mount namespace (`unshare -m`) where a tmpfs covers it
# (HIDE_UNIFIED_CGROUP): the view the container's shim runs crun in. The host's mounts are untouched.
#
# Env: RUNS (default 30), WARMUP (3), HOIST_BIN_DIR (default .build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
. scripts/bench-lib.sh
BIN=${HOIST_BIN_DIR:-$REPO/.build/release}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}

for tool in hyperfine crun unshare python3 curl; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps)" >&2; exit 1; }
done
for b in hoist hoistd hoist-shim; do
    [ -x "$BIN/$b" ] || { echo "bench: $BIN/$b is missing (make build)" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/hoist-bench-exec.XXXXXX)
SOCK=$TMP/hoist.sock
ROOT=$TMP/root
HOISTD_PID=

cleanup() {
    set +e
    stop_bench_daemon "$BIN" "$SOCK" "$HOISTD_PID"
    kill_bench_leftovers "$ROOT" "$TMP"
    unmount_under "$TMP"
    remove_bench_bridge "$BENCH_BRIDGE"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== preparing (tmp: $TMP)"
scripts/make-busybox-rootfs.sh "$TMP/busybox.tar" >/dev/null

"$BIN/hoistd" --data-root "$ROOT" -H "unix://$SOCK" --pidfile "$TMP/hoistd.pid" "${BENCH_NET_FLAGS[@]}" \
    >"$TMP/hoistd.log" 2>&1 </dev/null &
HOISTD_PID=$!
disown "$HOISTD_PID"  # no job-control noise if cleanup has to SIGKILL it
for _ in $(seq 100); do
    curl -sf --max-time 1 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf --max-time 2 --unix-socket "$SOCK" http://localhost/_ping >/dev/null ||
    { echo "bench: hoistd did not start:" >&2; tail -20 "$TMP/hoistd.log" >&2; exit 1; }
"$BIN/hoist" -H "unix://$SOCK" import "$TMP/busybox.tar" busybox:latest >/dev/null

H="$BIN/hoist -H unix://$SOCK"
RT=$(curl -sf --unix-socket "$SOCK" http://localhost/info | python3 -c 'import json,sys; print(json.load(sys.stdin).get("DefaultRuntime",""))')
[ "$RT" = crun ] || { echo "bench: hoistd runs $RT, not crun; the floor here is crun exec" >&2; exit 1; }
ID=$($H run -d busybox sleep 3600)
$H exec "$ID" true

echo "== hyperfine: $RUNS runs each, $WARMUP warm-up (container ${ID:0:12})"
# The container's crun state is where its shim created it: the exec root's tmpfs when hoistd
# has one (crun --root), else crun's default root (/run/crun).
CRUN=crun
[ -d "$ROOT/run/runtime/$ID" ] && CRUN="crun --root $ROOT/run/runtime"
unshare -m --propagation private sh -c "$HIDE_UNIFIED_CGROUP"'
    $1 exec "$2" true || { echo "bench: crun exec of the container failed" >&2; exit 1; }
    shift 2
    exec "$@"' sh "$CRUN" "$ID" \
    hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$TMP/result.json" \
        -n hoist "$H exec $ID true" -n crun "$CRUN exec $ID true"

python3 - "$TMP/result.json" <<'EOF'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
print()
print(f"{'exec':<8} {'mean':>10} {'stddev':>9} {'min':>9}   x crun")
crun = res["crun"]["mean"]
for name, r in res.items():
    print(f"{name:<8} {r['mean']*1000:8.1f}ms {r['stddev']*1000:7.1f}ms {r['min']*1000:7.1f}ms   {r['mean'] / crun:6.2f}x")
ratio = res["hoist"]["mean"] / crun
print(f"\nhoist exec / crun exec = {ratio:.2f} ({'within' if ratio <= 3 else 'OVER'} the 3x goal)")
EOF
