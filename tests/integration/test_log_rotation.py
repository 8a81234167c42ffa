"""Log rotation: --log-opt max-size/max-file as Docker's json-file driver; logs reads the
rotated files in order, --tail and -f across them."""
import os
import re
from pathlib import Path

from conftest import describe, inspect, unique, wait_for

WRITER = "i=0; while [ $i -lt {n} ]; do echo \"line $i\"; i=$((i+1)); {pause} done"


def _numbers(text: str) -> list[int]:
    return [int(m.group(1)) for m in re.finditer(r"^line (\d+)$", text, re.M)]


def _log_files(d, cid) -> list[str]:
    return sorted(f for f in os.listdir(Path(d.root) / "containers" / cid) if f.startswith("container.log"))


def _exited(d, name):
    return lambda: inspect(d, name)["State"]["Status"] == "exited"


def test_rotation_keeps_max_file_files_and_logs_reads_them_in_order(daemon):
    name = unique("rot")
    p = daemon.hoist("run", "-d", "--name", name, "--log-opt", "max-size=2k", "--log-opt", "max-file=3", "busybox",
                     "sh", "-c", WRITER.format(n=400, pause=""))
    assert p.returncode == 0, describe(p)
    cid = p.stdout.strip()
    try:
        wait_for(_exited(daemon, name), timeout=20, what="writer done")
        files = _log_files(daemon, cid)
        assert files == ["container.log", "container.log.1", "container.log.2"], files
        for f in files:
            assert os.path.getsize(Path(daemon.root) / "containers" / cid / f) <= 2000
        nums = _numbers(daemon.ok("logs", name))
        # The oldest lines were rotated away; what is left is the newest, in order.
        assert nums and nums[-1] == 399 and nums[0] > 0, nums[:3]
        assert nums == list(range(nums[0], 400)), "gaps or disorder across rotated files"
        # --tail within the current file and across files.
        assert _numbers(daemon.ok("logs", "--tail", "5", name)) == list(range(395, 400))
        tail = len(nums) - 10
        assert _numbers(daemon.ok("logs", "--tail", str(tail), name)) == list(range(400 - tail, 400))
        # The docker CLI reads the same.
        p = daemon.docker("logs", "--tail", "3", name)
        assert p.returncode == 0 and _numbers(p.stdout) == [397, 398, 399], describe(p)
        assert inspect(daemon, name)["HostConfig"]["LogConfig"] == {
            "Type": "json-file", "Config": {"max-size": "2k", "max-file": "3"}}
    finally:
        daemon.hoist("rm", "-f", name)


def test_max_file_one_starts_the_file_over(daemon):
    name = unique("rot1")
    p = daemon.hoist("run", "-d", "--name", name, "--log-opt", "max-size=1k", "busybox",
                     "sh", "-c", WRITER.format(n=200, pause=""))
    assert p.returncode == 0, describe(p)
    cid = p.stdout.strip()
    try:
        wait_for(_exited(daemon, name), timeout=20, what="writer done")
        assert _log_files(daemon, cid) == ["container.log"]
        nums = _numbers(daemon.ok("logs", name))
        assert nums and nums[-1] == 199 and nums == list(range(nums[0], 200)) and nums[0] > 0
    finally:
        daemon.hoist("rm", "-f", name)


def test_follow_continues_across_rotations(daemon):
    name = unique("rotf")
    # Room for every line in 6 files of 2 kB: a follow from the start must see them all.
    p = daemon.hoist("run", "-d", "--name", name, "--log-opt", "max-size=2k", "--log-opt", "max-file=8", "busybox",
                     "sh", "-c", WRITER.format(n=300, pause="usleep 5000;"))
    assert p.returncode == 0, describe(p)
    cid = p.stdout.strip()
    try:
        p = daemon.hoist("logs", "-f", name, timeout=60)
        assert p.returncode == 0, describe(p)
        assert _numbers(p.stdout) == list(range(300)), _numbers(p.stdout)[:5]
        assert len(_log_files(daemon, cid)) > 2
    finally:
        daemon.hoist("rm", "-f", name)


def test_bad_log_options_are_refused(daemon):
    p = daemon.hoist("run", "--rm", "--log-opt", "max-file=0", "--log-opt", "max-size=1k", "busybox", "true")
    assert p.returncode == 125 and "max-file cannot be less than 1" in p.stderr, describe(p)
    p = daemon.hoist("run", "--rm", "--log-opt", "colour=blue", "busybox", "true")
    assert p.returncode == 125 and "unknown log opt 'colour' for json-file log driver" in p.stderr, describe(p)
    p = daemon.hoist("run", "--rm", "--log-opt", "max-size=lots", "busybox", "true")
    assert p.returncode == 125 and "invalid size: 'lots'" in p.stderr, describe(p)


def test_log_driver_none_keeps_nothing_and_logs_refuses(daemon):
    name = unique("lognone")
    p = daemon.hoist("run", "--name", name, "--log-driver", "none", "busybox", "echo", "seen-live")
    try:
        # Attached output still reaches the terminal; nothing is kept.
        assert p.returncode == 0 and p.stdout == "seen-live\n", describe(p)
        data = inspect(daemon, name)
        assert data["HostConfig"]["LogConfig"]["Type"] == "none" and data["LogPath"] == "", data["LogPath"]
        assert not (Path(daemon.root) / "containers" / data["Id"] / "container.log").exists()
        for cli in (daemon.hoist, daemon.docker):
            p = cli("logs", name)
            assert p.returncode == 1, describe(p)
            assert p.stderr.strip() == "Error response from daemon: configured logging driver does not support reading", describe(p)
        p = daemon.hoist("run", "--rm", "--log-driver", "none", "--log-opt", "max-size=1m", "busybox", "true")
        assert p.returncode == 125 and "unknown log opt 'max-size' for none log driver" in p.stderr, describe(p)
    finally:
        daemon.hoist("rm", "-f", name)
