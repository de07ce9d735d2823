"""Windows ``PATH`` values as lists of entries, merged without disturbing anything else.

Pure functions over the value exactly as stored in the registry (``env.get``
never expands it). An entry is compared with another the way Windows finds
programs: case-insensitively, ``/`` as ``\\``, a trailing ``\\`` ignored,
surrounding quotes ignored, and ``%NAME%`` references compared through an
optional ``expand`` callable (the value itself keeps them unexpanded).

Entries this module does not touch keep their text, their order and their
empty neighbours (``a;;b``); only the entries a caller places or removes move.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

# A Windows environment variable holds at most 32767 characters (the limit
# env.set enforces); a PATH that would be longer is refused here, before any
# round trip, with a message that says so.
MAX_PATH_VALUE = 32767

Expander = Callable[[str], str]

_REFERENCE = re.compile(r"%([^%;=\\\s][^%;=\\]*)%")


class PathTooLongError(ValueError):
    """The merged PATH would exceed what Windows stores in one variable."""


def split(value: str | None) -> list[str]:
    """The entries of a PATH value, empty ones included (``"a;;b;"`` -> ``a, '', b, ''``)."""
    if not value:
        return []
    return value.split(";")


def join(entries: Iterable[str]) -> str:
    """The PATH value of a list of entries."""
    return ";".join(entries)


def expander(variables: Mapping[str, str | None]) -> Expander:
    """An ``expand`` callable for ``%NAME%`` references, names matched case-insensitively.

    Unknown references stay as written (as ``ExpandEnvironmentStrings`` leaves them).
    """
    table = {k.casefold(): v for k, v in variables.items() if v}

    def expand(text: str) -> str:
        return _REFERENCE.sub(lambda m: table.get(m.group(1).casefold(), m.group(0)), text)

    return expand


def normalize(entry: str, expand: Expander | None = None) -> str:
    """The comparison key of one entry ('' for an empty one)."""
    text = entry.strip().strip('"').strip()
    if expand is not None:
        text = expand(text)
    text = text.replace("/", "\\")
    unc = text.startswith("\\\\")
    text = ("\\" if unc else "") + re.sub(r"\\{2,}", r"\\", text)
    if not re.fullmatch(r"[A-Za-z]:\\", text):
        text = text.rstrip("\\")
    return text.casefold()


def same_entry(a: str, b: str, expand: Expander | None = None) -> bool:
    """True when two entries name the same directory (empty entries match nothing)."""
    key = normalize(a, expand)
    return bool(key) and key == normalize(b, expand)


def index_of(entries: list[str], entry: str, expand: Expander | None = None) -> int | None:
    """Position of the first entry naming the same directory as ``entry``, or None."""
    for position, item in enumerate(entries):
        if same_entry(item, entry, expand):
            return position
    return None


def contains(value: str | None, entry: str, expand: Expander | None = None) -> bool:
    """True when the PATH value holds ``entry`` (in any spelling)."""
    return index_of(split(value), entry, expand) is not None


def remove(value: str | None, entries: Iterable[str], expand: Expander | None = None) -> str:
    """The value without every entry naming one of ``entries``; the rest is untouched."""
    wanted = [e for e in entries if normalize(e, expand)]
    kept = [item for item in split(value) if not any(same_entry(item, w, expand) for w in wanted)]
    return join(kept)


def _check_length(result: str) -> str:
    if len(result) > MAX_PATH_VALUE:
        raise PathTooLongError(
            f"the PATH would be {len(result)} characters; Windows stores at most "
            f"{MAX_PATH_VALUE} in one environment variable. Remove unused entries first."
        )
    return result


def place_first(value: str | None, entry: str, expand: Expander | None = None) -> str:
    """``entry`` as the first entry, exactly once; everything else keeps its order."""
    rest = split(remove(value, [entry], expand))
    return _check_length(join([entry, *rest]))


def ensure_before(
    value: str | None,
    entry: str,
    others: Iterable[str],
    expand: Expander | None = None,
) -> str:
    """``entry`` exactly once, ahead of every entry naming one of ``others``.

    When ``entry`` is already there and ahead of all of them, its first
    occurrence stays where it is (with its spelling) and only duplicates go.
    Otherwise it is placed right before the first of ``others``, or at the end
    when none of them is in the value. Nothing else moves. A value that would
    exceed :data:`MAX_PATH_VALUE` is refused with :class:`PathTooLongError`.
    """
    entries = split(value)
    other_keys = [normalize(o, expand) for o in others]
    other_keys = [k for k in other_keys if k and k != normalize(entry, expand)]

    def is_other(item: str) -> bool:
        return normalize(item, expand) in other_keys

    first_other = next((i for i, item in enumerate(entries) if is_other(item)), None)
    mine = [i for i, item in enumerate(entries) if same_entry(item, entry, expand)]
    if mine and (first_other is None or mine[0] < first_other):
        keep = mine[0]
        result = [item for i, item in enumerate(entries) if i == keep or i not in mine]
        return _check_length(join(result))
    rest = [item for i, item in enumerate(entries) if i not in mine]
    if first_other is None:
        # Append, reusing a trailing empty entry ("a;b;" -> "a;b;new"), as Windows' own
        # dialogs do, so the value does not grow an empty entry on every run.
        if rest and rest[-1] == "":
            rest[-1] = entry
        else:
            rest.append(entry)
        return _check_length(join(rest))
    target = next(i for i, item in enumerate(rest) if is_other(item))
    rest.insert(target, entry)
    return _check_length(join(rest))
