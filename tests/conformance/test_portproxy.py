"""Conformance: portproxy.get and portproxy.set.

On a real host these tests add a rule of their own on the loopback address
(127.0.0.1 on a high port, forwarding to another loopback port) and always
remove it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .targets import Target

pytestmark = pytest.mark.conformance

LISTEN = {"listen_address": "127.0.0.1", "listen_port": 47011}
RULES_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Services\PortProxy\v4tov4\tcp"


def rule(connect_port: int, connect_address: str = "127.0.0.1") -> dict[str, Any]:
    return {**LISTEN, "connect_address": connect_address, "connect_port": connect_port}


def ours(target: Target) -> list[dict[str, Any]]:
    """Our listen pair's rules as portproxy.get reports them."""
    return [r for r in target.one("portproxy.get")["rules"]
            if r["listen_address"] == LISTEN["listen_address"]
            and r["listen_port"] == LISTEN["listen_port"]]


@pytest.fixture
def clean(target: Target) -> Iterator[Target]:
    """No rule on our listen pair before and after the test."""
    target.one("portproxy.set", state="absent", **LISTEN)
    yield target
    target.one("portproxy.set", state="absent", **LISTEN)


def test_get_shape(target: Target) -> None:
    got = target.one("portproxy.get")
    assert got["changed"] is False and isinstance(got["rules"], list)
    helper = got["iphlpsvc"]
    assert helper["exists"] is True
    assert helper["state"] == "running"
    assert helper["start_mode"] in ("auto", "delayed", "manual")
    for entry in got["rules"]:
        assert set(entry) == {"listen_address", "listen_port", "connect_address", "connect_port"}


def test_check_mode_writes_nothing(clean: Target) -> None:
    res = clean.one("portproxy.set", check_mode=True, expected=None, **rule(47012))
    assert res == {"op": "portproxy.set", "changed": True, "before": None, "after": rule(47012)}
    assert ours(clean) == []


def test_apply_then_reapply(clean: Target) -> None:
    res = clean.one("portproxy.set", expected=None, **rule(47012))
    assert res == {"op": "portproxy.set", "changed": True, "before": None, "after": rule(47012)}
    assert ours(clean) == [rule(47012)]
    # Stored where netsh stores it, readable with reg.get.
    value = clean.one("reg.get", path=RULES_KEY, name="127.0.0.1/47011")
    assert value["exists"] is True
    assert (value["type"], value["value"]) == ("REG_SZ", "127.0.0.1/47012")
    again = clean.one("portproxy.set", **rule(47012))
    assert again == {"op": "portproxy.set", "changed": False, "before": rule(47012),
                     "after": rule(47012)}


def test_switch_target_with_compare_and_set(clean: Target) -> None:
    clean.one("portproxy.set", **rule(47012))
    res = clean.one("portproxy.set", expected={"connect_address": "127.0.0.1",
                                               "connect_port": 47012}, **rule(47013))
    assert (res["changed"], res["before"], res["after"]) == (True, rule(47012), rule(47013))
    assert ours(clean) == [rule(47013)]
    # A caller that read before the switch loses.
    stale = clean.one("portproxy.set", expected={"connect_address": "127.0.0.1",
                                                 "connect_port": 47012}, **rule(47014))
    assert stale["failed"] is True and stale["code"] == "conflict"
    assert ours(clean) == [rule(47013)]
    # "Must be absent" while a rule exists is a conflict too.
    res = clean.one("portproxy.set", expected=None, **rule(47014))
    assert res["failed"] is True and res["code"] == "conflict"


def test_absent_then_again(clean: Target) -> None:
    clean.one("portproxy.set", **rule(47012))
    checked = clean.one("portproxy.set", check_mode=True, state="absent", **LISTEN)
    assert (checked["changed"], checked["after"]) == (True, None)
    assert ours(clean) == [rule(47012)]
    res = clean.one("portproxy.set", state="absent", expected={"connect_address": "127.0.0.1",
                                                               "connect_port": 47012}, **LISTEN)
    assert res == {"op": "portproxy.set", "changed": True, "before": rule(47012), "after": None}
    assert ours(clean) == []
    again = clean.one("portproxy.set", state="absent", **LISTEN)
    assert (again["changed"], again["before"], again["after"]) == (False, None, None)


