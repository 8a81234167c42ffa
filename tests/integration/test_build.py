"""docker build (classic builder): `hoist build`, `DOCKER_BUILDKIT=0 docker build` and docker-py
against hoistd; steps, layers, cache, .dockerignore, -f outside the context, failures."""
import io
import json
import os
import re
import subprocess
import tarfile
import textwrap
from pathlib import Path

import pytest

from conftest import _mounts_under, describe, unique

APP_DOCKERFILE = """\
FROM busybox
ARG GREETING=hello
ENV APP_HOME=/app MODE=test
LABEL org.example.role="demo app"
WORKDIR $APP_HOME/work
COPY files/ /app/files/
COPY --chown=1000:1000 --chmod=640 secret.txt /app/secret.txt
ADD bundle.tar /app/unpacked/
RUN echo "$GREETING from run" > /app/run.txt && echo built-$MODE
RUN echo 'appuser:x:1234:1234::/tmp:/bin/sh' >> /etc/passwd
USER appuser
EXPOSE 8080
VOLUME /data
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s CMD true
ONBUILD RUN echo triggered
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo default-cmd; pwd; id -u"]
"""


def make_context(tmp: Path, dockerfile: str = APP_DOCKERFILE) -> Path:
    ctx = tmp / unique("ctx")
    (ctx / "files" / "sub").mkdir(parents=True)
    (ctx / "files" / "a.txt").write_text("file a\n")
    (ctx / "files" / "sub" / "b.txt").write_text("file b\n")
    (ctx / "secret.txt").write_text("secret\n")
    inner = ctx / "inner"
    inner.mkdir()
    (inner / "from-tar.txt").write_text("unpacked\n")
    with tarfile.open(ctx / "bundle.tar", "w") as t:
        t.add(inner / "from-tar.txt", arcname="from-tar.txt")
    (ctx / "Dockerfile").write_text(dockerfile)
    return ctx


def build(daemon, ctx, *args):
    return daemon.hoist("build", *args, str(ctx), timeout=300)


def image_id_from(out: str) -> str:
    m = re.search(r"Successfully built ([0-9a-f]{12})", out)
    assert m, out
    return m.group(1)


def rmi(daemon, *refs):
    daemon.hoist("rmi", "-f", *refs)


def test_build_runs_every_instruction(daemon, tmp_path):
    ctx = make_context(tmp_path)
    tag = unique("app") + ":v1"
    p = build(daemon, ctx, "-t", tag)
    assert p.returncode == 0, describe(p) + daemon.log_text()
    out = p.stdout
    assert out.startswith("Sending build context to Docker daemon  "), out
    steps = re.findall(r"^Step (\d+)/(\d+) : (.*)$", out, re.M)
    assert len(steps) == 18 and all(total == "18" for _, total, _ in steps), out
    assert steps[0][2] == "FROM busybox" and steps[8][2].startswith("RUN echo"), steps
    assert "built-test\n" in out, out                      # RUN output streamed
    assert re.search(r"^ ---> Running in [0-9a-f]{12}$", out, re.M), out
    short = image_id_from(out)
    assert f"Successfully tagged {tag}\n" in out, out
    try:
        img = json.loads(daemon.ok("image", "inspect", tag))[0]
        assert img["Id"].startswith("sha256:" + short)
        cfg = img["Config"]
        assert "APP_HOME=/app" in cfg["Env"] and "MODE=test" in cfg["Env"], cfg
        assert not any(e.startswith("GREETING=") for e in cfg["Env"]), cfg  # ARG is not ENV
        assert cfg["WorkingDir"] == "/app/work" and cfg["User"] == "appuser", cfg
        assert cfg["Labels"]["org.example.role"] == "demo app", cfg
        assert cfg["ExposedPorts"] == {"8080/tcp": {}} and cfg["Volumes"] == {"/data": {}}, cfg
        assert cfg["StopSignal"] == "SIGINT", cfg
        assert cfg["Entrypoint"] == ["/bin/sh", "-c"] and cfg["Cmd"] == ["echo default-cmd; pwd; id -u"], cfg
        # RUN, COPY x2, ADD, WORKDIR, RUN adduser: six layers on top of busybox's one.
        assert len(img["RootFS"]["Layers"]) == 7, img["RootFS"]

        # The image runs with its CMD, WORKDIR and USER.
        assert daemon.ok("run", "--rm", tag) == "default-cmd\n/app/work\n1234\n"
        files = daemon.ok("run", "--rm", "--user", "0", tag,
                          "cat /app/files/a.txt /app/files/sub/b.txt /app/unpacked/from-tar.txt /app/run.txt;"
                          " stat -c '%u:%g %a' /app/secret.txt; echo $APP_HOME")
        assert files == "file a\nfile b\nunpacked\nhello from run\n1000:1000 640\n/app\n", files

        # history: one row per instruction, metadata-only ones 0B.
        hist = daemon.ok("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", tag).splitlines()
        assert len(hist) == 17 + 1, hist
        assert hist[0].startswith("/bin/sh -c #(nop) CMD") and hist[0].endswith("|0B"), hist
        assert any(h.startswith("|1 GREETING=hello /bin/sh -c echo") for h in hist), hist
        assert any("#(nop) COPY --chown=1000:1000 --chmod=640 file:" in h for h in hist), hist
    finally:
        rmi(daemon, tag)


