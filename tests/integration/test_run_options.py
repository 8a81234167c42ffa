"""Run options a Docker user types daily: --entrypoint, -u USER[:GROUP] by name,
--hostname, --read-only (with --tmpfs for scratch space)."""
from conftest import describe


def test_entrypoint_overrides_the_image_and_takes_the_command_as_args(daemon):
    p = daemon.hoist("run", "--rm", "--entrypoint", "echo", "busybox", "from", "entrypoint")
    assert p.returncode == 0 and p.stdout == "from entrypoint\n", describe(p)
    # An empty entrypoint resets it, as docker's --entrypoint "" does.
    p = daemon.hoist("run", "--rm", "--entrypoint", "", "busybox", "echo", "reset")
    assert p.returncode == 0 and p.stdout == "reset\n", describe(p)


def test_user_by_name_and_group_from_the_image_passwd(daemon):
    p = daemon.hoist("run", "--rm", "-u", "nobody", "busybox", "id")
    assert p.returncode == 0, describe(p)
    assert p.stdout.startswith("uid=65534(nobody) gid=65534(nobody)"), describe(p)
    p = daemon.hoist("run", "--rm", "-u", "nobody:root", "busybox", "id", "-g")
    assert p.returncode == 0 and p.stdout == "0\n", describe(p)
    p = daemon.hoist("run", "--rm", "-u", "1234:5678", "busybox", "id")
    assert p.returncode == 0 and p.stdout.startswith("uid=1234 gid=5678"), describe(p)
    p = daemon.hoist("run", "--rm", "-u", "nosuchuser", "busybox", "true")
    assert p.returncode != 0, describe(p)
    assert "nosuchuser" in p.stderr and "no matching entries in passwd file" in p.stderr, describe(p)


def test_hostname(daemon):
    p = daemon.hoist("run", "--rm", "--hostname", "web1", "busybox", "sh", "-c", "hostname; cat /etc/hostname")
    assert p.returncode == 0 and p.stdout == "web1\nweb1\n", describe(p)


def test_read_only_root_with_tmpfs_scratch(daemon):
    p = daemon.hoist("run", "--rm", "--read-only", "busybox", "touch", "/x")
    assert p.returncode != 0, describe(p)
    assert "Read-only file system" in p.stderr, describe(p)
    p = daemon.hoist("run", "--rm", "--read-only", "--tmpfs", "/scratch", "busybox",
                     "sh", "-c", "echo ok > /scratch/f && cat /scratch/f")
    assert p.returncode == 0 and p.stdout == "ok\n", describe(p)
