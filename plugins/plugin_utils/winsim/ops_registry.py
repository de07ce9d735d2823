"""reg.get, reg.set, reg.remove on the registry model."""

from __future__ import annotations

from typing import Any

from .args import Args
from .context import OpContext
from .errors import OpError
from .opspec import OpSpec
from .registry import MAX_VALUE_NAME, REG_TYPES, RegPath, coerce_value


def _targets(ctx: OpContext, args: dict[str, Any]) -> list[str]:
    path = args.get("path") if isinstance(args, dict) else None
    if not isinstance(path, str):
        return []
    try:
        return [path, ctx.reg_path(path).display()]
    except OpError:
        return [path]


def _value_name(a: Args) -> str:
    name = a.str("name")
    if len(name) > MAX_VALUE_NAME:
        raise OpError("too_long", f"registry value names are at most {MAX_VALUE_NAME} "
                      f"characters, not {len(name)}")
    return name


def reg_get(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """One value, or a key's values and subkeys; a missing key or value is not an error."""
    a = Args("reg.get", args, {"path", "name"})
    path = ctx.reg_path(a.str("path"))
    node = ctx.model.registry.open(path)
    if a.has("name") and a.raw("name") is not None:
        name = _value_name(a)
        entry = ctx.model.registry.get_value(node, name) if node else None
        return {
            "changed": False,
            "key_exists": node is not None,
            "exists": entry is not None,
            "type": entry["type"] if entry else None,
            "value": entry["value"] if entry else None,
        }
    if node is None:
        return {"changed": False, "key_exists": False, "values": {}, "subkeys": []}
    return {
        "changed": False,
        "key_exists": True,
        "values": ctx.model.registry.values(node),
        "subkeys": ctx.model.registry.subkey_names(node),
    }


def _expected(a: Args, before: dict[str, Any] | None, path: RegPath, name: str) -> None:
    if not a.has("expected"):
        return
    expected = a.raw("expected")
    if expected is None:
        ok = before is None
    elif isinstance(expected, dict):
        if set(expected) - {"type", "value"} or "value" not in expected:
            raise OpError("invalid_argument", "reg.set: 'expected' must be {type, value} or null")
        kind = expected.get("type") or (before or {}).get("type")
        try:
            want = {"type": kind, "value": coerce_value(kind, expected["value"])}
        except OpError:
            want = None
        ok = before is not None and want == before
    else:
        ok = before is not None and before["value"] == expected
    if not ok:
        raise OpError(
            "conflict",
            f"value '{name}' of {path.display()} is not what the caller last read "
            f"(now {before!r}); read it again and retry",
        )


def reg_set(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Compare-and-set one value, creating missing keys."""
    a = Args("reg.set", args, {"path", "name", "type", "value", "expected"})
    path = ctx.reg_path(a.str("path"))
    name = _value_name(a)
    kind = a.choice("type", REG_TYPES)
    if not a.has("value"):
        raise OpError("invalid_argument", "reg.set: missing argument 'value'")
    data = coerce_value(kind, a.raw("value"))
    reg = ctx.model.registry
    node = reg.open(path)
    before = reg.get_value(node, name) if node else None
    _expected(a, before, path, name)
    if reg.missing_depth(path) == 0:
        # Only the predefined keys live at a hive root; values cannot either.
        raise OpError("access_denied",
                      f"Requested registry access is not allowed: {path.display()}")
    after = {"type": kind, "value": data}
    changed = before != after
    if changed and not ctx.check_mode:
        ctx.disk_check(f"registry value {name}")
        reg.set_value(reg.create(path), name, kind, data)
    return {"changed": changed, "before": before, "after": after}


def reg_remove(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Delete a value, or a key with its subkeys; missing is no change."""
    a = Args("reg.remove", args, {"path", "name"})
    path = ctx.reg_path(a.str("path"))
    reg = ctx.model.registry
    node = reg.open(path)
    if a.has("name") and a.raw("name") is not None:
        name = _value_name(a)
        before = reg.get_value(node, name) if node else None
        if before is not None and not ctx.check_mode:
            reg.delete_value(node, name)
        return {"changed": before is not None, "before": before, "after": None}
    if len(path.parts) <= 1:
        raise OpError("access_denied",
                      f"Cannot delete a registry hive or its top keys: {path.display()}")
    if node is None:
        return {"changed": False, "before": None, "after": None}
    before = {"values": reg.values(node), "subkeys": reg.subkey_names(node)}
    if not ctx.check_mode:
        reg.delete_key(path)
    return {"changed": True, "before": before, "after": None}


OPS = [
    OpSpec("reg.get", reg_get, False, _targets),
    OpSpec("reg.set", reg_set, True, _targets),
    OpSpec("reg.remove", reg_remove, True, _targets),
]
