"""Images: import (file and stdin), images, image inspect, rmi, and refusal of unsafe tars."""
import io
import json
import os
import re
import tarfile
import time
from pathlib import Path

import pytest

from conftest import describe, header_columns, parse_table, unique, inspect


def tiny_tar(path: Path, content: str | None = None) -> Path:
    """A one-file rootfs tar with unique content (so its image is never busybox's)."""
    data = (content or f"hello {unique()}\n").encode()
    with tarfile.open(path, "w") as t:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        info.mtime = int(time.time())
        t.addfile(info, io.BytesIO(data))
    return path


def image_ids(daemon) -> list[str]:
    """(repository:tag, short id) of every image `hoist images` lists, sorted."""
    return sorted(f"{r['REPOSITORY']}:{r['TAG']} {r['IMAGE ID']}" for r in parse_table(daemon.ok("images")))


def image_count(daemon) -> int:
    return len(parse_table(daemon.ok("images")))


def snapshot_entries(daemon) -> set[str]:
    d = daemon.root / "snapshots"
    return set(os.listdir(d)) if d.is_dir() else set()


def test_images_lists_busybox_like_docker(daemon):
    out = daemon.ok("images")
    assert header_columns(out) == ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], out
    rows = [r for r in parse_table(out) if r["REPOSITORY"] == "busybox"]
    assert len(rows) == 1, out
    row = rows[0]
    assert row["TAG"] == "latest", out
    assert re.fullmatch(r"[0-9a-f]{12}", row["IMAGE ID"]), out
    assert re.fullmatch(r"(Less than a second|About a minute|an hour|\d+ (seconds?|minutes?|hours?)) ago",
                        row["CREATED"]), out
    assert re.fullmatch(r"\d+(\.\d+)?[kMG]?B", row["SIZE"]), out
    full = json.loads(daemon.ok("image", "inspect", "busybox"))[0]["Id"]
    assert full.startswith("sha256:") and full[7:19] == row["IMAGE ID"], (full, out)


def test_image_inspect_busybox(daemon):
    data = json.loads(daemon.ok("image", "inspect", "busybox"))
    assert isinstance(data, list) and len(data) == 1
    img = data[0]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", img["Id"]), img["Id"]
    assert "busybox:latest" in img["RepoTags"], img["RepoTags"]
    assert img["Os"] == "linux"
    assert img["Architecture"] in ("amd64", "arm64"), img["Architecture"]
    assert img["RootFS"]["Type"] == "layers"
    layers = img["RootFS"]["Layers"]
    assert len(layers) == 1 and re.fullmatch(r"sha256:[0-9a-f]{64}", layers[0]), layers
    assert img["Size"] > 500_000, img["Size"]  # busybox-static is ~1-2 MB
    # Short ID and full name resolve to the same image.
    by_id = json.loads(daemon.ok("image", "inspect", img["Id"][7:19]))[0]
    assert by_id["Id"] == img["Id"]
    by_full = json.loads(daemon.ok("image", "inspect", "docker.io/library/busybox:latest"))[0]
    assert by_full["Id"] == img["Id"]


def test_image_inspect_format(daemon):
    out = daemon.ok("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", "busybox")
    assert out.strip() in ("linux/amd64", "linux/arm64"), out


def test_image_inspect_unknown(daemon):
    name = unique("nosuchimage")
    p = daemon.hoist("image", "inspect", name)
    assert p.returncode != 0, describe(p)
    assert name in p.stderr and ("No such image" in p.stderr or "No such object" in p.stderr), describe(p)
    assert p.stdout.strip() in ("", "[]"), describe(p)


def test_import_file_and_run(daemon, busybox_tar):
    name = unique("imp")
    p = daemon.hoist("import", busybox_tar, f"{name}:v1", timeout=120)
    assert p.returncode == 0, describe(p)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}\n", p.stdout), describe(p)
    rows = [r for r in parse_table(daemon.ok("images")) if r["REPOSITORY"] == name]
    assert [r["TAG"] for r in rows] == ["v1"], rows
    assert rows[0]["IMAGE ID"] == p.stdout[7:19]
    out = daemon.ok("run", "--rm", f"{name}:v1", "echo", "from-import")
    assert out == "from-import\n"
    daemon.ok("rmi", f"{name}:v1")


