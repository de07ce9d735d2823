"""playbooks/deploy_blue_green.yml and rollback_blue_green.yml on two simulated hosts.

The simulated program listens on the port of its ``-addr`` argument
(``listen=from-args``) and answers HTTP with ``http_status``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.playbooks import REPO_ROOT

DEPLOY = REPO_ROOT / "playbooks" / "deploy_blue_green.yml"
ROLLBACK = REPO_ROOT / "playbooks" / "rollback_blue_green.yml"
HOSTS = ["win-01", "win-02"]


def build(tmp_path: Path, version: str, status: int = 200) -> str:
    path = tmp_path / "dist" / version / "orders.exe"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(f"MZ\nlisten=from-args\nhttp_status={status}\n".encode())
    return str(path)


def release_vars(tmp_path: Path, version: str, status: int = 200) -> dict[str, Any]:
    return {"winops_golang_bg_service": "orders", "winops_golang_bg_version": version,
            "winops_golang_bg_src": build(tmp_path, version, status),
            "winops_golang_bg_health_timeout": 5,
            "winops_golang_bg_arguments": ["-addr",
                                           "127.0.0.1:{{ winops_golang_bg_port }}"]}


def op(host: SimHost, op_name: str, **args: Any) -> dict[str, Any]:
    return host.run_batch({"ops": [{"op": op_name, "args": args}],
                           "check_mode": False})["results"][0]


def live(host: SimHost) -> int | None:
    """The port the public port 80 forwards to."""
    rules = op(host, "portproxy.get")["rules"]
    return next((r["connect_port"] for r in rules if r["listen_port"] == 80), None)


def state(host: SimHost, colour: str) -> str | None:
    return op(host, "service.get", name=f"orders-{colour}").get("state")


def public_status(host: SimHost) -> int | None:
    return op(host, "net.probe", http_url="http://127.0.0.1:80/healthz", timeout=1,
              expect_status=[200, 204, 500])["http_status"]


def test_release_switch_stop_at_failure_and_roll_back(sim_inventory: Callable,
                                                      run_playbook: Callable,
                                                      tmp_path: Path) -> None:
    inv = sim_inventory(HOSTS, groups={"service_hosts": HOSTS})
    hosts = {name: SimHost(str(inv.root(name))) for name in HOSTS}

    first = run_playbook(DEPLOY, inv, extra_vars=release_vars(tmp_path, "1.0.0")).assert_ok()
    for name, host in hosts.items():
        assert live(host) == 8081 and state(host, "blue") == "running", name
        assert public_status(host) == 200
    assert first.task("win-01", "Stop the old colour, kept for a rollback").skipped

    run_playbook(DEPLOY, inv, extra_vars=release_vars(tmp_path, "2.0.0", 204)).assert_ok()
    for host in hosts.values():
        assert live(host) == 8082 and state(host, "green") == "running"
        assert state(host, "blue") == "stopped"  # kept installed for a rollback
        assert public_status(host) == 204

    # A broken release fails on the first host batch; traffic stays on 2.0.0 there and
    # the second host is never touched.
    broken = run_playbook(DEPLOY, inv, extra_vars=release_vars(tmp_path, "3.0.0", 500))
    assert not broken.ok
    failed = broken.task("win-01", "Deploy the release to the idle colour and check its health")
    assert failed.failed and "release 3.0.0 failed its health check" in failed.msg
    assert live(hosts["win-01"]) == 8082 and public_status(hosts["win-01"]) == 204
    assert broken.tasks("win-02") == []
    assert not op(hosts["win-02"], "file.stat",
                  path=r"C:\Services\orders-blue\releases\3.0.0")["exists"]

    back = run_playbook(ROLLBACK, inv, extra_vars={"winops_golang_bg_service": "orders"})
    back.assert_ok()
    for host in hosts.values():
        assert live(host) == 8081 and state(host, "blue") == "running"
        assert state(host, "green") == "stopped"
        assert public_status(host) == 200


def test_a_custom_switch_replaces_portproxy(sim_inventory: Callable, run_playbook: Callable,
                                            tmp_path: Path) -> None:
    switch = tmp_path / "switch.yml"
    switch.write_text(
        "- name: Record the switch\n"
        "  ansible.builtin.set_fact:\n"
        "    switched_to: \"{{ winops_golang_bg_idle }}:{{ winops_golang_bg_port }}\"\n",
        encoding="utf-8")
    inv = sim_inventory(["win-01"], groups={"service_hosts": ["win-01"]})
    run = run_playbook(DEPLOY, inv, extra_vars={**release_vars(tmp_path, "1.0.0"),
                                                "winops_golang_bg_switch_tasks": str(switch)})
    run.assert_ok()
    assert run.task("win-01", "Record the switch")["ansible_facts"]["switched_to"] == "blue:8081"
    assert live(SimHost(str(inv.root("win-01")))) is None


def test_ten_hosts_in_batches_stop_at_the_first_failed_batch(sim_inventory: Callable,
                                                             run_playbook: Callable,
                                                             tmp_path: Path) -> None:
    names = [f"win-{i:02d}" for i in range(1, 11)]
    inv = sim_inventory(names, groups={"service_hosts": names})
    serial = {"winops_golang_bg_serial": 3}
    run = run_playbook(DEPLOY, inv, extra_vars={**release_vars(tmp_path, "1.0.0"), **serial})
    run.assert_ok()
    hosts = {name: SimHost(str(inv.root(name))) for name in names}
    assert all(live(h) == 8081 and public_status(h) == 200 for h in hosts.values())

    # The second batch's first host gets a broken build: the play stops after that
    # task (max_fail_percentage 0), so no host of the batch switches traffic; batch
    # one is on 2.0.0, batches three and four are untouched.
    good, bad = release_vars(tmp_path, "2.0.0"), release_vars(tmp_path, "2.0.0-bad", 500)
    per_host = {"win-04": bad["winops_golang_bg_src"]}
    (tmp_path / "src.yml").write_text(
        "winops_golang_bg_src: \"{{ " + repr(per_host) + ".get(inventory_hostname, '"
        + good["winops_golang_bg_src"] + "') }}\"\n", encoding="utf-8")
    rollout = run_playbook(DEPLOY, inv, extra_vars={**good, **serial},
                           args=["-e", f"@{tmp_path / 'src.yml'}"])
    assert not rollout.ok
    assert [n for n in names if live(hosts[n]) == 8082] == ["win-01", "win-02", "win-03"]
    for name in ("win-04", "win-05", "win-06"):
        assert live(hosts[name]) == 8081 and public_status(hosts[name]) == 200, name
    # win-05's green instance passed its check, but traffic stayed on blue.
    assert state(hosts["win-05"], "green") == "running"
    for name in names[6:]:
        assert rollout.tasks(name) == [] and live(hosts[name]) == 8081, name
