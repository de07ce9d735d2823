"""net.get and net.set: dynamic port ranges, TCP settings and offload globals.

State lives in the model's ``tcp`` section (seeded per release by seed.py):
``dynamic_ports[proto][family]`` = ``{"start", "count"}`` as ``netsh int
ipvX show dynamicport`` reports it, and ``global``, the values of ``netsh int
tcp show global`` plus the supplemental template settings. Values a seed lacks
(older state directories) fall back to the release's Windows default.

Windows rules the simulated host enforces like the agent: netsh's port limits
(start >= 1025, at least 255 ports, end <= 65535), Set-NetTCPSetting's even
initial congestion window of 2-64 segments, and the congestion providers each
release knows (no CUBIC before build 17763, no BBR2 before 26100).
"""

from __future__ import annotations

from typing import Any

from .args import Args
from .context import OpContext
from .errors import OpError
from .opspec import OpSpec
from .seed import RELEASES

PROTOCOLS = ("tcp", "udp")
FAMILIES = ("ipv4", "ipv6")
ENABLED_DISABLED = ("enabled", "disabled")
AUTOTUNING = ("disabled", "highlyrestricted", "restricted", "normal", "experimental")

# net.set setting id -> (section of net.get, key in the model's tcp.global).
_TCP = {
    "autotuning_level": "autotuning_level",
    "congestion_provider": "congestion_provider",
    "ecn_capability": "ecn_capability",
    "timestamps": "timestamps",
    "initial_congestion_window": "initial_congestion_window",
}
_OFFLOAD = {
    "receive_side_scaling": "receive_side_scaling",
    "receive_segment_coalescing": "receive_segment_coalescing",
}
# Windows defaults for values an older seed lacks (ICW 10 since the 1607 release).
_DEFAULTS = {
    "initial_congestion_window": 10,
    "receive_side_scaling": "enabled",
    "receive_segment_coalescing": "enabled",
    "ecn_capability": "disabled",
    "timestamps": "disabled",
    "autotuning_level": "normal",
}


def _build(ctx: OpContext) -> int:
    return RELEASES[ctx.model.os_release].build


def congestion_providers(build: int) -> tuple[str, ...]:
    """The providers Set-NetTCPSetting accepts on ``build`` (ctcp/dctcp everywhere)."""
    names = ["ctcp", "dctcp"]
    if build >= 17763:
        names.append("cubic")
    if build >= 26100:
        names.append("bbr2")
    return tuple(names)


def _tcp_state(ctx: OpContext) -> dict[str, Any]:
    return ctx.model.data.setdefault("tcp", {})


def _global(ctx: OpContext) -> dict[str, Any]:
    return _tcp_state(ctx).setdefault("global", {})


def _ports(ctx: OpContext) -> dict[str, Any]:
    ports = _tcp_state(ctx).setdefault("dynamic_ports", {})
    for proto in PROTOCOLS:
        for fam in FAMILIES:
            ports.setdefault(proto, {}).setdefault(fam, {"start": 49152, "count": 16384})
    return ports


def _global_value(ctx: OpContext, key: str) -> Any:
    glob = _global(ctx)
    if key in glob:
        return glob[key]
    if key == "congestion_provider":
        return RELEASES[ctx.model.os_release].congestion
    return _DEFAULTS[key]


def _read(ctx: OpContext, setting: str) -> Any:
    section, _dot, rest = setting.partition(".")
    if section == "dynamic_ports":
        proto, _dot, fam = rest.partition(".")
        return dict(_ports(ctx)[proto][fam])
    key = _TCP[rest] if section == "tcp" else _OFFLOAD[rest]
    return _global_value(ctx, key)


