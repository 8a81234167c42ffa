"""commit and history: `hoist commit/history`, `docker commit/history` (DOCKER_HOST) and docker-py."""
import gzip
import hashlib
import json
import re
import shutil
import time

import pytest

from conftest import describe, header_columns, parse_table, unique

# Writes a file and deletes a busybox applet link: the layer holds a file and a whiteout.
CHANGE = "mkdir -p /data && echo hello > /data/x && rm /bin/vi"


def committed_container(daemon) -> str:
    name = unique("c")
    daemon.ok("run", "--name", name, "busybox", "sh", "-c", CHANGE)
    return name


def rmi(daemon, *refs):
    daemon.hoist("rmi", "-f", *refs)


def layer_diff_ids(daemon) -> set[str]:
    """sha256 of every gzip layer blob's uncompressed tar in the content store."""
    out = set()
    for blob in (daemon.root / "blobs" / "sha256").iterdir():
        data = blob.read_bytes()
        if data[:2] == b"\x1f\x8b":
            out.add("sha256:" + hashlib.sha256(gzip.decompress(data)).hexdigest())
    return out


def test_commit_keeps_changes_and_history_shows_layers(daemon):
    name = committed_container(daemon)
    repo = unique("mine")
    out = daemon.ok("commit", "-m", "first commit", "-a", "Tester <t@example.com>", name, f"{repo}:1")
    image_id = out.strip()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", image_id), out
    try:
        assert daemon.ok("run", "--rm", f"{repo}:1", "cat", "/data/x") == "hello\n"
        p = daemon.hoist("run", "--rm", f"{repo}:1", "sh", "-c", "test -e /bin/vi && echo present || echo gone; ls /bin/ls")
        assert p.returncode == 0 and p.stdout == "gone\n/bin/ls\n", describe(p)

        img = json.loads(daemon.ok("image", "inspect", f"{repo}:1"))[0]
        assert img["Id"] == image_id
        assert img["Comment"] == "first commit" and img["Author"] == "Tester <t@example.com>", img
        base = json.loads(daemon.ok("image", "inspect", "busybox"))[0]
        layers = img["RootFS"]["Layers"]
        assert len(layers) == 2 and layers[0] == base["RootFS"]["Layers"][0], layers
        # The diff IDs are the digests of the layer tars in the store.
        assert set(layers) <= layer_diff_ids(daemon), layers
        # The container's command stays the image's.
        assert img["Config"]["Cmd"] == ["sh", "-c", CHANGE], img["Config"]

        out = daemon.ok("history", f"{repo}:1")
        assert header_columns(out) == ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"], out
        rows = parse_table(out)
        assert len(rows) == 2, out
        assert rows[0]["IMAGE"] == image_id[7:19] and rows[1]["IMAGE"] == "<missing>", out
        assert rows[0]["CREATED BY"] == ("sh -c " + CHANGE)[:44] + "…", out
        assert rows[0]["SIZE"] == "6B" and rows[0]["COMMENT"] == "first commit", out
        assert re.fullmatch(r"\d+(\.\d+)?[kM]B", rows[1]["SIZE"]), out
        assert rows[1]["COMMENT"] == "Imported from -", out
        assert daemon.ok("history", "-q", f"{repo}:1").split() == [image_id[7:19], "<missing>"]
        full = daemon.ok("history", "--no-trunc", "--format", "{{.ID}}|{{.CreatedBy}}|{{.Size}}", f"{repo}:1").splitlines()
        assert full[0] == f"{image_id}|sh -c {CHANGE}|6B", full
        raw = daemon.ok("history", "-H=false", "--format", "{{.Size}}", f"{repo}:1").split()
        assert raw[0] == "6" and raw[1].isdigit(), raw
    finally:
        rmi(daemon, f"{repo}:1")
        daemon.hoist("rm", "-f", name)


def test_commit_change_sets_cmd(daemon):
    name = committed_container(daemon)
    repo = unique("mine")
    try:
        daemon.ok("commit", "-c", 'CMD ["echo","committed"]', "-c", "ENV A=1", name, f"{repo}:2")
        assert daemon.ok("run", "--rm", f"{repo}:2") == "committed\n"
        assert "A=1" in daemon.ok("run", "--rm", f"{repo}:2", "env")
    finally:
        rmi(daemon, f"{repo}:2")
        daemon.hoist("rm", "-f", name)


def test_commit_change_healthcheck_and_onbuild(daemon):
    name = committed_container(daemon)
    repo = unique("hc")
    try:
        daemon.ok("commit", "-c", "HEALTHCHECK --interval=9s --retries=4 CMD true", "-c", "ONBUILD RUN echo later",
                  name, f"{repo}:1")
        cfg = json.loads(daemon.ok("image", "inspect", f"{repo}:1"))[0]["Config"]
        assert cfg["Healthcheck"] == {"Test": ["CMD-SHELL", "true"], "Interval": 9_000_000_000, "Retries": 4}, cfg
        assert cfg["OnBuild"] == ["RUN echo later"], cfg
        p = daemon.hoist("commit", "-c", "ONBUILD ONBUILD RUN x", name)
        assert p.returncode != 0 and "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed" in p.stderr, describe(p)
    finally:
        rmi(daemon, f"{repo}:1")
        daemon.hoist("rm", "-f", name)


