"""`hoist registry serve` against real peers: skopeo pushes, inspects, copies and deletes;
raw HTTP checks the distribution API's edges (chunked uploads, ranges, bad digests, auth).
Debian's docker-registry (distribution 2.8) is the cross-check for a copy between the two."""
from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import HOIST, describe, make_busybox_tar, run_cmd, unique

SKOPEO = shutil.which("skopeo")
HTPASSWD = shutil.which("htpasswd")
DOCKER_REGISTRY = shutil.which("docker-registry")

pytestmark = pytest.mark.skipif(SKOPEO is None, reason="skopeo is not installed")


def sha256(b: bytes) -> str:
    return "sha256:" + hashlib.sha256(b).hexdigest()


class Registry:
    """A `hoist registry serve` process on a free port and its own root."""

    def __init__(self, root: Path, extra: list[str] | None = None):
        self.root = root
        self.proc = subprocess.Popen([str(HOIST), "registry", "serve", "--addr", "127.0.0.1:0", "--root", str(root)]
                                     + (extra or []),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        if "listening on http" not in line:
            self.proc.kill()
            raise AssertionError(f"registry did not start: {line!r} {self.proc.stderr.read().decode()!r}")
        self.scheme, rest = line.split("listening on ", 1)[1].split("://", 1)
        self.addr = rest.split()[0]
        self.host, port = self.addr.rsplit(":", 1)
        self.port = int(port)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        if self.scheme == "https":
            c = http.client.HTTPSConnection(self.host, self.port, timeout=30, context=ssl._create_unverified_context())
        else:
            c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def files_under(d: Path) -> list[str]:
    return sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def oci_layout(tmp_path_factory):
    """An OCI image layout of busybox (one gzip layer), written directly, tagged 1.0."""
    d = tmp_path_factory.mktemp("oci")
    tar = make_busybox_tar(d / "rootfs.tar").read_bytes()
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
        g.write(tar)
    layer = buf.getvalue()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": [sha256(tar)]}}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha256(layer), "size": len(layer)}],
    }).encode()
    layout = d / "layout"
    (layout / "blobs" / "sha256").mkdir(parents=True)
    for b in (layer, config, manifest):
        (layout / "blobs" / "sha256" / hashlib.sha256(b).hexdigest()).write_bytes(b)
    (layout / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha256(manifest), "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": "1.0"}}]}))
    return {"dir": layout, "manifest": manifest, "config": config, "layer": layer}


@pytest.fixture
def registry(tmp_path):
    r = Registry(tmp_path / "root")
    try:
        yield r
    finally:
        assert r.stop() == 0, "registry did not exit cleanly on SIGTERM: " + r.proc.stderr.read().decode()


def skopeo(*args, timeout=120):
    return run_cmd([SKOPEO, "--insecure-policy", *args], timeout=timeout)


def push(oci_layout, reg: Registry, ref: str, creds: str | None = None):
    args = ["copy", "--dest-tls-verify=false"]
    if creds:
        args += ["--dest-creds", creds]
    return skopeo(*args, f"oci:{oci_layout['dir']}:1.0", f"docker://{reg.addr}/{ref}")


def test_base_endpoint_announces_registry_v2(registry):
    status, headers, body = registry.request("GET", "/v2/")
    assert status == 200
    assert headers["docker-distribution-api-version"] == "registry/2.0"
    assert json.loads(body) == {}