def test_listen_address_defaults_to_every_address(target: Target) -> None:
    if target.sim is None:
        pytest.skip("would listen on every address of a real host")
    res = target.one("portproxy.set", listen_port=18200, connect_address="127.0.0.1",
                     connect_port=18201)
    assert res["after"]["listen_address"] == "0.0.0.0"
    assert target.sim.reg(RULES_KEY, "0.0.0.0/18200") == {"type": "REG_SZ",
                                                          "value": "127.0.0.1/18201"}


def test_rules_are_sorted_and_hand_written_ones_count(target: Target) -> None:
    if target.sim is None:
        pytest.skip("writes rules with reg.set; simulated host only")
    target.one("reg.set", path=RULES_KEY, name="0.0.0.0/9000", type="REG_SZ",
               value="10.0.0.5/80")
    target.one("portproxy.set", listen_port=8000, connect_address="127.0.0.1",
               connect_port=8001)
    target.one("portproxy.set", listen_address="127.0.0.1", listen_port=8000,
               connect_address="127.0.0.1", connect_port=8002)
    rules = target.one("portproxy.get")["rules"]
    assert [(r["listen_address"], r["listen_port"]) for r in rules] == [
        ("0.0.0.0", 8000), ("127.0.0.1", 8000), ("0.0.0.0", 9000)]
    assert rules[2]["connect_address"] == "10.0.0.5"


@pytest.mark.parametrize(("args", "why"), [
    ({"listen_port": 0, "connect_address": "127.0.0.1", "connect_port": 80}, "port 0"),
    ({"listen_port": 47011, "connect_address": "127.0.0.1"}, "connect_port missing"),
    ({"listen_port": 47011, "connect_port": 80}, "connect_address missing"),
    ({"listen_port": 47011, "connect_address": "127.0.0.1", "connect_port": 65536},
     "connect_port too high"),
    ({"listen_port": 47011, "connect_address": "not an address!", "connect_port": 80},
     "bad address"),
    ({"listen_port": 47011, "state": "absent", "connect_port": 80}, "connect with absent"),
    ({"listen_port": 47011, "state": "gone"}, "unknown state"),
    ({"listen_port": 47011, "connect_address": "127.0.0.1", "connect_port": 80,
      "expected": {"connect_port": 80}}, "malformed expected"),
    ({"listen_port": 47011, "connect_address": "127.0.0.1", "connect_port": 80,
      "protocol": "udp"}, "unknown argument"),
])
def test_bad_arguments_change_nothing(clean: Target, args: dict[str, Any], why: str) -> None:
    res = clean.one("portproxy.set", **{"listen_address": "127.0.0.1", **args})
    assert res.get("failed") is True, why
    assert res["code"] == "invalid_argument", why
    assert ours(clean) == []


def test_access_denied_changes_nothing(sim_target: Target) -> None:
    sim_target.sim.inject_fault("access_denied", op="portproxy.set")
    res = sim_target.one("portproxy.set", **rule(47012))
    assert res["failed"] is True and res["code"] == "access_denied"
    assert ours(sim_target) == []


@pytest.mark.parametrize("release", ["2016", "2019", "2022", "2025"])
def test_ip_helper_runs_on_every_release(sim_target: Target, tmp_path: Path,
                                         release: str) -> None:
    host = SimHost(str(tmp_path / f"host-{release}"), os_release=release)
    raw = host.run_batch({"ops": [{"op": "portproxy.get"},
                                  {"op": "service.get", "args": {"name": "IPHLPSVC"}}]})
    assert raw["results"][0]["iphlpsvc"] == {"exists": True, "state": "running",
                                             "start_mode": "auto"}
    svc = raw["results"][1]
    assert svc["name"] == "iphlpsvc" and svc["display_name"] == "IP Helper"
    assert svc["path"].lower().startswith(r"c:\windows\system32\svchost.exe -k netsvcs")


def test_stopped_ip_helper_shows(sim_target: Target) -> None:
    sim_target.one("service.control", name="iphlpsvc", state="stopped")
    helper = sim_target.one("portproxy.get")["iphlpsvc"]
    assert helper["state"] == "stopped" and helper["exists"] is True
    # Rules can still be written; they forward once IP Helper runs.
    assert sim_target.one("portproxy.set", **rule(47012))["changed"] is True
