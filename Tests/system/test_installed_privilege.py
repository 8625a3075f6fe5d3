"""No path to root as installed (issue 12, items 3, 4 and 5): a real user with a home, the
package's /usr/bin/storage-agent run as root the way a sudo rule runs it, the shipped config.

- A user's own config (with a pv_command) or index path is refused under sudo, and the command
  never runs.
- A dangling symlink in a directory the user can write never makes root create its target.
- fix-ownership removes a file capability from a file the container user already owns.
"""

import os
import subprocess

NS, PVC = "tenant-a", "data"


def sudo(node, uid, *args):
    """`sudo storage-agent ARGS` by user UID: root, with sudo's environment."""
    return node.run("env", f"SUDO_UID={uid}", f"SUDO_GID={uid}", "SUDO_USER=mallory", "/usr/bin/storage-agent",
                    *args)


def test_a_users_config_and_index_are_refused_under_sudo(installed):
    node = installed
    uid, gid, home = node.user("sa-mallory")
    marker = f"{home}/ran-as-root"
    node.write(f"{home}/my.yaml", f"kubernetes:\n  pv_command: touch {marker}\n", owner=f"{uid}:{gid}")
    r = sudo(node, uid, "query", "--config", f"{home}/my.yaml", "--refresh")
    assert r.returncode == 77, r.stderr
    assert r.stderr.count("\n") == 1 and "refused under sudo" in r.stderr, r.stderr
    assert not os.path.exists(marker)
    r = sudo(node, uid, "--db", f"{home}/index.db", "scan")
    assert r.returncode == 77, r.stderr
    assert not os.path.exists(f"{home}/index.db")
    # The shipped config and index are root's: the same sudo rule still works.
    r = sudo(node, uid, "query", "--refresh")
    assert r.returncode in (0, 1), r.stderr


def test_root_never_writes_through_a_symlink_a_user_planted(installed):
    node = installed
    uid, gid, home = node.user("sa-planter")
    target = f"{home}/made-by-root"
    os.symlink(target, f"{home}/inventory.db")
    os.lchown(f"{home}/inventory.db", uid, gid)
    r = node.agent("--db", f"{home}/inventory.db", "scan")
    assert r.returncode == 77, r.stderr
    assert "refusing to keep index" in r.stderr, r.stderr
    assert not os.path.lexists(target)


def test_fix_ownership_removes_capabilities_from_files_already_owned(installed):
    node = installed
    vol = node.volume(NS, PVC)
    helper = f"{vol}/helper"
    node.write(helper, "#!/bin/sh\n", owner="999:999")
    os.chmod(helper, 0o755)
    subprocess.run(["setcap", "cap_setuid+ep", helper], check=True)
    assert "cap_setuid" in subprocess.run(["getcap", helper], capture_output=True, text=True).stdout
    r = node.agent("fix-ownership", f"{NS}/{PVC}")
    assert r.returncode == 0, r.stderr
    assert "1 file capabilities removed" in r.stdout, r.stdout
    assert subprocess.run(["getcap", helper], capture_output=True, text=True).stdout.strip() == ""
    st = os.stat(helper)
    assert (st.st_uid, st.st_gid) == (999, 999)