def test_skopeo_push_inspect_and_copy_back(oci_layout, registry, tmp_path):
    p = push(oci_layout, registry, "library/busybox:1.0")
    assert p.returncode == 0, describe(p)
    digest = sha256(oci_layout["manifest"])

    p = skopeo("inspect", "--tls-verify=false", f"docker://{registry.addr}/library/busybox:1.0")
    assert p.returncode == 0, describe(p)
    info = json.loads(p.stdout)
    assert info["Digest"] == digest
    assert info["Layers"] == [sha256(oci_layout["layer"])]
    assert info["Os"] == "linux" and info["Architecture"] == "amd64"

    p = skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{registry.addr}/library/busybox:1.0")
    assert p.returncode == 0, describe(p)
    assert p.stdout.encode() == oci_layout["manifest"]

    out = tmp_path / "copy"
    p = skopeo("copy", "--src-tls-verify=false", f"docker://{registry.addr}/library/busybox@{digest}", f"dir:{out}")
    assert p.returncode == 0, describe(p)
    assert sha256((out / "manifest.json").read_bytes()) == digest
    assert (out / hashlib.sha256(oci_layout["layer"]).hexdigest()).read_bytes() == oci_layout["layer"]
    assert (out / hashlib.sha256(oci_layout["config"]).hexdigest()).read_bytes() == oci_layout["config"]

    # Served as pushed: the OCI content type and the digest header.
    status, headers, body = registry.request("GET", "/v2/library/busybox/manifests/1.0")
    assert status == 200 and body == oci_layout["manifest"]
    assert headers["content-type"] == "application/vnd.oci.image.manifest.v1+json"
    assert headers["docker-content-digest"] == digest
    status, headers, body = registry.request("HEAD", f"/v2/library/busybox/manifests/{digest}")
    assert status == 200 and body == b"" and int(headers["content-length"]) == len(oci_layout["manifest"])


def test_docker_schema2_manifest_and_manifest_list_kept_as_pushed(oci_layout, registry, tmp_path):
    p = skopeo("copy", "--format", "v2s2", "--dest-tls-verify=false", f"oci:{oci_layout['dir']}:1.0",
               f"docker://{registry.addr}/docker/busybox:v2")
    assert p.returncode == 0, describe(p)
    v2 = "application/vnd.docker.distribution.manifest.v2+json"
    status, headers, manifest = registry.request("GET", "/v2/docker/busybox/manifests/v2")
    assert status == 200 and headers["content-type"] == v2 and json.loads(manifest)["mediaType"] == v2
    digest = headers["docker-content-digest"]
    assert digest == sha256(manifest)
    p = skopeo("inspect", "--tls-verify=false", f"docker://{registry.addr}/docker/busybox:v2")
    assert p.returncode == 0 and json.loads(p.stdout)["Digest"] == digest, describe(p)

    list_type = "application/vnd.docker.distribution.manifest.list.v2+json"
    manifest_list = json.dumps({"schemaVersion": 2, "mediaType": list_type, "manifests": [
        {"mediaType": v2, "digest": digest, "size": len(manifest),
         "platform": {"architecture": "amd64", "os": "linux"}}]}).encode()
    status, headers, _ = registry.request("PUT", "/v2/docker/busybox/manifests/multi", manifest_list,
                                          {"Content-Type": list_type})
    assert status == 201 and headers["docker-content-digest"] == sha256(manifest_list)
    status, headers, body = registry.request("GET", "/v2/docker/busybox/manifests/multi",
                                             headers={"Accept": list_type})
    assert status == 200 and body == manifest_list and headers["content-type"] == list_type
    # skopeo resolves the list to the linux/amd64 image.
    out = tmp_path / "fromlist"
    p = skopeo("copy", "--src-tls-verify=false", f"docker://{registry.addr}/docker/busybox:multi", f"dir:{out}")
    assert p.returncode == 0, describe(p)
    assert sha256((out / "manifest.json").read_bytes()) == digest
    # A list naming a manifest the repository lacks is refused.
    missing = manifest_list.replace(digest.encode(), sha256(b"absent").encode())
    status, _, body = registry.request("PUT", "/v2/docker/busybox/manifests/broken", missing, {"Content-Type": list_type})
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"


def test_tags_list_and_catalog_paginate(oci_layout, registry):
    for ref in ("a/app:v1", "a/app:v2", "a/app:v3", "b:latest"):
        p = push(oci_layout, registry, ref)
        assert p.returncode == 0, describe(p)
    p = skopeo("list-tags", "--tls-verify=false", f"docker://{registry.addr}/a/app")
    assert p.returncode == 0, describe(p)
    assert json.loads(p.stdout)["Tags"] == ["v1", "v2", "v3"]

    status, headers, body = registry.request("GET", "/v2/a/app/tags/list?n=2")
    assert status == 200 and json.loads(body) == {"name": "a/app", "tags": ["v1", "v2"]}
    assert headers["link"] == '</v2/a/app/tags/list?last=v2&n=2>; rel="next"'
    status, headers, body = registry.request("GET", "/v2/a/app/tags/list?n=2&last=v2")
    assert json.loads(body)["tags"] == ["v3"] and "link" not in headers

    status, _, body = registry.request("GET", "/v2/_catalog")
    assert status == 200 and json.loads(body) == {"repositories": ["a/app", "b"]}
    status, headers, body = registry.request("GET", "/v2/_catalog?n=1")
    assert json.loads(body) == {"repositories": ["a/app"]} and "rel=\"next\"" in headers["link"]

    status, _, body = registry.request("GET", "/v2/nothere/tags/list")
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "NAME_UNKNOWN"
    status, _, body = registry.request("GET", "/v2/Bad_Name/tags/list")
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "NAME_INVALID"


