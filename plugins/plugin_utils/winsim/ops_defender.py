"""defender.get and defender.set: Microsoft Defender Antivirus exclusion lists.

The model's ``defender`` section holds what ``Get-MpPreference`` shows::

    {"installed": bool, "running": bool,
     "exclusions": {"process": [...], "path": [...], "extension": [...]}}

It is seeded on first use as a clean Windows Server 2016 to 2025 has it:
Defender Antivirus installed, its service running, no exclusions. A host
without the feature (``SimHost.set_defender(installed=False)``, as after
``Uninstall-WindowsFeature Windows-Defender``) or whose service does not run
(another antivirus took over) reads ``available: false`` with empty lists, and
a ``defender.set`` there is ``not_found``.

Exclusions are kept in the order they were added. Defender stores each one as
a registry value name, so they compare case-insensitively: adding
``GO.EXE`` when ``go.exe`` is listed changes nothing, and a removal matches
any case. An exclusion is the string as given; Defender does not check that
a path or a process exists.
"""

from __future__ import annotations

from typing import Any

from .args import Args
from .context import OpContext
from .errors import OpError
from .model import Model
from .opspec import OpSpec

KINDS = ("process", "path", "extension")
STATES = ("present", "absent")
MAX_VALUE = 1024
ERROR_NOT_INSTALLED = (
    "defender.set: Microsoft Defender Antivirus is not installed on this host (on Windows "
    "Server, the Windows-Defender feature), so there is no exclusion list to change"
)
ERROR_NOT_RUNNING = (
    "defender.set: Microsoft Defender Antivirus is installed but its service (WinDefend) is "
    "not running, so its preferences cannot be changed"
)


def defender_state(model: Model) -> dict[str, Any]:
    """The model's ``defender`` section, seeded on first use (installed, running, empty)."""
    state = model.data.get("defender")
    if state is None:
        state = {"installed": True, "running": True,
                 "exclusions": {kind: [] for kind in KINDS}}
        model.data["defender"] = state
    return state


def _available(state: dict[str, Any]) -> bool:
    return bool(state["installed"]) and bool(state["running"])


def defender_get(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Whether Defender runs, and its exclusion lists (empty when it does not)."""
    Args("defender.get", args, set())
    state = defender_state(ctx.model)
    if not _available(state):
        return {"changed": False, "available": False,
                "exclusions": {kind: [] for kind in KINDS}}
    return {"changed": False, "available": True,
            "exclusions": {kind: list(state["exclusions"][kind]) for kind in KINDS}}


def _value(a: Args) -> str:
    value = a.str("value")
    if not value.strip() or "\x00" in value or len(value) > MAX_VALUE:
        raise OpError("invalid_argument", "defender.set: 'value' must be a non-empty string "
                      f"of at most {MAX_VALUE} characters without NUL")
    return value


def defender_set(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Compare-and-set one exclusion: present (``Add-MpPreference``) or absent (``Remove-``)."""
    a = Args("defender.set", args, {"kind", "value", "state"})
    kind = a.choice("kind", KINDS)
    value = _value(a)
    wanted = a.choice("state", STATES)
    state = defender_state(ctx.model)
    if not state["installed"]:
        raise OpError("not_found", ERROR_NOT_INSTALLED)
    if not state["running"]:
        raise OpError("not_found", ERROR_NOT_RUNNING)
    current: list[str] = state["exclusions"][kind]
    stored = next((item for item in current if item.casefold() == value.casefold()), None)
    before = stored is not None
    after = wanted == "present"
    changed = before != after
    if changed and not ctx.check_mode:
        if after:
            current.append(value)
        else:
            state["exclusions"][kind] = [item for item in current
                                         if item.casefold() != value.casefold()]
    return {"changed": changed, "kind": kind, "value": stored or value, "before": before,
            "after": after}


def _targets(_ctx: OpContext, args: dict[str, Any]) -> list[str]:
    """``DEFENDER:\\<kind>``, so a fault can pick one exclusion list."""
    kind = args.get("kind") if isinstance(args, dict) else None
    return [f"DEFENDER:\\{kind}"] if isinstance(kind, str) else ["DEFENDER:"]


OPS = [
    OpSpec("defender.get", defender_get, False, _targets),
    OpSpec("defender.set", defender_set, True, _targets),
]
