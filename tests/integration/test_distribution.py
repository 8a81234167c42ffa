"""Registry client: hoist pull/push against Debian's docker-registry (distribution 2.8),
with skopeo as the independent peer that writes and reads the registry; through the hoist
CLI, the docker CLI (DOCKER_HOST=hoistd) and docker-py."""
from __future__ import annotations

import gzip
import hashlib
import http.client
import http.server
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import Daemon, describe, free_port, run_cmd, unique

REGISTRY = shutil.which("docker-registry")
SKOPEO = shutil.which("skopeo")
pytestmark = pytest.mark.skipif(not REGISTRY or not SKOPEO, reason="docker-registry and skopeo are needed")


class Registry:
    """docker-registry serving a filesystem root on a free loopback port, started and
    stopped by PID."""

    def __init__(self, htpasswd: Path | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="hoist-it-registry-", dir="/tmp"))
        self.port = free_port()
        self.addr = f"127.0.0.1:{self.port}"
        auth = ""
        if htpasswd:
            auth = f"auth:\n  htpasswd:\n    realm: hoist-test\n    path: {htpasswd}\n"
        (self.dir / "config.yml").write_text(
            "version: 0.1\n"
            "log:\n  level: error\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.dir / 'data'}\n  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.addr}\n" + auth)
        self.logf = open(self.dir / "registry.log", "wb")
        self.proc = subprocess.Popen([REGISTRY, "serve", str(self.dir / "config.yml")], stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("docker-registry did not start: " + (self.dir / "registry.log").read_text(errors="replace"))

    def blob_path(self, digest: str) -> Path:
        hexd = digest.split(":", 1)[1]
        return self.dir / "data" / "docker" / "registry" / "v2" / "blobs" / "sha256" / hexd[:2] / hexd / "data"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.logf.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def registry():
    r = Registry()
    try:
        yield r
    finally:
        r.stop()


def sha256(b: bytes) -> str:
    return "sha256:" + hashlib.sha256(b).hexdigest()


def salted(tar: Path, salt: str) -> bytes:
    """The rootfs tar plus one file, so the layer (and its digests) is unique to a test."""
    out = io.BytesIO()
    with tarfile.open(tar) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for m in src.getmembers():
            dst.addfile(m, src.extractfile(m) if m.isreg() else None)
        data = salt.encode()
        info = tarfile.TarInfo("etc/hoist-test-salt")
        info.size = len(data)
        dst.addfile(info, io.BytesIO(data))
    return out.getvalue()


def make_oci_layout(tar: Path, dest: Path, tag: str = "latest", cmd=("sh",), salt: str | None = None) -> dict:
    """An OCI image layout holding one image made from a rootfs tar (gzip layer)."""
    raw = salted(tar, salt) if salt else tar.read_bytes()
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
        g.write(raw)
    layer = buf.getvalue()
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
        "config": {"Cmd": list(cmd), "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [sha256(raw)]},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "test layout"}],
    }, separators=(",", ":")).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha256(layer), "size": len(layer)}],
    }, separators=(",", ":")).encode()
    blobs = dest / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for b in (layer, config, manifest):
        (blobs / sha256(b).split(":")[1]).write_bytes(b)
    (dest / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (dest / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha256(manifest), "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": tag}}]}))
    return {"manifest": sha256(manifest), "config": sha256(config), "layer": sha256(layer)}


@pytest.fixture(scope="module")
def skopeo_image(registry, busybox_tar):
    """busybox pushed to the registry by skopeo from an OCI layout: (reference, digests)."""
    d = Path(tempfile.mkdtemp(prefix="hoist-it-oci-", dir="/tmp"))
    try:
        digests = make_oci_layout(busybox_tar, d / "layout", cmd=("echo", "from-skopeo"))
        ref = f"{registry.addr}/skopeo/busybox:v1"
        p = run_cmd([SKOPEO, "copy", "--dest-tls-verify=false", f"oci:{d / 'layout'}:latest", f"docker://{ref}"], timeout=120)
        assert p.returncode == 0, describe(p)
        yield ref, digests
    finally:
        shutil.rmtree(d, ignore_errors=True)


def skopeo_digest(ref: str) -> str:
    p = run_cmd([SKOPEO, "inspect", "--tls-verify=false", f"docker://{ref}"], timeout=60)
    assert p.returncode == 0, describe(p)
    return json.loads(p.stdout)["Digest"]


def image_ids(daemon) -> set[str]:
    return set(daemon.ok("images", "-aq", "--no-trunc").split())


def ingest_empty(daemon) -> bool:
    ingest = daemon.root / "ingest"
    return not ingest.exists() or not [e for e in ingest.iterdir() if not e.name.startswith("trash-")]


# --------------------------------------------------------------------------- pull

