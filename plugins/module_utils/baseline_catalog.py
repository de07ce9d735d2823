"""The security baseline's catalogue: its controls in report order, and its checked options.

Part of the pure logic of ``winops.golang.win_go_baseline``. :data:`CONTROL_IDS`
are the stable ids reports and the ``controls`` option use; :func:`catalog`
returns the controls this collection ships, in that order. :func:`build_params`
turns the module options into the one read-only mapping every control gets,
:func:`select` says which controls run and in which mode, and
:func:`read_ops` / :func:`split_results` namespace the reads of all of them
into one batch (keys ``<control>:<key>``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import (
    baseline_defender,
    baseline_mitigations,
    baseline_services,
    baseline_signatures,
    winpath,
)
from ansible_collections.winops.golang.plugins.module_utils.baseline import MODES, Control, Op
from ansible_collections.winops.golang.plugins.module_utils.baseline_acl import (
    DEFAULT_TOOLCHAIN_ROOT,
    TOOLCHAIN_ACL,
    WORKSPACE_ACL,
)
from ansible_collections.winops.golang.plugins.module_utils.baseline_policy import (
    EXECUTION_POLICY,
    WINRM,
)

CONTROL_IDS = ("execution_policy", "toolchain_acl", "workspace_acl", "process_mitigations",
               "authenticode", "service_accounts", "winrm", "defender_exclusion")
# Controls that stay in audit mode unless their own entry of ``controls`` says enforce:
# turning WinRM settings off can cut the connection the play itself uses.
AUDIT_UNLESS_ASKED = frozenset({"winrm"})
_THUMBPRINT = re.compile(r"^[0-9A-F]{40}$")


def catalog() -> list[Control]:
    """Every control this collection ships, in :data:`CONTROL_IDS` order."""
    shipped: tuple[Control, ...] = (
        EXECUTION_POLICY, TOOLCHAIN_ACL, WORKSPACE_ACL, baseline_mitigations.CONTROL,
        baseline_signatures.CONTROL, baseline_services.CONTROL, WINRM, baseline_defender.CONTROL)
    found: dict[str, Control] = {c.id: c for c in shipped}
    return [found[i] for i in CONTROL_IDS if i in found]


@dataclass(frozen=True)
class Selected:
    """A control that runs, and the mode it runs in."""

    control: Control
    mode: str


def _paths(values: Sequence[Any] | None, what: str) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        path = winpath.validate(str(value), what)
        if not any(winpath.same_path(path, p) for p in out):
            out.append(path)
    return tuple(out)


def _names(values: Sequence[Any] | None, what: str) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        name = str(value).strip() if value is not None else ""
        if not name:
            raise ValueError(f"{what} holds an empty account name")
        if name.lower() not in (n.lower() for n in out):
            out.append(name)
    return tuple(out)


def _thumbprints(values: Sequence[Any] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        text = re.sub(r"[\s:]", "", str(value)).upper()
        if not _THUMBPRINT.match(text):
            raise ValueError(f"allowed_signers: '{value}' is not a certificate thumbprint "
                             "(40 hexadecimal digits)")
        if text not in out:
            out.append(text)
    return tuple(out)


def _flag(value: Any) -> bool | None:
    """A boolean as YAML or a template gives it (``true``, ``"yes"``...); None otherwise."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    return None


def build_params(args: Mapping[str, Any]) -> Mapping[str, Any]:
    """The module options every control reads, checked and normalized, read-only.

    Paths are validated absolute Windows paths (duplicates dropped), account and
    service names trimmed (duplicates dropped, any case), thumbprints upper case.
    An empty ``signature_paths`` means the control's default (each installed
    version's ``bin`` and ``pkg\\tool\\windows_amd64``). Raises ValueError.
    """
    root = args.get("toolchain_root") or DEFAULT_TOOLCHAIN_ROOT
    params = {
        "toolchain_root": winpath.validate(str(root), "toolchain_root"),
        "workspace_directories": _paths(args.get("workspace_directories"),
                                        "workspace_directories"),
        "workspace_accounts": _names(args.get("workspace_accounts"), "workspace_accounts"),
        "go_binaries": _paths(args.get("go_binaries"), "go_binaries"),
        "mandatory_aslr": bool(args.get("mandatory_aslr")),
        "signature_paths": _paths(args.get("signature_paths"), "signature_paths"),
        "allowed_signers": _thumbprints(args.get("allowed_signers")),
        "services": _names(args.get("services"), "services"),
        "enforce_service_accounts": bool(args.get("enforce_service_accounts")),
        "logon_right_accounts": _names(args.get("logon_right_accounts"),
                                       "logon_right_accounts"),
        "defender_go_exclusion": bool(args.get("defender_go_exclusion")),
    }
    return MappingProxyType(params)


def select(mode: str, overrides: Mapping[str, Any] | None,
           controls: Sequence[Control] | None = None) -> list[Selected]:
    """The enabled controls in catalogue order, each with its mode.

    ``overrides`` is the ``controls`` option: id -> ``{enabled, mode}``. An id
    that is not in :data:`CONTROL_IDS`, or an entry with other keys or values,
    raises ValueError. A control whose id is known but which this collection
    does not ship (yet) is left out. A control of :data:`AUDIT_UNLESS_ASKED`
    runs in audit mode unless its own entry asks for enforce.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not '{mode}'")
    overrides = overrides or {}
    if not isinstance(overrides, Mapping):
        raise ValueError("controls must be a dict of control id -> {enabled, mode}")
    unknown = sorted(k for k in overrides if k not in CONTROL_IDS)
    if unknown:
        raise ValueError(f"controls names unknown control{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(unknown)}; known: {', '.join(CONTROL_IDS)}")
    out: list[Selected] = []
    for control in catalog() if controls is None else controls:
        entry = overrides.get(control.id) or {}
        if not isinstance(entry, Mapping):
            raise ValueError(f"controls.{control.id} must be a dict with enabled and/or mode")
        extra = sorted(set(entry) - {"enabled", "mode"})
        if extra:
            raise ValueError(f"controls.{control.id}: unknown key {', '.join(extra)} "
                             "(known: enabled, mode)")
        enabled = _flag(entry.get("enabled", True))
        if enabled is None:
            raise ValueError(f"controls.{control.id}.enabled must be true or false")
        if not enabled:
            continue
        own = entry.get("mode")
        if own is not None and own not in MODES:
            raise ValueError(f"controls.{control.id}.mode must be one of {', '.join(MODES)}, "
                             f"not '{own}'")
        default = "audit" if control.id in AUDIT_UNLESS_ASKED else mode
        out.append(Selected(control, own or default))
    return out


def read_ops(selected: Sequence[Selected], params: Mapping[str, Any]) -> dict[str, Op]:
    """Every selected control's reads, keyed ``<control>:<key>``, in catalogue order."""
    out: dict[str, Op] = {}
    for item in selected:
        for key, op in item.control.reads(params).items():
            out[f"{item.control.id}:{key}"] = op
    return out


def split_results(keys: Sequence[str],
                  results: Sequence[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """The batch results by control id, then by the control's own key."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for key, result in zip(keys, results, strict=True):
        control, own = key.split(":", 1)
        out.setdefault(control, {})[own] = result
    return out
