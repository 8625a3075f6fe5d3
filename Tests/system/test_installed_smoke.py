"""The installed fixture itself: the package is installed, running, and answers on this node."""

from conftest import wait_for


def test_the_package_runs_on_a_k3s_shaped_node(installed):
    v = installed.volume("observer-prod", "observer-data-pvc")
    installed.write(f"{v}/assets/scalp/20260203_09.jsonl", "{}\n{}\n")
    assert installed.main_pid().isdigit()
    q = wait_for(lambda: (r := installed.agent("query", "--refresh", "--json")).returncode == 0 and "20260203_09" in r.stdout and r)
    assert q, installed.agent("query", "--json")