def test_import_from_stdin(daemon, tmp_path):
    name = unique("stdin")
    tar = tiny_tar(tmp_path / "t.tar", "from stdin\n")
    p = daemon.hoist("import", "-", f"{name}:latest", input=tar.read_bytes())
    assert p.returncode == 0, describe(p)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}\n", p.stdout), describe(p)
    img = json.loads(daemon.ok("image", "inspect", name))[0]
    assert f"{name}:latest" in img["RepoTags"]
    assert img["Id"] == p.stdout.strip()
    daemon.ok("rmi", name)


def test_import_default_tag_is_latest(daemon, tmp_path):
    name = unique("deftag")
    tar = tiny_tar(tmp_path / "t.tar")
    daemon.ok("import", tar, name)
    img = json.loads(daemon.ok("image", "inspect", f"{name}:latest"))[0]
    assert f"{name}:latest" in img["RepoTags"]
    daemon.ok("rmi", name)


def test_rmi_removes_and_unknown_fails(daemon, tmp_path):
    name = unique("rmi")
    tar = tiny_tar(tmp_path / "t.tar")
    image_id = daemon.ok("import", tar, f"{name}:v1").strip()
    p = daemon.hoist("rmi", f"{name}:v1")
    assert p.returncode == 0, describe(p)
    assert f"Untagged: {name}:v1" in p.stdout, describe(p)
    assert f"Deleted: {image_id}" in p.stdout, describe(p)
    assert not any(image_id[7:19] in x for x in image_ids(daemon))
    p = daemon.hoist("rmi", f"{name}:v1")
    assert p.returncode != 0, describe(p)
    assert "No such image" in p.stderr and name in p.stderr, describe(p)


def test_rmi_refuses_image_used_by_container_and_force_works(daemon, tmp_path):
    name = unique("used")
    tar = tiny_tar(tmp_path / "t.tar")
    image_id = daemon.ok("import", tar, f"{name}:v1").strip()
    cname = unique("user")
    daemon.ok("create", "--name", cname, f"{name}:v1", "/hello.txt")

    p = daemon.hoist("rmi", f"{name}:v1")
    assert p.returncode != 0, describe(p)
    assert "conflict" in p.stderr.lower(), describe(p)
    assert "container" in p.stderr, describe(p)
    assert len(p.stderr.strip().splitlines()) == 1, "error should be one line" + describe(p)
    # Still there, still usable by its container.
    assert f"{name}:v1" in json.loads(daemon.ok("image", "inspect", image_id))[0]["RepoTags"]

    p = daemon.hoist("rmi", "-f", f"{name}:v1")
    assert p.returncode == 0, describe(p)
    assert f"Untagged: {name}:v1" in p.stdout, describe(p)
    rows = [r for r in parse_table(daemon.ok("images")) if r["REPOSITORY"] == name]
    assert rows == [], rows
    # The container keeps working (docker keeps a forced-away image while a container uses it).
    assert inspect(daemon, cname)["Image"] == image_id
    daemon.ok("rm", cname)


def test_rmi_untags_when_other_tags_remain(daemon, tmp_path):
    if daemon.hoist("tag", "--help").returncode != 0:
        pytest.skip("`hoist tag` is not implemented: no way to give one image two tags")
    name = unique("tags")
    tar = tiny_tar(tmp_path / "t.tar")
    image_id = daemon.ok("import", tar, f"{name}:one").strip()
    daemon.ok("tag", f"{name}:one", f"{name}:two")
    p = daemon.hoist("rmi", f"{name}:one")
    assert p.returncode == 0, describe(p)
    assert p.stdout.strip() == f"Untagged: {name}:one", describe(p)
    img = json.loads(daemon.ok("image", "inspect", image_id))[0]
    assert img["RepoTags"] == [f"{name}:two"], img["RepoTags"]
    daemon.ok("rmi", f"{name}:two")
    assert daemon.hoist("image", "inspect", image_id).returncode != 0


