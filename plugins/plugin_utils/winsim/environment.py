"""Environment variables as Windows builds them.

Machine variables live in ``HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session
Manager\\Environment`` and a user's in ``HKU\\<SID>\\Environment``. A new
process gets the block ``CreateEnvironmentBlock`` builds, in this order:

1. system-defined variables (``SystemRoot``, ``ProgramFiles``, ``ProgramData``,
   ``COMPUTERNAME``, ...) derived from their registry sources, and ``USERPROFILE``;
2. the machine key: ``REG_SZ`` values first, then ``REG_EXPAND_SZ`` values,
   expanded against what is defined so far;
3. ``USERNAME``/``USERDOMAIN`` of the logged-on user;
4. the user key, the same way, except that ``Path`` is appended to the machine
   ``Path`` with ``;`` instead of replacing it;
5. ``HKCU\\Volatile Environment`` (``APPDATA``, ``LOCALAPPDATA``, ...). This comes
   last, which is why Windows seeds the user ``TEMP`` as
   ``%USERPROFILE%\\AppData\\Local\\Temp`` and not ``%LOCALAPPDATA%\\Temp``.

Services are started by services.exe, which read the machine key once at boot:
:func:`service_env` uses the model's ``boot_env`` snapshot instead of the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from .names import fold
from .registry import RegistryTree, RegPath

MACHINE_ENV = RegPath(
    "HKLM", ("SYSTEM", "CurrentControlSet", "Control", "Session Manager", "Environment")
)
SYSTEM_SID = "S-1-5-18"
# Variables whose user value is appended to the machine value (userenv.dll).
_APPENDED = frozenset({"PATH", "LIBPATH", "OS2LIBPATH"})
# A %NAME% reference: no separators or '=' inside, not starting with a blank, so
# "50% off and 20% on" is not one.
_REFERENCE = re.compile(r"%[^%;=\\\s][^%;=\\]*%")
MAX_ENV_VALUE = 32767


def user_env_path(sid: str) -> RegPath:
    """The registry key of a user's environment."""
    return RegPath("HKU", (sid, "Environment"))


def volatile_env_path(sid: str) -> RegPath:
    """The registry key of a user's logon-time variables."""
    return RegPath("HKU", (sid, "Volatile Environment"))


class EnvBlock:
    """An environment block: case-insensitive names that keep the case first stored."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._vars: dict[str, tuple[str, str]] = {}
        for name, value in items:
            self.set(name, value)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of ``name`` or ``default``."""
        entry = self._vars.get(fold(name))
        return entry[1] if entry else default

    def set(self, name: str, value: str) -> None:
        """Set ``name``; an existing variable keeps its stored name."""
        entry = self._vars.get(fold(name))
        self._vars[fold(name)] = (entry[0] if entry else name, value)

    def remove(self, name: str) -> None:
        """Remove ``name`` if present."""
        self._vars.pop(fold(name), None)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and fold(name) in self._vars

    def __iter__(self) -> Iterator[str]:
        return (entry[0] for entry in self._vars.values())

    def items(self) -> list[tuple[str, str]]:
        """(stored name, value) pairs."""
        return list(self._vars.values())

    def copy(self) -> EnvBlock:
        """An independent copy."""
        return EnvBlock(self.items())


