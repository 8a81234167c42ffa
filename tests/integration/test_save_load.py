"""`hoist save` / `hoist load` (GET /images/get, POST /images/load): Docker 25's archive
format (docker-archive + OCI layout), read back by hoist, the docker CLI, docker-py, skopeo."""
import io
import json
import os
import pty
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from conftest import HOIST, describe, unique


@pytest.fixture
def work():
    d = Path(tempfile.mkdtemp(prefix="hoist-it-saveload-", dir="/tmp"))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def image_id(daemon, name):
    p = daemon.hoist("image", "inspect", "--format", "{{.Id}}", name)
    return p.stdout.strip() if p.returncode == 0 else None


def make_image(daemon, text):
    """A committed image of its own (one extra layer holding /hello), tagged NAME:v1."""
    name = unique("sl")
    c = unique("slc")
    daemon.ok("run", "--name", c, "busybox", "sh", "-c", f"echo {text} > /hello")
    daemon.ok("commit", c, f"{name}:v1")
    daemon.ok("rm", c)
    return f"{name}:v1"


def run_hello(daemon, ref):
    return daemon.ok("run", "--rm", ref, "cat", "/hello")


def members(path):
    with tarfile.open(path) as t:
        return {m.name.lstrip("./").rstrip("/"): m for m in t.getmembers()}


def read_member(path, name):
    with tarfile.open(path) as t:
        for m in t.getmembers():
            if m.name.lstrip("./") == name:
                return t.extractfile(m).read()
    raise KeyError(name)


def test_save_rmi_load_run(daemon, work):
    ref = make_image(daemon, "saved-one")
    iid = image_id(daemon, ref)
    out = work / "img.tar"
    daemon.ok("save", "-o", out, ref)
    names = members(out)
    for n in ("manifest.json", "index.json", "oci-layout", "repositories"):
        assert n in names, sorted(names)
    manifest = json.loads(read_member(out, "manifest.json"))
    assert len(manifest) == 1
    assert manifest[0]["RepoTags"] == [ref]
    assert manifest[0]["Config"] == "blobs/sha256/" + iid.split(":")[1]
    for layer in manifest[0]["Layers"]:
        assert layer in names
    index = json.loads(read_member(out, "index.json"))
    ann = index["manifests"][0]["annotations"]
    assert ann["org.opencontainers.image.ref.name"] == "v1"
    assert ann["io.containerd.image.name"].endswith(ref)

    daemon.ok("rmi", ref)
    assert image_id(daemon, ref) is None
    p = daemon.hoist("load", "-i", out)
    assert p.returncode == 0, describe(p)
    assert p.stdout == f"Loaded image: {ref}\n"
    assert image_id(daemon, ref) == iid
    assert run_hello(daemon, ref) == "saved-one\n"
    # Loading again: same image, same message.
    p = daemon.hoist("load", "-q", "-i", out)
    assert p.returncode == 0 and p.stdout == f"Loaded image: {ref}\n", describe(p)
    daemon.ok("rmi", ref)


