"""Podman (Debian's podman 4.3) as a peer through `hoist registry serve`: an image built and
pushed by Hoist is pulled and run by podman with the same digest, and images podman pushes
(Docker schema 2 and OCI) are pulled and run by Hoist.

Podman runs with its own storage under the test's temporary directory (vfs driver: no
mounts to leak), runc (crun refuses this machine's hybrid cgroups), no network, and
rlimits no higher than this process's (the sandbox has no CAP_SYS_RESOURCE)."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import describe, run_cmd, unique
from test_registry_server import registry  # noqa: F401 (the `hoist registry serve` fixture)

PODMAN = shutil.which("podman")

pytestmark = pytest.mark.skipif(PODMAN is None, reason="podman is not installed")


@pytest.fixture
def podman():
    # podman refuses a runroot longer than 50 characters: a short directory of its own.
    base = Path(tempfile.mkdtemp(prefix="hoist-pm-"))
    flags = [PODMAN, "--root", str(base / "root"), "--runroot", str(base / "run"), "--tmpdir", str(base / "tmp"),
             "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none"]

    def run(*args, timeout=120):
        return run_cmd(flags + list(args), timeout=timeout)

    yield run
    # Containers are run with --rm; remove anything a failed test left, then the storage.
    run("rm", "-af")
    shutil.rmtree(base, ignore_errors=True)


RUN_FLAGS = ["--runtime", "runc", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def test_podman_pulls_and_runs_what_hoist_built_and_pushed(daemon, registry, podman, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "greeting").write_text("built by hoist\n")
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY greeting /greeting\nRUN echo layered > /layered\n"
                                    'CMD ["sh", "-c", "cat /greeting /layered"]\n')
    ref = f"{registry.addr}/hoist/app:{unique('v')}"
    daemon.ok("build", "-q", "-t", ref, str(ctx), timeout=180)
    try:
        p = daemon.hoist("push", ref, timeout=120)
        assert p.returncode == 0, describe(p)
        hoist_digest = json.loads(daemon.ok("image", "inspect", ref))[0]["RepoDigests"][0].split("@", 1)[1]

        p = podman("pull", "--tls-verify=false", ref)
        assert p.returncode == 0, describe(p)
        p = podman("image", "inspect", "--format", "{{.Digest}}", ref)
        assert p.returncode == 0 and p.stdout.strip() == hoist_digest, describe(p)
        p = podman("run", "--rm", *RUN_FLAGS, ref)
        assert p.returncode == 0 and p.stdout == "built by hoist\nlayered\n", describe(p)
    finally:
        daemon.hoist("rmi", "-f", ref)


@pytest.mark.parametrize("fmt", ["v2s2", "oci"])
def test_hoist_pulls_and_runs_what_podman_pushed(daemon, registry, podman, busybox_tar, fmt):
    local = f"localhost/podman-made:{fmt}"
    p = podman("import", "--change", 'CMD ["sh", "-c", "echo made by podman; cat /etc/hostname >/dev/null"]',
               str(busybox_tar), local)
    assert p.returncode == 0, describe(p)
    ref = f"{registry.addr}/podman/bb:{fmt}"
    p = podman("push", "--tls-verify=false", "--format", fmt, local, f"docker://{ref}")
    assert p.returncode == 0, describe(p)
    p = podman("run", "--rm", *RUN_FLAGS, local)
    assert p.returncode == 0 and "made by podman" in p.stdout, describe(p)

    try:
        p = daemon.hoist("pull", ref, timeout=120)
        assert p.returncode == 0, describe(p)
        p = daemon.hoist("run", "--rm", ref)
        assert p.returncode == 0 and p.stdout == "made by podman\n", describe(p)
        # Same manifest digest on both sides.
        p = podman("manifest", "inspect", "--tls-verify=false", ref)
        hoist_digest = json.loads(daemon.ok("image", "inspect", ref))[0]["RepoDigests"][0].split("@", 1)[1]
        status, headers, _ = registry.request("HEAD", f"/v2/podman/bb/manifests/{fmt}", headers={
            "Accept": "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"})
        assert status == 200 and headers["docker-content-digest"] == hoist_digest, (status, headers, hoist_digest)
    finally:
        daemon.hoist("rmi", "-f", ref)


@pytest.mark.parametrize("fmt", ["docker-archive", "oci-archive"])
def test_hoist_loads_what_podman_saved(daemon, podman, busybox_tar, tmp_path, fmt):
    name = f"localhost/podman-saved:{fmt}"
    p = podman("import", "--change", 'CMD ["echo", "saved by podman"]', str(busybox_tar), name)
    assert p.returncode == 0, describe(p)
    archive = tmp_path / f"{fmt}.tar"
    p = podman("save", "--format", fmt, "-o", str(archive), name)
    assert p.returncode == 0, describe(p)
    p = daemon.hoist("load", "-i", str(archive), timeout=120)
    assert p.returncode == 0, describe(p)
    loaded = [line.split(": ", 1)[1] for line in p.stdout.splitlines() if line.startswith("Loaded image")]
    assert loaded, describe(p)
    try:
        p = daemon.hoist("run", "--rm", loaded[0])
        assert p.returncode == 0 and p.stdout == "saved by podman\n", describe(p)
    finally:
        for ref in loaded:
            daemon.hoist("rmi", "-f", ref)
