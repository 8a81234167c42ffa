#!/usr/bin/env bash
# Start-up latency of one container, in one hyperfine run:
#   hoist run --rm busybox true      (CLI -> hoistd on a temp root/socket -> shim -> runtime)
#   crun run  of the same bundle: the config.json hoistd writes for that container (the goal's floor)
#   crun run  of a minimal busybox `true` bundle (`runc spec`: no seccomp, no masked paths)
#   runc run  of that minimal bundle
#   hoist run --rm --network none       (the same without the default bridge)
#   docker run --rm                      (only when a docker engine runs here)
#   podman run --rm --network none      (Debian's podman, its storage under the temp dir)
# Prints each mean and the ratios; the goal is hoist within 3x of crun running the same bundle.
#
# crun 1.8 refuses this machine's hybrid cgroups while /sys/fs/cgroup/unified is a cgroup2
# mount, so hyperfine runs inside a private mount namespace (`unshare -m`) where a tmpfs covers
# it (HIDE_UNIFIED_CGROUP); the host's mounts are untouched. hoistd itself runs outside, as it would in real use.
#
# Env: RUNS (default 30), WARMUP (3), HOIST_BIN_DIR (default .build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
. scripts/bench-lib.sh
BIN=${HOIST_BIN_DIR:-$REPO/.build/release}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}

for tool in hyperfine crun runc unshare python3 curl; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps)" >&2; exit 1; }
done
for b in hoist hoistd hoist-shim; do
    [ -x "$BIN/$b" ] || { echo "bench: $BIN/$b is missing (make build)" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/hoist-bench.XXXXXX)
SOCK=$TMP/hoist.sock
ROOT=$TMP/root
HOISTD_PID=
DOCKER_TAG=
PODMAN=

