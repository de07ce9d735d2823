"""service.get, service.set and service.control: Windows services as the SCM keeps them.

A service lives in the model's ``services`` table (by folded name:
``{"name", "display_name", "exe", "state", "start_type", "account"}``) and in
its registry key ``HKLM:\\SYSTEM\\CurrentControlSet\\Services\\<name>``
(``ImagePath``, ``Start``, ``DelayedAutostart``, ``ObjectName``, ...), which
every change here keeps in step, as ``ChangeServiceConfig`` does.

Start modes: ``auto`` (Start 2), ``delayed`` (Start 2 and DelayedAutostart 1),
``manual`` (Start 3), ``disabled`` (Start 4). A disabled service cannot be
started (Windows error 1058). A ``service_start_fails`` fault makes a start
fail the way a service that does not answer the SCM does (error 1053).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winpath

from .args import Args
from .context import OpContext
from .errors import OpError
from .faults import FaultKind, register_kind
from .model import Model
from .names import fold
from .opspec import OpSpec
from .registry import RegPath

START_MODES = ("auto", "delayed", "manual", "disabled")
# The Start value of each start mode (delayed is auto plus DelayedAutostart=1).
START_VALUES = {"auto": 2, "delayed": 2, "manual": 3, "disabled": 4}
CONTROL_STATES = ("started", "stopped")
SERVICES_KEY = ("SYSTEM", "CurrentControlSet", "Services")
DEFAULT_ACCOUNT = "LocalSystem"

ERROR_DISABLED = (
    "Service '{name}' cannot be started: The service cannot be started, either because it "
    "is disabled or because it has no enabled devices associated with it. (1058)"
)
ERROR_NO_SERVICE = (
    "Service '{name}' was not found: The specified service does not exist as an "
    "installed service. (1060)"
)
ERROR_TIMEOUT = (
    "Service '{name}' cannot be started: The service did not respond to the start or "
    "control request in a timely fashion. (1053)"
)

register_kind(FaultKind("service_start_fails",
                        "service.control cannot start the service (error 1053)"))


def service_key(name: str) -> RegPath:
    """The registry key the SCM keeps a service's configuration in."""
    return RegPath("HKLM", (*SERVICES_KEY, name))


def register_service(model: Model, name: str, exe: str, state: str = "stopped",
                     start_type: str = "manual", display_name: str | None = None,
                     account: str = DEFAULT_ACCOUNT) -> dict[str, Any]:
    """Create (or replace) a service in the table and its registry key, as CreateService does."""
    if start_type not in START_MODES or state not in ("running", "stopped"):
        raise ValueError("start_type is auto|delayed|manual|disabled, state running|stopped")
    record = {
        "name": name,
        "display_name": display_name or name,
        "exe": winpath.normalize(exe),
        "state": state,
        "start_type": start_type,
        "account": account,
    }
    model.services[fold(name)] = record
    reg = model.registry
    node = reg.create(service_key(name))
    reg.set_value(node, "ImagePath", "REG_EXPAND_SZ", record["exe"])
    reg.set_value(node, "DisplayName", "REG_SZ", record["display_name"])
    reg.set_value(node, "ObjectName", "REG_SZ", account)
    reg.set_value(node, "Type", "REG_DWORD", 0x10)
    reg.set_value(node, "ErrorControl", "REG_DWORD", 1)
    write_start_mode(model, record, start_type)
    return record


def unregister_service(model: Model, name: str) -> None:
    """Delete a service and its registry key (DeleteService once it is stopped)."""
    record = model.services.pop(fold(name), None)
    if record is not None:
        model.registry.delete_key(service_key(record["name"]))


def write_start_mode(model: Model, record: dict[str, Any], mode: str) -> None:
    """Set a service's start mode in the table and in its registry key."""
    record["start_type"] = mode
    reg = model.registry
    node = reg.create(service_key(record["name"]))
    reg.set_value(node, "Start", "REG_DWORD", START_VALUES[mode])
    if mode in ("auto", "delayed"):
        reg.set_value(node, "DelayedAutostart", "REG_DWORD", 1 if mode == "delayed" else 0)
    elif reg.get_value(node, "DelayedAutostart") is not None:
        # The SCM keeps the flag, but it only means something with Start=2.
        reg.set_value(node, "DelayedAutostart", "REG_DWORD", 0)


def find_service(ctx: OpContext, name: str) -> dict[str, Any] | None:
    """The service record of ``name`` (case-insensitive), or None."""
    # Services that come with the release's features (sshd on Server 2025) exist
    # from the start, whichever op looks first.
    from .ops_features import ensure_features  # the two modules use each other

    ensure_features(ctx.model)
    return ctx.model.services.get(fold(name))


def _describe(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "exists": True,
        "name": record["name"],
        "display_name": record.get("display_name") or record["name"],
        "start_mode": record.get("start_type", "manual"),
        "state": record.get("state", "stopped"),
        "account": record.get("account") or DEFAULT_ACCOUNT,
        "path": record.get("exe", ""),
    }


def _name(a: Args) -> str:
    name = a.str("name")
    if not name or any(c in name for c in "\\/") or len(name) > 256:
        raise OpError("invalid_argument", f"{a.op}: '{name}' is not a service name")
    return name


def service_get(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """A service's configuration and state, or ``exists: false``."""
    a = Args("service.get", args, {"name"})
    name = _name(a)
    record = find_service(ctx, name)
    if record is None:
        return {"changed": False, "exists": False, "name": name}
    return {"changed": False, **_describe(record)}


def _require(ctx: OpContext, op: str, name: str) -> dict[str, Any]:
    record = find_service(ctx, name)
    if record is None:
        raise OpError("not_found", f"{op}: " + ERROR_NO_SERVICE.format(name=name))
    return record


def service_set(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Compare-and-set a service's configuration (for now: its start mode)."""
    a = Args("service.set", args, {"name", "start_mode"})
    name = _name(a)
    mode = a.choice("start_mode", START_MODES, required=False)
    record = _require(ctx, "service.set", name)
    before = {"start_mode": record.get("start_type", "manual")}
    after = dict(before)
    if mode is not None:
        after["start_mode"] = mode
    changed = before != after
    if changed and not ctx.check_mode:
        write_start_mode(ctx.model, record, after["start_mode"])
    return {"changed": changed, "before": before, "after": after}


def service_control(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Start or stop a service; a disabled service cannot be started (1058)."""
    a = Args("service.control", args, {"name", "state"})
    name = _name(a)
    wanted = a.choice("state", CONTROL_STATES)
    record = _require(ctx, "service.control", name)
    before = record.get("state", "stopped")
    after = "running" if wanted == "started" else "stopped"
    changed = before != after
    if changed and after == "running":
        if record.get("start_type") == "disabled":
            raise OpError("error", "service.control: " + ERROR_DISABLED.format(name=name))
        if not ctx.check_mode and ctx.take("service_start_fails") is not None:
            raise OpError("timeout", "service.control: " + ERROR_TIMEOUT.format(name=name))
    if changed and not ctx.check_mode:
        record["state"] = after
    return {"changed": changed, "before": before, "after": after}


def _targets(ctx: OpContext, args: dict[str, Any]) -> list[str]:
    """``SERVICE:\\<name>``, so a fault can pick one service."""
    name = args.get("name") if isinstance(args, dict) else None
    return [f"SERVICE:\\{name}"] if isinstance(name, str) else ["SERVICE:"]


OPS = [
    OpSpec("service.get", service_get, False, _targets),
    OpSpec("service.set", service_set, True, _targets),
    OpSpec("service.control", service_control, True, _targets),
]
