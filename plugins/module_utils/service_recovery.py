"""A service's failure actions (the Recovery tab), as data.

Part of the pure logic of ``winops.golang.win_go_service``. The SCM counts a
service's failures since boot and resets the count after ``reset_period``
seconds without one; on the Nth failure it runs action N, and the last action
repeats for every later failure. A failure is a crash (the process ends
without reporting SERVICE_STOPPED) or, when ``failure_actions_on_non_crash``
is set, a stop with a non-zero exit code.

Two forms are handled here:

* the structured form the agent sets and reads (``ChangeServiceConfig2`` with
  SERVICE_CONFIG_FAILURE_ACTIONS and SERVICE_CONFIG_FAILURE_ACTIONS_FLAG)::

    {"reset_period": 86400, "actions": [{"type": "restart", "delay_ms": 10000}],
     "command": null, "reboot_message": null, "failure_actions_on_non_crash": false}

* the values the SCM keeps in the service's registry key: ``FailureActions``
  (REG_BINARY), ``FailureCommand`` and ``RebootMessage`` (REG_SZ) and
  ``FailureActionsOnNonCrashFailures`` (REG_DWORD). ``FailureActions`` is a
  20-byte little-endian header of five DWORDs (reset period in seconds, a
  reboot-message field, a command field, the number of actions, an
  actions-pointer field) followed by one 8-byte SC_ACTION (type, delay in ms)
  per action. The strings are not in the blob: the SCM sets the message and
  command fields to 1 when it was given the string and 0 otherwise, and
  ignores the pointer field when it reads the value back (hosts show 0 and 20
  there). A value whose size is not 20 + 8 x actions is treated as absent, and
  setting no actions deletes the value.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ACTION_TYPES: dict[str, int] = {"none": 0, "restart": 1, "reboot": 2, "run_command": 3}
_TYPE_NAMES = {code: name for name, code in ACTION_TYPES.items()}
MAX_ACTIONS = 3  # first, second and subsequent failures: what the Services console shows
MAX_DELAY_MS = 2**31 - 1  # the largest delay every mode can express (WinSW parses an Int32)
MAX_RESET = 0xFFFFFFFF  # INFINITE: never reset the failure count
DEFAULT_RESET = 86400
_HEADER = struct.Struct("<5I")
_ACTION = struct.Struct("<2I")


class RecoveryError(ValueError):
    """Failure actions that the SCM (or this module) would not accept."""


@dataclass(frozen=True)
class FailureAction:
    """One SC_ACTION: what to do on a failure, after how many milliseconds."""

    type: str
    delay_ms: int = 0


@dataclass(frozen=True)
class Recovery:
    """The failure actions of one service."""

    actions: tuple[FailureAction, ...] = ()
    reset_period: int = DEFAULT_RESET
    command: str | None = None
    reboot_message: str | None = None
    failure_actions_on_non_crash: bool = False

    def uses(self, action_type: str) -> bool:
        """Whether any action is of ``action_type``."""
        return any(a.type == action_type for a in self.actions)


def integer(value: Any, what: str, low: int, high: int) -> int:
    """``value`` as an int in ``low..high`` (an integral float or a numeric string counts).

    Raises :class:`RecoveryError` naming ``what``; :mod:`service_spec` shares it.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RecoveryError(f"{what} must be an integer, not {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise RecoveryError(f"{what} must be an integer, not {value!r}") from None
    if isinstance(value, float) and value != number:
        raise RecoveryError(f"{what} must be an integer, not {value!r}")
    if not low <= number <= high:
        raise RecoveryError(f"{what} must be between {low} and {high}, not {number}")
    return number


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecoveryError(f"{what} must be a string, not {value!r}")
    if "\x00" in value:
        raise RecoveryError(f"{what} contains a NUL character")
    return value.strip() or None


def parse_recovery(value: Mapping[str, Any] | None, what: str = "recovery") -> Recovery:
    """Validate the ``recovery`` option (or an agent's structured form) into a :class:`Recovery`.

    ``actions`` is a list of ``{type, delay_ms}`` (``type`` one of none,
    restart, reboot, run_command), at most :data:`MAX_ACTIONS`; ``command`` is
    required by a run_command action and only allowed with one, and
    ``reboot_message`` likewise with a reboot action.
    """
    if value is None:
        return Recovery()
    if not isinstance(value, Mapping):
        raise RecoveryError(f"{what} must be a dictionary, not {value!r}")
    unknown = sorted(set(value) - {"actions", "reset_period", "command", "reboot_message",
                                   "failure_actions_on_non_crash"})
    if unknown:
        raise RecoveryError(f"{what} has unknown keys: {', '.join(unknown)}")
    raw_actions = value.get("actions") or []
    if not isinstance(raw_actions, Sequence) or isinstance(raw_actions, str):
        raise RecoveryError(f"{what}.actions must be a list")
    if len(raw_actions) > MAX_ACTIONS:
        raise RecoveryError(
            f"{what}.actions has {len(raw_actions)} entries; give at most {MAX_ACTIONS} "
            "(first, second and subsequent failures: the last one repeats)"
        )
    actions = []
    for index, item in enumerate(raw_actions):
        where = f"{what}.actions[{index}]"
        if not isinstance(item, Mapping):
            raise RecoveryError(f"{where} must be a dictionary with type and delay_ms")
        kind = str(item.get("type", "")).strip().lower()
        if kind not in ACTION_TYPES:
            raise RecoveryError(f"{where}.type must be one of {', '.join(ACTION_TYPES)}, "
                                f"not {item.get('type')!r}")
        delay = integer(_or(item.get("delay_ms"), 0), f"{where}.delay_ms", 0, MAX_DELAY_MS)
        actions.append(FailureAction(kind, delay))
    recovery = Recovery(
        actions=tuple(actions),
        reset_period=integer(_or(value.get("reset_period"), DEFAULT_RESET),
                             f"{what}.reset_period", 0, MAX_RESET),
        command=_text(value.get("command"), f"{what}.command"),
        reboot_message=_text(value.get("reboot_message"), f"{what}.reboot_message"),
        failure_actions_on_non_crash=bool(value.get("failure_actions_on_non_crash")),
    )
    if recovery.uses("run_command") and recovery.command is None:
        raise RecoveryError(f"{what}.command is required by a run_command action")
    for field, kind in (("command", "run_command"), ("reboot_message", "reboot")):
        if getattr(recovery, field) is not None and not recovery.uses(kind):
            raise RecoveryError(f"{what}.{field} is only used by a {kind} action: "
                                f"add one or drop {field}")
    return recovery


def encode(recovery: Recovery) -> dict[str, Any]:
    """The structured form the agent sets."""
    return {
        "reset_period": recovery.reset_period,
        "actions": [{"type": a.type, "delay_ms": a.delay_ms} for a in recovery.actions],
        "command": recovery.command,
        "reboot_message": recovery.reboot_message,
        "failure_actions_on_non_crash": recovery.failure_actions_on_non_crash,
    }


def decode(data: Mapping[str, Any] | None) -> Recovery:
    """The structured form as the agent read it, as a :class:`Recovery`.

    Unlike :func:`parse_recovery` it takes what Windows holds, so more than
    :data:`MAX_ACTIONS` actions and strings without a matching action are kept.
    """
    if not data:
        return Recovery(reset_period=0)
    actions = []
    for item in data.get("actions") or []:
        kind = item.get("type")
        if isinstance(kind, int):
            kind = _TYPE_NAMES.get(kind, str(kind))
        actions.append(FailureAction(str(kind), int(item.get("delay_ms") or 0)))
    return Recovery(
        actions=tuple(actions),
        reset_period=int(data.get("reset_period") or 0),
        command=data.get("command") or None,
        reboot_message=data.get("reboot_message") or None,
        failure_actions_on_non_crash=bool(data.get("failure_actions_on_non_crash")),
    )


def compare(desired: Recovery, actual: Recovery) -> list[str]:
    """The names of the fields that differ, in a stable order (empty when equal).

    Without actions the reset period means nothing (Windows does not keep it),
    and a string only matters while an action uses it.
    """
    out: list[str] = []
    if desired.actions != actual.actions:
        out.append("actions")
    if desired.actions and desired.reset_period != actual.reset_period:
        out.append("reset_period")
    if desired.uses("run_command") and desired.command != actual.command:
        out.append("command")
    if desired.uses("reboot") and desired.reboot_message != actual.reboot_message:
        out.append("reboot_message")
    if desired.failure_actions_on_non_crash != actual.failure_actions_on_non_crash:
        out.append("failure_actions_on_non_crash")
    return out


def pack_failure_actions(recovery: Recovery) -> bytes:
    """The ``FailureActions`` REG_BINARY bytes (empty when there are no actions).

    The pointer field is written as 20, where the actions start.
    """
    if not recovery.actions:
        return b""
    header = _HEADER.pack(recovery.reset_period, int(recovery.reboot_message is not None),
                          int(recovery.command is not None), len(recovery.actions),
                          _HEADER.size)
    return header + b"".join(_ACTION.pack(ACTION_TYPES[a.type], a.delay_ms)
                             for a in recovery.actions)


def unpack_failure_actions(blob: bytes) -> tuple[int, tuple[FailureAction, ...]] | None:
    """The reset period and actions of a ``FailureActions`` value; None when it is invalid.

    Only the size, the reset period, the count and the actions matter, as for
    the SCM; an unknown action type is kept as its number.
    """
    if len(blob) < _HEADER.size:
        return None
    reset, _msg, _cmd, count, _ptr = _HEADER.unpack_from(blob)
    if len(blob) != _HEADER.size + count * _ACTION.size:
        return None
    actions = []
    for index in range(count):
        code, delay = _ACTION.unpack_from(blob, _HEADER.size + index * _ACTION.size)
        actions.append(FailureAction(_TYPE_NAMES.get(code, str(code)), delay))
    return reset, tuple(actions)


def registry_values(recovery: Recovery) -> dict[str, tuple[str, Any] | None]:
    """The service key's values for ``recovery``: name -> (type, value), None for absent.

    REG_BINARY values are lowercase hex, as ``reg.get``/``reg.set`` carry them.
    """
    blob = pack_failure_actions(recovery)
    return {
        "FailureActions": ("REG_BINARY", blob.hex()) if blob else None,
        "FailureCommand": ("REG_SZ", recovery.command) if recovery.command else None,
        "RebootMessage": ("REG_SZ", recovery.reboot_message) if recovery.reboot_message
        else None,
        "FailureActionsOnNonCrashFailures":
            ("REG_DWORD", int(recovery.failure_actions_on_non_crash)),
    }


def from_registry(values: Mapping[str, Mapping[str, Any]]) -> Recovery:
    """A :class:`Recovery` from a service key's values as ``reg.get`` returned them.

    Value names compare case-insensitively, as in the registry.
    """
    folded = {name.casefold(): item for name, item in values.items()}

    def value_of(name: str, kind: str) -> Any:
        item = folded.get(name.casefold())
        return item.get("value") if item and item.get("type") == kind else None

    unpacked = unpack_failure_actions(bytes.fromhex(value_of("FailureActions", "REG_BINARY")
                                                    or ""))
    reset, actions = unpacked if unpacked else (0, ())
    return Recovery(
        actions=actions,
        reset_period=reset,
        command=value_of("FailureCommand", "REG_SZ") or None,
        reboot_message=value_of("RebootMessage", "REG_SZ") or None,
        failure_actions_on_non_crash=bool(value_of("FailureActionsOnNonCrashFailures",
                                                   "REG_DWORD")),
    )