cleanup() {
    set +e
    stop_bench_daemon "$BIN" "$SOCK" "$HOISTD_PID"
    kill_bench_leftovers "$ROOT" "$TMP"
    crun --root "$TMP/crun" delete -f bench-crun >/dev/null 2>&1
    crun --root "$TMP/crun-same" delete -f bench-crun-same >/dev/null 2>&1
    runc --root "$TMP/runc" delete -f bench-runc >/dev/null 2>&1
    [ -n "$DOCKER_TAG" ] && docker rmi "$DOCKER_TAG" >/dev/null 2>&1
    [ -n "$PODMAN" ] && $PODMAN rm -af >/dev/null 2>&1
    unmount_under "$TMP"
    remove_bench_bridge "$BENCH_BRIDGE"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== preparing (tmp: $TMP)"
bash scripts/make-busybox-rootfs.sh "$TMP/busybox.tar" >/dev/null

# The bundle shared by crun and runc: default spec, no terminal, `true` as the command.
mkdir -p "$TMP/bundle/rootfs" "$TMP/crun" "$TMP/runc"
tar -xf "$TMP/busybox.tar" -C "$TMP/bundle/rootfs"
(cd "$TMP/bundle" && runc spec)
python3 - "$TMP/bundle/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c["root"]["readonly"] = True
json.dump(c, open(p, "w"), indent=1)
EOF

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
# Sanity: each contender really runs the container.
"$BIN/hoist" -H "unix://$SOCK" run --rm busybox true

# The same bundle (the issue's baseline): the config.json hoistd writes for that container
# (Docker's default seccomp profile, masked paths, /etc/hosts and friends, device rules),
# run by crun alone. Only what belongs to hoistd's own state is replaced: the rootfs is a plain
# copy instead of hoistd's overlay mount, crun makes the network namespace itself (hoistd
# joins one it made and wired), and the cgroup is the bench's own.
same_id=$("$BIN/hoist" -H "unix://$SOCK" create busybox true)
"$BIN/hoist" -H "unix://$SOCK" start "$same_id" >/dev/null
"$BIN/hoist" -H "unix://$SOCK" wait "$same_id" >/dev/null
mkdir -p "$TMP/same/rootfs" "$TMP/crun-same"
tar -xf "$TMP/busybox.tar" -C "$TMP/same/rootfs"
cp "$ROOT/containers/$same_id/hostname" "$ROOT/containers/$same_id/hosts" "$ROOT/containers/$same_id/resolv.conf" "$TMP/same/"
python3 - "$ROOT/containers/$same_id/config.json" "$TMP/same" <<'EOF2'
import json, sys
src, dst = sys.argv[1], sys.argv[2]
c = json.load(open(src))
container_dir = src.rsplit("/", 1)[0]
c["root"]["path"] = dst + "/rootfs"
for m in c["mounts"]:
    if m.get("source", "").startswith(container_dir + "/"):
        m["source"] = dst + m["source"][len(container_dir):]
for ns in c["linux"]["namespaces"]:
    ns.pop("path", None)
c["linux"]["cgroupsPath"] = "/bench-crun-same"
json.dump(c, open(dst + "/config.json", "w"))
EOF2
"$BIN/hoist" -H "unix://$SOCK" rm "$same_id" >/dev/null

names=(hoist hoist-none crun-same crun runc)
cmds=("$BIN/hoist -H unix://$SOCK run --rm busybox true"
      "$BIN/hoist -H unix://$SOCK run --rm --network none busybox true"
      "crun --root $TMP/crun-same run --bundle $TMP/same bench-crun-same"
      "crun --root $TMP/crun run --bundle $TMP/bundle bench-crun"
      "runc --root $TMP/runc run --bundle $TMP/bundle bench-runc")
notes=()

# Other engines: only when installed and their daemon answers (our DOCKER_HOST must not leak in).
if command -v docker >/dev/null && env -u DOCKER_HOST timeout 5 docker info >/dev/null 2>&1; then
    img=busybox
    if ! env -u DOCKER_HOST docker image inspect busybox >/dev/null 2>&1; then
        DOCKER_TAG=hoist-bench-busybox:latest
        env -u DOCKER_HOST docker import "$TMP/busybox.tar" "$DOCKER_TAG" >/dev/null
        img=$DOCKER_TAG
    fi
    names+=(docker); cmds+=("env -u DOCKER_HOST docker run --rm $img true")
else
    notes+=("docker: skipped (no docker engine running here; the CLI alone cannot run containers)")
fi
# Podman with its own storage under TMP (never the host's), cgroupfs, no events journal,
# rlimits this sandbox can grant (it lacks CAP_SYS_RESOURCE) and --network none: its bridge
# would leave podman0 and firewall rules behind. Compare it with the hoist-none row.
PODMAN="podman --root $TMP/pm/root --runroot $TMP/pm/run --tmpdir $TMP/pm/tmp --cgroup-manager cgroupfs --events-backend none"
if command -v podman >/dev/null && $PODMAN import "$TMP/busybox.tar" localhost/hoist-bench-busybox:latest >/dev/null 2>&1; then
    names+=(podman-none)
    cmds+=("$PODMAN run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 localhost/hoist-bench-busybox:latest true")
else
    notes+=("podman: skipped (not installed or not working)")
fi

args=()
for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done

echo "== hyperfine: $RUNS runs each, $WARMUP warm-up"
# The whole run in one private mount namespace without the unified hierarchy (see top).
unshare -m --propagation private sh -c "$HIDE_UNIFIED_CGROUP"'
    exec "$@"' sh \
    hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$TMP/result.json" "${args[@]}"

python3 - "$TMP/result.json" "${notes[@]+"${notes[@]}"}" <<'EOF'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
print()
print(f"{'engine':<12} {'mean':>10} {'stddev':>9} {'min':>9}   x crun-same   x crun")
same = res.get("crun-same", {}).get("mean")
crun = res.get("crun", {}).get("mean")
for name, r in res.items():
    rs = f"{r['mean'] / same:6.2f}x" if same else "-"
    rc = f"{r['mean'] / crun:6.2f}x" if crun else "-"
    print(f"{name:<12} {r['mean']*1000:8.1f}ms {r['stddev']*1000:7.1f}ms {r['min']*1000:7.1f}ms   {rs:>11}  {rc:>7}")
if same and "hoist" in res:
    ratio = res["hoist"]["mean"] / same
    verdict = "within" if ratio <= 3 else "OVER"
    print(f"\nhoist/crun, same bundle = {ratio:.2f} ({verdict} the 3x goal)")
if crun and "hoist" in res:
    print(f"hoist/crun, minimal runc-spec bundle = {res['hoist']['mean'] / crun:.2f}")
    if "runc" in res:
        print(f"hoist/runc = {res['hoist']['mean'] / res['runc']['mean']:.2f}")
for note in sys.argv[2:]:
    print("note:", note)
EOF
