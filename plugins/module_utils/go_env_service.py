"""A Windows service's own environment, as win_go_env reads and writes it.

Part of the pure logic of ``winops.golang.win_go_env`` (see :mod:`go_env_plan`).
A service's ``Environment`` value (REG_MULTI_SZ under its registry key) holds
``NAME=value`` strings that the service gets over the machine environment,
without ``%VAR%`` expansion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import path_list
from ansible_collections.winops.golang.plugins.module_utils.go_env_plan import PATH_NAME

SERVICES_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services"


def service_key(name: str) -> str:
    """The registry key of service ``name``."""
    return f"{SERVICES_KEY}\\{name}"


def environment(key: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """A service key's ``Environment`` value as ``reg.get`` returned it, and its strings.

    The strings are ``[]`` when the value is missing or not a multi-string.
    """
    env = (key.get("values") or {}).get("Environment")
    strings = list(env["value"]) if env and isinstance(env.get("value"), list) else []
    return env, strings


def parse_service_env(entries: list[str]) -> dict[str, str]:
    """A service's ``Environment`` strings (``NAME=value``) as a dict, first ``=`` splits."""
    out: dict[str, str] = {}
    for item in entries:
        name, sep, value = str(item).partition("=")
        if sep and name:
            out[name] = value
    return out


def render_service_env(old: list[str], after: dict[str, str]) -> list[str]:
    """The ``Environment`` list for ``after``: existing strings keep their place."""
    remaining = dict(after)
    out: list[str] = []
    for item in old:
        name, sep, _value = str(item).partition("=")
        if not sep or not name:
            out.append(item)  # not NAME=value: not ours to drop
            continue
        if name in remaining:
            out.append(f"{name}={remaining.pop(name)}")
    out += [f"{name}={value}" for name, value in remaining.items()]
    return out


def inherited_env(machine: dict[str, dict[str, Any]]) -> tuple[dict[str, str], str | None]:
    """The machine variables expanded as a service receives them, and its Path.

    A service's own ``Environment`` strings are not expanded, so a Path copied
    from the machine key is expanded here (``SystemRoot`` defaults to C:\\Windows).
    """
    values = {"SystemRoot": "C:\\Windows", "SystemDrive": "C:"}
    values.update({name: item["value"] for name, item in machine.items()})
    expand = path_list.expander(values)
    expanded = {name: expand(value) for name, value in values.items()}
    path = next((v for n, v in expanded.items() if n.casefold() == PATH_NAME.casefold()), None)
    return expanded, path


def needs_reboot(services: Mapping[str, Mapping[str, Any]],
                 changed: Iterable[str]) -> tuple[list[str], list[str]]:
    """Which services keep the old values of the machine variables ``changed`` until a reboot.

    ``services`` maps a name to its key as ``reg.get`` returned it. A service
    whose own ``Environment`` sets every changed name is not affected. Returns
    the names and a warning for each service that does not exist.
    """
    names = list(changed)
    out: list[str] = []
    warnings: list[str] = []
    if not names:
        return out, warnings
    for name, key in services.items():
        if not key.get("key_exists"):
            warnings.append(f"service {name!r} does not exist on the host")
            continue
        own = {n.casefold() for n in parse_service_env(environment(key)[1])}
        if all(n.casefold() in own for n in names):
            continue  # its own Environment overrides every changed name
        out.append(name)
    return out, warnings