def _assert_refused_and_clean(daemon, tar_path: Path, marker: str, outside: Path | None = None):
    before_images = image_ids(daemon)
    before_snaps = snapshot_entries(daemon)
    name = unique("evil")
    p = daemon.hoist("import", tar_path, name, timeout=60)
    assert p.returncode != 0, "unsafe tar was accepted" + describe(p)
    err = p.stderr.strip()
    assert err, describe(p)
    assert len(err.splitlines()) == 1, "error should be one line" + describe(p)
    assert image_ids(daemon) == before_images, "image count changed"
    assert daemon.hoist("image", "inspect", name).returncode != 0
    assert snapshot_entries(daemon) == before_snaps, "a snapshot of the refused layer stayed behind"
    # Nothing with the marker name anywhere under the test's tmp dir or /tmp.
    for base in (daemon.tmp, Path("/tmp")):
        hits = [str(p) for p in base.rglob(f"*{marker}*")] if base == daemon.tmp else \
            [str(base / e) for e in os.listdir(base) if marker in e]
        assert hits == [], f"files from the refused tar escaped: {hits}"
    if outside is not None:
        assert list(outside.iterdir()) == [], f"written outside the root: {list(outside.iterdir())}"
    return err


def test_import_refuses_dotdot_paths(daemon, tmp_path):
    marker = unique("escape")
    tar_path = tmp_path / "dotdot.tar"
    with tarfile.open(tar_path, "w") as t:
        ok = tarfile.TarInfo("fine.txt")
        ok.size = 3
        t.addfile(ok, io.BytesIO(b"ok\n"))
        for depth in (1, 4, 12):
            info = tarfile.TarInfo("../" * depth + f"tmp/{marker}-{depth}")
            info.size = 5
            t.addfile(info, io.BytesIO(b"evil\n"))
    err = _assert_refused_and_clean(daemon, tar_path, marker)
    assert ".." in err or "outside" in err or "escape" in err or "unsafe" in err.lower(), err


def test_import_refuses_symlink_escape(daemon, tmp_path):
    marker = unique("symesc")
    outside = tmp_path / "outside"
    outside.mkdir()
    tar_path = tmp_path / "symlink.tar"
    with tarfile.open(tar_path, "w") as t:
        link = tarfile.TarInfo("link")
        link.type = tarfile.SYMTYPE
        link.linkname = str(outside)
        t.addfile(link)
        f = tarfile.TarInfo(f"link/{marker}")
        f.size = 5
        t.addfile(f, io.BytesIO(b"evil\n"))
    _assert_refused_and_clean(daemon, tar_path, marker, outside)


def test_import_refuses_hardlink_outside(daemon, tmp_path):
    marker = unique("hardesc")
    victim = tmp_path / f"victim-{marker}"
    victim.write_text("host file\n")
    tar_path = tmp_path / "hardlink.tar"
    with tarfile.open(tar_path, "w") as t:
        h = tarfile.TarInfo(f"hl-{marker}")
        h.type = tarfile.LNKTYPE
        h.linkname = "../" * 12 + str(victim).lstrip("/")
        t.addfile(h)
    before = victim.stat().st_nlink
    err = _assert_refused_and_clean(daemon, tar_path, f"hl-{marker}")
    assert victim.stat().st_nlink == before, "a hard link to a host file was made"
    assert victim.read_text() == "host file\n"


def test_import_of_non_tar_fails_clearly(daemon, tmp_path):
    junk = tmp_path / "notatar.txt"
    junk.write_text("this is not a tar archive\n" * 50)
    before = image_ids(daemon)
    before_snaps = snapshot_entries(daemon)
    name = unique("junk")
    p = daemon.hoist("import", junk, name)
    assert p.returncode != 0, describe(p)
    err = p.stderr.strip()
    assert err and len(err.splitlines()) == 1, "want a one-line error" + describe(p)
    assert "tar" in err.lower() or "archive" in err.lower(), describe(p)
    assert image_ids(daemon) == before
    assert snapshot_entries(daemon) == before_snaps
    assert daemon.hoist("image", "inspect", name).returncode != 0


def test_import_of_missing_file_fails_clearly(daemon, tmp_path):
    missing = tmp_path / "does-not-exist.tar"
    before = image_ids(daemon)
    p = daemon.hoist("import", missing, unique("missing"))
    assert p.returncode != 0, describe(p)
    assert str(missing) in p.stderr or "no such file" in p.stderr.lower(), describe(p)
    assert image_ids(daemon) == before