def test_failing_run_leaves_no_image_container_or_mount(fresh_daemon, tmp_path):
    d = fresh_daemon
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo before\nRUN false\nRUN echo never\n")
    images_before = d.ok("images", "-q", "--no-trunc")
    tag = unique("broken")
    p = build(d, ctx, "-t", tag)
    assert p.returncode == 1, describe(p)
    assert "The command '/bin/sh -c false' returned a non-zero code: 1" in p.stderr, describe(p)
    assert "Step 3/4 : RUN false" in p.stdout and "never" not in p.stdout, p.stdout
    assert d.hoist("image", "inspect", tag).returncode != 0
    assert d.ok("ps", "-aq") == ""
    # The daemon's own: the containers directory and the exec root's tmpfs.
    mounts = [m for m in _mounts_under(str(d.root)) if m not in (str(d.root / "containers"), str(d.root / "run"))]
    assert mounts == [], mounts
    assert [e.name for e in (d.root / "containers").iterdir() if e.name.startswith(".build-")] == []
    # Only the successful step's image was added (the cache), none tagged.
    assert d.ok("images", "--format", "{{.Repository}}:{{.Tag}}").count(tag.split(":")[0]) == 0
    assert images_before  # busybox

    # The exit code of the RUN is the CLI's.
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN exit 3\n")
    p = build(d, ctx)
    assert p.returncode == 3 and "returned a non-zero code: 3" in p.stderr, describe(p)
    assert d.ok("ps", "-aq") == ""


def test_cache_hits_same_id_and_invalidation(daemon, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "one.txt").write_text("one\n")
    (ctx / "two.txt").write_text("two\n")
    (ctx / "Dockerfile").write_text(textwrap.dedent("""\
        FROM busybox
        RUN echo first > /first
        COPY one.txt /one.txt
        RUN cat /one.txt > /copy-of-one
        COPY two.txt /two.txt
        CMD ["cat", "/copy-of-one"]
        """))
    tag = unique("cache")
    p1 = build(daemon, ctx, "-t", tag)
    assert p1.returncode == 0, describe(p1)
    first = image_id_from(p1.stdout)
    try:
        p2 = build(daemon, ctx, "-t", tag)
        assert p2.returncode == 0, describe(p2)
        assert p2.stdout.count(" ---> Using cache\n") == 5, p2.stdout
        assert "Running in" not in p2.stdout
        assert image_id_from(p2.stdout) == first

        # Timestamps do not count, contents do.
        os.utime(ctx / "one.txt", (1, 1))
        p3 = build(daemon, ctx, "-t", tag)
        assert image_id_from(p3.stdout) == first and p3.stdout.count("Using cache") == 5, p3.stdout

        (ctx / "one.txt").write_text("ONE changed\n")
        p4 = build(daemon, ctx, "-t", tag)
        assert p4.returncode == 0, describe(p4)
        steps = p4.stdout.split("Step ")
        # Steps 1-2 hit, 3 (the COPY) and everything after re-run.
        assert "Using cache" in steps[2] and "Using cache" not in "".join(steps[3:]), p4.stdout
        assert image_id_from(p4.stdout) != first
        assert daemon.ok("run", "--rm", tag) == "ONE changed\n"

        # --no-cache runs everything again.
        p5 = build(daemon, ctx, "--no-cache", "-t", tag)
        assert p5.returncode == 0 and "Using cache" not in p5.stdout, describe(p5)
    finally:
        rmi(daemon, tag)