def test_pull_image_pushed_by_skopeo(daemon, skopeo_image):
    ref, digests = skopeo_image
    p = daemon.hoist("pull", ref, timeout=120)
    assert p.returncode == 0, describe(p)
    short = digests["layer"].split(":")[1][:12]
    lines = p.stdout.splitlines()
    assert lines[0] == "v1: Pulling from skopeo/busybox", describe(p)
    assert f"{short}: Pulling fs layer" in lines
    assert f"{short}: Verifying Checksum" in lines
    assert f"{short}: Download complete" in lines
    assert f"{short}: Pull complete" in lines
    assert f"Digest: {digests['manifest']}" in lines
    assert f"Status: Downloaded newer image for {ref}" in lines
    assert lines[-1] == ref
    # The image ID is the config digest, as pushed; RepoDigests carries the manifest digest.
    info = json.loads(daemon.ok("image", "inspect", ref))[0]
    assert info["Id"] == digests["config"]
    assert info["RepoTags"] == [ref]
    assert info["RepoDigests"] == [f"{registry_repo(ref)}@{digests['manifest']}"]
    out = daemon.ok("images", "--digests", registry_repo(ref))
    assert digests["manifest"] in out, out
    # It runs, with the config's Cmd.
    assert daemon.ok("run", "--rm", ref).strip() == "from-skopeo"
    # A second pull finds everything: up to date.
    p = daemon.hoist("pull", ref, timeout=60)
    assert p.returncode == 0, describe(p)
    assert f"Status: Image is up to date for {ref}" in p.stdout


def registry_repo(ref: str) -> str:
    return ref.rsplit(":", 1)[0]


def test_pull_by_digest_and_rmi_by_digest(daemon, skopeo_image):
    ref, digests = skopeo_image
    by_digest = f"{registry_repo(ref)}@{digests['manifest']}"
    p = daemon.hoist("pull", "-q", by_digest, timeout=120)
    assert p.returncode == 0, describe(p)
    assert p.stdout.strip() == by_digest
    info = json.loads(daemon.ok("image", "inspect", by_digest))[0]
    assert info["Id"] == digests["config"]
    # rmi by digest removes only the digest reference while a tag remains.
    daemon.ok("pull", "-q", ref, timeout=120)
    out = daemon.ok("rmi", by_digest)
    assert f"Untagged: {by_digest}" in out
    info = json.loads(daemon.ok("image", "inspect", ref))[0]
    assert info["RepoDigests"] == []
    # rmi of the tag then deletes the image.
    out = daemon.ok("rmi", ref)
    assert f"Untagged: {ref}" in out and f"Deleted: {digests['config']}" in out
    assert daemon.hoist("image", "inspect", ref).returncode == 1


def test_pull_unknown_tag_is_a_clear_error(daemon, registry, skopeo_image):
    before = image_ids(daemon)
    p = daemon.hoist("pull", f"{registry.addr}/skopeo/busybox:nope", timeout=60)
    assert p.returncode == 1
    assert p.stderr.strip() == (f"Error response from daemon: manifest for {registry.addr}/skopeo/busybox:nope "
                                "not found: manifest unknown: manifest unknown"), describe(p)
    p = daemon.hoist("pull", f"{registry.addr}/no/such-repo:v1", timeout=60)
    assert p.returncode == 1 and "not found" in p.stderr, describe(p)
    assert image_ids(daemon) == before


def test_unreachable_registry_fails_at_once_with_dockers_words(daemon):
    # A closed port and a name that does not resolve (a reserved .invalid TLD): no retrying
    # until a timeout, no partial image.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = image_ids(daemon)
    started = time.monotonic()
    p = daemon.hoist("pull", f"127.0.0.1:{port}/some/image:1", timeout=60)
    assert p.returncode == 1, describe(p)
    assert p.stderr.strip() == (f'Error response from daemon: Get "http://127.0.0.1:{port}/v2/some/image/manifests/1": '
                                f"dial tcp 127.0.0.1:{port}: connect: connection refused"), describe(p)
    p = daemon.hoist("run", "--rm", "no-such-registry.invalid/app:1", "true", timeout=60)
    assert p.returncode == 125, describe(p)
    assert "Unable to find image 'no-such-registry.invalid/app:1' locally" in p.stderr, describe(p)
    assert "dial tcp: lookup no-such-registry.invalid: no such host" in p.stderr, describe(p)
    assert time.monotonic() - started < 10, "an unreachable registry must fail fast"
    assert image_ids(daemon) == before


def test_run_pulls_a_missing_image(daemon, skopeo_image):
    ref, digests = skopeo_image
    daemon.hoist("rmi", "-f", ref)
    p = daemon.hoist("run", "--rm", ref, "echo", "pulled-and-ran", timeout=120)
    assert p.returncode == 0, describe(p)
    assert p.stdout.strip() == "pulled-and-ran"
    assert f"Unable to find image '{ref}' locally" in p.stderr
    assert f"Status: Downloaded newer image for {ref}" in p.stderr
    # --pull never with a missing image: docker's message, nothing pulled.
    daemon.hoist("rmi", "-f", ref)
    p = daemon.hoist("run", "--rm", "--pull", "never", ref, "true", timeout=60)
    assert p.returncode == 125, describe(p)
    assert f"No such image: {ref}" in p.stderr
    # --pull always pulls even when present.
    daemon.ok("pull", "-q", ref, timeout=120)
    p = daemon.hoist("create", "--pull", "always", ref, timeout=120)
    assert p.returncode == 0, describe(p)
    assert f"Status: Image is up to date for {ref}" in p.stderr
    daemon.ok("rm", p.stdout.strip())


