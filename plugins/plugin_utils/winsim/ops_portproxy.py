"""portproxy.get and portproxy.set: IPv4-to-IPv4 TCP port forwarding (netsh portproxy).

Windows keeps the rules of ``netsh interface portproxy add v4tov4`` in
``HKLM:\\SYSTEM\\CurrentControlSet\\Services\\PortProxy\\v4tov4\\tcp``, one
``REG_SZ`` value per listen pair: name ``<listen address>/<listen port>``, data
``<connect address>/<connect port>``. The simulated host keeps them there too, so
``reg.get`` shows them as on Windows and a rule written by hand counts.

The IP Helper service (``iphlpsvc``) does the forwarding: while it is not running,
rules exist but nothing listens. Every release has it, running and automatic,
seeded with the host (:func:`ensure_iphlpsvc` adds it to older state directories
once).

:func:`forward` tells ``net.probe`` where a connection to a proxied port lands.
"""

from __future__ import annotations

import re
from typing import Any

from .args import Args
from .context import OpContext
from .errors import OpError
from .model import Model
from .names import fold
from .opspec import OpSpec
from .registry import RegPath

RULES_KEY = RegPath("HKLM", ("SYSTEM", "CurrentControlSet", "Services", "PortProxy",
                             "v4tov4", "tcp"))
IPHLPSVC = "iphlpsvc"
IPHLPSVC_DISPLAY = "IP Helper"
STATES = ("present", "absent")
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def iphlpsvc_image(os_release: str) -> str:
    """The IP Helper's command line (svchost's -p switch exists from the 1703 code base)."""
    suffix = " -p" if os_release != "2016" else ""
    return r"C:\Windows\system32\svchost.exe -k NetSvcs" + suffix


def ensure_iphlpsvc(model: Model) -> None:
    """Seed the IP Helper service (running, automatic) once per state directory."""
    if model.data.get("iphlpsvc_seeded"):
        return
    model.data["iphlpsvc_seeded"] = True
    if fold(IPHLPSVC) in model.services:
        return
    # ops_services imports nothing of this module; imported here so seed.py can call this.
    from .ops_services import register_service

    register_service(model, IPHLPSVC, iphlpsvc_image(model.os_release), state="running",
                     start_type="auto", display_name=IPHLPSVC_DISPLAY)


def iphlpsvc_state(model: Model) -> dict[str, Any]:
    """``{exists, state, start_mode}`` of the IP Helper service."""
    ensure_iphlpsvc(model)
    record = model.services.get(fold(IPHLPSVC))
    if record is None:
        return {"exists": False, "state": None, "start_mode": None}
    return {"exists": True, "state": record.get("state", "stopped"),
            "start_mode": record.get("start_type", "manual")}


def is_address(text: str) -> bool:
    """True for a dotted IPv4 address or a host name netsh would accept."""
    return bool(_IPV4.match(text) or _HOSTNAME.match(text))


def _split(text: Any) -> tuple[str, int] | None:
    if not isinstance(text, str) or "/" not in text:
        return None
    address, _sep, port = text.rpartition("/")
    if not address or not port.isdigit() or not 0 < int(port) <= 65535:
        return None
    return address, int(port)


def read_rules(model: Model) -> list[dict[str, Any]]:
    """Every v4tov4 rule, sorted by listen port, then listen address."""
    reg = model.registry
    node = reg.open(RULES_KEY)
    if node is None:
        return []
    rules = []
    for name, entry in reg.values(node).items():
        listen = _split(name)
        connect = _split(entry["value"]) if entry["type"] == "REG_SZ" else None
        if listen is None or connect is None:
            continue  # netsh show skips what it cannot parse
        rules.append({"listen_address": listen[0], "listen_port": listen[1],
                      "connect_address": connect[0], "connect_port": connect[1]})
    return sorted(rules, key=lambda r: (r["listen_port"], fold(r["listen_address"])))


def find_rule(model: Model, address: str, port: int) -> dict[str, Any] | None:
    """The rule of one listen pair (addresses compare case-insensitively), or None."""
    for rule in read_rules(model):
        if rule["listen_port"] == port and fold(rule["listen_address"]) == fold(address):
            return rule
    return None