def test_cache_survives_daemon_restart_and_prune(fresh_daemon, tmp_path):
    d = fresh_daemon
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo x > /x\nENV A=1\n")
    p = build(d, ctx)
    assert p.returncode == 0, describe(p)
    first = image_id_from(p.stdout)
    d.stop()
    d.start()
    p = build(d, ctx)
    assert p.returncode == 0 and p.stdout.count("Using cache") == 2, describe(p)
    assert image_id_from(p.stdout) == first
    out = d.ok("builder", "prune", "-f")
    assert out.startswith("Deleted build cache objects:\n") and "Total reclaimed space:" in out, out
    p = build(d, ctx)
    assert p.returncode == 0 and "Using cache" not in p.stdout, describe(p)
    assert d.ok("builder", "prune", "-f").endswith("Total reclaimed space: ") is False


def test_dockerignore_and_dockerfile_outside_context(daemon, tmp_path):
    ctx = tmp_path / "ctx"
    (ctx / "logs").mkdir(parents=True)
    (ctx / "keep.txt").write_text("keep\n")
    (ctx / "skip.txt").write_text("skip\n")
    (ctx / "logs" / "a.log").write_text("log\n")
    (ctx / "logs" / "important.log").write_text("important\n")
    (ctx / ".dockerignore").write_text("skip.txt\nlogs\n!logs/important.log\n")
    outside = tmp_path / "elsewhere" / "build.Dockerfile"
    outside.parent.mkdir()
    outside.write_text("FROM busybox\nCOPY . /ctx/\nCMD [\"sh\", \"-c\", \"cd /ctx && find . -type f | sort\"]\n")
    tag = unique("ign")
    p = build(daemon, ctx, "-f", str(outside), "-t", tag)
    assert p.returncode == 0, describe(p)
    try:
        listing = daemon.ok("run", "--rm", tag)
        assert listing == "./keep.txt\n./logs/important.log\n", listing
    finally:
        rmi(daemon, tag)

    # A COPY of an excluded file fails as Docker's does.
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY skip.txt /\n")
    p = build(daemon, ctx)
    assert p.returncode != 0, describe(p)
    assert "skip.txt" in p.stderr and "excluded by .dockerignore" in p.stderr, describe(p)


