"""win_port_proxy's pure parts: option checks, the batch arguments, warnings, the report."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import port_proxy
from ansible_collections.winops.golang.plugins.module_utils.port_proxy import (
    Rule,
    helper_warning,
    plan,
    render,
    report,
)

RUNNING = {"exists": True, "state": "running", "start_mode": "auto"}


def args(**given: Any) -> dict[str, Any]:
    """Task arguments as the argument spec leaves them (defaults filled in)."""
    base: dict[str, Any] = {"listen_port": 80, "listen_address": "0.0.0.0",
                            "connect_port": 8081, "connect_address": "127.0.0.1",
                            "state": "present"}
    base.update(given)
    return base


def rule(connect_port: int = 8081, **given: Any) -> dict[str, Any]:
    return {"listen_address": "0.0.0.0", "listen_port": 80, "connect_address": "127.0.0.1",
            "connect_port": connect_port, **given}


def test_plan_present_uses_the_defaults() -> None:
    got = plan({"listen_port": 80, "connect_port": 8081})
    assert got == Rule("0.0.0.0", 80, "127.0.0.1", 8081, "present")
    assert got.set_args() == {"listen_address": "0.0.0.0", "listen_port": 80,
                              "state": "present", "connect_address": "127.0.0.1",
                              "connect_port": 8081}


def test_plan_absent_sends_only_the_listen_pair() -> None:
    got = plan(args(state="absent", connect_port=None))
    assert got.set_args() == {"listen_address": "0.0.0.0", "listen_port": 80,
                              "state": "absent"}
    # connect options are ignored when removing.
    assert plan(args(state="absent")).connect_port is None


def test_addresses_are_canonical() -> None:
    got = plan(args(listen_address=" 10.1.2.3 ", connect_address="192.168.0.10"))
    assert (got.listen_address, got.connect_address) == ("10.1.2.3", "192.168.0.10")


@pytest.mark.parametrize(("given", "message"), [
    ({"listen_port": 0}, "listen_port must be a TCP port number from 1 to 65535"),
    ({"listen_port": 65536}, "listen_port must be"),
    ({"listen_port": True}, "listen_port must be"),
    ({"listen_port": None}, "listen_port must be"),
    ({"connect_port": -1}, "connect_port must be"),
    ({"connect_port": None}, "connect_port is required with state=present"),
    ({"listen_address": "localhost"}, "listen_address must be an IPv4 address"),
    ({"listen_address": "::1"}, "listen_address must be an IPv4 address"),
    ({"connect_address": "999.1.1.1"}, "connect_address must be an IPv4 address"),
    ({"connect_address": "010.0.0.1"}, "connect_address must be an IPv4 address"),
    ({"connect_address": "app.example.com"}, "connect_address must be an IPv4 address"),
    ({"connect_address": "0.0.0.0"}, "0.0.0.0 is not a host to connect to"),
    ({"connect_address": "224.0.0.1"}, "multicast or broadcast"),
    ({"listen_address": "255.255.255.255"}, "multicast or broadcast"),
    ({"connect_port": 80}, "would forward to itself"),
    ({"listen_address": "127.0.0.1", "connect_address": "127.0.0.2", "connect_port": 80},
     "would forward to itself"),
    ({"state": "gone"}, "state must be one of present, absent"),
])
def test_bad_options(given: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan(args(**given))


def test_same_port_on_another_host_is_fine() -> None:
    got = plan(args(listen_address="0.0.0.0", connect_address="10.0.4.20", connect_port=80))
    assert (got.connect_address, got.connect_port) == ("10.0.4.20", 80)
    got = plan(args(listen_address="10.0.0.1", connect_address="127.0.0.1", connect_port=80))
    assert got.connect_port == 80


@pytest.mark.parametrize(("state", "expected"), [
    (RUNNING, None),
    ({"exists": True, "state": "running", "start_mode": "delayed"}, None),
    ({"exists": True, "state": "stopped", "start_mode": "auto"}, "do nothing until it runs"),
    ({"exists": True, "state": "stopped", "start_mode": "disabled"},
     "set its start mode to automatic and start it"),
    ({"exists": True, "state": "running", "start_mode": "manual"}, "after a reboot"),
    ({"exists": False, "state": None, "start_mode": None}, "does not exist"),
    (None, "does not exist"),
])
def test_helper_warning(state: dict[str, Any] | None, expected: str | None) -> None:
    warning = helper_warning(state)
    if expected is None:
        assert warning is None
    else:
        assert warning is not None and expected in warning and "iphlpsvc" in warning


def test_report_changed_with_diff() -> None:
    res = report({"changed": True, "before": rule(8081), "after": rule(8082)},
                 {"rules": [], "iphlpsvc": RUNNING}, diff=True)
    assert res["changed"] is True
    assert (res["before"], res["after"], res["iphlpsvc"]) == (rule(8081), rule(8082), RUNNING)
    assert res["diff"]["before"] == "0.0.0.0:80 -> 127.0.0.1:8081\n"
    assert res["diff"]["after"] == "0.0.0.0:80 -> 127.0.0.1:8082\n"
    assert "warnings" not in res


def test_report_warns_only_for_a_rule_that_will_not_forward() -> None:
    stopped = {"exists": True, "state": "stopped", "start_mode": "auto"}
    res = report({"changed": False, "before": rule(), "after": rule()},
                 {"iphlpsvc": stopped}, diff=False)
    assert res["changed"] is False and "diff" not in res
    assert len(res["warnings"]) == 1 and "stopped" in res["warnings"][0]
    # Removing a rule needs no IP Helper.
    res = report({"changed": True, "before": rule(), "after": None},
                 {"iphlpsvc": stopped}, diff=True)
    assert "warnings" not in res and res["diff"]["after"] == ""


def test_render() -> None:
    assert render(None) == ""
    assert render(rule(9000, listen_port=443)) == "0.0.0.0:443 -> 127.0.0.1:9000\n"


def test_defaults_are_the_documented_ones() -> None:
    assert port_proxy.DEFAULT_LISTEN_ADDRESS == "0.0.0.0"
    assert port_proxy.DEFAULT_CONNECT_ADDRESS == "127.0.0.1"