def net_get(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Every dynamic port range, the TCP settings and the offload globals."""
    Args("net.get", args, set())
    ports = _ports(ctx)
    return {
        "changed": False,
        "dynamic_ports": {
            proto: {fam: dict(ports[proto][fam]) for fam in FAMILIES} for proto in PROTOCOLS
        },
        "tcp": {name: _global_value(ctx, key) for name, key in _TCP.items()},
        "offload": {name: _global_value(ctx, key) for name, key in _OFFLOAD.items()},
    }


def _known_setting(setting: str) -> bool:
    section, _dot, rest = setting.partition(".")
    if section == "dynamic_ports":
        proto, _dot, fam = rest.partition(".")
        return proto in PROTOCOLS and fam in FAMILIES
    return (section == "tcp" and rest in _TCP) or (section == "offload" and rest in _OFFLOAD)


def _check_ports(value: Any) -> dict[str, int]:
    if (
        not isinstance(value, dict)
        or set(value) != {"start", "count"}
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value.values())
    ):
        raise OpError(
            "invalid_argument", "net.set: a dynamic port range is {start, count} with integers"
        )
    start, count = value["start"], value["count"]
    if start < 1025 or count < 255 or start + count - 1 > 65535:
        raise OpError(
            "invalid_argument",
            f"net.set: netsh refuses start={start} num={count}: "
            "the start port must be 1025 or more, the range at least 255 ports, "
            "and its end at most 65535",
        )
    return {"start": start, "count": count}


def _check_value(ctx: OpContext, setting: str, value: Any) -> Any:
    if setting.startswith("dynamic_ports."):
        return _check_ports(value)
    name = setting.partition(".")[2]
    if name == "initial_congestion_window":
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (2 <= value <= 64 and value % 2 == 0)
        ):
            raise OpError(
                "invalid_argument",
                "net.set: the initial congestion window must be "
                f"an even number from 2 to 64, not {value!r}",
            )
        return value
    choices = {
        "autotuning_level": AUTOTUNING,
        "congestion_provider": ("ctcp", "dctcp", "cubic", "bbr2"),
    }.get(name, ENABLED_DISABLED)
    if not isinstance(value, str) or value not in choices:
        raise OpError(
            "invalid_argument",
            f"net.set: {setting} must be one of {', '.join(choices)}, not {value!r}",
        )
    if name == "congestion_provider" and value not in congestion_providers(_build(ctx)):
        raise OpError(
            "invalid_argument",
            f"net.set: Windows build {_build(ctx)} has no congestion provider '{value}'",
        )
    return value


def net_set(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Compare-and-set one setting; ``expected`` is the value the caller last read."""
    a = Args("net.set", args, {"setting", "value", "expected"})
    setting = a.str("setting")
    if not _known_setting(setting):
        raise OpError("invalid_argument", f"net.set: unknown setting '{setting}'")
    if not a.has("value") or a.raw("value") is None:
        raise OpError("invalid_argument", "net.set: missing argument 'value'")
    value = _check_value(ctx, setting, a.raw("value"))
    before = _read(ctx, setting)
    if a.has("expected") and a.raw("expected") != before:
        raise OpError(
            "conflict",
            f"net.set: {setting} is {before!r}, not the "
            f"{a.raw('expected')!r} the caller last read; read it again and retry",
        )
    changed = before != value
    if changed and not ctx.check_mode:
        section, _dot, rest = setting.partition(".")
        if section == "dynamic_ports":
            proto, _dot, fam = rest.partition(".")
            _ports(ctx)[proto][fam] = dict(value)
        else:
            _global(ctx)[_TCP[rest] if section == "tcp" else _OFFLOAD[rest]] = value
    return {"changed": changed, "before": before, "after": value}


def _targets(ctx: OpContext, args: dict[str, Any]) -> list[str]:
    """``NET:\\<section>\\<name>...``, so a fault on ``NET:\\tcp`` hits every TCP setting."""
    setting = args.get("setting") if isinstance(args, dict) else None
    if not isinstance(setting, str):
        return ["NET:"]
    return ["NET:\\" + setting.replace(".", "\\")]


OPS = [
    OpSpec("net.get", net_get, False, lambda ctx, args: ["NET:"]),
    OpSpec("net.set", net_set, True, _targets),
]
