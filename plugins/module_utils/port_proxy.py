"""Pure logic of win_port_proxy: check a forwarding rule, build its batch, report.

A rule forwards TCP connections to ``listen_address:listen_port`` on the host to
``connect_address:connect_port`` (``netsh interface portproxy v4tov4``). The
desired state is complete on the controller, so the module sends one batch:
``portproxy.set`` without ``expected`` (a rule is replaced whole; there is
nothing of someone else's to merge) followed by ``portproxy.get`` for the state
of the IP Helper service, which does the forwarding. One round trip whether or
not anything changes.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

STATES = ("present", "absent")
DEFAULT_LISTEN_ADDRESS = "0.0.0.0"
DEFAULT_CONNECT_ADDRESS = "127.0.0.1"
IPHLPSVC = "iphlpsvc"


@dataclass(frozen=True)
class Rule:
    """What the task asks for: one listen pair, and where it forwards (None: no rule)."""

    listen_address: str
    listen_port: int
    connect_address: str | None
    connect_port: int | None
    state: str

    def set_args(self) -> dict[str, Any]:
        """The ``portproxy.set`` arguments of this rule."""
        args: dict[str, Any] = {"listen_address": self.listen_address,
                                "listen_port": self.listen_port, "state": self.state}
        if self.state == "present":
            args.update(connect_address=self.connect_address, connect_port=self.connect_port)
        return args


def check_port(value: Any, option: str) -> int:
    """A TCP port number 1-65535 (``ValueError`` names the option otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError(f"{option} must be a TCP port number from 1 to 65535, not {value!r}")
    return value


def check_ipv4(value: Any, option: str, listen: bool) -> str:
    """A dotted IPv4 address in its canonical form.

    Listen addresses may be ``0.0.0.0`` (every address of the host); connect
    addresses must name one host. Multicast, broadcast and host names are refused:
    portproxy v4tov4 takes names, but a name resolves on the host at each
    connection, which the controller cannot check.
    """
    if not isinstance(value, str):
        raise ValueError(f"{option} must be an IPv4 address such as 127.0.0.1, not {value!r}")
    try:
        address = ipaddress.IPv4Address(value.strip())
    except ValueError:
        raise ValueError(f"{option} must be an IPv4 address such as 127.0.0.1, "
                         f"not {value!r}") from None
    if address.is_multicast or str(address) == "255.255.255.255":
        raise ValueError(f"{option} {address} is a multicast or broadcast address")
    if not listen and address.is_unspecified:
        raise ValueError(f"{option} 0.0.0.0 is not a host to connect to; use 127.0.0.1 for "
                         "this host")
    return str(address)


def _covers(listen_address: str, address: str) -> bool:
    """Whether a rule listening on ``listen_address`` takes connections to ``address``."""
    if listen_address == "0.0.0.0":
        return ipaddress.IPv4Address(address).is_loopback or address == "0.0.0.0"
    if ipaddress.IPv4Address(listen_address).is_loopback:
        return ipaddress.IPv4Address(address).is_loopback
    return listen_address == address


def plan(args: dict[str, Any]) -> Rule:
    """Check the task's options and return the rule to set (``ValueError`` when bad)."""
    state = args.get("state") or "present"
    if state not in STATES:
        raise ValueError(f"state must be one of {', '.join(STATES)}, not {state!r}")
    listen_address = check_ipv4(args.get("listen_address") or DEFAULT_LISTEN_ADDRESS,
                                "listen_address", listen=True)
    listen_port = check_port(args.get("listen_port"), "listen_port")
    if state == "absent":
        return Rule(listen_address, listen_port, None, None, state)
    if args.get("connect_port") is None:
        raise ValueError("connect_port is required with state=present")
    connect_port = check_port(args.get("connect_port"), "connect_port")
    connect_address = check_ipv4(args.get("connect_address") or DEFAULT_CONNECT_ADDRESS,
                                 "connect_address", listen=False)
    if connect_port == listen_port and _covers(listen_address, connect_address):
        raise ValueError(f"{listen_address}:{listen_port} would forward to itself "
                         f"({connect_address}:{connect_port}); connect to another port")
    return Rule(listen_address, listen_port, connect_address, connect_port, state)


def render(rule: dict[str, Any] | None) -> str:
    """A rule as one line, ``listen -> connect`` (empty for no rule)."""
    if not rule:
        return ""
    return (f"{rule['listen_address']}:{rule['listen_port']} -> "
            f"{rule['connect_address']}:{rule['connect_port']}\n")


def helper_warning(iphlpsvc: dict[str, Any] | None) -> str | None:
    """The warning when IP Helper will not forward (missing, stopped, disabled)."""
    if not iphlpsvc or not iphlpsvc.get("exists"):
        return ("the IP Helper service (iphlpsvc) does not exist on this host: portproxy "
                "rules are stored but nothing forwards them")
    if iphlpsvc.get("state") != "running":
        mode = iphlpsvc.get("start_mode")
        fix = ("set its start mode to automatic and start it" if mode == "disabled"
               else "start it")
        return (f"the IP Helper service (iphlpsvc) is {iphlpsvc.get('state')} "
                f"(start mode {mode}): portproxy rules do nothing until it runs; {fix}")
    if iphlpsvc.get("start_mode") not in ("auto", "delayed"):
        return (f"the IP Helper service (iphlpsvc) starts {iphlpsvc.get('start_mode')}: "
                "portproxy rules stop forwarding after a reboot")
    return None


def report(set_result: dict[str, Any], get_result: dict[str, Any],
           diff: bool) -> dict[str, Any]:
    """The task result from the ``portproxy.set`` and ``portproxy.get`` results."""
    before = set_result.get("before")
    after = set_result.get("after")
    iphlpsvc = get_result.get("iphlpsvc")
    result: dict[str, Any] = {
        "changed": bool(set_result.get("changed")),
        "before": before,
        "after": after,
        "iphlpsvc": iphlpsvc,
    }
    warning = helper_warning(iphlpsvc) if after is not None else None
    if warning:
        result["warnings"] = [warning]
    if diff:
        result["diff"] = {"before": render(before), "after": render(after),
                          "before_header": "portproxy v4tov4", "after_header": "portproxy v4tov4"}
    return result