def test_chunked_upload_with_ranges(registry):
    data = os.urandom(300_000)
    digest = sha256(data)
    status, headers, _ = registry.request("POST", "/v2/chunks/blobs/uploads/")
    assert status == 202, headers
    location = headers["location"]
    assert headers["range"] == "0-0" and headers["docker-upload-uuid"] in location

    status, headers, _ = registry.request("PATCH", location, data[:100_000],
                                          {"Content-Range": "0-99999", "Content-Type": "application/octet-stream"})
    assert status == 202 and headers["range"] == "0-99999"
    # A chunk that does not start where the upload ends is refused; the upload is unchanged.
    status, headers, body = registry.request("PATCH", location, data[200_000:],
                                             {"Content-Range": "200000-299999"})
    assert status == 416 and headers["range"] == "0-99999"
    # Resumable: the status tells where to continue.
    status, headers, _ = registry.request("GET", location)
    assert status == 204 and headers["range"] == "0-99999"
    # A chunk without Content-Range (streamed, as docker sends it).
    status, headers, _ = registry.request("PATCH", location, data[100_000:200_000])
    assert status == 202 and headers["range"] == "0-199999"
    status, headers, _ = registry.request("PUT", f"{location}?digest={digest}", data[200_000:],
                                          {"Content-Range": "200000-299999"})
    assert status == 201, headers
    assert headers["docker-content-digest"] == digest
    assert headers["location"] == f"/v2/chunks/blobs/{digest}"

    status, headers, body = registry.request("GET", f"/v2/chunks/blobs/{digest}")
    assert status == 200 and body == data and headers["docker-content-digest"] == digest
    status, headers, body = registry.request("GET", f"/v2/chunks/blobs/{digest}", headers={"Range": "bytes=10-19"})
    assert status == 206 and body == data[10:20] and headers["content-range"] == "bytes 10-19/300000"
    status, headers, _ = registry.request("GET", f"/v2/chunks/blobs/{digest}", headers={"Range": "bytes=300000-"})
    assert status == 416 and headers["content-range"] == "bytes */300000"
    status, headers, body = registry.request("HEAD", f"/v2/chunks/blobs/{digest}")
    assert status == 200 and body == b"" and headers["content-length"] == "300000"

    # The finished session is gone.
    status, _, body = registry.request("GET", location)
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "BLOB_UPLOAD_UNKNOWN"
    assert files_under(registry.root / "uploads") == []


def test_cancelled_upload_leaves_nothing(registry):
    status, headers, _ = registry.request("POST", "/v2/c/blobs/uploads/")
    location = headers["location"]
    registry.request("PATCH", location, b"partial data")
    status, _, _ = registry.request("DELETE", location)
    assert status == 204
    status, _, _ = registry.request("GET", location)
    assert status == 404
    assert files_under(registry.root / "uploads") == []
    assert files_under(registry.root / "blobs") == []


def test_interrupted_upload_resumes_from_what_arrived(registry):
    """A client that goes away mid-chunk: nothing under a valid name, and the upload
    continues from the bytes that arrived."""
    data = os.urandom(4096)
    status, headers, _ = registry.request("POST", "/v2/cut/blobs/uploads/")
    location = headers["location"]
    with socket.create_connection((registry.host, registry.port), timeout=10) as s:
        s.sendall(f"PATCH {location} HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n".encode() + data[:1000])
        time.sleep(0.5)
    # The server notices the closed connection and keeps the 1000 bytes it received.
    deadline = time.time() + 10
    while True:
        status, headers, _ = registry.request("GET", location)
        if status == 204 and headers["range"] == "0-999":
            break
        assert time.time() < deadline, (status, headers.get("range"))
        time.sleep(0.1)
    assert files_under(registry.root / "blobs") == []
    status, headers, _ = registry.request("PUT", f"{location}?digest={sha256(data)}", data[1000:],
                                          {"Content-Range": "1000-4095"})
    assert status == 201, headers
    status, _, body = registry.request("GET", f"/v2/cut/blobs/{sha256(data)}")
    assert status == 200 and body == data


