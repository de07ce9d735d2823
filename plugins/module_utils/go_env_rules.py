"""Controller-side rules for Go environment variables (win_go_env).

Pure functions: each checks one value the way the ``go`` command reads it and
raises :class:`GoEnvError` (a ``ValueError``) with a message that says what is
wrong and what is expected. Nothing is sent to a host before these pass.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import go_facts, winpath

# Names whose values are masked in diffs and results.
SECRET_MARKERS = ("TOKEN", "PASSWORD", "SECRET", "KEY")
MASK = "********"

PATH_VARIABLES = frozenset({"GOBIN", "GOCACHE", "GOMODCACHE", "GOTMPDIR", "GOTELEMETRYDIR"})
GLOB_LISTS = frozenset({"GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE"})
CHOICES = {
    "GO111MODULE": ("on", "off", "auto"),
    "GOTELEMETRY": ("on", "off", "local"),
    "CGO_ENABLED": ("0", "1"),
}
# The checksum databases Go knows by name (no key needed).
KNOWN_SUMDBS = ("sum.golang.org", "sum.golang.google.cn")

_REF = r"%[^%;=\\\s][^%;=\\]*%"
_LEADING_REF = re.compile(rf"^{_REF}(?:[\\/].*)?$")
_TOOLCHAIN = re.compile(
    r"^(?:auto|path|(?:local|go1(?:\.\d+){1,2}(?:(?:rc|beta)\d+)?)(?:\+(?:auto|path))?)$"
)
_SUMDB_KEY = re.compile(r"^[^+\s]+\+[0-9a-fA-F]{8}\+[A-Za-z0-9+/]+=*$")
_NAME = re.compile(r"^[^=\x00\s][^=\x00]*$")


class GoEnvError(ValueError):
    """A Go environment value the go command would reject or misread."""


def is_secret(name: str) -> bool:
    """True for a name whose value is masked (TOKEN, PASSWORD, SECRET, KEY in it)."""
    upper = name.upper()
    return any(marker in upper for marker in SECRET_MARKERS)


def shown(name: str, value: Any) -> Any:
    """``value`` as it may appear in a diff or result."""
    return MASK if value is not None and is_secret(name) else value


def check_name(name: Any) -> str:
    """A valid environment variable name (no ``=``, no NUL, not blank)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise GoEnvError(f"{name!r} is not a valid environment variable name")
    return name


def check_windows_path(name: str, value: str) -> None:
    """An absolute drive or UNC path, or one that starts with a ``%VAR%`` reference."""
    if _LEADING_REF.match(value):
        return
    try:
        winpath.validate(value, name)
    except ValueError as err:
        raise GoEnvError(str(err)) from None


def check_gopath(value: str) -> None:
    """GOPATH: one or more absolute paths separated by ``;``."""
    entries = value.split(";")
    if any(not e.strip() for e in entries):
        raise GoEnvError("GOPATH has an empty entry; separate absolute paths with a single ';'")
    for entry in entries:
        check_windows_path("GOPATH", entry)


def check_goproxy(value: str) -> list[str]:
    """GOPROXY: URLs, ``direct``, ``off`` joined by ``,`` or ``|``; returns warnings."""
    warnings: list[str] = []
    parts = re.split(r"[,|]", value)
    stop = None
    for position, raw in enumerate(parts, start=1):
        item = raw.strip()
        if not item:
            raise GoEnvError(f"GOPROXY entry {position} is empty; separate entries with ',' or '|'")
        if stop is not None:
            warnings.append(f"GOPROXY: '{item}' follows '{stop}' and is never used")
            continue
        if item in ("direct", "off"):
            stop = item
            continue
        if "://" in item:
            scheme = item.split("://", 1)[0].lower()
            if scheme not in ("http", "https", "file"):
                raise GoEnvError(
                    f"GOPROXY entry '{item}' has scheme '{scheme}'; use https, http or file"
                )
            if scheme != "file" and not item.split("://", 1)[1].strip("/"):
                raise GoEnvError(f"GOPROXY entry '{item}' has no host")
            continue
        if re.search(r"[.:/]", item) and not re.search(r"\s", item):
            continue  # Go adds https:// to a host name such as proxy.example.com
        raise GoEnvError(
            f"GOPROXY entry '{item}' is not a URL, 'direct' or 'off'"
        )
    return warnings


def check_gosumdb(value: str) -> None:
    """GOSUMDB: ``off``, a known name, ``name+key`` or ``name+key url``."""
    fields = value.split()
    if not fields:
        raise GoEnvError("GOSUMDB is empty; use 'off', 'sum.golang.org' or 'name+key [url]'")
    if len(fields) > 2:
        raise GoEnvError(f"GOSUMDB '{value}' has too many fields; use 'name+key [url]'")
    first = fields[0]
    if first == "off":
        if len(fields) > 1:
            raise GoEnvError("GOSUMDB 'off' takes no URL")
        return
    if "+" not in first:
        if first not in KNOWN_SUMDBS:
            raise GoEnvError(
                f"GOSUMDB '{first}' needs a verifier key (name+hash+key); only "
                + " and ".join(KNOWN_SUMDBS) + " are known by name"
            )
    elif not _SUMDB_KEY.match(first):
        raise GoEnvError(
            f"GOSUMDB key '{first}' is malformed; expected name+<8 hex digits>+<base64 key>"
        )
    if len(fields) == 2 and not re.match(r"^https?://\S+$", fields[1]):
        raise GoEnvError(f"GOSUMDB URL '{fields[1]}' must be an http(s) URL")