def test_docker_cli_pulls_through_hoistd(daemon, skopeo_image):
    ref, digests = skopeo_image
    daemon.hoist("rmi", "-f", ref)
    p = daemon.docker("pull", ref, timeout=120)
    assert p.returncode == 0, describe(p)
    assert f"Digest: {digests['manifest']}" in p.stdout
    assert p.stdout.strip().splitlines()[-1] == ref
    p = daemon.docker("run", "--rm", ref, "echo", "docker-ran")
    assert p.returncode == 0 and p.stdout.strip() == "docker-ran", describe(p)


def test_docker_py_pulls(daemon, skopeo_image):
    docker = pytest.importorskip("docker")
    ref, digests = skopeo_image
    daemon.hoist("rmi", "-f", ref)
    client = docker.DockerClient(base_url=daemon.host)
    try:
        repo, tag = ref.rsplit(":", 1)
        img = client.images.pull(repo, tag=tag)
        assert img.id == digests["config"]
        assert ref in img.tags
    finally:
        client.close()


# --------------------------------------------------------------------------- bad input

def test_corrupt_and_truncated_blobs_leave_no_image(daemon, registry, busybox_tar):
    """A layer whose bytes do not match its digest, then one cut short: clear errors, no
    image, no partial blob; once the registry serves the right bytes, the pull works."""
    d = Path(tempfile.mkdtemp(prefix="hoist-it-oci-", dir="/tmp"))
    try:
        digests = make_oci_layout(busybox_tar, d / "layout", cmd=("echo", "corrupt-test"), salt=unique("corrupt"))
        ref = f"{registry.addr}/bad/{unique('img')}:v1"
        p = run_cmd([SKOPEO, "copy", "--dest-tls-verify=false", f"oci:{d / 'layout'}:latest", f"docker://{ref}"], timeout=120)
        assert p.returncode == 0, describe(p)
        blob = registry.blob_path(digests["layer"])
        good = blob.read_bytes()
        before = image_ids(daemon)

        corrupt = bytearray(good)
        corrupt[len(corrupt) // 2] ^= 0xFF
        blob.write_bytes(bytes(corrupt))
        p = daemon.hoist("pull", ref, timeout=120)
        assert p.returncode == 1, describe(p)
        assert f"filesystem layer verification failed for digest {digests['layer']}" in p.stderr, describe(p)
        assert image_ids(daemon) == before
        assert not (daemon.root / "blobs" / "sha256" / digests["layer"].split(":")[1]).exists()
        assert ingest_empty(daemon)

        blob.write_bytes(good[: len(good) // 2])
        p = daemon.hoist("pull", ref, timeout=120)
        assert p.returncode == 1, describe(p)
        assert "unexpected EOF" in p.stderr or "verification failed" in p.stderr, describe(p)
        assert image_ids(daemon) == before
        assert ingest_empty(daemon)

        blob.write_bytes(good)
        p = daemon.hoist("pull", ref, timeout=120)
        assert p.returncode == 0, describe(p)
        assert daemon.ok("run", "--rm", ref).strip() == "corrupt-test"
        daemon.ok("rmi", ref)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_manifest_not_matching_its_digest_is_refused(daemon, registry, busybox_tar):
    d = Path(tempfile.mkdtemp(prefix="hoist-it-oci-", dir="/tmp"))
    try:
        digests = make_oci_layout(busybox_tar, d / "layout", salt=unique("manifest"))
        ref = f"{registry.addr}/bad/{unique('man')}:v1"
        p = run_cmd([SKOPEO, "copy", "--dest-tls-verify=false", f"oci:{d / 'layout'}:latest", f"docker://{ref}"], timeout=120)
        assert p.returncode == 0, describe(p)
        mpath = registry.blob_path(digests["manifest"])
        m = json.loads(mpath.read_bytes())
        m["annotations"] = {"tampered": "yes"}
        mpath.write_bytes(json.dumps(m).encode())
        before = image_ids(daemon)
        p = daemon.hoist("pull", ref, timeout=60)
        assert p.returncode == 1, describe(p)
        assert "manifest verification failed for digest" in p.stderr, describe(p)
        assert image_ids(daemon) == before
    finally:
        shutil.rmtree(d, ignore_errors=True)


class _VanishingRegistry(http.server.BaseHTTPRequestHandler):
    """Serves one image from an OCI layout, but closes the connection halfway through
    the layer blob, as a registry that goes away mid-pull."""
    layout: Path
    layer: str
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        parts = self.path.split("/")
        if self.path == "/v2/":
            return self._send(200, b"{}", "application/json")
        if len(parts) >= 5 and parts[-2] == "manifests":
            index = json.loads((self.layout / "index.json").read_text())
            digest = index["manifests"][0]["digest"]
            body = (self.layout / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()
            return self._send(200, body, "application/vnd.oci.image.manifest.v1+json", {"Docker-Content-Digest": digest})
        if len(parts) >= 5 and parts[-2] == "blobs":
            digest = parts[-1]
            body = (self.layout / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()
            if digest == self.layer:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            return self._send(200, body, "application/octet-stream")
        self._send(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}', "application/json")

    def _send(self, status, body, ctype, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


def test_registry_going_away_mid_pull(daemon, busybox_tar):
    d = Path(tempfile.mkdtemp(prefix="hoist-it-oci-", dir="/tmp"))
    server = None
    try:
        digests = make_oci_layout(busybox_tar, d / "layout", salt=unique("vanish"))
        handler = type("H", (_VanishingRegistry,), {"layout": d / "layout", "layer": digests["layer"]})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ref = f"127.0.0.1:{server.server_address[1]}/gone/away:v1"
        before = image_ids(daemon)
        p = daemon.hoist("pull", ref, timeout=120)
        assert p.returncode == 1, describe(p)
        assert digests["layer"] in p.stderr or "connection" in p.stderr or "EOF" in p.stderr, describe(p)
        assert image_ids(daemon) == before
        assert not (daemon.root / "blobs" / "sha256" / digests["layer"].split(":")[1]).exists()
        assert ingest_empty(daemon)
    finally:
        if server:
            server.shutdown()
            server.server_close()
        shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------- push

def busybox_layer_ids(daemon, name="busybox:latest") -> str:
    return json.loads(daemon.ok("image", "inspect", name))[0]["Id"]


def test_push_then_skopeo_reads_the_same_digest(daemon, registry):
    ref = f"{registry.addr}/hoist/{unique('bb')}:v1"
    daemon.ok("tag", "busybox:latest", ref)
    p = daemon.hoist("push", ref, timeout=120)
    assert p.returncode == 0, describe(p)
    lines = p.stdout.splitlines()
    repo = registry_repo(ref)
    assert lines[0] == f"The push refers to repository [{repo}]", describe(p)
    assert any(l.endswith(": Preparing") for l in lines)
    assert any(l.endswith(": Pushed") for l in lines)
    last = lines[-1]
    assert last.startswith("v1: digest: sha256:") and " size: " in last, describe(p)
    digest = last.split()[2]
    assert skopeo_digest(ref) == digest
    info = json.loads(daemon.ok("image", "inspect", ref))[0]
    assert f"{repo}@{digest}" in info["RepoDigests"]
    # Again: everything is there already.
    p = daemon.hoist("push", ref, timeout=120)
    assert p.returncode == 0, describe(p)
    assert any(l.endswith(": Layer already exists") for l in p.stdout.splitlines()), describe(p)
    assert p.stdout.splitlines()[-1] == last
    # rmi, pull back, run.
    image_id = info["Id"]
    daemon.ok("rmi", ref)
    p = daemon.hoist("pull", ref, timeout=120)
    assert p.returncode == 0, describe(p)
    assert f"Digest: {digest}" in p.stdout
    assert json.loads(daemon.ok("image", "inspect", ref))[0]["Id"] == image_id
    assert daemon.ok("run", "--rm", ref, "echo", "round-trip").strip() == "round-trip"
    daemon.ok("rmi", ref)


def test_push_unknown_image_and_quiet(daemon, registry):
    p = daemon.hoist("push", f"{registry.addr}/nothing/here:v1")
    assert p.returncode == 1
    assert p.stderr.strip() == f"Error response from daemon: An image does not exist locally with the tag: {registry.addr}/nothing/here", describe(p)
    ref = f"{registry.addr}/hoist/{unique('q')}:v2"
    daemon.ok("tag", "busybox:latest", ref)
    p = daemon.hoist("push", "-q", ref, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == ref, describe(p)
    daemon.ok("rmi", ref)


def test_push_mounts_blobs_from_another_repository(daemon, registry, skopeo_image):
    src, digests = skopeo_image
    daemon.ok("pull", "-q", src, timeout=120)
    dst = f"{registry.addr}/mounted/{unique('m')}:v1"
    daemon.ok("tag", src, dst)
    p = daemon.hoist("push", dst, timeout=120)
    assert p.returncode == 0, describe(p)
    short = digests["layer"].split(":")[1][:12]
    assert f"{short}: Mounted from skopeo/busybox" in p.stdout.splitlines(), describe(p)
    # The pulled manifest goes up byte for byte: same digest in both repositories.
    assert skopeo_digest(dst) == digests["manifest"]
    daemon.ok("rmi", dst)


def test_docker_cli_pushes_through_hoistd(daemon, registry):
    ref = f"{registry.addr}/docker/{unique('d')}:v1"
    daemon.ok("tag", "busybox:latest", ref)
    p = daemon.docker("push", ref, timeout=120)
    assert p.returncode == 0, describe(p)
    digest = [l for l in p.stdout.splitlines() if "digest:" in l][-1].split()[2]
    assert skopeo_digest(ref) == digest
    daemon.ok("rmi", ref)


# --------------------------------------------------------------------------- auth

@pytest.fixture(scope="module")
def auth_registry():
    htpasswd = shutil.which("htpasswd")
    if not htpasswd:
        pytest.skip("htpasswd (apache2-utils) is needed for a basic-auth registry")
    d = Path(tempfile.mkdtemp(prefix="hoist-it-htpasswd-", dir="/tmp"))
    p = run_cmd([htpasswd, "-Bbc", d / "htpasswd", "alice", "s3cret"])
    assert p.returncode == 0, describe(p)
    r = Registry(htpasswd=d / "htpasswd")
    try:
        yield r
    finally:
        r.stop()
        shutil.rmtree(d, ignore_errors=True)


def test_login_push_pull_logout_with_basic_auth(daemon, auth_registry):
    cfg = Path(tempfile.mkdtemp(prefix="hoist-it-cfg-", dir="/tmp"))
    env = dict(daemon.env, HOIST_CONFIG=str(cfg))
    try:
        ref = f"{auth_registry.addr}/private/{unique('a')}:v1"
        daemon.ok("tag", "busybox:latest", ref)
        # Not logged in: the registry refuses.
        p = daemon.hoist("push", ref, env=env, timeout=60)
        assert p.returncode == 1 and "no basic auth credentials" in p.stderr, describe(p)
        # A wrong password: refused, nothing stored.
        p = daemon.hoist("login", "-u", "alice", "--password-stdin", auth_registry.addr, input="wrong\n", env=env)
        assert p.returncode == 1, describe(p)
        assert "401 Unauthorized" in p.stderr, describe(p)
        assert not (cfg / "config.json").exists()
        # The right one: stored as docker does.
        p = daemon.hoist("login", "-u", "alice", "--password-stdin", auth_registry.addr, input="s3cret\n", env=env)
        assert p.returncode == 0, describe(p)
        assert p.stdout.strip() == "Login Succeeded"
        conf = json.loads((cfg / "config.json").read_text())
        import base64
        assert base64.b64decode(conf["auths"][auth_registry.addr]["auth"]).decode() == "alice:s3cret"
        assert (cfg / "config.json").stat().st_mode & 0o077 == 0
        p = daemon.hoist("push", ref, env=env, timeout=120)
        assert p.returncode == 0, describe(p)
        daemon.ok("rmi", ref)
        p = daemon.hoist("pull", ref, env=env, timeout=120)
        assert p.returncode == 0, describe(p)
        daemon.ok("rmi", ref)
        p = daemon.hoist("logout", auth_registry.addr, env=env)
        assert p.returncode == 0 and p.stdout.strip() == f"Removing login credentials for {auth_registry.addr}", describe(p)
        assert auth_registry.addr not in json.loads((cfg / "config.json").read_text()).get("auths", {})
        p = daemon.hoist("pull", ref, env=env, timeout=60)
        assert p.returncode == 1, describe(p)
        assert daemon.hoist("image", "inspect", ref).returncode == 1
    finally:
        shutil.rmtree(cfg, ignore_errors=True)


def test_docker_cli_login_through_hoistd(daemon, auth_registry):
    p = daemon.docker("login", "-u", "alice", "--password-stdin", auth_registry.addr, input="s3cret\n")
    assert p.returncode == 0, describe(p)
    assert "Login Succeeded" in p.stdout
    p = daemon.docker("login", "-u", "alice", "--password-stdin", auth_registry.addr, input="bad\n")
    assert p.returncode != 0, describe(p)
    ref = f"{auth_registry.addr}/dockercli/{unique('l')}:v1"
    daemon.ok("tag", "busybox:latest", ref)
    p = daemon.docker("push", ref, timeout=120)
    assert p.returncode == 0, describe(p)
    daemon.ok("rmi", ref)
    p = daemon.docker("pull", ref, timeout=120)
    assert p.returncode == 0, describe(p)
    daemon.ok("rmi", ref)


def test_pull_all_tags(daemon, registry, busybox_tar):
    d = Path(tempfile.mkdtemp(prefix="hoist-it-oci-", dir="/tmp"))
    try:
        make_oci_layout(busybox_tar, d / "layout", salt=unique("alltags"))
        repo = f"{registry.addr}/all/{unique('t')}"
        for tag in ("one", "two"):
            p = run_cmd([SKOPEO, "copy", "--dest-tls-verify=false", f"oci:{d / 'layout'}:latest", f"docker://{repo}:{tag}"], timeout=120)
            assert p.returncode == 0, describe(p)
        p = daemon.hoist("pull", "-a", repo, timeout=120)
        assert p.returncode == 0, describe(p)
        assert "one: Pulling from" in p.stdout and "two: Pulling from" in p.stdout, describe(p)
        assert f"Status: Downloaded newer image for {repo}" in p.stdout
        ids = {json.loads(daemon.ok("image", "inspect", f"{repo}:{t}"))[0]["Id"] for t in ("one", "two")}
        assert len(ids) == 1
        p = daemon.hoist("pull", "-a", f"{repo}:one")
        assert p.returncode == 1 and "tag can't be used with --all-tags/-a" in p.stderr, describe(p)
        daemon.ok("rmi", f"{repo}:one", f"{repo}:two")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_registry_mirror_serves_docker_hub_pulls(daemon, registry, busybox_tar):
    """`--registry-mirror`: docker.io pulls try the mirrors in order (a dead one is skipped),
    then Docker Hub; other registries are never mirrored."""
    tag = unique("m")
    daemon.ok("tag", "busybox", f"{registry.addr}/library/busybox:{tag}")
    try:
        p = daemon.hoist("push", f"{registry.addr}/library/busybox:{tag}", timeout=120)
        assert p.returncode == 0, describe(p)
    finally:
        daemon.hoist("rmi", f"{registry.addr}/library/busybox:{tag}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    mirrors = [f"http://127.0.0.1:{dead}", f"http://{registry.addr}"]
    d = Daemon("m", extra_args=[a for m in mirrors for a in ("--registry-mirror", m)])
    try:
        d.start()
        p = d.hoist("pull", f"busybox:{tag}", timeout=120)
        assert p.returncode == 0, describe(p)
        assert f"Status: Downloaded newer image for busybox:{tag}" in p.stdout, describe(p)
        p = d.hoist("run", "--rm", f"busybox:{tag}", "echo", "from the mirror")
        assert p.returncode == 0 and p.stdout == "from the mirror\n", describe(p)
        for cli in (d.hoist, d.docker):
            p = cli("info")
            assert p.returncode == 0, describe(p)
            assert " Registry Mirrors:\n" + "".join(f"  {m}\n" for m in mirrors) in p.stdout, describe(p)
        # Not on the mirror: Docker Hub is tried last (and cannot be reached from here).
        p = d.hoist("pull", "busybox:not-mirrored", timeout=60)
        assert p.returncode == 1 and "registry-1.docker.io" in p.stderr, describe(p)
        # Another registry is never mirrored.
        p = d.hoist("pull", f"127.0.0.1:{dead}/library/busybox:{tag}", timeout=60)
        assert p.returncode == 1 and "connection refused" in p.stderr, describe(p)
    finally:
        d.cleanup()


def test_invalid_registry_mirror_stops_hoistd(tmp_path):
    d = Daemon("m", extra_args=["--registry-mirror", "ftp://mirror.example/path"])
    try:
        with pytest.raises(RuntimeError, match="invalid mirror"):
            d.start(timeout=10)
    finally:
        d.cleanup()


def test_login_push_pull_against_a_token_auth_registry(daemon, tmp_path):
    """Bearer tokens: `hoist registry serve --auth token` answers 401 with a
    WWW-Authenticate challenge naming its /token realm; the client fetches a scoped token
    with the stored credentials (hoist, and the docker CLI through hoistd)."""
    from test_registry_server import Registry as HoistRegistry
    htpasswd = shutil.which("htpasswd")
    if not htpasswd:
        pytest.skip("htpasswd (apache2-utils) is needed")
    p = run_cmd([htpasswd, "-Bbc", tmp_path / "htpasswd", "bob", "t0ken"])
    assert p.returncode == 0, describe(p)
    reg = HoistRegistry(tmp_path / "root", ["--htpasswd", str(tmp_path / "htpasswd"), "--auth", "token"])
    cfg = tmp_path / "cfg"
    env = dict(daemon.env, HOIST_CONFIG=str(cfg))
    ref = f"{reg.addr}/team/{unique('t')}:v1"
    try:
        status, headers, _ = reg.request("GET", "/v2/")
        assert status == 401 and headers["www-authenticate"].startswith("Bearer realm="), (status, headers)
        daemon.ok("tag", "busybox:latest", ref)
        p = daemon.hoist("push", ref, env=env, timeout=60)
        assert p.returncode == 1 and "unauthorized" in p.stderr.lower(), describe(p)
        p = daemon.hoist("login", "-u", "bob", "--password-stdin", reg.addr, input="nope\n", env=env)
        assert p.returncode == 1, describe(p)
        p = daemon.hoist("login", "-u", "bob", "--password-stdin", reg.addr, input="t0ken\n", env=env)
        assert p.returncode == 0 and p.stdout.strip() == "Login Succeeded", describe(p)
        p = daemon.hoist("push", ref, env=env, timeout=120)
        assert p.returncode == 0, describe(p)
        daemon.ok("rmi", ref)
        p = daemon.hoist("pull", ref, env=env, timeout=120)
        assert p.returncode == 0, describe(p)
        p = daemon.hoist("run", "--rm", ref, "echo", "token ok")
        assert p.returncode == 0 and p.stdout == "token ok\n", describe(p)
        daemon.ok("rmi", ref)
        # The docker CLI logs in through hoistd's /auth and sends X-Registry-Auth.
        p = daemon.docker("login", "-u", "bob", "--password-stdin", reg.addr, input="t0ken\n")
        assert p.returncode == 0, describe(p)
        p = daemon.docker("pull", ref, timeout=120)
        assert p.returncode == 0, describe(p)
    finally:
        daemon.hoist("rmi", "-f", ref)
        daemon.docker("logout", reg.addr)
        assert reg.stop() == 0


def test_failed_pull_keeps_verified_layers_and_the_next_pull_resumes(daemon, registry, busybox_tar):
    """Layer 1 downloads and verifies, layer 2 is corrupt: no image, but layer 1's verified
    blob stays in the content store, so the next pull needs only layer 2 (proved by deleting
    layer 1 from the registry in between)."""
    d = Path(tempfile.mkdtemp(prefix="hoist-it-oci-", dir="/tmp"))
    try:
        base = salted(busybox_tar, unique("resume"))
        top_buf = io.BytesIO()
        with tarfile.open(fileobj=top_buf, mode="w") as t:
            data = b"resumed\n"
            info = tarfile.TarInfo("resumed")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        top = top_buf.getvalue()
        layers = []
        for raw in (base, top):
            buf = io.BytesIO()
            with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
                g.write(raw)
            layers.append(buf.getvalue())
        config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["cat", "/resumed"]},
                             "rootfs": {"type": "layers", "diff_ids": [sha256(base), sha256(top)]}}).encode()
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha256(b), "size": len(b)}
                       for b in layers],
        }).encode()
        layout = d / "layout"
        (layout / "blobs" / "sha256").mkdir(parents=True)
        for b in (*layers, config, manifest):
            (layout / "blobs" / "sha256" / hashlib.sha256(b).hexdigest()).write_bytes(b)
        (layout / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
        (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha256(manifest), "size": len(manifest),
            "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}))
        ref = f"{registry.addr}/resume/{unique('img')}:v1"
        p = run_cmd([SKOPEO, "copy", "--dest-tls-verify=false", f"oci:{layout}:latest", f"docker://{ref}"], timeout=120)
        assert p.returncode == 0, describe(p)

        first, second = (registry.blob_path(sha256(b)) for b in layers)
        good_top = second.read_bytes()
        second.write_bytes(good_top[:-1] + bytes([good_top[-1] ^ 0xFF]))
        before = image_ids(daemon)
        p = daemon.hoist("pull", ref, timeout=120)
        assert p.returncode == 1 and "verification failed" in p.stderr, describe(p)
        assert image_ids(daemon) == before
        assert (daemon.root / "blobs" / "sha256" / hashlib.sha256(layers[0]).hexdigest()).exists()
        assert not (daemon.root / "blobs" / "sha256" / hashlib.sha256(layers[1]).hexdigest()).exists()
        assert ingest_empty(daemon)

        second.write_bytes(good_top)
        first.unlink()  # only the verified local copy can supply layer 1 now
        p = daemon.hoist("pull", ref, timeout=120)
        assert p.returncode == 0, describe(p)
        assert daemon.ok("run", "--rm", ref) == "resumed\n"
        daemon.ok("rmi", ref)
    finally:
        shutil.rmtree(d, ignore_errors=True)


class _RecordingProxy(http.server.BaseHTTPRequestHandler):
    """Forwards every request to `upstream` (host, port) and records (method, Content-Range)."""
    upstream: tuple = ("127.0.0.1", 0)
    seen: list = []

    def _forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.command, self.headers.get("Content-Range")))
        c = http.client.HTTPConnection(*self.upstream, timeout=30)
        # Host kept: registries build absolute upload Locations from it, which must lead back here.
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        c.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            c.putheader(k, v)
        c.endheaders(body)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        c.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    def log_message(self, *a):
        pass


def test_chunked_push_to_distribution_and_hoist_registry(registry, busybox_tar, tmp_path):
    """Blobs above the chunk size go up as PATCH chunks with Content-Range (64 KiB here, so
    busybox's layer takes many); both registries assemble the same digest."""
    from test_registry_server import Registry as HoistRegistry
    d = Daemon("c")
    d.base_env["HOIST_PUSH_CHUNK_SIZE"] = "65536"
    hoist_reg = HoistRegistry(tmp_path / "hoist-registry")
    proxies = []
    try:
        d.start()
        d.import_busybox(busybox_tar)
        # A layer of its own (random, so it neither compresses nor can be mounted from
        # another repository): about 400 KB, so seven 64 KiB chunks.
        src = unique("noise")
        d.ok("run", "--name", src, "busybox", "sh", "-c", "head -c 400000 /dev/urandom > /noise")
        d.ok("commit", src, "noisy:latest")
        d.ok("rm", src)
        layers = json.loads(d.ok("image", "inspect", "noisy"))[0]["RootFS"]["Layers"]
        for upstream in (registry.addr, hoist_reg.addr):
            host, port = upstream.rsplit(":", 1)
            handler = type("P", (_RecordingProxy,), {"upstream": (host, int(port)), "seen": []})
            proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            proxies.append(proxy)
            threading.Thread(target=proxy.serve_forever, daemon=True).start()
            addr = f"127.0.0.1:{proxy.server_address[1]}"
            ref = f"{addr}/chunked/{unique('c')}:v1"
            d.ok("tag", "noisy", ref)
            p = d.hoist("push", ref, timeout=120)
            assert p.returncode == 0, describe(p)
            ranges = [r for m, r in handler.seen if m == "PATCH"]
            assert len(ranges) >= 6 and {"0-65535", "65536-131071", "327680-393215"} <= set(ranges), (handler.seen, p.stdout)
            pushed = json.loads(d.ok("image", "inspect", ref))[0]["RepoDigests"]
            digest = next(r for r in pushed if r.startswith(f"{addr}/")).split("@", 1)[1]
            p = run_cmd([SKOPEO, "inspect", "--tls-verify=false", f"docker://{upstream}/{ref.split('/', 1)[1]}"], timeout=60)
            assert p.returncode == 0, describe(p)
            assert json.loads(p.stdout)["Digest"] == digest
            d.ok("rmi", ref)
            d.ok("rmi", "noisy")
            p = d.hoist("pull", ref, timeout=120)
            assert p.returncode == 0, describe(p)
            assert json.loads(d.ok("image", "inspect", ref))[0]["RootFS"]["Layers"] == layers
            assert d.ok("run", "--rm", ref, "sh", "-c", "wc -c < /noise").strip() == "400000"
            d.ok("tag", ref, "noisy")
            d.ok("rmi", ref)
    finally:
        for proxy in proxies:
            proxy.shutdown()
            proxy.server_close()
        d.cleanup()
        assert hoist_reg.stop() == 0


def test_pull_platform_selects_from_a_multi_platform_index(daemon, registry, busybox_tar):
    """An index with linux/amd64 and linux/arm64/v8 images: the default pull takes amd64,
    `--platform` picks another (hoist and the docker CLI), an absent one fails as docker."""
    d = Path(tempfile.mkdtemp(prefix="hoist-it-oci-", dir="/tmp"))
    try:
        raw = salted(busybox_tar, unique("plat"))
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
            g.write(raw)
        layer = buf.getvalue()
        blobs = {sha256(layer): layer}
        entries = []
        for arch, variant in (("amd64", None), ("arm64", "v8")):
            config = json.dumps({"architecture": arch, "os": "linux", **({"variant": variant} if variant else {}),
                                 "config": {"Cmd": ["sh"]}, "rootfs": {"type": "layers", "diff_ids": [sha256(raw)]}}).encode()
            manifest = json.dumps({
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config), "size": len(config)},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha256(layer), "size": len(layer)}],
            }).encode()
            blobs[sha256(config)] = config
            blobs[sha256(manifest)] = manifest
            entries.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha256(manifest),
                            "size": len(manifest), "platform": {"os": "linux", "architecture": arch,
                                                                **({"variant": variant} if variant else {})}})
        index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}).encode()
        blobs[sha256(index)] = index
        layout = d / "layout"
        (layout / "blobs" / "sha256").mkdir(parents=True)
        for digest, b in blobs.items():
            (layout / "blobs" / "sha256" / digest.split(":")[1]).write_bytes(b)
        (layout / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
        (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json", "digest": sha256(index), "size": len(index),
            "annotations": {"org.opencontainers.image.ref.name": "multi"}}]}))
        ref = f"{registry.addr}/plat/{unique('p')}:multi"
        p = run_cmd([SKOPEO, "copy", "--all", "--dest-tls-verify=false", f"oci:{layout}:multi", f"docker://{ref}"], timeout=120)
        assert p.returncode == 0, describe(p)

        def arch(name):
            i = json.loads(daemon.ok("image", "inspect", name))[0]
            return i["Os"], i["Architecture"]

        p = daemon.hoist("pull", ref, timeout=120)
        assert p.returncode == 0, describe(p)
        assert arch(ref) == ("linux", "amd64")
        p = daemon.hoist("pull", "--platform", "linux/arm64", ref, timeout=120)
        assert p.returncode == 0, describe(p)
        assert arch(ref) == ("linux", "arm64")
        p = daemon.docker("pull", "--platform", "linux/amd64", ref, timeout=120)
        assert p.returncode == 0, describe(p)
        assert arch(ref) == ("linux", "amd64")
        p = daemon.hoist("pull", "--platform", "linux/s390x", ref, timeout=60)
        assert p.returncode == 1, describe(p)
        assert "no matching manifest for linux/s390x in the manifest list entries" in p.stderr, describe(p)
        p = daemon.hoist("pull", "--platform", "plan10/zz", ref, timeout=60)
        assert p.returncode == 1 and 'unknown operating system or architecture' in p.stderr, describe(p)
        daemon.ok("rmi", ref)
    finally:
        shutil.rmtree(d, ignore_errors=True)
