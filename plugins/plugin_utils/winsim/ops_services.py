"""service.* ops: Windows services as the SCM keeps them.

A service lives in the model's ``services`` table (by folded name:
``{"name", "display_name", "exe" (the ImagePath command line), "state",
"start_type", "account", "description", "dependencies", "locks"}``) and in
its registry key ``HKLM:\\SYSTEM\\CurrentControlSet\\Services\\<name>``
(``ImagePath``, ``DisplayName``, ``Description``, ``ObjectName``,
``DependOnService``, ``Start``, ``DelayedAutostart``, the failure-action
values), which every change here keeps in step, as ``ChangeServiceConfig``
does. A user account's password is kept only as a SHA-256 digest in the record
(``password_sha256``), never returned by an op.

Start modes: ``auto`` (Start 2), ``delayed`` (Start 2 and DelayedAutostart 1),
``manual`` (Start 3), ``disabled`` (Start 4). A disabled service cannot be
started (Windows error 1058). Starting a service starts its dependencies
first; a user or gMSA account must hold SeServiceLogonRight (``lsa.*``) or the
start fails with error 1069. What the started program does is in
:mod:`service_programs`. A ``service_start_fails`` fault makes a start fail the
way a service that does not answer the SCM does (error 1053).
"""

from __future__ import annotations

import hashlib
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import service_recovery as recov
from ansible_collections.winops.golang.plugins.module_utils import winpath
from ansible_collections.winops.golang.plugins.module_utils.service_account import (
    GMSA,
    USER,
    VIRTUAL,
    Account,
    AccountError,
    parse_account,
    same_account,
)

from .args import Args
from .context import OpContext
from .errors import OpError
from .faults import FaultKind, register_kind
from .model import Model
from .names import fold
from .ops_lsa import DENY_SERVICE_LOGON, SERVICE_LOGON, domain_netbios, holds, resolve_account
from .opspec import OpSpec
from .registry import RegPath
from .service_programs import halt, launch