def expand(text: str, env: EnvBlock) -> str:
    """``ExpandEnvironmentStrings``: replace ``%NAME%`` with its value, once.

    An undefined reference stays as written, and its closing ``%`` may open the
    next reference, as in Windows. The result is not expanded again.
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        start = text.find("%", i)
        if start < 0:
            out.append(text[i:])
            break
        out.append(text[i:start])
        end = text.find("%", start + 1)
        if end < 0:
            out.append(text[start:])
            break
        name = text[start + 1:end]
        value = env.get(name) if name else None
        if value is None:
            out.append(text[start:end])
            i = end
        else:
            out.append(value)
            i = end + 1
    return "".join(out)


def has_reference(value: str) -> bool:
    """True when ``value`` contains a ``%NAME%`` reference."""
    return bool(_REFERENCE.search(value))


def choose_type(value: str, given: str | None, existing: str | None) -> str:
    """The env.set type rule: given type; else EXPAND for references; else existing; else SZ."""
    if given:
        return given
    if has_reference(value):
        return "REG_EXPAND_SZ"
    return existing or "REG_SZ"


def read_env_key(registry: RegistryTree, path: RegPath) -> dict[str, dict[str, Any]]:
    """The string values of an environment key: stored name -> {value, type}."""
    node = registry.open(path)
    if node is None:
        return {}
    return {
        name: entry
        for name, entry in registry.values(node).items()
        if entry["type"] in ("REG_SZ", "REG_EXPAND_SZ") and name
    }


def _apply_key(env: EnvBlock, values: dict[str, dict[str, Any]], append: bool) -> None:
    # Windows makes two passes over a key: plain strings, then expandable ones.
    for wanted in ("REG_SZ", "REG_EXPAND_SZ"):
        for name, entry in values.items():
            if entry["type"] != wanted:
                continue
            value = entry["value"] if wanted == "REG_SZ" else expand(entry["value"], env)
            current = env.get(name)
            if append and fold(name) in _APPENDED and current:
                value = current + ("" if current.endswith(";") else ";") + value
            env.set(name, value)


def _reg_str(registry: RegistryTree, path: RegPath, name: str) -> str | None:
    node = registry.open(path)
    entry = registry.get_value(node, name) if node else None
    return entry["value"] if entry and isinstance(entry["value"], str) else None


def system_block(registry: RegistryTree, profile: str) -> EnvBlock:
    """Step 1: the system-defined variables and ``USERPROFILE``."""
    env = EnvBlock()
    nt = RegPath("HKLM", ("SOFTWARE", "Microsoft", "Windows NT", "CurrentVersion"))
    cv = RegPath("HKLM", ("SOFTWARE", "Microsoft", "Windows", "CurrentVersion"))
    plist = nt.child("ProfileList")
    system_root = _reg_str(registry, nt, "SystemRoot") or r"C:\Windows"
    env.set("SystemDrive", system_root[:2])
    env.set("SystemRoot", system_root)
    for var, key, value_name in (
        ("CommonProgramFiles", cv, "CommonFilesDir"),
        ("CommonProgramFiles(x86)", cv, "CommonFilesDir (x86)"),
        ("CommonProgramW6432", cv, "CommonW6432Dir"),
        ("ProgramFiles", cv, "ProgramFilesDir"),
        ("ProgramFiles(x86)", cv, "ProgramFilesDir (x86)"),
        ("ProgramW6432", cv, "ProgramW6432Dir"),
    ):
        value = _reg_str(registry, key, value_name)
        if value is not None:
            env.set(var, expand(value, env))
    data = _reg_str(registry, plist, "ProgramData")
    if data is not None:
        env.set("ALLUSERSPROFILE", expand(data, env))
        env.set("ProgramData", expand(data, env))
    public = _reg_str(registry, plist, "Public")
    if public is not None:
        env.set("PUBLIC", expand(public, env))
    computer = _reg_str(
        registry,
        RegPath("HKLM", ("SYSTEM", "CurrentControlSet", "Control", "ComputerName",
                         "ComputerName")),
        "ComputerName",
    )
    if computer:
        env.set("COMPUTERNAME", computer)
    env.set("USERPROFILE", profile)
    return env


def build_env(
    registry: RegistryTree,
    sid: str,
    profile: str,
    identity: dict[str, str],
    machine_values: dict[str, dict[str, Any]] | None = None,
) -> EnvBlock:
    """A new process's environment for user ``sid`` (see the module docstring)."""
    env = system_block(registry, profile)
    machine = read_env_key(registry, MACHINE_ENV) if machine_values is None else machine_values
    _apply_key(env, machine, append=False)
    for name, value in identity.items():
        env.set(name, value)
    _apply_key(env, read_env_key(registry, user_env_path(sid)), append=True)
    _apply_key(env, read_env_key(registry, volatile_env_path(sid)), append=False)
    return env


def service_env(registry: RegistryTree, boot_env: dict[str, dict[str, Any]],
                hostname: str) -> EnvBlock:
    """The environment of a LocalSystem service: machine variables as read at boot."""
    profile = r"C:\Windows\system32\config\systemprofile"
    identity = {"USERNAME": hostname + "$", "USERDOMAIN": "WORKGROUP"}
    return build_env(registry, SYSTEM_SID, profile, identity, machine_values=boot_env)
