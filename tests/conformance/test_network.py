"""Conformance: net.get and net.set.

On a real host these tests change live settings (the IPv6 UDP dynamic port
range and the TCP timestamps option), and always put the values they read first
back, whatever happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .targets import Target

pytestmark = pytest.mark.conformance

PORTS = "dynamic_ports.udp.ipv6"
ENABLED = ("enabled", "disabled")


def ports_of(target: Target) -> dict[str, Any]:
    return target.one("net.get")["dynamic_ports"]["udp"]["ipv6"]


@pytest.fixture
def saved_ports(target: Target) -> Iterator[dict[str, Any]]:
    """The IPv6 UDP range as it was; restored after the test."""
    original = ports_of(target)
    yield original
    target.one("net.set", setting=PORTS, value=original)


@pytest.fixture
def saved_timestamps(target: Target) -> Iterator[Any]:
    """tcp.timestamps as it was (a value, or template -> value); restored after the test."""
    original = target.one("net.get")["tcp"]["timestamps"]
    yield original
    if isinstance(original, str):
        target.one("net.set", setting="tcp.timestamps", value=original)


def other_range(current: dict[str, Any]) -> dict[str, int]:
    """A valid range that differs from ``current``."""
    return ({"start": 50000, "count": 10000} if current != {"start": 50000, "count": 10000}
            else {"start": 49152, "count": 16384})


def test_net_get_reports_every_section(target: Target) -> None:
    got = target.one("net.get")
    assert got["changed"] is False
    for proto in ("tcp", "udp"):
        for fam in ("ipv4", "ipv6"):
            rng = got["dynamic_ports"][proto][fam]
            assert set(rng) == {"start", "count"}
            assert rng["start"] >= 1025 and rng["start"] + rng["count"] - 1 <= 65535
    assert set(got["tcp"]) == {"autotuning_level", "congestion_provider", "ecn_capability",
                               "timestamps", "initial_congestion_window"}
    assert set(got["offload"]) == {"receive_side_scaling", "receive_segment_coalescing"}
    assert all(v in ENABLED for v in got["offload"].values())


def test_check_mode_writes_nothing(target: Target, saved_ports: dict[str, Any]) -> None:
    wanted = other_range(saved_ports)
    res = target.one("net.set", check_mode=True, setting=PORTS, value=wanted,
                     expected=saved_ports)
    assert res["changed"] is True
    assert res["before"] == saved_ports and res["after"] == wanted
    assert ports_of(target) == saved_ports


def test_apply_then_reapply(target: Target, saved_ports: dict[str, Any]) -> None:
    wanted = other_range(saved_ports)
    all_before = target.one("net.get")["dynamic_ports"]
    res = target.one("net.set", setting=PORTS, value=wanted, expected=saved_ports)
    assert res == {"op": "net.set", "changed": True, "before": saved_ports, "after": wanted}
    assert ports_of(target) == wanted
    again = target.one("net.set", setting=PORTS, value=wanted, expected=wanted)
    assert again["changed"] is False and again["before"] == wanted
    # Each protocol and IP version is a separate range: the others did not move.
    all_after = target.one("net.get")["dynamic_ports"]
    all_before["udp"]["ipv6"] = wanted
    assert all_after == all_before


def test_tcp_setting_round_trip(target: Target, saved_timestamps: Any) -> None:
    if not isinstance(saved_timestamps, str):
        pytest.skip("the host's TCP templates disagree on timestamps; not touching them")
    flipped = "enabled" if saved_timestamps == "disabled" else "disabled"
    res = target.one("net.set", setting="tcp.timestamps", value=flipped,
                     expected=saved_timestamps)
    assert (res["changed"], res["before"], res["after"]) == (True, saved_timestamps, flipped)
    assert target.one("net.get")["tcp"]["timestamps"] == flipped
    again = target.one("net.set", setting="tcp.timestamps", value=flipped)
    assert again["changed"] is False


def test_expected_mismatch_is_a_conflict(target: Target, saved_ports: dict[str, Any]) -> None:
    stale = other_range(saved_ports)
    res = target.one("net.set", setting=PORTS, value=stale, expected=stale)
    assert res["failed"] is True and res["code"] == "conflict"
    assert ports_of(target) == saved_ports


@pytest.mark.parametrize(("args", "why"), [
    ({"setting": PORTS, "value": {"start": 50000, "count": 100}}, "fewer than 255 ports"),
    ({"setting": PORTS, "value": {"start": 1000, "count": 1000}}, "start below 1025"),
    ({"setting": PORTS, "value": {"start": 60000, "count": 10000}}, "end past 65535"),
    ({"setting": PORTS, "value": {"start": 50000}}, "count missing"),
    ({"setting": "tcp.initial_congestion_window", "value": 3}, "odd window"),
    ({"setting": "tcp.timestamps", "value": "sometimes"}, "unknown value"),
    ({"setting": "tcp.window_scaling", "value": "enabled"}, "unknown setting"),
    ({"setting": "offload.receive_side_scaling"}, "value missing"),
    ({"setting": PORTS, "value": {"start": 50000, "count": 1000}, "force": True},
     "unknown argument"),
])
def test_bad_arguments_change_nothing(target: Target, saved_ports: dict[str, Any],
                                      args: dict[str, Any], why: str) -> None:
    res = target.one("net.set", **args)
    assert res.get("failed") is True, why
    assert res["code"] == "invalid_argument", why
    assert ports_of(target) == saved_ports


def test_access_denied_changes_nothing(sim_target: Target) -> None:
    before = ports_of(sim_target)
    sim_target.sim.inject_fault("access_denied", path="NET:\\dynamic_ports")
    res = sim_target.one("net.set", setting=PORTS, value=other_range(before))
    assert res["failed"] is True and res["code"] == "access_denied"
    assert ports_of(sim_target) == before


@pytest.mark.parametrize(("release", "offered"), [
    ("2016", {"ctcp", "dctcp"}),
    ("2019", {"ctcp", "dctcp", "cubic"}),
    ("2025", {"ctcp", "dctcp", "cubic", "bbr2"}),
])
def test_congestion_providers_follow_the_release(sim_target: Target, tmp_path: Path,
                                                 release: str, offered: set[str]) -> None:
    host = SimHost(str(tmp_path / f"host-{release}"), os_release=release)
    for provider in ("ctcp", "dctcp", "cubic", "bbr2"):
        raw = host.run_batch({"ops": [{"op": "net.set", "args": {
            "setting": "tcp.congestion_provider", "value": provider}}], "check_mode": True})
        if provider in offered:
            assert raw["failed_op"] is None, provider
        else:
            assert raw["failed_op"]["code"] == "invalid_argument", provider
