"""Conformance: net.probe.

Probes that need a listener of our own run on the simulated host only (a real
host would need a service we cannot start there); refused ports, name
resolution, unreachable addresses and argument checks run on both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .targets import Target

pytestmark = pytest.mark.conformance

# Nothing listens there on a clean host (TCP "discard"; Windows has no simple TCP/IP
# services unless the Simple TCPIP feature is installed).
CLOSED_PORT = 9
WEB = 18080
PROXY_PORT = 18095


def sim_of(target: Target) -> SimHost:
    """The simulated host (skips on a real one)."""
    if target.sim is None:
        pytest.skip("needs a listener of our own; simulated host only")
    return target.sim


def clock(sim: SimHost) -> float:
    """The simulated host's virtual clock, read from its model without a round trip."""
    return float(json.loads((Path(sim.root) / "model.json").read_text())["clock"])


def test_refused_port_until_the_timeout(target: Target) -> None:
    res = target.one("net.probe", tcp_port=CLOSED_PORT, timeout=5, interval=1)
    assert res["changed"] is False
    assert res["ok"] is False and res["tcp_open"] is False and res["http_status"] is None
    assert "actively refused it" in res["error"]
    assert res["attempts"] >= 2
    assert res["elapsed"] == pytest.approx(5, abs=1.5)


def test_refused_costs_two_virtual_seconds(target: Target) -> None:
    sim = sim_of(target)
    start = clock(sim)
    res = target.one("net.probe", tcp_port=CLOSED_PORT, timeout=10, interval=1)
    # Attempts at 0, 3, 6 and 9 s (2 s to be refused, 1 s of waiting).
    assert (res["attempts"], res["elapsed"]) == (4, 10.0)
    assert clock(sim) == pytest.approx(start + 10)


def test_listener_answers_at_once(target: Target) -> None:
    sim = sim_of(target)
    sim.listen(WEB, http_status=200)
    res = target.one("net.probe", tcp_port=WEB, http_url=f"http://127.0.0.1:{WEB}/healthz")
    assert res == {"op": "net.probe", "changed": False, "ok": True, "tcp_open": True,
                   "http_status": 200, "attempts": 1, "elapsed": 0.0, "error": None}
    by_name = target.one("net.probe", http_url=f"http://{sim_hostname(sim)}:{WEB}/")
    assert by_name["ok"] is True and by_name["tcp_open"] is None


def sim_hostname(sim: SimHost) -> str:
    return sim.run_batch({"ops": [{"op": "facts.get"}]})["results"][0]["hostname"].lower()


def test_check_mode_probes_too(target: Target) -> None:
    sim = sim_of(target)
    sim.listen(WEB)
    res = target.one("net.probe", check_mode=True, http_url=f"http://localhost:{WEB}/")
    assert res["ok"] is True and res["http_status"] == 200


def test_slow_start_is_polled(target: Target) -> None:
    sim = sim_of(target)
    sim.listen(WEB, http_status=200, after=7)
    res = target.one("net.probe", tcp_port=WEB, http_url=f"http://127.0.0.1:{WEB}/",
                     timeout=30, interval=1)
    assert res["ok"] is True and res["http_status"] == 200 and res["error"] is None
    assert res["attempts"] > 1 and 7 <= res["elapsed"] <= 10
    # Probing again: the service is up, so one attempt.
    assert target.one("net.probe", tcp_port=WEB)["attempts"] == 1


def test_stopped_service_stops_answering(target: Target) -> None:
    sim = sim_of(target)
    sim.add_service("web-blue", r"C:\svc\blue.exe", state="running")
    sim.listen(WEB, service="web-blue")
    assert target.one("net.probe", tcp_port=WEB, timeout=2)["ok"] is True
    target.one("service.control", name="web-blue", state="stopped")
    res = target.one("net.probe", tcp_port=WEB, timeout=2)
    assert res["ok"] is False and res["tcp_open"] is False


@pytest.mark.parametrize(("status", "expect", "ok"), [
    (503, None, False),
    (503, [503], True),
    (301, None, False),
    (204, None, True),
    (200, [204, 205], False),
])
def test_expected_status(target: Target, status: int, expect: list[int] | None,
                         ok: bool) -> None:
    sim = sim_of(target)
    sim.listen(WEB, http_status=status)
    args: dict[str, Any] = {"http_url": f"http://127.0.0.1:{WEB}/", "timeout": 3}
    if expect is not None:
        args["expect_status"] = expect
    res = target.one("net.probe", **args)
    assert res["ok"] is ok and res["http_status"] == status
    if not ok:
        wanted = ", ".join(str(s) for s in expect) if expect else "2xx"
        assert res["error"] == f"HTTP status {status}, expected {wanted}"
        assert res["elapsed"] == 3.0 and res["attempts"] == 3