def test_bad_blob_digest_refused_and_nothing_stored(registry):
    data = b"the real content"
    wrong = sha256(b"something else")
    status, _, body = registry.request("POST", f"/v2/bad/blobs/uploads/?digest={wrong}", data)
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "DIGEST_INVALID"
    # Chunked: the same at the final PUT.
    status, headers, _ = registry.request("POST", "/v2/bad/blobs/uploads/")
    status, _, body = registry.request("PUT", f"{headers['location']}?digest={wrong}", data)
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "DIGEST_INVALID"
    for d in (wrong, sha256(data)):
        status, _, _ = registry.request("HEAD", f"/v2/bad/blobs/{d}")
        assert status == 404
    assert files_under(registry.root / "blobs") == []
    assert files_under(registry.root / "uploads") == []
    assert files_under(registry.root / "tmp") == []
    status, _, body = registry.request("GET", "/v2/bad/blobs/sha256:nothex")
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "DIGEST_INVALID"


def test_bad_manifests_refused(oci_layout, registry):
    p = push(oci_layout, registry, "m:1")
    assert p.returncode == 0, describe(p)
    manifest = oci_layout["manifest"]
    ctype = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
    status, _, body = registry.request("PUT", f"/v2/m/manifests/{sha256(b'other')}", manifest, ctype)
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "DIGEST_INVALID"
    # A manifest whose layer the repository does not have.
    missing = json.loads(manifest)
    missing["layers"][0]["digest"] = sha256(b"no such layer")
    status, _, body = registry.request("PUT", "/v2/m/manifests/2", json.dumps(missing).encode(), ctype)
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"
    status, _, body = registry.request("PUT", "/v2/m/manifests/3", b"not json", ctype)
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "MANIFEST_INVALID"
    status, _, body = registry.request("PUT", "/v2/m/manifests/4", manifest,
                                       {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"})
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "MANIFEST_INVALID"
    status, _, body = registry.request("GET", "/v2/m/tags/list")
    assert json.loads(body)["tags"] == ["1"]
    p = skopeo("inspect", "--tls-verify=false", f"docker://{registry.addr}/m:2")
    assert p.returncode != 0 and "manifest unknown" in p.stderr, describe(p)


def test_delete_manifest_and_blob(oci_layout, registry):
    p = push(oci_layout, registry, "d:1")
    assert p.returncode == 0, describe(p)
    digest = sha256(oci_layout["manifest"])
    p = skopeo("delete", "--tls-verify=false", f"docker://{registry.addr}/d:1")
    assert p.returncode == 0, describe(p)
    status, _, body = registry.request("GET", f"/v2/d/manifests/{digest}")
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    status, _, body = registry.request("GET", "/v2/d/tags/list")
    assert json.loads(body)["tags"] == []
    layer = sha256(oci_layout["layer"])
    status, _, _ = registry.request("DELETE", f"/v2/d/blobs/{layer}")
    assert status == 202
    status, _, body = registry.request("HEAD", f"/v2/d/blobs/{layer}")
    assert status == 404
    status, _, body = registry.request("DELETE", f"/v2/d/blobs/{layer}")
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "BLOB_UNKNOWN"


def test_cross_repository_mount(oci_layout, registry):
    p = push(oci_layout, registry, "src:1")
    assert p.returncode == 0, describe(p)
    layer = sha256(oci_layout["layer"])
    status, _, _ = registry.request("HEAD", f"/v2/dst/blobs/{layer}")
    assert status == 404
    status, headers, _ = registry.request("POST", f"/v2/dst/blobs/uploads/?mount={layer}&from=src")
    assert status == 201 and headers["location"] == f"/v2/dst/blobs/{layer}"
    status, _, body = registry.request("GET", f"/v2/dst/blobs/{layer}")
    assert status == 200 and body == oci_layout["layer"]
    # Not mountable: an upload session instead.
    status, headers, _ = registry.request("POST", f"/v2/dst/blobs/uploads/?mount={sha256(b'x')}&from=src")
    assert status == 202 and "/v2/dst/blobs/uploads/" in headers["location"]


def test_referrers_index_subject_manifests(oci_layout, registry):
    p = push(oci_layout, registry, "r:1")
    assert p.returncode == 0, describe(p)
    subject = sha256(oci_layout["manifest"])
    empty = b"{}"
    status, _, _ = registry.request("POST", f"/v2/r/blobs/uploads/?digest={sha256(empty)}", empty)
    assert status == 201
    artifact = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.example.sbom",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(empty), "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(empty), "size": 2}],
        "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject,
                    "size": len(oci_layout["manifest"])},
        "annotations": {"k": "v"},
    }).encode()
    status, headers, _ = registry.request("PUT", f"/v2/r/manifests/{sha256(artifact)}", artifact,
                                          {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert status == 201 and headers["oci-subject"] == subject
    status, headers, body = registry.request("GET", f"/v2/r/referrers/{subject}")
    assert status == 200 and headers["content-type"] == "application/vnd.oci.image.index.v1+json"
    index = json.loads(body)
    assert index["manifests"] == [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha256(artifact),
                                   "size": len(artifact), "artifactType": "application/vnd.example.sbom",
                                   "annotations": {"k": "v"}}]
    status, headers, body = registry.request("GET", f"/v2/r/referrers/{subject}?artifactType=other")
    assert json.loads(body)["manifests"] == [] and headers["oci-filters-applied"] == "artifactType"
    registry.request("DELETE", f"/v2/r/manifests/{sha256(artifact)}")
    status, _, body = registry.request("GET", f"/v2/r/referrers/{subject}")
    assert json.loads(body)["manifests"] == []


@pytest.fixture
def htpasswd_file(tmp_path):
    if HTPASSWD is None:
        pytest.skip("htpasswd (apache2-utils) is not installed")
    f = tmp_path / "htpasswd"
    p = run_cmd([HTPASSWD, "-cbB", f, "alice", "s3cret"])
    assert p.returncode == 0, describe(p)
    assert f.read_text().startswith("alice:$2y$")
    return f


@pytest.mark.parametrize("mode", ["basic", "token"])
def test_auth_required_and_wrong_password_refused(oci_layout, htpasswd_file, tmp_path, mode):
    reg = Registry(tmp_path / "root", ["--htpasswd", str(htpasswd_file), "--auth", mode])
    try:
        status, headers, body = reg.request("GET", "/v2/")
        assert status == 401 and json.loads(body)["errors"][0]["code"] == "UNAUTHORIZED"
        if mode == "basic":
            assert headers["www-authenticate"] == 'Basic realm="Hoist Registry"'
        else:
            assert headers["www-authenticate"] == f'Bearer realm="http://{reg.addr}/token",service="hoist-registry"'
            status, headers, _ = reg.request("GET", "/v2/x/tags/list")
            assert 'scope="repository:x:pull"' in headers["www-authenticate"]

        p = push(oci_layout, reg, "private:1", creds="alice:wrong")
        assert p.returncode != 0, describe(p)
        assert "unauthorized" in p.stderr.lower() or "authentication required" in p.stderr.lower(), describe(p)
        assert files_under(reg.root / "blobs") == []

        p = push(oci_layout, reg, "private:1", creds="alice:s3cret")
        assert p.returncode == 0, describe(p)
        p = skopeo("inspect", "--tls-verify=false", "--creds", "alice:s3cret", f"docker://{reg.addr}/private:1")
        assert p.returncode == 0 and json.loads(p.stdout)["Digest"] == sha256(oci_layout["manifest"]), describe(p)
        p = skopeo("inspect", "--tls-verify=false", "--creds", "bob:s3cret", f"docker://{reg.addr}/private:1")
        assert p.returncode != 0, describe(p)

        basic = "Basic " + base64.b64encode(b"alice:s3cret").decode()
        if mode == "token":
            status, _, body = reg.request("GET", "/token?service=hoist-registry&scope=repository:private:pull",
                                          headers={"Authorization": basic})
            assert status == 200
            token = json.loads(body)["token"]
            status, _, _ = reg.request("GET", "/v2/private/tags/list", headers={"Authorization": f"Bearer {token}"})
            assert status == 200
            status, _, _ = reg.request("GET", "/v2/private/tags/list", headers={"Authorization": "Bearer forged"})
            assert status == 401
            status, _, _ = reg.request("GET", "/token", headers={
                "Authorization": "Basic " + base64.b64encode(b"alice:bad").decode()})
            assert status == 401
        else:
            status, _, _ = reg.request("GET", "/v2/private/tags/list", headers={"Authorization": basic})
            assert status == 200
    finally:
        assert reg.stop() == 0


def test_tls_with_a_self_signed_certificate(oci_layout, tmp_path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    p = run_cmd([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                 "-days", "1", "-subj", "/CN=127.0.0.1"])
    assert p.returncode == 0, describe(p)
    reg = Registry(tmp_path / "root", ["--tls-cert", str(cert), "--tls-key", str(key)])
    try:
        assert reg.scheme == "https"
        status, headers, _ = reg.request("GET", "/v2/")
        assert status == 200 and headers["docker-distribution-api-version"] == "registry/2.0"
        p = push(oci_layout, reg, "secure:1")
        assert p.returncode == 0, describe(p)
        p = skopeo("inspect", "--tls-verify=false", f"docker://{reg.addr}/secure:1")
        assert p.returncode == 0 and json.loads(p.stdout)["Digest"] == sha256(oci_layout["manifest"]), describe(p)
        # Certificate checking on: the self-signed certificate is refused.
        p = skopeo("inspect", f"docker://{reg.addr}/secure:1")
        assert p.returncode != 0 and "certificate" in p.stderr, describe(p)
    finally:
        assert reg.stop() == 0


def test_bad_flags_fail_clearly(tmp_path):
    p = run_cmd([HOIST, "registry", "serve", "--addr", "nonsense", "--root", tmp_path / "r"])
    assert p.returncode != 0 and "invalid --addr" in p.stderr, describe(p)
    p = run_cmd([HOIST, "registry", "serve", "--addr", "127.0.0.1:0", "--root", tmp_path / "r",
                 "--htpasswd", tmp_path / "missing"])
    assert p.returncode != 0 and "htpasswd" in p.stderr, describe(p)
    p = run_cmd([HOIST, "registry", "serve", "--addr", "127.0.0.1:0", "--root", tmp_path / "r",
                 "--tls-cert", tmp_path / "missing.pem"])
    assert p.returncode != 0 and "--tls-key" in p.stderr, describe(p)
    p = run_cmd([HOIST, "registry", "serve", "--addr", "127.0.0.1:0", "--root", tmp_path / "r",
                 "--tls-cert", tmp_path / "missing.pem", "--tls-key", tmp_path / "missing.key"])
    assert p.returncode != 0 and "TLS" in p.stderr, describe(p)


@pytest.mark.skipif(DOCKER_REGISTRY is None, reason="docker-registry is not installed")
def test_copy_between_hoist_and_distribution(oci_layout, registry, tmp_path):
    """skopeo copies hoist → docker-registry → hoist; the digest never changes."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "config.yml"
    config.write_text(f"""version: 0.1
storage:
  filesystem:
    rootdirectory: {tmp_path / 'distribution'}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
log:
  level: error
""")
    dist = subprocess.Popen([DOCKER_REGISTRY, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.time() < deadline, "docker-registry did not start"
                time.sleep(0.1)
        p = push(oci_layout, registry, "x/busybox:1")
        assert p.returncode == 0, describe(p)
        p = skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                   f"docker://{registry.addr}/x/busybox:1", f"docker://127.0.0.1:{port}/y/busybox:1")
        assert p.returncode == 0, describe(p)
        p = skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                   f"docker://127.0.0.1:{port}/y/busybox:1", f"docker://{registry.addr}/z/busybox:2")
        assert p.returncode == 0, describe(p)
        digest = sha256(oci_layout["manifest"])
        for ref in (f"127.0.0.1:{port}/y/busybox:1", f"{registry.addr}/z/busybox:2"):
            p = skopeo("inspect", "--tls-verify=false", f"docker://{ref}")
            assert p.returncode == 0 and json.loads(p.stdout)["Digest"] == digest, describe(p)
    finally:
        dist.terminate()
        dist.wait(timeout=20)