def forward(model: Model, port: int, local_names: set[str]) -> dict[str, Any] | None:
    """The rule that takes a connection to ``port`` on the host, when IP Helper runs.

    ``local_names`` are the folded names the client used for the host (``127.0.0.1``,
    the host name...): a rule listening on ``0.0.0.0`` takes them all, one on a
    given address only connections to that address.
    """
    if iphlpsvc_state(model)["state"] != "running":
        return None
    for rule in read_rules(model):
        if rule["listen_port"] != port:
            continue
        if rule["listen_address"] == "0.0.0.0" or fold(rule["listen_address"]) in local_names:
            return rule
    return None


def portproxy_get(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """The v4tov4 rules and the IP Helper service that runs them."""
    Args("portproxy.get", args, set())
    return {"changed": False, "rules": read_rules(ctx.model),
            "iphlpsvc": iphlpsvc_state(ctx.model)}


def _address(a: Args, name: str, default: str | None = None) -> str:
    value = a.str(name, required=default is None, default=default)
    if not is_address(value):
        raise OpError("invalid_argument",
                      f"portproxy.set: '{name}' must be an IPv4 address or a host name, "
                      f"not {value!r}")
    return str(value)


def _port(a: Args, name: str) -> int:
    value = a.raw(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 65535:
        raise OpError("invalid_argument",
                      f"portproxy.set: '{name}' must be a port number from 1 to 65535, "
                      f"not {value!r}")
    return value


def _same_target(expected: Any, rule: dict[str, Any] | None) -> bool:
    if expected is None:
        return rule is None
    if (not isinstance(expected, dict)
            or set(expected) != {"connect_address", "connect_port"}
            or not isinstance(expected["connect_address"], str)
            or isinstance(expected["connect_port"], bool)
            or not isinstance(expected["connect_port"], int)):
        raise OpError("invalid_argument",
                      "portproxy.set: 'expected' is null or {connect_address, connect_port}")
    return rule is not None and _same_rule(expected, rule)


def _describe(rule: dict[str, Any] | None) -> str:
    if rule is None:
        return "no rule"
    return f"{rule['connect_address']}:{rule['connect_port']}"


def portproxy_set(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Compare-and-set the rule of one listen pair (``netsh interface portproxy``)."""
    a = Args("portproxy.set", args, {"listen_address", "listen_port", "connect_address",
                                     "connect_port", "state", "expected"})
    state = a.choice("state", STATES, required=False, default="present")
    listen_address = _address(a, "listen_address", "0.0.0.0")
    listen_port = _port(a, "listen_port")
    wanted: dict[str, Any] | None = None
    if state == "present":
        wanted = {"listen_address": listen_address, "listen_port": listen_port,
                  "connect_address": _address(a, "connect_address"),
                  "connect_port": _port(a, "connect_port")}
    elif a.has("connect_address") or a.has("connect_port"):
        raise OpError("invalid_argument",
                      "portproxy.set: state absent takes no connect_address or connect_port")
    before = find_rule(ctx.model, listen_address, listen_port)
    if a.has("expected") and not _same_target(a.raw("expected"), before):
        raise OpError(
            "conflict",
            f"portproxy.set: {listen_address}:{listen_port} forwards to {_describe(before)}, "
            f"not what the caller last read; read it again and retry",
        )
    after = None
    if wanted is not None:
        after = dict(wanted)
        if before is not None:
            # netsh keeps the listen address as it was stored.
            after["listen_address"] = before["listen_address"]
    changed = not _same_rule(before, after)
    if changed and not ctx.check_mode:
        reg = ctx.model.registry
        name = f"{listen_address}/{listen_port}"
        if after is None:
            node = reg.open(RULES_KEY)
            if node is not None:
                reg.delete_value(node, name)
        else:
            reg.set_value(reg.create(RULES_KEY), name, "REG_SZ",
                          f"{after['connect_address']}/{after['connect_port']}")
    return {"changed": changed, "before": before, "after": after}


def _same_rule(left: dict[str, Any] | None, right: dict[str, Any] | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return (fold(left["connect_address"]) == fold(right["connect_address"])
            and left["connect_port"] == right["connect_port"])


def _targets(ctx: OpContext, args: dict[str, Any]) -> list[str]:
    """The rules key, so registry faults on it hit the ops too."""
    return [RULES_KEY.display()]


OPS = [
    OpSpec("portproxy.get", portproxy_get, False, _targets),
    OpSpec("portproxy.set", portproxy_set, True, _targets),
]