def test_port_that_does_not_speak_http(target: Target) -> None:
    sim = sim_of(target)
    sim.listen(WEB, http_status=None)
    res = target.one("net.probe", tcp_port=WEB, http_url=f"http://127.0.0.1:{WEB}/", timeout=2)
    assert res["ok"] is False and res["tcp_open"] is True and res["http_status"] is None
    assert "protocol violation" in res["error"]


def test_unknown_name_does_not_resolve(target: Target) -> None:
    res = target.one("net.probe", http_url="http://winops-no-such-host.invalid/", timeout=2)
    assert res["ok"] is False and res["http_status"] is None
    assert "could not be resolved" in res["error"]


def test_unreachable_address_times_out(target: Target) -> None:
    # TEST-NET-1: routed nowhere, so the SYN is never answered.
    res = target.one("net.probe", tcp_port=80, host="192.0.2.1", timeout=3)
    assert res["ok"] is False and res["tcp_open"] is False
    assert res["elapsed"] == pytest.approx(3, abs=1.5)


def test_through_a_port_proxy(target: Target) -> None:
    sim = sim_of(target)
    sim.listen(WEB, http_status=200)
    target.one("portproxy.set", listen_port=PROXY_PORT, connect_address="127.0.0.1",
               connect_port=WEB)
    url = f"http://127.0.0.1:{PROXY_PORT}/"
    res = target.one("net.probe", tcp_port=PROXY_PORT, http_url=url, timeout=5)
    assert res["ok"] is True and res["http_status"] == 200
    # A dead target: IP Helper still accepts, then closes without a response.
    sim.unlisten(WEB)
    res = target.one("net.probe", tcp_port=PROXY_PORT, http_url=url, timeout=5)
    assert res["ok"] is False and res["tcp_open"] is True and res["http_status"] is None
    assert "connection was closed" in res["error"]
    assert target.one("net.probe", tcp_port=PROXY_PORT, timeout=1)["ok"] is True
    # No IP Helper, no forwarding.
    sim.listen(WEB, http_status=200)
    target.one("service.control", name="iphlpsvc", state="stopped")
    res = target.one("net.probe", tcp_port=PROXY_PORT, timeout=3)
    assert res["ok"] is False and "actively refused it" in res["error"]


def test_loopback_rule_is_not_reached_by_the_host_name(target: Target) -> None:
    sim = sim_of(target)
    sim.listen(WEB, http_status=200)
    target.one("portproxy.set", listen_address="127.0.0.1", listen_port=PROXY_PORT,
               connect_address="127.0.0.1", connect_port=WEB)
    assert target.one("net.probe", http_url=f"http://localhost:{PROXY_PORT}/")["ok"] is True
    res = target.one("net.probe", http_url=f"http://{sim_hostname(sim)}:{PROXY_PORT}/",
                     timeout=3)
    assert res["ok"] is False


@pytest.mark.parametrize(("args", "why"), [
    ({}, "neither tcp_port nor http_url"),
    ({"tcp_port": 0}, "port 0"),
    ({"tcp_port": 70000}, "port too high"),
    ({"tcp_port": "80"}, "port as a string"),
    ({"tcp_port": True}, "port as a bool"),
    ({"http_url": "ftp://127.0.0.1/"}, "not http"),
    ({"http_url": "127.0.0.1:80"}, "not a URL"),
    ({"tcp_port": 80, "timeout": 0}, "zero timeout"),
    ({"tcp_port": 80, "interval": -1}, "negative interval"),
    ({"tcp_port": 80, "timeout": 7200}, "timeout above an hour"),
    ({"tcp_port": 80, "host": "bad host!"}, "host with a space"),
    ({"http_url": "http://127.0.0.1/", "expect_status": [42]}, "status out of range"),
    ({"http_url": "http://127.0.0.1/", "expect_status": []}, "empty status list"),
    ({"tcp_port": 80, "retries": 3}, "unknown argument"),
])
def test_bad_arguments(target: Target, args: dict[str, Any], why: str) -> None:
    res = target.one("net.probe", **args)
    assert res.get("failed") is True, why
    assert res["code"] == "invalid_argument", why
