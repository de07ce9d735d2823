"""win_port_proxy end to end: a real ansible-playbook against simulated hosts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

RULES_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Services\PortProxy\v4tov4\tcp"
BLUE, GREEN, PUBLIC = 8081, 8082, 8080


def play(**options: Any) -> str:
    """A playbook running win_port_proxy once with ``options`` (as JSON, so types survive)."""
    return f"""
- name: Switch traffic
  hosts: all
  gather_facts: false
  tasks:
    - name: Port proxy
      winops.golang.win_port_proxy: {json.dumps(options)}
"""


def sim(inv: Any, host: str = "win-01") -> SimHost:
    return SimHost(str(inv.root(host)))


def trips(inv: Any, host: str = "win-01") -> int:
    return sim(inv, host).stats()["round_trips"]


def stored(inv: Any, name: str = f"0.0.0.0/{PUBLIC}") -> Any:
    """The rule's registry value on the simulated host (no round trip)."""
    value = sim(inv).reg(RULES_KEY, name)
    return value["value"] if value else None


def rule(connect_port: int) -> dict[str, Any]:
    return {"listen_address": "0.0.0.0", "listen_port": PUBLIC,
            "connect_address": "127.0.0.1", "connect_port": connect_port}


def test_add_then_no_change_in_one_round_trip(sim_inventory: Callable,
                                              run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(listen_port=PUBLIC, connect_port=BLUE), inv).assert_ok()
    res = run.task("win-01", "Port proxy")
    assert res.changed is True
    assert res["before"] is None and res["after"] == rule(BLUE)
    assert res["iphlpsvc"] == {"exists": True, "state": "running", "start_mode": "auto"}
    assert not res.warnings
    assert trips(inv) == 1
    assert stored(inv) == f"127.0.0.1/{BLUE}"

    again = run_playbook(play(listen_port=PUBLIC, connect_port=BLUE), inv).assert_ok()
    res = again.task("win-01", "Port proxy")
    assert res.changed is False and res["before"] == res["after"] == rule(BLUE)
    assert trips(inv) == 2  # exactly one more round trip


def test_switch_target_with_diff(sim_inventory: Callable, run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run_playbook(play(listen_port=PUBLIC, connect_port=BLUE), inv).assert_ok()
    run = run_playbook(play(listen_port=PUBLIC, connect_port=GREEN), inv, diff=True).assert_ok()
    res = run.task("win-01", "Port proxy")
    assert res.changed is True
    assert (res["before"], res["after"]) == (rule(BLUE), rule(GREEN))
    assert res.diff["before"] == f"0.0.0.0:{PUBLIC} -> 127.0.0.1:{BLUE}\n"
    assert res.diff["after"] == f"0.0.0.0:{PUBLIC} -> 127.0.0.1:{GREEN}\n"
    assert stored(inv) == f"127.0.0.1/{GREEN}"
    assert trips(inv) == 2


def test_absent_then_again(sim_inventory: Callable, run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run_playbook(play(listen_port=PUBLIC, connect_port=BLUE), inv).assert_ok()
    run = run_playbook(play(listen_port=PUBLIC, state="absent"), inv).assert_ok()
    res = run.task("win-01", "Port proxy")
    assert res.changed is True and res["before"] == rule(BLUE) and res["after"] is None
    assert stored(inv) is None
    again = run_playbook(play(listen_port=PUBLIC, state="absent"), inv).assert_ok()
    assert again.task("win-01", "Port proxy").changed is False
    assert trips(inv) == 3


def test_check_mode_writes_nothing(sim_inventory: Callable, run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(listen_port=PUBLIC, connect_port=BLUE), inv, check=True,
                       diff=True).assert_ok()
    res = run.task("win-01", "Port proxy")
    assert res.changed is True and res["after"] == rule(BLUE)
    assert res.diff["before"] == "" and res.diff["after"].startswith("0.0.0.0:8080 -> ")
    assert trips(inv) == 1
    assert stored(inv) is None
    assert not [e for e in sim(inv).op_log() if e.get("write") and not e.get("check_mode")]


def test_bad_input_fails_before_the_host(sim_inventory: Callable,
                                         run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    cases = [
        ({"listen_port": 0, "connect_port": BLUE}, "listen_port must be a TCP port number"),
        ({"listen_port": PUBLIC, "connect_port": BLUE, "connect_address": "10.0.0.300"},
         "connect_address must be an IPv4 address"),
        ({"listen_port": PUBLIC, "connect_port": BLUE, "listen_address": "localhost"},
         "listen_address must be an IPv4 address"),
        ({"listen_port": PUBLIC, "connect_port": PUBLIC}, "would forward to itself"),
        ({"listen_port": PUBLIC}, "connect_port"),
        ({"listen_port": PUBLIC, "connect_port": BLUE, "state": "on"}, "state"),
    ]
    for options, message in cases:
        res = run_playbook(play(**options), inv).task("win-01", "Port proxy")
        assert res.failed, options
        assert message in str(res.msg), (options, res.msg)
        assert "Traceback" not in str(res.msg)
    assert trips(inv) == 0


def test_warns_when_ip_helper_is_stopped(sim_inventory: Callable,
                                         run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    host.run_batch({"ops": [{"op": "service.control",
                             "args": {"name": "iphlpsvc", "state": "stopped"}}]})
    run = run_playbook(play(listen_port=PUBLIC, connect_port=BLUE), inv).assert_ok()
    res = run.task("win-01", "Port proxy")
    assert res.changed is True
    assert res["iphlpsvc"]["state"] == "stopped"
    assert any("IP Helper" in w and "do nothing" in w for w in res.warnings)


def test_blue_green_switch_is_seen_through_the_proxy(sim_inventory: Callable,
                                                     run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    host.listen(BLUE, http_status=200)
    host.listen(GREEN, http_status=503, after=0)

    def probe(port: int = PUBLIC, **extra: Any) -> dict[str, Any]:
        raw = host.run_batch({"ops": [{"op": "net.probe", "args": {
            "http_url": f"http://127.0.0.1:{port}/healthz", "timeout": 3, **extra}}]})
        return raw["results"][0]

    run_playbook(play(listen_port=PUBLIC, connect_port=BLUE), inv).assert_ok()
    assert probe()["http_status"] == 200
    # Green is not healthy yet: its own port says so, the public port still serves blue.
    assert probe(GREEN)["ok"] is False
    host.listen(GREEN, http_status=200)
    assert probe(GREEN)["ok"] is True
    run_playbook(play(listen_port=PUBLIC, connect_port=GREEN), inv).assert_ok()
    host.unlisten(BLUE)
    res = probe()
    assert res["ok"] is True and res["http_status"] == 200 and res["attempts"] == 1