def check_glob_list(name: str, value: str) -> None:
    """GOPRIVATE-style lists: comma-separated module path patterns (Go's path.Match)."""
    for pattern in value.split(","):
        if not pattern:
            continue
        if "://" in pattern:
            raise GoEnvError(
                f"{name} pattern '{pattern}' is a URL; use a module path pattern "
                "such as example.com/private or *.corp.example.com"
            )
        if re.search(r"[\s\\]", pattern):
            raise GoEnvError(
                f"{name} pattern '{pattern}' contains a space or backslash; patterns are "
                "module paths separated by ','"
            )
        if pattern.count("[") != pattern.count("]"):
            raise GoEnvError(f"{name} pattern '{pattern}' has an unbalanced '[' or ']'")


def check_goflags(value: str) -> None:
    """GOFLAGS: space-separated flags, each starting with ``-``."""
    for item in value.split():
        if not item.startswith("-"):
            raise GoEnvError(f"GOFLAGS entry '{item}' is not a flag (flags start with '-')")


def check_value(name: str, value: Any) -> tuple[str, list[str]]:
    """Check one variable; return its value as a string and any warnings."""
    check_name(name)
    if isinstance(value, bool):
        text = "1" if value else "0"
        if name.upper() != "CGO_ENABLED":
            text = "on" if value else "off"
    elif isinstance(value, (int, float, str)):
        text = str(value)
    else:
        raise GoEnvError(f"{name}: the value must be a string, not {type(value).__name__}")
    if "\x00" in text or "\n" in text or "\r" in text:
        raise GoEnvError(f"{name}: the value must not contain line breaks or NUL characters")
    upper = name.upper()
    warnings: list[str] = []
    if upper in CHOICES:
        if text not in CHOICES[upper]:
            raise GoEnvError(
                f"{upper} must be one of {', '.join(CHOICES[upper])}, not '{text}'"
            )
    elif upper == "GOPATH":
        check_gopath(text)
    elif upper == "GOCACHE" and text == "off":
        pass
    elif upper in PATH_VARIABLES:
        check_windows_path(upper, text)
    elif upper == "GOPROXY":
        warnings += check_goproxy(text)
    elif upper == "GOSUMDB":
        check_gosumdb(text)
    elif upper in GLOB_LISTS:
        check_glob_list(upper, text)
    elif upper == "GOTOOLCHAIN":
        if not _TOOLCHAIN.match(text):
            raise GoEnvError(
                f"GOTOOLCHAIN '{text}' is not valid; use local, auto, path, go1.N.P, "
                "go1.N.P+auto or go1.N.P+path"
            )
    elif upper == "GOFLAGS":
        check_goflags(text)
    else:
        hint = unknown_name_warning(name)
        if hint:
            warnings.append(hint)
    return text, warnings


def unknown_name_warning(name: str) -> str | None:
    """A warning for a GO-prefixed name Go does not know, with the closest known name."""
    if not go_facts.is_unknown_go_name(name):
        return None
    known = sorted(n for n in go_facts.KNOWN_GO_VARIABLES if n.startswith("GO"))
    close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.75)
    if close:
        return f"{name} is not a variable Go knows; did you mean {close[0]}?"
    return f"{name} is not a variable Go knows; it is set as given"


def check_variables(variables: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Check every variable; return ``{name: value as text}`` and the warnings."""
    out: dict[str, str] = {}
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for name, value in variables.items():
        check_name(name)
        folded = name.casefold()
        if folded in seen:
            raise GoEnvError(f"{name} and {seen[folded]} name the same variable")
        seen[folded] = name
        text, more = check_value(name, value)
        out[name] = text
        warnings += more
    return out, warnings


def check_env_file_name(name: str) -> None:
    """``go env -w`` only writes variables the go command knows (and never GOENV)."""
    upper = name.upper()
    if upper == "GOENV":
        raise GoEnvError("GOENV cannot be set in the go env file; set it in machine or user scope")
    if upper != name:
        raise GoEnvError(f"{name}: the go env file is case-sensitive; write {upper}")
    if not go_facts.is_go_variable(upper):
        raise GoEnvError(
            f"{name} is not a go command variable; go env -w refuses it in the go env file"
        )


def is_managed_name(name: str) -> bool:
    """Names ``exclusive`` removes: Go's GO* variables and every CGO_* variable."""
    upper = name.upper()
    return upper.startswith("CGO_") or (
        upper.startswith("GO") and upper in go_facts.KNOWN_GO_VARIABLES
    )


# -- the go env file (what `go env -w` writes) ------------------------------------------


def parse_env_file(text: str) -> dict[str, str]:
    """The variables of a go env file: ``KEY=value`` lines, as the go command reads them.

    A line without ``=``, or whose first character is not an upper-case letter
    (comments, blank lines), is ignored; the last line of a key wins.
    """
    values: dict[str, str] = {}
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        key, sep, val = line.partition("=")
        if not sep or not key or not ("A" <= key[0] <= "Z"):
            continue
        values[key] = val
    return values


def update_env_file(text: str, add: Mapping[str, str], remove: set[str]) -> str:
    """The file after ``go env -w`` of ``add`` and ``go env -u`` of ``remove``.

    Existing lines are replaced in place, other lines are kept, new keys are
    appended sorted, as the go command does; lines end with ``\\n``.
    """
    lines = text.split("\n") if text else []
    if lines and lines[-1] == "":
        lines.pop()
    pending = dict(add)
    out: list[str] = []
    for line in lines:
        key, sep, _val = line.removesuffix("\r").partition("=")
        if sep and "#" not in key and key:
            if key in remove:
                continue
            if key in add:
                if key not in pending:
                    continue  # a duplicate: keep only the first, updated line
                out.append(f"{key}={pending.pop(key)}")
                continue
        out.append(line)
    out += [f"{key}={pending[key]}" for key in sorted(pending)]
    return "".join(line + "\n" for line in out)
