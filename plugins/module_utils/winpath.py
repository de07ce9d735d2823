"""Windows path rules, as pure functions.

The controller validates every path before a batch is sent, and the simulated
host applies the same rules, so a path Windows would refuse is refused
everywhere with the same message.
"""

from __future__ import annotations

import re

MAX_PATH = 260
MAX_COMPONENT = 255  # NTFS limit for one file or directory name
_DRIVE = re.compile(r"^[A-Za-z]:\\")
_INVALID_CHARS = frozenset('<>:"|?*')
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)


class WindowsPathError(ValueError):
    """A path Windows would refuse; ``code`` is the agent error code."""

    def __init__(self, message: str, code: str = "invalid_argument") -> None:
        super().__init__(message)
        self.code = code


def normalize(path: str) -> str:
    """Return ``path`` with ``/`` as ``\\``, repeated separators folded, no trailing ``\\``.

    A drive root keeps its backslash (``C:\\``). UNC paths keep their leading ``\\\\``.
    """
    p = path.replace("/", "\\")
    unc = p.startswith("\\\\")
    body = re.sub(r"\\{2,}", "\\\\", p[2:] if unc else p)
    p = ("\\\\" + body) if unc else body
    if len(p) > 3 and p.endswith("\\"):
        p = p.rstrip("\\")
    if re.fullmatch(r"[A-Za-z]:", p):
        p += "\\"
    return p


def is_unc(path: str) -> bool:
    """True for ``\\\\server\\share\\...`` paths."""
    return normalize(path).startswith("\\\\")


def components(path: str) -> list[str]:
    """Split a normalized absolute path into its root and its components.

    ``C:\\a\\b`` gives ``["C:", "a", "b"]``; ``\\\\srv\\share\\a`` gives
    ``["\\\\srv\\share", "a"]``.
    """
    p = normalize(path)
    if p.startswith("\\\\"):
        parts = p[2:].split("\\")
        return ["\\\\" + "\\".join(parts[:2])] + [c for c in parts[2:] if c]
    parts = p.split("\\")
    return [parts[0]] + [c for c in parts[1:] if c]


def validate(path: str, what: str = "path") -> str:
    """Check an absolute Windows path and return it normalized.

    Raises :class:`WindowsPathError` with a message naming ``what`` for a
    relative path, a ``..`` component, a reserved device name, a forbidden
    character, or a path of ``MAX_PATH`` characters or more.
    """
    if not isinstance(path, str) or not path.strip():
        raise WindowsPathError(f"{what} must be a non-empty absolute Windows path")
    if "\x00" in path:
        raise WindowsPathError(f"{what} contains a NUL character")
    p = normalize(path)
    if p.startswith("\\\\"):
        parts = p[2:].split("\\")
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise WindowsPathError(
                f"{what} '{path}' is not a valid UNC path (\\\\server\\share\\...)"
            )
        rest = parts[2:]
    elif _DRIVE.match(p):
        rest = [c for c in p[3:].split("\\") if c]
    else:
        raise WindowsPathError(
            f"{what} '{path}' is not absolute: use a drive path (C:\\...) or a UNC path"
        )
    for comp in rest:
        if comp in (".", ".."):
            raise WindowsPathError(f"{what} '{path}' must not contain '.' or '..' components")
        bad = sorted(set(comp) & _INVALID_CHARS)
        if bad or any(ord(ch) < 32 for ch in comp):
            shown = "".join(bad) or "control characters"
            raise WindowsPathError(f"{what} '{path}' contains characters Windows forbids: {shown}")
        if comp.split(".")[0].rstrip(" ").upper() in _RESERVED:
            raise WindowsPathError(f"{what} '{path}' uses the reserved device name '{comp}'")
        if len(comp) > MAX_COMPONENT:
            raise WindowsPathError(
                f"{what} '{path}' has a component longer than {MAX_COMPONENT} characters",
                code="too_long",
            )
        if comp.endswith((" ", ".")):
            raise WindowsPathError(
                f"{what} '{path}' has a component ending in a space or dot, which Windows strips"
            )
    if len(p) >= MAX_PATH:
        raise WindowsPathError(
            f"{what} is {len(p)} characters; Windows paths must be shorter than {MAX_PATH}",
            code="too_long",
        )
    return p


def join(base: str, *parts: str) -> str:
    """Join Windows path parts with ``\\`` and normalize the result."""
    out = normalize(base)
    for part in parts:
        part = part.replace("/", "\\").strip("\\")
        if part:
            out = out.rstrip("\\") + "\\" + part
    return normalize(out)


def parent(path: str) -> str:
    """The parent directory of an absolute path (a root is its own parent)."""
    comps = components(path)
    if len(comps) <= 1:
        return normalize(path)
    return join(comps[0] + ("" if comps[0].startswith("\\\\") else "\\"), *comps[1:-1])


def same_path(a: str, b: str) -> bool:
    """Compare two Windows paths the way Windows does: case-insensitively, normalized."""
    return normalize(a).casefold() == normalize(b).casefold()
