"""Case-insensitive names the way Windows compares them.

NTFS, the registry and the environment block compare names through an upcase
table that maps one UTF-16 unit to one unit. Python's ``casefold``/``upper``
also apply multi-character mappings (``"ß".upper() == "SS"``), which Windows
never does, so ``Straße`` and ``STRASSE`` would wrongly collide. :func:`fold`
upper-cases character by character and keeps characters whose upper case is
longer than one character.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=65536)
def fold(name: str) -> str:
    """Return the comparison key of ``name`` (simple per-character upper case)."""
    if name.isascii():
        return name.upper()
    out = []
    for ch in name:
        up = ch.upper()
        out.append(up if len(up) == 1 else ch)
    return "".join(out)


def same(a: str, b: str) -> bool:
    """True when Windows would consider the two names equal."""
    return fold(a) == fold(b)
