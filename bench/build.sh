#!/usr/bin/env bash
# Build benchmark (issue #4): a 10-step Dockerfile through hoistd's classic builder:
#   cold build           (--no-cache: every RUN a container, every COPY a layer)
#   cached rebuild       (no change: every step from the cache, same image ID)
#   one-file-change      (a COPYed file edited: that step and the ones after it re-run)
# Each figure is the mean of RUNS wall-clock timings (a loop, not hyperfine: the changed-file
# case needs an edit before every run). docker and podman have no engine on this machine:
# the script says so instead of measuring them.
#
# Env: RUNS (default 10), HOIST_BIN_DIR (default .build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
. scripts/bench-lib.sh
BIN=${HOIST_BIN_DIR:-$REPO/.build/release}
RUNS=${RUNS:-10}

for tool in python3 curl; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps)" >&2; exit 1; }
done
for b in hoist hoistd hoist-shim; do
    [ -x "$BIN/$b" ] || { echo "bench: $BIN/$b is missing (make build)" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/hoist-bench-build.XXXXXX)
SOCK=$TMP/hoist.sock
ROOT=$TMP/root
HOISTD_PID=

cleanup() {
    set +e
    stop_bench_daemon "$BIN" "$SOCK" "$HOISTD_PID"
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
disown "$HOISTD_PID"
for _ in $(seq 100); do
    curl -sf --max-time 1 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf --max-time 2 --unix-socket "$SOCK" http://localhost/_ping >/dev/null ||
    { echo "bench: hoistd did not start:" >&2; tail -20 "$TMP/hoistd.log" >&2; exit 1; }
H="$BIN/hoist -H unix://$SOCK"
$H import "$TMP/busybox.tar" busybox:latest >/dev/null

CTX=$TMP/ctx
mkdir -p "$CTX/src"
for i in $(seq 1 20); do head -c 4096 /dev/urandom | base64 >"$CTX/src/file$i.txt"; done
echo "version 1" >"$CTX/src/app.conf"
cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox
ENV APP=/app
WORKDIR /app
RUN mkdir -p /app/data && echo base > /app/data/base
COPY src/file*.txt /app/src/
RUN ls /app/src | wc -l > /app/count
COPY src/app.conf /app/app.conf
RUN cat /app/app.conf > /app/conf.copy
LABEL bench=build
CMD ["cat", "/app/conf.copy"]
EOF

# seconds, wall clock, of one command (python: portable sub-ms timing)
timeit() { python3 -c 'import subprocess,sys,time; t=time.monotonic(); r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); sys.exit(r.returncode) if r.returncode else print(f"{time.monotonic()-t:.4f}")' "$@"; }

# mean of RUNS timings of "$@", with an optional prepare command run (untimed) before each
measure() {
    local prepare=$1; shift
    local total=0 t
    for _ in $(seq "$RUNS"); do
        [ -n "$prepare" ] && eval "$prepare"
        t=$(timeit "$@") || { echo "bench: command failed: $*" >&2; exit 1; }
        total=$(python3 -c "print($total + $t)")
    done
    python3 -c "print(f'{$total / $RUNS * 1000:.0f}')"
}

$H build -q -t bench:warm "$CTX" >/dev/null
echo "== hoist: $RUNS runs each (10-step Dockerfile, 21 context files)"
COLD=$(measure "" $H build -q --no-cache -t bench:cold "$CTX")
CACHED=$(measure "" $H build -q -t bench:cached "$CTX")
N=0
CHANGE=$(measure 'N=$((N+1)); echo "version change $N" >"$CTX/src/app.conf"' $H build -q -t bench:change "$CTX")

ID1=$($H build -q "$CTX"); ID2=$($H build -q "$CTX")
[ "$ID1" = "$ID2" ] || { echo "bench: cached rebuild changed the image ID ($ID1 vs $ID2)" >&2; exit 1; }

printf '\n%-28s %10s\n' "hoist build" "mean"
printf '%-28s %8sms\n' "cold (--no-cache)" "$COLD" "cached rebuild, no change" "$CACHED" "one COPYed file changed" "$CHANGE"
echo
for peer in docker podman; do
    if command -v "$peer" >/dev/null && "$peer" info >/dev/null 2>&1; then
        echo "$peer: installed with an engine, but not measured by this script yet"
    else
        echo "$peer build: not available on this machine (no $peer engine), not measured"
    fi
done