def test_commit_of_an_unchanged_container_is_an_empty_layer(daemon):
    name = unique("c")
    daemon.ok("create", "--name", name, "busybox", "true")
    try:
        image_id = daemon.ok("commit", name).strip()
        img = json.loads(daemon.ok("image", "inspect", image_id))[0]
        assert len(img["RootFS"]["Layers"]) == 1, img["RootFS"]
        rows = parse_table(daemon.ok("history", image_id))
        assert len(rows) == 2 and rows[0]["SIZE"] == "0B", rows
        # Untagged: `images` lists it as <none>.
        assert img["RepoTags"] == []
    finally:
        daemon.hoist("rm", "-f", name)
        daemon.hoist("rmi", image_id)


def test_commit_unknown_container(daemon):
    p = daemon.hoist("commit", "nosuchcontainer")
    assert p.returncode != 0 and "No such container: nosuchcontainer" in p.stderr, describe(p)


@pytest.mark.skipif(shutil.which("docker") is None, reason="docker CLI not on PATH")
def test_docker_cli_commit_and_history(daemon):
    name = committed_container(daemon)
    repo = unique("mine")
    try:
        p = daemon.docker("commit", "-c", 'CMD ["echo","committed"]', "-m", "via docker", name, f"{repo}:1")
        assert p.returncode == 0 and re.fullmatch(r"sha256:[0-9a-f]{64}\n", p.stdout), describe(p)
        p = daemon.docker("run", "--rm", f"{repo}:1")
        assert p.returncode == 0 and p.stdout == "committed\n", describe(p)
        p = daemon.docker("run", "--rm", f"{repo}:1", "cat", "/data/x")
        assert p.stdout == "hello\n", describe(p)
        p = daemon.docker("history", f"{repo}:1")
        assert p.returncode == 0, describe(p)
        rows = parse_table(p.stdout)
        assert len(rows) == 2 and rows[1]["IMAGE"] == "<missing>" and rows[0]["COMMENT"] == "via docker", p.stdout
        assert rows[0]["SIZE"] == "6B", p.stdout
        p = daemon.docker("image", "inspect", "--format", "{{len .RootFS.Layers}}", f"{repo}:1")
        assert p.stdout.strip() == "2", describe(p)
    finally:
        rmi(daemon, f"{repo}:1")
        daemon.hoist("rm", "-f", name)


def test_docker_py_commit_and_history(daemon):
    docker = pytest.importorskip("docker")
    client = docker.DockerClient(base_url=daemon.host, timeout=60)
    repo = unique("mine")
    c = client.containers.run("busybox", ["sh", "-c", CHANGE], detach=True)
    try:
        c.wait()
        img = c.commit(repository=repo, tag="py", message="from python", changes=['CMD ["echo","committed"]'])
        assert img.id.startswith("sha256:") and f"{repo}:py" in img.tags
        assert client.containers.run(f"{repo}:py", remove=True) == b"committed\n"
        hist = img.history()
        assert len(hist) == 2, hist
        assert hist[0]["Id"] == img.id and hist[0]["Comment"] == "from python" and hist[0]["Size"] == 6, hist
        assert hist[0]["Tags"] == [f"{repo}:py"], hist
        assert hist[1]["Id"] == "<missing>" and hist[1]["Tags"] is None, hist
        assert len(img.attrs["RootFS"]["Layers"]) == 2
    finally:
        c.remove(force=True)
        client.images.remove(f"{repo}:py", force=True)
        client.close()


def test_commit_of_a_running_container_pauses_and_resumes_it(daemon):
    name = unique("c")
    daemon.ok("run", "-d", "--name", name, "busybox", "sh", "-c", "echo live > /live; sleep 300")
    repo = unique("mine")
    try:
        deadline = time.monotonic() + 10
        while daemon.hoist("exec", name, "cat", "/live").stdout != "live\n":
            assert time.monotonic() < deadline, "the container never wrote /live"
        daemon.ok("commit", name, f"{repo}:run")
        state = json.loads(daemon.ok("inspect", name))[0]["State"]
        assert state["Running"] and not state["Paused"], state
        assert daemon.ok("run", "--rm", f"{repo}:run", "cat", "/live") == "live\n"
        daemon.ok("commit", "--pause=false", name, f"{repo}:nopause")
        assert daemon.ok("run", "--rm", f"{repo}:nopause", "cat", "/live") == "live\n"
    finally:
        daemon.hoist("rm", "-f", name)
        rmi(daemon, f"{repo}:run", f"{repo}:nopause")