def test_save_stdout_load_stdin_and_terminal_refused(daemon, work):
    ref = make_image(daemon, "via-pipe")
    iid = image_id(daemon, ref)
    p = subprocess.run([str(HOIST), "save", ref], env=daemon.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert p.returncode == 0, p.stderr
    data = p.stdout
    assert tarfile.open(fileobj=io.BytesIO(data)).getmember("manifest.json")
    daemon.ok("rmi", ref)
    p = daemon.hoist("load", input=data)
    assert p.returncode == 0, describe(p)
    assert p.stdout == f"Loaded image: {ref}\n"
    assert image_id(daemon, ref) == iid

    # A terminal on stdout is refused, as docker does.
    master, slave = pty.openpty()
    try:
        p = subprocess.run([str(HOIST), "save", ref], env=daemon.env, stdout=slave, stderr=subprocess.PIPE, timeout=60)
    finally:
        os.close(slave)
        os.close(master)
    assert p.returncode != 0
    assert b"cowardly refusing to save to a terminal. Use the -o flag or redirect" in p.stderr
    daemon.ok("rmi", ref)


def test_save_two_images(daemon, work):
    a = make_image(daemon, "first")
    b = make_image(daemon, "second")
    ids = {a: image_id(daemon, a), b: image_id(daemon, b)}
    out = work / "two.tar"
    daemon.ok("save", "-o", out, a, b)
    manifest = json.loads(read_member(out, "manifest.json"))
    assert sorted(t for e in manifest for t in e["RepoTags"]) == sorted([a, b])
    daemon.ok("rmi", a, b)
    p = daemon.hoist("load", "-i", out)
    assert p.returncode == 0, describe(p)
    assert sorted(p.stdout.splitlines()) == sorted([f"Loaded image: {a}", f"Loaded image: {b}"])
    for r in (a, b):
        assert image_id(daemon, r) == ids[r]
    assert run_hello(daemon, a) == "first\n"
    assert run_hello(daemon, b) == "second\n"
    daemon.ok("rmi", a, b)


def test_save_by_id_loads_untagged(daemon, work):
    ref = make_image(daemon, "untagged")
    iid = image_id(daemon, ref)
    out = work / "byid.tar"
    daemon.ok("save", "-o", out, iid)
    assert json.loads(read_member(out, "manifest.json"))[0]["RepoTags"] == []
    daemon.ok("rmi", ref)
    p = daemon.hoist("load", "-i", out)
    assert p.returncode == 0, describe(p)
    assert p.stdout == f"Loaded image ID: {iid}\n"
    assert run_hello(daemon, iid) == "untagged\n"
    daemon.ok("rmi", iid)


def test_save_unknown_image_fails(daemon, work):
    out = work / "none.tar"
    p = daemon.hoist("save", "-o", out, "no-such-image-" + unique("x"))
    assert p.returncode != 0
    assert "No such image" in p.stderr or "no such image" in p.stderr.lower(), describe(p)
    assert not out.exists()


def test_docker_cli_save_load(daemon, work):
    ref = make_image(daemon, "docker-cli")
    iid = image_id(daemon, ref)
    out = work / "docker.tar"
    p = daemon.docker("save", "-o", out, ref)
    assert p.returncode == 0, describe(p)
    daemon.ok("rmi", ref)
    p = daemon.docker("load", "-i", out)
    assert p.returncode == 0, describe(p)
    assert f"Loaded image: {ref}" in p.stdout
    assert image_id(daemon, ref) == iid
    p = daemon.docker("run", "--rm", ref, "cat", "/hello")
    assert p.returncode == 0 and p.stdout == "docker-cli\n", describe(p)
    daemon.ok("rmi", ref)


def test_docker_py_save_load(daemon):
    docker = pytest.importorskip("docker")
    ref = make_image(daemon, "docker-py")
    iid = image_id(daemon, ref)
    client = docker.DockerClient(base_url=daemon.host, timeout=120)
    try:
        # save() names the image by ID (GET /images/{id}/get): it loads untagged, as with docker.
        data = b"".join(client.images.get(ref).save())
        assert tarfile.open(fileobj=io.BytesIO(data)).getmember("manifest.json")
        named = b"".join(client.images.get(ref).save(named=True))
        client.images.remove(ref)
        loaded = client.images.load(data)
        assert [i.id for i in loaded] == [iid]
        assert loaded[0].tags == []
        loaded = client.images.load(named)
        assert [i.id for i in loaded] == [iid]
        assert ref in loaded[0].tags
        assert run_hello(daemon, ref) == "docker-py\n"
        client.images.remove(ref)
    finally:
        client.close()


@pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo not installed")
def test_skopeo_oci_layout_and_docker_archive(daemon, work):
    ref = make_image(daemon, "skopeo")
    iid = image_id(daemon, ref)
    saved = work / "saved.tar"
    daemon.ok("save", "-o", saved, ref)
    oci = work / "oci"
    p = subprocess.run(["skopeo", "copy", f"docker-archive:{saved}", f"oci:{oci}:v9"], capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    rebuilt = work / "skopeo.tar"
    name = unique("slsk")
    p = subprocess.run(["skopeo", "copy", f"oci:{oci}:v9", f"docker-archive:{rebuilt}:{name}:v2"], capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    daemon.ok("rmi", ref)
    p = daemon.hoist("load", "-i", rebuilt)
    assert p.returncode == 0, describe(p)
    assert p.stdout == f"Loaded image: {name}:v2\n"
    # skopeo rewrites the config (docker → OCI), so the ID is skopeo's, not the original's.
    assert image_id(daemon, f"{name}:v2") is not None
    assert run_hello(daemon, f"{name}:v2") == "skopeo\n"
    daemon.ok("rmi", f"{name}:v2")

    # The plain OCI layout (index.json, no manifest.json), as a tar.
    layout = work / "layout.tar"
    with tarfile.open(layout, "w") as t:
        for entry in sorted(oci.iterdir()):
            t.add(entry, arcname=entry.name)
    p = daemon.hoist("load", "-i", layout)
    assert p.returncode == 0, describe(p)
    index = json.loads((oci / "index.json").read_text())
    mdigest = index["manifests"][0]["digest"].split(":")[1]
    config = json.loads((oci / "blobs" / "sha256" / mdigest).read_text())["config"]["digest"]
    assert p.stdout == f"Loaded image ID: {config}\n"
    assert run_hello(daemon, config) == "skopeo\n"
    daemon.ok("rmi", config)


def image_count(daemon):
    return len(daemon.ok("images", "-aq", "--no-trunc").split())


def test_truncated_or_corrupt_archive_leaves_no_image(daemon, work):
    ref = make_image(daemon, "broken")
    iid = image_id(daemon, ref)
    good = work / "good.tar"
    daemon.ok("save", "-o", good, ref)
    daemon.ok("rmi", ref)
    before = image_count(daemon)

    data = good.read_bytes()
    truncated = work / "truncated.tar"
    truncated.write_bytes(data[: len(data) // 2])
    p = daemon.hoist("load", "-i", truncated)
    assert p.returncode != 0, describe(p)
    assert "invalid image archive" in p.stderr, describe(p)
    assert image_count(daemon) == before
    assert image_id(daemon, ref) is None and image_id(daemon, iid) is None

    # A layer blob whose content no longer matches its digest.
    manifest = json.loads(read_member(good, "manifest.json"))
    layer = manifest[0]["Layers"][-1]
    corrupt = work / "corrupt.tar"
    with tarfile.open(good) as src, tarfile.open(corrupt, "w") as dst:
        for m in src.getmembers():
            f = src.extractfile(m) if m.isfile() else None
            if m.name.lstrip("./") == layer:
                body = bytearray(f.read())
                body[len(body) // 2] ^= 0xFF
                dst.addfile(m, io.BytesIO(bytes(body)))
            else:
                dst.addfile(m, f)
    p = daemon.hoist("load", "-i", corrupt)
    assert p.returncode != 0, describe(p)
    assert "digest" in p.stderr, describe(p)
    assert image_count(daemon) == before
    assert image_id(daemon, ref) is None and image_id(daemon, iid) is None

    # Not an archive at all.
    p = daemon.hoist("load", input=b"this is not a tar file" * 100)
    assert p.returncode != 0, describe(p)
    assert image_count(daemon) == before
    # Nothing left behind in the daemon's temporary directory.
    leftovers = [n for n in os.listdir(daemon.root / "tmp") if n.startswith(("load-", "save-", "archive-"))]
    assert leftovers == []


def test_load_gzipped_archive(daemon, work):
    """`docker save | gzip | docker load` works: the archive itself may be compressed."""
    import gzip
    ref = make_image(daemon, "gzipped")
    iid = image_id(daemon, ref)
    out = work / "img.tar"
    daemon.ok("save", "-o", out, ref)
    gz = work / "img.tar.gz"
    gz.write_bytes(gzip.compress(out.read_bytes()))
    daemon.ok("rmi", ref)
    p = daemon.hoist("load", "-i", gz)
    assert p.returncode == 0, describe(p)
    assert p.stdout == f"Loaded image: {ref}\n"
    assert image_id(daemon, ref) == iid
    daemon.ok("rmi", ref)
