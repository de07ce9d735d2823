"""env.get, env.set, env.remove: the machine and user environment keys."""

from __future__ import annotations

from typing import Any

from .args import Args
from .context import OpContext
from .environment import MACHINE_ENV, MAX_ENV_VALUE, choose_type, user_env_path
from .errors import OpError
from .names import fold
from .opspec import OpSpec
from .registry import RegPath

SCOPES = ("machine", "user")
_SCOPE_ALIASES = {
    "machine": r"HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Environment",
    "user": r"HKCU:\Environment",
}


def _key(ctx: OpContext, scope: str) -> RegPath:
    return MACHINE_ENV if scope == "machine" else user_env_path(ctx.sid)


def _targets(ctx: OpContext, args: dict[str, Any]) -> list[str]:
    scope = args.get("scope") if isinstance(args, dict) else None
    if scope not in SCOPES:
        return []
    return [scope, _SCOPE_ALIASES[scope], _key(ctx, scope).display()]


def _name(a: Args) -> str:
    name = a.str("name")
    if not name or "=" in name or "\x00" in name:
        raise OpError("invalid_argument",
                      f"{a.op}: '{name}' is not a valid environment variable name")
    return name


def _current(ctx: OpContext, scope: str, name: str) -> dict[str, Any] | None:
    node = ctx.model.registry.open(_key(ctx, scope))
    return ctx.model.registry.get_value(node, name) if node else None


def _check_expected(a: Args, before: dict[str, Any] | None, name: str) -> None:
    if not a.has("expected"):
        return
    expected = a.raw("expected")
    if isinstance(expected, dict):
        expected = expected.get("value")
    if expected is not None and not isinstance(expected, str):
        raise OpError("invalid_argument", f"{a.op}: 'expected' must be a string or null")
    current = before["value"] if before else None
    if expected != current:
        state = "absent" if current is None else "a different value"
        raise OpError(
            "conflict",
            f"environment variable '{name}' is {state} on the host, not what the caller "
            "last read; read it again and retry",
        )


def env_get(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Values of an environment key, never expanded; missing names are left out."""
    a = Args("env.get", args, {"scope", "names"})
    scope = a.choice("scope", SCOPES)
    names = a.str_list("names")
    node = ctx.model.registry.open(_key(ctx, scope))
    values = ctx.model.registry.values(node) if node else {}
    values.pop("", None)
    if names is not None:
        wanted = {fold(n) for n in names}
        values = {k: v for k, v in values.items() if fold(k) in wanted}
    return {"changed": False, "vars": values}


def env_set(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Compare-and-set one variable; the type rule is in ``environment.choose_type``."""
    a = Args("env.set", args, {"scope", "name", "value", "type", "expected"})
    scope = a.choice("scope", SCOPES)
    name = _name(a)
    value = a.str("value")
    kind = a.choice("type", ("REG_SZ", "REG_EXPAND_SZ"), required=False)
    if "\x00" in value:
        raise OpError("invalid_argument", "env.set: the value contains a NUL character")
    if len(value) > MAX_ENV_VALUE:
        raise OpError(
            "too_long",
            f"the value of '{name}' is {len(value)} characters; Windows environment "
            f"variables hold at most {MAX_ENV_VALUE}",
        )
    before = _current(ctx, scope, name)
    _check_expected(a, before, name)
    after = {"value": value, "type": choose_type(value, kind, before["type"] if before else None)}
    changed = before != after
    if changed and not ctx.check_mode:
        ctx.disk_check(f"environment variable {name}")
        reg = ctx.model.registry
        reg.set_value(reg.create(_key(ctx, scope)), name, after["type"], value)
        ctx.env_changed = True
    return {"changed": changed, "before": before, "after": after}


def env_remove(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Delete one variable (missing is no change)."""
    a = Args("env.remove", args, {"scope", "name", "expected"})
    scope = a.choice("scope", SCOPES)
    name = _name(a)
    before = _current(ctx, scope, name)
    _check_expected(a, before, name)
    changed = before is not None
    if changed and not ctx.check_mode:
        reg = ctx.model.registry
        node = reg.open(_key(ctx, scope))
        if node is not None:
            reg.delete_value(node, name)
        ctx.env_changed = True
    return {"changed": changed, "before": before, "after": None}


OPS = [
    OpSpec("env.get", env_get, False, _targets),
    OpSpec("env.set", env_set, True, _targets),
    OpSpec("env.remove", env_remove, True, _targets),
]