def test_multistage_target_and_copy_from(daemon, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(textwrap.dedent("""\
        FROM busybox AS builder
        RUN echo compiled > /artifact
        FROM busybox AS unused
        RUN echo should-not-run
        FROM busybox
        COPY --from=builder /artifact /artifact
        COPY --from=busybox /bin/busybox /copied-busybox
        CMD ["cat", "/artifact"]
        """))
    tag = unique("ms")
    p = build(daemon, ctx, "-t", tag)
    assert p.returncode == 0, describe(p)
    try:
        assert "should-not-run" not in p.stdout, p.stdout
        assert "Step 1/6 : FROM busybox AS builder" in p.stdout, p.stdout
        assert daemon.ok("run", "--rm", tag) == "compiled\n"
        assert daemon.ok("run", "--rm", tag, "test", "-x", "/copied-busybox") == ""
        p = build(daemon, ctx, "--target", "builder", "-t", tag + "-b")
        assert p.returncode == 0 and "Step 2/2 : RUN echo compiled" in p.stdout, describe(p)
        assert daemon.ok("run", "--rm", tag + "-b", "cat", "/artifact") == "compiled\n"
        p = build(daemon, ctx, "--target", "nosuch")
        assert p.returncode != 0 and "failed to reach build target nosuch in Dockerfile" in p.stderr, describe(p)
    finally:
        rmi(daemon, tag, tag + "-b")


def test_build_args_labels_quiet_iidfile(daemon, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nARG WHO=nobody\nRUN echo \"hi $WHO\" > /who\nCMD [\"cat\", \"/who\"]\n")
    tag = unique("args")
    iid = tmp_path / "iid"
    p = build(daemon, ctx, "-q", "--build-arg", "WHO=tester", "--label", "k=v", "--iidfile", str(iid), "-t", tag)
    assert p.returncode == 0, describe(p)
    try:
        assert re.fullmatch(r"sha256:[0-9a-f]{64}\n", p.stdout), p.stdout
        assert iid.read_text() == p.stdout.strip()
        assert daemon.ok("run", "--rm", tag) == "hi tester\n"
        img = json.loads(daemon.ok("image", "inspect", tag))[0]
        assert img["Config"]["Labels"]["k"] == "v", img["Config"]
    finally:
        rmi(daemon, tag)


def test_bad_dockerfile_and_missing_context(daemon, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUNN echo\n")
    p = build(daemon, ctx)
    assert p.returncode == 1 and "unknown instruction: RUNN" in p.stderr, describe(p)
    p = daemon.hoist("build", str(tmp_path / "nope"))
    assert p.returncode == 1 and 'unable to prepare context: path "' in p.stderr, describe(p)


def test_docker_cli_classic_build(daemon, tmp_path):
    ctx = make_context(tmp_path, "FROM busybox\nCOPY files /files\nRUN ls /files > /listing\nCMD [\"cat\", \"/listing\"]\n")
    tag = unique("dk") + ":1"
    env = dict(daemon.env, DOCKER_BUILDKIT="0")
    p = subprocess.run(["docker", "build", "-t", tag, str(ctx)], env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, describe(p)
    try:
        assert "Step 4/4 : CMD" in p.stdout and f"Successfully tagged {tag}" in p.stdout, p.stdout
        assert daemon.ok("run", "--rm", tag) == "a.txt\nsub\n"
        # Rebuild: every step from the cache.
        p = subprocess.run(["docker", "build", "-t", tag, str(ctx)], env=env, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0 and p.stdout.count("Using cache") == 3, describe(p)
        # A failing RUN: docker's message and exit code.
        (ctx / "Dockerfile").write_text("FROM busybox\nRUN exit 2\n")
        p = subprocess.run(["docker", "build", str(ctx)], env=env, capture_output=True, text=True, timeout=300)
        assert p.returncode == 2, describe(p)
        assert "The command '/bin/sh -c exit 2' returned a non-zero code: 2" in p.stderr, describe(p)
    finally:
        rmi(daemon, tag)


def test_docker_py_build(daemon, tmp_path):
    docker = pytest.importorskip("docker")
    ctx = make_context(tmp_path, "FROM busybox\nCOPY secret.txt /s\nCMD [\"cat\", \"/s\"]\n")
    tag = unique("py") + ":1"
    client = docker.DockerClient(base_url=daemon.host)
    try:
        image, logs = client.images.build(path=str(ctx), tag=tag)
        text = "".join(l.get("stream", "") for l in logs)
        assert "Step 3/3" in text and "Successfully built" in text, text
        assert tag in image.tags
        assert client.containers.run(tag, remove=True) == b"secret\n"
        (ctx / "Dockerfile").write_text("FROM busybox\nRUN false\n")
        with pytest.raises(docker.errors.BuildError) as e:
            client.images.build(path=str(ctx))
        assert "returned a non-zero code: 1" in str(e.value)
    finally:
        rmi(daemon, tag)
        client.close()


HEALTH_DOCKERFILE = """\
FROM busybox
SHELL ["/bin/sh", "-ec"]
HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --retries=2 CMD test -e /tmp
ONBUILD RUN echo triggered > /onbuild
CMD echo shell-form
"""


def test_inspect_shows_healthcheck_shell_onbuild_and_they_survive_save_load(daemon, tmp_path):
    ctx = make_context(tmp_path, HEALTH_DOCKERFILE)
    tag = unique("hc") + ":1"
    child = unique("hc-child") + ":1"
    p = build(daemon, ctx, "-t", tag)
    assert p.returncode == 0, describe(p)
    expected = {"Test": ["CMD-SHELL", "test -e /tmp"], "Interval": 5_000_000_000, "Timeout": 3_000_000_000,
                "StartPeriod": 1_000_000_000, "Retries": 2}
    try:
        def check(cfg):
            assert cfg["Healthcheck"] == expected, cfg
            assert cfg["Shell"] == ["/bin/sh", "-ec"], cfg
            assert cfg["OnBuild"] == ["RUN echo triggered > /onbuild"], cfg
            assert cfg["Cmd"] == ["/bin/sh", "-ec", "echo shell-form"], cfg

        check(json.loads(daemon.ok("image", "inspect", tag))[0]["Config"])
        # The docker CLI renders the same fields through its templates.
        p = subprocess.run(["docker", "image", "inspect", "--format", "{{json .Config.Healthcheck}}|{{json .Config.Shell}}", tag],
                           env=daemon.env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, describe(p)
        hc, shell = p.stdout.strip().split("|")
        assert json.loads(hc) == expected and json.loads(shell) == ["/bin/sh", "-ec"], p.stdout
        # A container of the image carries the image's healthcheck in its config, as Docker's.
        cid = daemon.ok("create", tag).strip()
        try:
            assert json.loads(daemon.ok("inspect", cid))[0]["Config"]["Healthcheck"] == expected
        finally:
            daemon.hoist("rm", "-f", cid)

        # save / rmi / load: the config (and the image ID) come back unchanged.
        before = json.loads(daemon.ok("image", "inspect", tag))[0]
        archive = tmp_path / "hc.tar"
        daemon.ok("save", "-o", str(archive), tag)
        rmi(daemon, tag)
        daemon.ok("load", "-i", str(archive))
        after = json.loads(daemon.ok("image", "inspect", tag))[0]
        assert after["Id"] == before["Id"]
        check(after["Config"])

        # A build FROM it runs the trigger; the child does not inherit it.
        (ctx / "Dockerfile").write_text(f"FROM {tag}\nCMD [\"cat\", \"/onbuild\"]\n")
        p = build(daemon, ctx, "-t", child)
        assert p.returncode == 0 and "# Executing 1 build trigger" in p.stdout, describe(p)
        cfg = json.loads(daemon.ok("image", "inspect", child))[0]["Config"]
        assert cfg.get("OnBuild") in (None, []) and cfg["Healthcheck"] == expected, cfg
        assert daemon.ok("run", "--rm", child) == "triggered\n"
    finally:
        rmi(daemon, tag, child)


def running_ids(out: str) -> list[str]:
    return re.findall(r"^ ---> Running in ([0-9a-f]{12})$", out, re.M)


def test_rm_false_keeps_containers_and_volume_paths_stay_out_of_layers(daemon, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(textwrap.dedent("""\
        FROM busybox
        RUN mkdir -p /data && echo before > /data/keep
        VOLUME /data
        RUN echo after > /data/lost && echo changed > /data/keep && echo outside > /outside
        """))
    tag = unique("vol")
    kept: list[str] = []
    try:
        p = build(daemon, ctx, "--rm=false", "-t", tag)
        assert p.returncode == 0, describe(p)
        kept = running_ids(p.stdout)
        assert len(kept) == 2 and "Removed intermediate container" not in p.stdout, p.stdout
        all_ids = daemon.ok("ps", "-aq", "--no-trunc")
        assert all(k in all_ids for k in kept), (kept, all_ids)
        cfg = json.loads(daemon.ok("image", "inspect", tag))[0]["Config"]
        assert cfg["Volumes"] == {"/data": {}}, cfg
        # What the RUN after VOLUME wrote under /data is gone; the rest of its changes stay.
        out = daemon.ok("run", "--rm", tag, "sh", "-c", "cat /data/keep /outside; ls /data")
        assert out == "before\noutside\nkeep\n", out

        # The default (--rm) and the docker CLI's --rm=false.
        p = build(daemon, ctx, "--no-cache", "-t", tag)
        assert p.returncode == 0 and p.stdout.count("Removed intermediate container") == 2, describe(p)
        all_ids = daemon.ok("ps", "-aq", "--no-trunc")
        assert not any(k in all_ids for k in running_ids(p.stdout)), all_ids
        env = dict(daemon.env, DOCKER_BUILDKIT="0")
        p = subprocess.run(["docker", "build", "--rm=false", "--no-cache", "-t", tag, str(ctx)], env=env,
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, describe(p)
        ids = running_ids(p.stdout)
        kept += ids
        all_ids = daemon.ok("ps", "-aq", "--no-trunc")
        assert len(ids) == 2 and all(k in all_ids for k in ids), (p.stdout, all_ids)
    finally:
        if kept:
            daemon.hoist("rm", "-f", *kept)
        rmi(daemon, tag)


def test_builder_prune_all_until_and_keep_storage(fresh_daemon, tmp_path):
    d = fresh_daemon
    kept_ctx = tmp_path / "kept"
    kept_ctx.mkdir()
    (kept_ctx / "Dockerfile").write_text("FROM busybox\nRUN echo kept > /kept\n")
    loose_ctx = tmp_path / "loose"
    loose_ctx.mkdir()
    (loose_ctx / "Dockerfile").write_text("FROM busybox\nRUN echo loose > /loose\n")
    assert build(d, kept_ctx, "-t", "kept:1").returncode == 0
    assert build(d, loose_ctx).returncode == 0

    def cached(ctx) -> bool:
        p = build(d, ctx, "-t", "kept:1") if ctx == kept_ctx else build(d, ctx)
        assert p.returncode == 0, describe(p)
        return "Using cache" in p.stdout

    # Nothing is older than an hour; a 1 GB allowance holds everything.
    out = d.ok("builder", "prune", "-f", "--filter", "until=1h")
    assert out == "Total reclaimed space: 0B\n", out
    out = d.ok("builder", "prune", "-af", "--keep-storage", "1GB")
    assert out == "Total reclaimed space: 0B\n", out
    assert cached(loose_ctx) and cached(kept_ctx)

    # Without -a only the dangling cache goes: the tagged image's steps stay.
    out = d.ok("builder", "prune", "-f")
    assert out.startswith("Deleted build cache objects:\nsha256:"), out
    assert cached(kept_ctx) and not cached(loose_ctx)

    # The docker CLI's flags reach the same endpoint; -a drops the rest.
    p = subprocess.run(["docker", "builder", "prune", "-af", "--keep-storage", "1GB"], env=d.env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "Total reclaimed space: 0B" in p.stdout, describe(p)
    p = subprocess.run(["docker", "builder", "prune", "-af"], env=d.env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "Deleted build cache objects:" in p.stdout, describe(p)
    assert not cached(kept_ctx)
    assert d.ok("run", "--rm", "kept:1", "cat", "/kept") == "kept\n"  # the tagged image itself stays

    p = d.hoist("builder", "prune", "-f", "--filter", "color=red")
    assert p.returncode != 0 and "invalid filter 'color'" in p.stderr, describe(p)


@pytest.fixture()
def file_server(tmp_path):
    """A python http.server on a free loopback port serving tmp_path/www (Last-Modified from
    the files' mtimes); stopped afterwards."""
    import functools
    import http.server
    import threading
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_add_url_downloads_file_0600_with_last_modified_and_content_cache(daemon, tmp_path, file_server):
    root, base = file_server
    (root / "data.txt").write_text("served\n")
    os.utime(root / "data.txt", (1_600_000_000, 1_600_000_000))
    inner = tmp_path / "inner.txt"
    inner.write_text("inside\n")
    with tarfile.open(root / "bundle.tar", "w") as t:
        t.add(inner, arcname="inner.txt")
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM busybox\nADD {base}/data.txt /downloaded/\nADD {base}/bundle.tar /b.tar\n")
    tag = unique("url")
    try:
        p = build(daemon, ctx, "-t", tag)
        assert p.returncode == 0, describe(p)
        out = daemon.ok("run", "--rm", tag, "sh", "-c",
                        "cat /downloaded/data.txt; stat -c '%a %u %Y' /downloaded/data.txt; test -f /b.tar && echo not-extracted")
        assert out == "served\n600 0 1600000000\nnot-extracted\n", out
        first = image_id_from(p.stdout)
        # The download's progress, as moby's remote source reports it.
        docker = pytest.importorskip("docker")
        client = docker.APIClient(base_url=daemon.host)
        try:
            logs = list(client.build(path=str(ctx), rm=True, decode=True))
        finally:
            client.close()
        downloads = [l for l in logs if l.get("status") == "Downloading"]
        size = (root / "bundle.tar").stat().st_size
        assert [d["progressDetail"] for d in downloads] == [{"current": 7, "total": 7}, {"current": size, "total": size}], logs

        # Same content, a new mtime: every step from the cache. New content: the ADD runs again.
        os.utime(root / "data.txt", (1_700_000_000, 1_700_000_000))
        p = build(daemon, ctx, "-t", tag)
        assert p.returncode == 0 and p.stdout.count("Using cache") == 2 and image_id_from(p.stdout) == first, describe(p)
        (root / "data.txt").write_text("changed\n")
        p = build(daemon, ctx, "-t", tag)
        assert p.returncode == 0 and p.stdout.count("Using cache") == 0, describe(p)
        assert daemon.ok("run", "--rm", tag, "cat", "/downloaded/data.txt") == "changed\n"

        # A missing file fails the build; COPY refuses URLs.
        (ctx / "Dockerfile").write_text(f"FROM busybox\nADD {base}/nothing.txt /\n")
        p = build(daemon, ctx)
        assert p.returncode == 1 and f"failed to GET {base}/nothing.txt with status 404" in p.stderr, describe(p)
        (ctx / "Dockerfile").write_text(f"FROM busybox\nCOPY {base}/data.txt /\n")
        p = build(daemon, ctx)
        assert p.returncode == 1 and "source can't be a URL for COPY" in p.stderr, describe(p)
    finally:
        rmi(daemon, tag)


def test_independent_stages_build_concurrently_output_in_order(daemon, tmp_path):
    """Two stages meet over the host network: the first waits (60 s at most) for what the
    second sends, so the build only succeeds when they run at the same time."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    word = unique("hello")
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(textwrap.dedent(f"""\
        FROM busybox AS listener
        RUN timeout 60 nc -l -p {port} -e sh -c 'cat > /got' && echo "listener got $(cat /got)"
        FROM busybox AS talker
        RUN i=0; until echo {word} | nc 127.0.0.1 {port}; do i=$((i+1)); [ $i -lt 600 ] || exit 1; sleep 0.1; done 2>/dev/null; echo sent > /sent
        FROM busybox
        COPY --from=listener /got /got
        COPY --from=talker /sent /sent
        CMD ["cat", "/got", "/sent"]
        """))
    tag = unique("par")
    try:
        p = build(daemon, ctx, "--network", "host", "-t", tag)
        assert p.returncode == 0, describe(p)
        out = p.stdout
        # Read as a sequential build: steps in order, each stage's output under its own steps.
        steps = [int(n) for n in re.findall(r"^Step (\d+)/8 : ", out, re.M)]
        assert steps == list(range(1, 9)), out
        assert f"listener got {word}\n" in out, out
        assert out.index("Step 2/8") < out.index(f"listener got {word}") < out.index("Step 3/8"), out
        assert daemon.ok("run", "--rm", tag) == f"{word}\nsent\n"

        # A failing stage stops the build with its code; the other one's container goes too.
        (ctx / "Dockerfile").write_text("FROM busybox AS a\nRUN exit 3\nFROM busybox AS b\nRUN echo b-ran > /b\n"
                                        "FROM busybox\nCOPY --from=a /etc/passwd /a\nCOPY --from=b /b /b\n")
        p = build(daemon, ctx, "--no-cache")
        assert p.returncode == 3 and "returned a non-zero code: 3" in p.stderr, describe(p)
        assert "Step 5/7" not in p.stdout, p.stdout
        assert daemon.ok("ps", "-aq") == ""
    finally:
        rmi(daemon, tag)
