"""The registry model: a tree of keys with typed values, persisted as JSON.

Paths use the PowerShell drive form of the protocol (``HKLM:\\SOFTWARE\\...``,
``HKCU:\\...``, ``HKU:\\...``). ``HKCU`` is not a hive of its own: as on Windows
it is ``HKU\\<SID of the connected user>``, so each user of the simulated host
has a separate one. Key and value names compare case-insensitively and keep
the case they were created with.

A key is stored as ``{"name": str, "values": {FOLD: {"name", "type", "data"}},
"subkeys": {FOLD: key}}`` where ``data`` is already in the agent's JSON form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import OpError
from .names import fold

REG_TYPES = (
    "REG_SZ",
    "REG_EXPAND_SZ",
    "REG_MULTI_SZ",
    "REG_DWORD",
    "REG_QWORD",
    "REG_BINARY",
    "REG_NONE",
)
# Registry element size limits (learn.microsoft.com "Registry element size limits").
MAX_KEY_NAME = 255
MAX_VALUE_NAME = 16383
MAX_DEPTH = 512

HIVES = ("HKLM", "HKU")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})*$")

# Drive or long name -> (hive, path prefix inside the hive). "{sid}" is the
# connected user's SID: HKCU is a view of HKU\<SID>.
_ROOTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "HKLM": ("HKLM", ()),
    "HKEY_LOCAL_MACHINE": ("HKLM", ()),
    "HKU": ("HKU", ()),
    "HKEY_USERS": ("HKU", ()),
    "HKCU": ("HKU", ("{sid}",)),
    "HKEY_CURRENT_USER": ("HKU", ("{sid}",)),
    "HKCR": ("HKLM", ("SOFTWARE", "Classes")),
    "HKEY_CLASSES_ROOT": ("HKLM", ("SOFTWARE", "Classes")),
    "HKCC": ("HKLM", ("SYSTEM", "CurrentControlSet", "Hardware Profiles", "Current")),
    "HKEY_CURRENT_CONFIG": ("HKLM", ("SYSTEM", "CurrentControlSet", "Hardware Profiles",
                                     "Current")),
}


@dataclass(frozen=True)
class RegPath:
    """A key location: a hive (``HKLM`` or ``HKU``) and the key names below it."""

    hive: str
    parts: tuple[str, ...]

    def display(self) -> str:
        """The drive form, e.g. ``HKLM:\\SOFTWARE\\Go``."""
        return self.hive + ":\\" + "\\".join(self.parts)

    def child(self, name: str) -> RegPath:
        """The path of subkey ``name``."""
        return RegPath(self.hive, (*self.parts, name))

    def key(self) -> str:
        """A comparison key (folded display form)."""
        return fold(self.display())

    def is_under(self, other: RegPath) -> bool:
        """True when this path is ``other`` or below it (case-insensitive)."""
        if self.hive != other.hive or len(self.parts) < len(other.parts):
            return False
        return all(fold(a) == fold(b) for a, b in zip(self.parts, other.parts, strict=False))


def parse_path(path: Any, sid: str) -> RegPath:
    """Parse a registry path of the protocol; ``sid`` is what ``HKCU`` maps to.

    ``/`` is *not* a separator: the agent opens keys with
    ``Microsoft.Win32.Registry``, where ``RC4 128/128`` (an SCHANNEL cipher key)
    is one key name. Repeated and trailing backslashes are folded away as
    ``RegistryKey`` does.
    """
    if not isinstance(path, str) or not path:
        raise OpError("invalid_argument", "path must be a registry path such as HKLM:\\SOFTWARE")
    if "\x00" in path:
        raise OpError("invalid_argument", f"registry path '{path}' contains a NUL character")
    if path[:10].casefold() == "registry::":
        # Provider-qualified form: Registry::HKEY_LOCAL_MACHINE\SOFTWARE
        head, _sep, rest = path[10:].partition("\\")
    else:
        head, _sep, rest = path.partition("\\")
        if not head.endswith(":"):
            raise OpError(
                "invalid_argument",
                f"'{path}' is not a registry path: use HKLM:\\..., HKCU:\\... or HKU:\\...",
            )
        head = head[:-1]
    root = _ROOTS.get(head.upper())
    if root is None:
        raise OpError(
            "invalid_argument",
            f"'{path}' is not a registry path: the hive '{head}' does not exist "
            "(use HKLM:, HKCU:, HKU:, HKCR: or HKCC:)",
        )
    hive, prefix = root
    names = [p for p in rest.split("\\") if p]
    parts = tuple(sid if p == "{sid}" else p for p in prefix) + tuple(names)
    for name in parts:
        if len(name) > MAX_KEY_NAME:
            raise OpError(
                "too_long",
                f"registry key name '{name[:40]}...' is {len(name)} characters; "
                f"Windows allows {MAX_KEY_NAME}",
            )
    if len(parts) > MAX_DEPTH:
        raise OpError("too_long", f"registry path is {len(parts)} keys deep; Windows allows "
                      f"{MAX_DEPTH}")
    return RegPath(hive, parts)


def coerce_value(kind: Any, value: Any) -> Any:
    """Check ``value`` against registry type ``kind``; return it in the canonical JSON form.

    REG_DWORD/REG_QWORD are unsigned integers in range, REG_BINARY/REG_NONE
    even-length hex (returned lowercase), REG_MULTI_SZ a list of strings, the
    string types strings. No string may hold a NUL: Windows would cut it there.
    """
    if kind not in REG_TYPES:
        raise OpError("invalid_argument", f"type must be one of {', '.join(REG_TYPES)}, "
                      f"not {kind!r}")
    if kind in ("REG_SZ", "REG_EXPAND_SZ"):
        if not isinstance(value, str):
            raise OpError("invalid_argument", f"a {kind} value must be a string")
        _no_nul(value)
        return value
    if kind == "REG_MULTI_SZ":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise OpError("invalid_argument", "a REG_MULTI_SZ value must be a list of strings")
        for v in value:
            _no_nul(v)
        return list(value)
    if kind in ("REG_DWORD", "REG_QWORD"):
        bits = 32 if kind == "REG_DWORD" else 64
        if isinstance(value, bool) or not isinstance(value, int):
            raise OpError("invalid_argument", f"a {kind} value must be an integer")
        if not 0 <= value < 2**bits:
            raise OpError("invalid_argument",
                          f"a {kind} value must be between 0 and {2**bits - 1}, not {value}")
        return value
    if not isinstance(value, str) or not _HEX.match(value):
        raise OpError("invalid_argument", f"a {kind} value must be hex digits, two per byte")
    return value.lower()


def _no_nul(text: str) -> None:
    if "\x00" in text:
        raise OpError("invalid_argument", "registry strings cannot contain NUL characters")


def new_key(name: str) -> dict[str, Any]:
    """An empty key node."""
    return {"name": name, "values": {}, "subkeys": {}}


class RegistryTree:
    """Operations on the persisted key tree (the dict is shared with the model)."""

    def __init__(self, hives: dict[str, dict[str, Any]]) -> None:
        self.hives = hives
        for hive in HIVES:
            hives.setdefault(hive, new_key(hive))

    def open(self, path: RegPath) -> dict[str, Any] | None:
        """The key node at ``path``, or None when a key on the way is missing."""
        node = self.hives[path.hive]
        for name in path.parts:
            node = node["subkeys"].get(fold(name))
            if node is None:
                return None
        return node

    def create(self, path: RegPath) -> dict[str, Any]:
        """Open ``path``, creating missing keys with the case given (``CreateSubKey``)."""
        node = self.hives[path.hive]
        for name in path.parts:
            sub = node["subkeys"].get(fold(name))
            if sub is None:
                sub = node["subkeys"][fold(name)] = new_key(name)
            node = sub
        return node

    def missing_depth(self, path: RegPath) -> int:
        """How many keys at the front of ``path`` already exist."""
        node = self.hives[path.hive]
        for depth, name in enumerate(path.parts):
            node = node["subkeys"].get(fold(name))
            if node is None:
                return depth
        return len(path.parts)

    @staticmethod
    def get_value(node: dict[str, Any], name: str) -> dict[str, Any] | None:
        """``{"type", "value"}`` of value ``name`` of the key, or None."""
        entry = node["values"].get(fold(name))
        if entry is None:
            return None
        return {"type": entry["type"], "value": _copy(entry["data"])}

    @staticmethod
    def stored_value_name(node: dict[str, Any], name: str) -> str | None:
        """The stored spelling of value ``name``, or None."""
        entry = node["values"].get(fold(name))
        return entry["name"] if entry else None

    @staticmethod
    def set_value(node: dict[str, Any], name: str, kind: str, data: Any) -> None:
        """Create or replace a value; an existing value keeps its stored name."""
        entry = node["values"].get(fold(name))
        stored = entry["name"] if entry else name
        node["values"][fold(name)] = {"name": stored, "type": kind, "data": _copy(data)}

    @staticmethod
    def delete_value(node: dict[str, Any], name: str) -> bool:
        """Delete a value; False when it did not exist."""
        return node["values"].pop(fold(name), None) is not None

    def delete_key(self, path: RegPath) -> bool:
        """Delete a key and its subkeys (``DeleteSubKeyTree``); False when missing."""
        if not path.parts:
            raise OpError("invalid_argument", "a hive root cannot be deleted")
        parent = self.open(RegPath(path.hive, path.parts[:-1]))
        if parent is None:
            return False
        return parent["subkeys"].pop(fold(path.parts[-1]), None) is not None

    @staticmethod
    def values(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """All values of a key by stored name, in creation order (as RegEnumValue)."""
        return {
            e["name"]: {"type": e["type"], "value": _copy(e["data"])}
            for e in node["values"].values()
        }

    @staticmethod
    def subkey_names(node: dict[str, Any]) -> list[str]:
        """Stored names of the subkeys, sorted as RegEnumKeyEx returns them."""
        return sorted((k["name"] for k in node["subkeys"].values()), key=fold)

    def walk(self, node: dict[str, Any], path: RegPath) -> Iterator[tuple[RegPath, dict]]:
        """Yield every key below (and including) ``node``."""
        yield path, node
        for sub in node["subkeys"].values():
            yield from self.walk(sub, path.child(sub["name"]))


def _copy(data: Any) -> Any:
    return list(data) if isinstance(data, list) else data
