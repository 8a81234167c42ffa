"""The builder pulls: FROM and `COPY --from` of an image that is not present locally, and
`--pull` for a newer base, against Debian's docker-registry; pull progress in the build
output of `hoist build`, `DOCKER_BUILDKIT=0 docker build` and docker-py."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import describe, unique
from test_distribution import REGISTRY, auth_registry, registry  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(not REGISTRY, reason="docker-registry is needed")


def build(daemon, ctx, *args):
    return daemon.hoist("build", *args, str(ctx), timeout=300)


def publish(daemon, tmp_path, ref: str, marker: str) -> str:
    """Builds an image holding /marker, pushes it as `ref` and removes it locally: only
    the registry has it. Returns its ID."""
    ctx = tmp_path / unique("pub")
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM busybox\nRUN echo {marker} > /marker\n"
                                    "HEALTHCHECK --interval=7s CMD true\n")
    p = build(daemon, ctx, "-q", "-t", ref)
    assert p.returncode == 0, describe(p)
    image_id = p.stdout.strip()
    p = daemon.hoist("push", ref, timeout=120)
    assert p.returncode == 0, describe(p)
    assert daemon.hoist("rmi", ref).returncode == 0
    assert daemon.hoist("image", "inspect", image_id).returncode != 0
    return image_id


def test_from_and_copy_from_pull_missing_images_and_pull_flag(daemon, registry, tmp_path):
    repo = f"{registry.addr}/hoist/{unique('base')}"
    first = publish(daemon, tmp_path, repo + ":latest", "one")
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM {repo}\nRUN cat /marker > /seen\nCMD [\"cat\", \"/seen\"]\n")
    tag = unique("pulled")
    old = unique("old")
    try:
        p = build(daemon, ctx, "-t", tag)
        assert p.returncode == 0, describe(p)
        out = p.stdout
        # The pull's messages sit between the FROM step and its image ID, as Docker prints them.
        assert re.search(rf"Step 1/3 : FROM {re.escape(repo)}\n(?:.*\n)*?latest: Pulling from hoist/base", out), out
        assert re.search(r"Digest: sha256:[0-9a-f]{64}\n", out), out
        assert f"Status: Downloaded newer image for {repo}:latest\n" in out, out
        assert f" ---> {first.split(':')[1][:12]}\n" in out, out
        assert daemon.ok("run", "--rm", tag) == "one\n"
        # The pulled image keeps its config (HEALTHCHECK went through push and pull).
        cfg = json.loads(daemon.ok("image", "inspect", repo))[0]["Config"]
        assert cfg["Healthcheck"] == {"Test": ["CMD-SHELL", "true"], "Interval": 7_000_000_000}, cfg

        # A newer image under the same tag: a plain build keeps the local one, --pull fetches it.
        daemon.ok("tag", repo, old)
        daemon.ok("rmi", repo)
        publish(daemon, tmp_path, repo + ":latest", "two")
        daemon.ok("tag", old, repo)  # the stale local copy
        p = build(daemon, ctx, "-t", tag)
        assert p.returncode == 0 and "Pulling from" not in p.stdout, describe(p)
        assert daemon.ok("run", "--rm", tag) == "one\n"
        p = build(daemon, ctx, "--pull", "-t", tag)
        assert p.returncode == 0, describe(p)
        assert f"Status: Downloaded newer image for {repo}:latest\n" in p.stdout, p.stdout
        assert daemon.ok("run", "--rm", tag) == "two\n"
        p = build(daemon, ctx, "--pull", "-t", tag)
        assert f"Status: Image is up to date for {repo}:latest\n" in p.stdout, p.stdout
        assert p.stdout.count("Using cache") == 2, p.stdout

        # COPY --from an image only the registry has.
        daemon.ok("rmi", "-f", repo, old)
        (ctx / "Dockerfile").write_text(f"FROM busybox\nCOPY --from={repo} /marker /copied\nCMD [\"cat\", \"/copied\"]\n")
        p = build(daemon, ctx, "-t", tag)
        assert p.returncode == 0 and "Pulling from hoist/base" in p.stdout, describe(p)
        assert daemon.ok("run", "--rm", tag) == "two\n"
    finally:
        daemon.hoist("rmi", "-f", tag, repo, old)


def test_pull_failures_stop_the_build(daemon, registry, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    missing = f"{registry.addr}/hoist/{unique('none')}:v1"
    (ctx / "Dockerfile").write_text(f"FROM {missing}\nRUN true\n")
    p = build(daemon, ctx)
    assert p.returncode == 1, describe(p)
    assert "manifest unknown" in p.stderr or "not found" in p.stderr, describe(p)
    assert daemon.ok("ps", "-aq") == ""


def test_docker_cli_and_docker_py_build_pull(daemon, registry, tmp_path):
    repo = f"{registry.addr}/hoist/{unique('dk')}"
    publish(daemon, tmp_path, repo + ":v1", "from-registry")
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM {repo}:v1\nCMD [\"cat\", \"/marker\"]\n")
    tag = unique("dkpull")
    env = dict(daemon.env, DOCKER_BUILDKIT="0")
    try:
        p = subprocess.run(["docker", "build", "-t", tag, str(ctx)], env=env, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, describe(p)
        assert "v1: Pulling from hoist/" in p.stdout and f"Status: Downloaded newer image for {repo}:v1" in p.stdout, p.stdout
        assert daemon.ok("run", "--rm", tag) == "from-registry\n"

        docker = pytest.importorskip("docker")
        daemon.ok("rmi", "-f", tag, repo + ":v1")
        client = docker.DockerClient(base_url=daemon.host)
        try:
            image, logs = client.images.build(path=str(ctx), tag=tag, pull=True)
            statuses = [l.get("status", "") for l in logs]
            assert f"Status: Downloaded newer image for {repo}:v1" in statuses, logs
            assert client.containers.run(tag, remove=True) == b"from-registry\n"
        finally:
            client.close()
    finally:
        daemon.hoist("rmi", "-f", tag, repo + ":v1")


def test_build_pulls_with_the_stored_credentials(daemon, auth_registry, tmp_path):
    """`hoist build` sends the logins (X-Registry-Config); the daemon uses the registry's."""
    cfg = Path(tempfile.mkdtemp(prefix="hoist-it-cfg-", dir="/tmp"))
    env = dict(daemon.env, HOIST_CONFIG=str(cfg))
    ref = f"{auth_registry.addr}/private/{unique('b')}:v1"
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM {ref}\nRUN echo pulled-with-auth\n")
    try:
        p = daemon.hoist("login", "-u", "alice", "--password-stdin", auth_registry.addr, input="s3cret\n", env=env)
        assert p.returncode == 0, describe(p)
        daemon.ok("tag", "busybox:latest", ref)
        p = daemon.hoist("push", ref, env=env, timeout=120)
        assert p.returncode == 0, describe(p)
        daemon.ok("rmi", ref)
        empty = Path(tempfile.mkdtemp(prefix="hoist-it-cfg-", dir="/tmp"))
        try:
            p = daemon.hoist("build", str(ctx), env=dict(daemon.env, HOIST_CONFIG=str(empty)), timeout=120)
        finally:
            shutil.rmtree(empty, ignore_errors=True)
        assert p.returncode == 1 and "no basic auth credentials" in p.stderr, describe(p)
        p = daemon.hoist("build", str(ctx), env=env, timeout=300)
        assert p.returncode == 0 and "pulled-with-auth" in p.stdout, describe(p)
    finally:
        daemon.hoist("rmi", ref)
        shutil.rmtree(cfg, ignore_errors=True)


def test_stages_from_the_same_missing_image_pull_it_once(daemon, registry, tmp_path):
    repo = f"{registry.addr}/hoist/{unique('twice')}:v1"
    publish(daemon, tmp_path, repo, "shared")
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM {repo} AS a\nRUN cat /marker > /a\nFROM {repo} AS b\nRUN cat /marker > /b\n"
                                    "FROM busybox\nCOPY --from=a /a /a\nCOPY --from=b /b /b\nCMD [\"cat\", \"/a\", \"/b\"]\n")
    tag = unique("twice")
    try:
        p = build(daemon, ctx, "-t", tag)
        assert p.returncode == 0, describe(p)
        assert p.stdout.count("Pulling from hoist/") == 1, p.stdout
        assert daemon.ok("run", "--rm", tag) == "shared\nshared\n"
    finally:
        daemon.hoist("rmi", "-f", tag, repo)