START_MODES = ("auto", "delayed", "manual", "disabled")
# The Start value of each start mode (delayed is auto plus DelayedAutostart=1).
START_VALUES = {"auto": 2, "delayed": 2, "manual": 3, "disabled": 4}
CONTROL_STATES = ("started", "stopped")
SERVICES_KEY = ("SYSTEM", "CurrentControlSet", "Services")
DEFAULT_ACCOUNT = "LocalSystem"
DEFAULT_TIMEOUT = 30
SET_FIELDS = ("path", "display_name", "description", "account", "dependencies", "start_mode",
              "recovery")

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
ERROR_EXISTS = "Service '{name}' cannot be created: The specified service already exists. (1073)"
ERROR_DUPLICATE = (
    "{op}: '{name}': The name is already in use as either a service name or a service "
    "display name. (1078)"
)
ERROR_ACCOUNT = (
    "{op}: account '{account}': The account name is invalid or does not exist, or the "
    "password is invalid for the account name specified. (1057)"
)
ERROR_LOGON = (
    "Service '{name}' cannot be started: The service did not start due to a logon failure. "
    "(1069)"
)
ERROR_DEPENDENCY_MISSING = (
    "Service '{name}' cannot be started: The dependency service does not exist or has been "
    "marked for deletion. (1075)"
)
ERROR_DEPENDENCY_FAILED = (
    "Service '{name}' cannot be started: The dependency service or group failed to start. "
    "(1068)"
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
    return _store_new(model, {
        "name": name,
        "display_name": display_name or name,
        "exe": winpath.normalize(exe),
        "state": state,
        "start_type": start_type,
        "account": account,
        # It came with the host (SimHost.add_service, a feature): a program file the
        # model does not hold is taken as present, a plain program.
        "preinstalled": True,
    })


def _store_new(model: Model, record: dict[str, Any]) -> dict[str, Any]:
    model.services[fold(record["name"])] = record
    reg = model.registry
    node = reg.create(service_key(record["name"]))
    reg.set_value(node, "Type", "REG_DWORD", 0x10)
    reg.set_value(node, "ErrorControl", "REG_DWORD", 1)
    write_config(model, record, {"path": record["exe"], "display_name": record["display_name"],
                                 "account": record["account"],
                                 "description": record.get("description") or "",
                                 "dependencies": record.get("dependencies") or []})
    write_start_mode(model, record, record["start_type"])
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


def _set_or_delete(node: dict[str, Any], model: Model, name: str,
                   value: tuple[str, Any] | None) -> None:
    if value is None:
        model.registry.delete_value(node, name)
    else:
        model.registry.set_value(node, name, value[0], value[1])


def write_config(model: Model, record: dict[str, Any], fields: dict[str, Any]) -> None:
    """Write configuration fields (``service.set`` names) to the record and the service key."""
    node = model.registry.create(service_key(record["name"]))
    if "path" in fields:
        record["exe"] = fields["path"]
        _set_or_delete(node, model, "ImagePath", ("REG_EXPAND_SZ", fields["path"]))
    if "display_name" in fields:
        record["display_name"] = fields["display_name"]
        _set_or_delete(node, model, "DisplayName", ("REG_SZ", fields["display_name"]))
    if "description" in fields:
        record["description"] = fields["description"] or None
        text = fields["description"]
        _set_or_delete(node, model, "Description", ("REG_SZ", text) if text else None)
    if "account" in fields:
        record["account"] = fields["account"]
        _set_or_delete(node, model, "ObjectName", ("REG_SZ", fields["account"]))
    if "dependencies" in fields:
        deps = list(fields["dependencies"])
        record["dependencies"] = deps
        _set_or_delete(node, model, "DependOnService", ("REG_MULTI_SZ", deps) if deps else None)
    if "start_mode" in fields:
        write_start_mode(model, record, fields["start_mode"])
    if "recovery" in fields:
        recovery = recov.parse_recovery(fields["recovery"])
        for name, value in recov.registry_values(recovery).items():
            _set_or_delete(node, model, name, value)


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


# -- arguments shared by create and set ----------------------------------------------


def _text_arg(a: Args, name: str, limit: int, required: bool = False) -> str | None:
    value = a.str(name, required=required)
    if value is None:
        return None
    if "\x00" in value or len(value) > limit or (name != "description" and not value.strip()):
        raise OpError("invalid_argument", f"{a.op}: '{name}' must be a non-empty string of at "
                      f"most {limit} characters without NUL")
    return value


def _dependencies(a: Args, service: str) -> list[str] | None:
    deps = a.str_list("dependencies")
    if deps is None:
        return None
    for dep in deps:
        if not dep or "\x00" in dep or "/" in dep or "\\" in dep:
            raise OpError("invalid_argument", f"{a.op}: '{dep}' is not a service name")
        if fold(dep) == fold(service):
            raise OpError("invalid_argument", f"{a.op}: a service cannot depend on itself: "
                          "Circular service dependency was specified. (1059)")
    return deps


def _account(ctx: OpContext, a: Args, service: str, password: str | None,
             need_password: bool) -> Account:
    """The ``account`` argument as the SCM would store it; unknown accounts are 1057."""
    text = a.str("account")
    if not text.strip():
        raise OpError("invalid_argument", f"{a.op}: 'account' must not be empty")
    try:
        account = parse_account(text, password, service)
    except AccountError as err:
        account = None
        if password is None and not need_password:
            try:
                probe = parse_account(text, "-", service)
            except AccountError:
                probe = None
            if probe is not None and probe.kind == USER:
                account = Account(USER, probe.object_name)
        if account is None:
            raise OpError("invalid_argument", f"{a.op}: {err}") from None
    if account.kind in (USER, GMSA) and not _account_exists(ctx, account):
        raise OpError("not_found", ERROR_ACCOUNT.format(op=a.op, account=account.object_name))
    return account


def _account_exists(ctx: OpContext, account: Account) -> bool:
    domain = (account.domain or ".").upper()
    if domain in (".", ctx.hostname.upper()):
        return account.kind == USER and ctx.model.user(account.user) is not None
    return domain == (domain_netbios(ctx) or "")


def _password(a: Args) -> str | None:
    password = a.str("password", required=False)
    if password is not None and "\x00" in password:
        raise OpError("invalid_argument", f"{a.op}: 'password' contains a NUL character")
    return password


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def _check_display_name(ctx: OpContext, op: str, service: str, display: str) -> None:
    for other in ctx.model.services.values():
        if fold(other["name"]) == fold(service):
            continue
        if fold(display) in (fold(other["name"]), fold(other.get("display_name") or "")):
            raise OpError("exists", ERROR_DUPLICATE.format(op=op, name=display))


# -- service.create ------------------------------------------------------------------


def service_create(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Install a service (CreateService); an existing name is ``exists``."""
    a = Args("service.create", args, {"name", "path", "display_name", "description", "account",
                                      "password", "start_mode", "dependencies"})
    name = _name(a)
    path = _text_arg(a, "path", 32767, required=True)
    display = _text_arg(a, "display_name", 256, required=True)
    description = _text_arg(a, "description", 32767) or ""
    mode = a.choice("start_mode", START_MODES, required=False, default="manual")
    deps = _dependencies(a, name) or []
    password = _password(a)
    if a.raw("account") is None:
        if password is not None:
            raise OpError("invalid_argument", "service.create: account 'LocalSystem' takes no "
                          "password")
        account = Account("system", DEFAULT_ACCOUNT)
    else:
        account = _account(ctx, a, name, password, need_password=True)
    if find_service(ctx, name) is not None:
        raise OpError("exists", "service.create: " + ERROR_EXISTS.format(name=name))
    _check_display_name(ctx, "service.create", name, str(display))
    for other in ctx.model.services.values():
        if fold(other.get("display_name") or "") == fold(name):
            raise OpError("exists", ERROR_DUPLICATE.format(op="service.create", name=name))
    record: dict[str, Any] = {
        "name": name,
        "display_name": display,
        "exe": path,
        "state": "stopped",
        "start_type": mode,
        "account": account.object_name,
        "description": description or None,
        "dependencies": deps,
    }
    after = {**_describe(record)}
    if not ctx.check_mode:
        _store_new(ctx.model, record)
        if account.password is not None:
            record["password_sha256"] = _digest(account.password)
    return {"changed": True, "before": None, "after": after}


# -- service.set ---------------------------------------------------------------------


def _current(ctx: OpContext, record: dict[str, Any], field: str) -> Any:
    if field == "path":
        return record.get("exe", "")
    if field == "display_name":
        return record.get("display_name") or record["name"]
    if field == "description":
        return record.get("description") or ""
    if field == "account":
        return record.get("account") or DEFAULT_ACCOUNT
    if field == "dependencies":
        return list(record.get("dependencies") or [])
    if field == "start_mode":
        return record.get("start_type", "manual")
    node = ctx.model.registry.open(service_key(record["name"]))
    values = ctx.model.registry.values(node) if node else {}
    return recov.encode(recov.from_registry(values))


def _same_deps(one: list[str], two: list[str]) -> bool:
    return sorted(fold(d) for d in one) == sorted(fold(d) for d in two)


def service_set(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Compare-and-set a service's configuration, field by field.

    Only the fields given are compared and reported; a password is applied
    whenever given (and makes the op ``changed``) but is never compared or
    returned.
    """
    a = Args("service.set", args, {"name", "password", *SET_FIELDS})
    name = _name(a)
    wanted: dict[str, Any] = {}
    if a.raw("path") is not None:
        wanted["path"] = _text_arg(a, "path", 32767)
    if a.raw("display_name") is not None:
        wanted["display_name"] = _text_arg(a, "display_name", 256)
    if a.raw("description") is not None:
        wanted["description"] = _text_arg(a, "description", 32767)
    mode = a.choice("start_mode", START_MODES, required=False)
    if mode is not None:
        wanted["start_mode"] = mode
    deps = _dependencies(a, name)
    if deps is not None:
        wanted["dependencies"] = deps
    recovery = None
    if a.raw("recovery") is not None:
        try:
            recovery = recov.parse_recovery(a.raw("recovery"))
        except recov.RecoveryError as err:
            raise OpError("invalid_argument", f"service.set: {err}") from None
    password = _password(a)
    account: Account | None = None
    if a.raw("account") is not None:
        account = _account(ctx, a, name, password, need_password=False)
    record = _require(ctx, "service.set", name)
    if "display_name" in wanted:
        _check_display_name(ctx, "service.set", record["name"], wanted["display_name"])
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    apply: dict[str, Any] = {}
    for field, value in wanted.items():
        now = _current(ctx, record, field)
        before[field] = now
        same = _same_deps(now, value) if field == "dependencies" else now == value
        after[field] = now if same else value
        if not same:
            apply[field] = value
    if account is not None:
        now = _current(ctx, record, "account")
        before["account"] = now
        same = _same_account(now, account, ctx.hostname)
        after["account"] = now if same else account.object_name
        if not same:
            if account.kind == USER and password is None:
                raise OpError("invalid_argument", f"service.set: account "
                              f"'{account.object_name}' is a user account and needs a password")
            apply["account"] = account.object_name
    if recovery is not None:
        now = _current(ctx, record, "recovery")
        before["recovery"] = now
        diff = recov.compare(recovery, recov.decode(now))
        after["recovery"] = recov.encode(recovery) if diff else now
        if diff:
            apply["recovery"] = recov.encode(recovery)
    if password is not None:
        kind = account.kind if account is not None else _kind_of(after.get(
            "account", _current(ctx, record, "account")), record["name"])
        if kind != USER:
            raise OpError("invalid_argument", "service.set: a password is only used by a user "
                          "account (DOMAIN\\user or .\\user)")
    changed = bool(apply) or password is not None
    if changed and not ctx.check_mode:
        write_config(ctx.model, record, apply)
        if password is not None:
            record["password_sha256"] = _digest(password)
        elif "account" in apply:
            record.pop("password_sha256", None)
    return {"changed": changed, "before": before, "after": after}


def _same_account(object_name: str, account: Account, hostname: str) -> bool:
    """:func:`same_account`, also when the account was given as ``HOST\\user``."""
    if same_account(object_name, account, hostname):
        return True
    if account.kind == USER and (account.domain or "").upper() == hostname.upper():
        return same_account(object_name, Account(USER, ".\\" + account.user), hostname)
    return False


def _kind_of(object_name: str, service: str) -> str:
    """The kind of an ``ObjectName`` read from the host (user when it is nothing else)."""
    try:
        return parse_account(object_name, None, service).kind
    except AccountError:
        try:
            return parse_account(object_name, "-", service).kind
        except AccountError:
            return VIRTUAL


# -- starting and stopping -----------------------------------------------------------


def _may_log_on(ctx: OpContext, record: dict[str, Any]) -> bool:
    """Whether the service's account may log on as a service (built-in ones always may)."""
    object_name = record.get("account") or DEFAULT_ACCOUNT
    kind = _kind_of(object_name, record["name"])
    if kind not in (USER, GMSA):
        return True
    if kind == USER and not record.get("password_sha256"):
        return False
    found = resolve_account(ctx, object_name)
    if found is None:
        return False
    sids = [found[0], "S-1-1-0", "S-1-5-11", "S-1-5-32-545"]
    return holds(ctx, SERVICE_LOGON, sids) and not holds(ctx, DENY_SERVICE_LOGON, sids)


def start_service(ctx: OpContext, record: dict[str, Any], chain: tuple[str, ...] = ()) -> None:
    """Start a stopped service as the SCM does (dependencies first); OpError when it cannot."""
    name = record["name"]
    if record.get("state") == "running":
        return
    if record.get("start_type") == "disabled":
        raise OpError("error", ERROR_DISABLED.format(name=name))
    for dep in record.get("dependencies") or []:
        if dep.startswith("+"):
            continue  # a load-order group: nothing to start here
        other = ctx.model.services.get(fold(dep))
        if other is None:
            raise OpError("not_found", ERROR_DEPENDENCY_MISSING.format(name=name))
        if fold(dep) in chain:
            raise OpError("error", ERROR_DEPENDENCY_FAILED.format(name=name))
        try:
            start_service(ctx, other, (*chain, fold(name)))
        except OpError:
            raise OpError("error", ERROR_DEPENDENCY_FAILED.format(name=name)) from None
    if not _may_log_on(ctx, record):
        raise OpError("error", ERROR_LOGON.format(name=name))
    if ctx.faults.take("service_start_fails", ctx.op, [f"SERVICE:\\{name}"]) is not None:
        raise OpError("timeout", ERROR_TIMEOUT.format(name=name))
    launch(ctx, record)


def stop_service(ctx: OpContext, record: dict[str, Any]) -> None:
    """Stop a service and, first, the running services that depend on it."""
    for other in list(ctx.model.services.values()):
        if other is record or other.get("state") != "running":
            continue
        if fold(record["name"]) in {fold(d) for d in other.get("dependencies") or []}:
            stop_service(ctx, other)
    halt(ctx, record)


def boot_services(ctx: OpContext) -> None:
    """What the SCM does at boot: everything stops, then auto and delayed services start.

    A service that fails to start stays stopped (Windows logs it and goes on).
    """
    for record in ctx.model.services.values():
        halt(ctx, record)
    ctx.model.data["listeners"] = {}
    for mode in ("auto", "delayed"):
        for record in list(ctx.model.services.values()):
            if record.get("start_type") != mode or record.get("state") == "running":
                continue
            try:
                start_service(ctx, record)
            except OpError:
                halt(ctx, record)


def service_control(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Start or stop a service; a disabled service cannot be started (1058)."""
    a = Args("service.control", args, {"name", "state", "timeout"})
    name = _name(a)
    wanted = a.choice("state", CONTROL_STATES)
    a.number("timeout", DEFAULT_TIMEOUT)
    record = _require(ctx, "service.control", name)
    before = record.get("state", "stopped")
    after = "running" if wanted == "started" else "stopped"
    changed = before != after
    if changed and after == "running" and record.get("start_type") == "disabled":
        raise OpError("error", "service.control: " + ERROR_DISABLED.format(name=name))
    if changed and not ctx.check_mode:
        try:
            if after == "running":
                start_service(ctx, record)
            else:
                stop_service(ctx, record)
        except OpError as err:
            raise OpError(err.code, f"service.control: {err.message}") from None
    return {"changed": changed, "before": before, "after": after}


# -- service.remove ------------------------------------------------------------------


def service_remove(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Stop (when running) and delete a service; a missing service is not an error."""
    a = Args("service.remove", args, {"name", "timeout"})
    name = _name(a)
    a.number("timeout", DEFAULT_TIMEOUT)
    record = find_service(ctx, name)
    if record is None:
        return {"changed": False, "before": None, "after": None}
    before = _describe(record)
    if not ctx.check_mode:
        if record.get("state") == "running":
            stop_service(ctx, record)
        unregister_service(ctx.model, record["name"])
    return {"changed": True, "before": before, "after": None}


def service_password_matches(model: Model, name: str, password: str) -> bool:
    """Whether ``password`` is the one last applied to service ``name`` (tests only)."""
    record = model.services.get(fold(name)) or {}
    return record.get("password_sha256") == _digest(password)


def _targets(ctx: OpContext, args: dict[str, Any]) -> list[str]:
    """``SERVICE:\\<name>``, so a fault can pick one service."""
    name = args.get("name") if isinstance(args, dict) else None
    return [f"SERVICE:\\{name}"] if isinstance(name, str) else ["SERVICE:"]


OPS = [
    OpSpec("service.get", service_get, False, _targets),
    OpSpec("service.create", service_create, True, _targets),
    OpSpec("service.set", service_set, True, _targets),
    OpSpec("service.control", service_control, True, _targets),
    OpSpec("service.remove", service_remove, True, _targets),
]
