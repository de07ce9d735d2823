"""Go releases: the go.dev index, version names and specs, and Windows archives.

Pure functions: they take the index (as parsed JSON) and strings, and return
data or raise ``ValueError`` with a message meant for the task output.

Version names follow go.dev and https://go.dev/doc/toolchain#version:

* releases are ``go1.N.P`` from Go 1.21 on (``go1.21.0`` is the first 1.21
  release); before Go 1.21 the first release of a minor is ``go1.N``, without
  ``.0``, so ``go1.20`` sorts like ``go1.20.0``;
* pre-releases are ``go1.NbetaR`` and ``go1.NrcR`` and sort before the first
  release of their minor: beta < rc < release.

A version *spec* (what a user writes) is resolved against the index by
:func:`resolve_version`: an exact version, a minor (``1.22``: its newest
patch), ``latest``/``stable``, ``oldstable`` or a range (``>=1.21,<1.23``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

_NUM = r"(0|[1-9][0-9]*)"
# go1, go1.20, go1.21.0, go1.23rc1, go1.17beta1, and go1.9.2rc2 (a real, odd index entry)
_VERSION_RE = re.compile(rf"^go{_NUM}(?:\.{_NUM})?(?:\.{_NUM})?(?:(beta|rc)([1-9][0-9]*))?$")
_STAGES = {"beta": 0, "rc": 1, None: 2}
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

# Go 1.21 changed the naming of a minor's first release from go1.N to go1.N.0,
# and made the go.mod go line a minimum requirement instead of a hint.
_FIRST_DOT_ZERO_MINOR = (1, 21)

# win_go_facts reports the architecture as Windows names it (PROCESSOR_ARCHITECTURE,
# matched case-insensitively); Go's own names are accepted too.
_GOARCH = {"amd64": "amd64", "arm64": "arm64", "x86": "386", "386": "386", "arm": "arm"}

# Minimum Windows build of each Go line, newest first (go.dev/wiki/MinimumRequirements,
# the table of go.dev/wiki/Windows and the release notes).
_WINDOWS_MINIMUMS: tuple[tuple[tuple[int, int], int, str], ...] = (
    # Go 1.21 release notes: "requires at least Windows 10 or Windows Server 2016".
    # Both are Windows NT 10.0; Windows 10's first build is 10240 (Server 2016: 14393).
    ((1, 21), 10240, "Windows 10 or Windows Server 2016"),
    # Go 1.11 to 1.20: Windows 7 / Server 2008 R2 (build 7600) or later.
    ((1, 11), 7600, "Windows 7 or Windows Server 2008 R2"),
    # Go 1 to 1.10: Windows XP / Server 2003.
    ((1, 0), 2600, "Windows XP or Windows Server 2003"),
)
# windows/arm64 was added in Go 1.17 (go.dev/doc/go1.17#windows).
_FIRST_WINDOWS_ARM64 = (1, 17)
# windows/arm (32-bit) cannot start since Go 1.18 (go.dev/issue/70705) and
# was removed in Go 1.26 (go.dev/doc/go1.26#windows, go.dev/issue/71671).
_WINDOWS_ARM_BROKEN = (1, 18)
_WINDOWS_ARM_REMOVED = (1, 26)

_SPEC_HELP = (
    "use a version (1.22.5, go1.22.5, 1.23rc1), a minor (1.22), "
    "latest, stable, oldstable or a range (>=1.21,<1.23)"
)


class VersionKey(NamedTuple):
    """Sort key of a version, a plain tuple: ``(1, 21, 0, 1, 1)`` is go1.21rc1."""

    major: int
    minor: int
    patch: int
    stage: int  # beta 0, rc 1, release 2
    number: int  # of the beta or rc; 0 for a release


@dataclass(frozen=True)
class GoFile:
    """One file of a release as the index lists it (``sha256`` is ``""`` when unpublished)."""

    filename: str
    os: str
    arch: str
    version: str
    sha256: str
    size: int
    kind: str


@dataclass(frozen=True)
class GoRelease:
    """One release of the index: ``version`` as go.dev spells it (``go1.22.5``)."""

    version: str
    stable: bool
    files: tuple[GoFile, ...]

    @property
    def number(self) -> str:
        """The version without its ``go`` prefix: ``go1.22.5`` -> ``1.22.5``."""
        return self.version[2:]


# --------------------------------------------------------------- versions


def _match_version(version: str) -> re.Match[str] | None:
    return _VERSION_RE.match(version)


def _normalized_match(text: object) -> re.Match[str]:
    """The match of ``text`` in go.dev spelling, or ``ValueError``."""
    cleaned = text.strip().lower() if isinstance(text, str) else ""
    match = _match_version(cleaned if cleaned.startswith("go") else "go" + cleaned)
    if match is None:
        raise ValueError(f"not a Go version: {text!r} (expected e.g. 1.22.5, go1.22.5 or 1.23rc1)")
    return match


def normalize_version(text: str) -> str:
    """Return the go.dev spelling of a version: ``1.22.5``, `` go1.22.5 `` -> ``go1.22.5``."""
    return _normalized_match(text).group(0)


def version_key(version: str) -> VersionKey:
    """Sort key of a version: ``go1.21rc1`` < ``go1.21.0`` < ``go1.21.1``.

    ``go1.20`` (the old name of the first 1.20 release) equals ``go1.20.0``;
    beta < rc < release within a minor. The ``go`` prefix is optional.
    """
    major, minor, patch, stage, number = _normalized_match(version).groups()
    return VersionKey(
        int(major), int(minor or 0), int(patch or 0), _STAGES[stage], int(number or 0)
    )


def _minor_of(key: VersionKey) -> tuple[int, int]:
    return key[0], key[1]


def _minor_text(minor: tuple[int, int]) -> str:
    return f"{minor[0]}.{minor[1]}"


# ------------------------------------------------------------------ index


def _not_index(reason: str) -> ValueError:
    return ValueError(f"not a Go release index: {reason}")


def _type_name(value: object) -> str:
    """How JSON would call the type of ``value``, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {dict: "an object", list: "a list", str: "a string"}.get(type(value), "something else")


def _parse_file(data: object, where: str, release_version: str) -> GoFile:
    if not isinstance(data, dict):
        raise _not_index(f"{where} is {_type_name(data)}, not an object")
    fields: dict[str, Any] = {
        "filename": data.get("filename"),
        "os": data.get("os", ""),
        "arch": data.get("arch", ""),
        "version": data.get("version", release_version),
        "sha256": data.get("sha256", ""),
        "kind": data.get("kind"),
    }
    for name, value in fields.items():
        if value is None:
            raise _not_index(f"{where} has no {name}")
        if not isinstance(value, str):
            raise _not_index(f"{where} has {name} {value!r}, not a string")
    if not fields["filename"]:
        raise _not_index(f"{where} has an empty filename")
    size = data.get("size", 0)
    # bool is an int in Python; a JSON true is not a size.
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise _not_index(f"{where} has size {size!r}, not a byte count")
    sha256 = fields["sha256"].lower()
    # The oldest releases have no published checksum: an empty sha256 stays empty.
    if sha256 and not _SHA256_RE.match(sha256):
        raise _not_index(f"{where} has sha256 {fields['sha256']!r}, not a SHA-256 hex digest")
    return GoFile(
        filename=fields["filename"],
        os=fields["os"],
        arch=fields["arch"],
        version=fields["version"],
        sha256=sha256,
        size=size,
        kind=fields["kind"],
    )


def _parse_release(data: object, position: int) -> GoRelease:
    where = f"release #{position + 1}"
    if not isinstance(data, dict):
        raise _not_index(f"{where} is {_type_name(data)}, not an object")
    version = data.get("version")
    if not isinstance(version, str) or not _match_version(version):
        raise _not_index(f"{where} has version {version!r}, not a Go version such as go1.22.5")
    stable = data.get("stable")
    if not isinstance(stable, bool):
        raise _not_index(f"{version} has stable {stable!r}, not true or false")
    files = data.get("files", [])
    if not isinstance(files, list):
        raise _not_index(f"the files of {version} are {_type_name(files)}, not a list")
    return GoRelease(
        version=version,
        stable=stable,
        files=tuple(
            _parse_file(item, f"file #{index + 1} of {version}", version)
            for index, item in enumerate(files)
        ),
    )


def parse_index(data: object) -> list[GoRelease]:
    """Parse the JSON of ``https://go.dev/dl/?mode=json&include=all``, newest first.

    Raises ``ValueError`` (``not a Go release index: ...``) for anything else,
    including an empty list: an index without releases can resolve nothing.
    """
    if not isinstance(data, list):
        raise _not_index(f"expected a list of releases, got {_type_name(data)}")
    if not data:
        raise _not_index("it lists no releases")
    releases = [_parse_release(item, position) for position, item in enumerate(data)]
    return sorted(releases, key=lambda release: version_key(release.version), reverse=True)


# ------------------------------------------------------------ resolution


@dataclass(frozen=True)
class _Operand:
    """A version in a spec: an exact version, or a whole minor (``1.22``, ``1.22.x``)."""

    key: VersionKey
    whole_minor: bool

    @property
    def floor(self) -> VersionKey:
        """Smallest key of the operand (a minor starts below its first beta)."""
        if self.whole_minor:
            return VersionKey(self.key.major, self.key.minor, -1, -1, -1)
        return self.key

    @property
    def ceiling(self) -> VersionKey:
        """Exclusive upper bound of the operand's minor."""
        return VersionKey(self.key.major, self.key.minor + 1, -1, -1, -1)


_OPERAND_RE = re.compile(
    rf"^(?:go)?{_NUM}\.{_NUM}(?:\.(?:{_NUM}|(x|\*)))?(?:(beta|rc)([1-9][0-9]*))?$"
)
_CONSTRAINT_RE = re.compile(r"^(>=|<=|==|!=|>|<|=|~)?\s*(\S+)$")


def _parse_operand(text: str) -> _Operand | None:
    match = _OPERAND_RE.match(text)
    if not match:
        return None
    major, minor, patch, wildcard, stage, number = match.groups()
    if wildcard and stage:
        return None
    # "1.20" is ambiguous (old name of go1.20, or the 1.20 line): it is the line.
    whole_minor = patch is None and stage is None
    key = VersionKey(int(major), int(minor), int(patch or 0), _STAGES[stage], int(number or 0))
    return _Operand(key, whole_minor)


def _constraint(op: str, operand: _Operand) -> Callable[[VersionKey], bool]:
    """A predicate on version keys; a whole minor counts as the range of its releases."""
    floor, ceiling, whole = operand.floor, operand.ceiling, operand.whole_minor
    if op == ">=":
        return lambda key: key >= floor
    if op == ">":
        return (lambda key: key >= ceiling) if whole else (lambda key: key > floor)
    if op == "<":
        return lambda key: key < floor
    if op == "<=":
        return (lambda key: key < ceiling) if whole else (lambda key: key <= floor)
    if op == "!=":
        return (lambda key: not floor <= key < ceiling) if whole else (lambda key: key != floor)
    if op == "~":
        return lambda key: floor <= key < ceiling
    # "=", "==" and a bare operand
    return (lambda key: floor <= key < ceiling) if whole else (lambda key: key == floor)


def _parse_range(spec: str) -> list[Callable[[VersionKey], bool]] | None:
    predicates = []
    for part in spec.split(","):
        match = _CONSTRAINT_RE.match(part.strip())
        operand = _parse_operand(match.group(2)) if match else None
        if match is None or operand is None:
            return None
        predicates.append(_constraint(match.group(1) or "=", operand))
    return predicates


def _newest(releases: Sequence[GoRelease]) -> GoRelease | None:
    return max(releases, key=lambda release: version_key(release.version), default=None)


def _minors(releases: Sequence[GoRelease]) -> list[tuple[int, int]]:
    return sorted({_minor_of(version_key(release.version)) for release in releases})


def _listing(releases: Sequence[GoRelease], limit: int = 6) -> str:
    """Versions oldest first; only the newest ``limit`` of a long list."""
    ordered = sorted(releases, key=lambda release: version_key(release.version))
    names = [release.version for release in ordered]
    if len(names) > limit:
        names = ["..."] + names[-limit:]
    return ", ".join(names)


def _nearby(
    pool: Sequence[GoRelease], target: tuple[int, int] | None = None, count: int = 3
) -> str:
    """What the index holds near ``target``: newest stable, and that minor or the closest ones."""
    parts = []
    newest_stable = _newest([release for release in pool if release.stable])
    if newest_stable is None:
        parts.append("the index has no stable release")
    else:
        parts.append(f"newest stable is {newest_stable.version}")
    in_minor = [r for r in pool if target and _minor_of(version_key(r.version)) == target]
    if target and in_minor:
        parts.append(f"{_minor_text(target)} has {_listing(in_minor)}")
    else:
        minors = _minors(pool)
        if target:
            # The minors closest to what was asked (1.99 -> the newest ones).
            minors = sorted(
                minors, key=lambda m: (abs(m[0] * 1000 + m[1] - target[0] * 1000 - target[1]), m)
            )
        else:
            minors = sorted(minors, reverse=True)
        if minors:
            shown = sorted(minors[:count])
            parts.append("known minors: " + ", ".join(_minor_text(m) for m in shown))
    return "; ".join(parts)


def _no_match(
    spec: str,
    pool: Sequence[GoRelease],
    matches_any: Sequence[GoRelease],
    target: tuple[int, int] | None,
) -> ValueError:
    """The error for a spec that matched nothing in ``pool``.

    ``matches_any`` are the releases it would match if pre-releases counted.
    """
    pre = sorted(
        (release for release in matches_any if not release.stable),
        key=lambda release: version_key(release.version),
    )
    if pre:
        return ValueError(
            f"no stable Go release matches {spec!r} (pre-releases that match: {_listing(pre)}); "
            f"name one exactly (e.g. '{pre[-1].number}') or set allow_prerelease"
        )
    return ValueError(f"no Go release matches {spec!r} ({_nearby(pool, target)})")


def _oldstable(spec: str, releases: Sequence[GoRelease]) -> GoRelease:
    stable = [release for release in releases if release.stable]
    minors = _minors(stable)
    if len(minors) < 2:
        have = ", ".join(_minor_text(m) for m in minors) or "none"
        raise ValueError(
            f"no Go release matches {spec!r} (it needs two stable minors; the index has: {have})"
        )
    previous = minors[-2]
    return max(
        (r for r in stable if _minor_of(version_key(r.version)) == previous),
        key=lambda release: version_key(release.version),
    )


def resolve_version(
    spec: str, releases: list[GoRelease], *, allow_prerelease: bool = False
) -> GoRelease:
    """Pick the release a version spec names.

    * exact: ``1.22.5``, ``go1.22.5``, ``1.21.0``, ``1.23rc1``, ``go1.17beta1``
      (an exact pre-release is always allowed; ``1.20.0`` finds ``go1.20``);
    * minor: ``1.22`` or ``1.22.x``, the newest patch of 1.22 (``1.20`` is
      the 1.20 line too, not the release once named ``go1.20``);
    * ``latest``: the newest release; ``stable``: the newest stable one;
      ``oldstable``: the newest patch of the minor before the newest stable one;
    * a range: comma-separated constraints (AND) with ``>=``, ``>``, ``<``,
      ``<=``, ``=``, ``!=``, ``~`` (``~1.22.3`` = ``>=1.22.3,<1.23``); the
      newest match wins. A minor operand stands for all its releases, so
      ``<=1.22`` includes go1.22.10 and ``>1.21`` starts at 1.22.

    Pre-releases count for ``latest``, minors and ranges only with
    ``allow_prerelease``. Raises ``ValueError`` saying what exists nearby.
    """
    text = spec.strip() if isinstance(spec, str) else ""
    lowered = text.lower()
    if not lowered:
        raise ValueError(f"invalid Go version spec {spec!r}: {_SPEC_HELP}")

    def counts(release: GoRelease) -> bool:
        return release.stable or allow_prerelease

    pool = [release for release in releases if counts(release)]
    if lowered == "latest":
        found = _newest(pool)
        if found is None:
            raise _no_match(text, pool, releases, None)
        return found
    if lowered == "stable":
        found = _newest([release for release in releases if release.stable])
        if found is None:
            raise _no_match(text, releases, [], None)
        return found
    if lowered == "oldstable":
        return _oldstable(text, releases)

    if re.search(r"[<>=~!,]", lowered):
        predicates = _parse_range(lowered)
        if predicates is None:
            raise ValueError(f"invalid Go version spec {spec!r}: {_SPEC_HELP}")
        matching = [r for r in releases if all(test(version_key(r.version)) for test in predicates)]
        found = _newest([release for release in matching if counts(release)])
        if found is None:
            raise _no_match(text, pool, matching, None)
        return found

    operand = _parse_operand(lowered)
    if operand is None:
        raise ValueError(f"invalid Go version spec {spec!r}: {_SPEC_HELP}")
    target = _minor_of(operand.key)
    if operand.whole_minor:
        in_minor = [r for r in releases if _minor_of(version_key(r.version)) == target]
        found = _newest([release for release in in_minor if counts(release)])
        if found is None:
            raise _no_match(text, pool, in_minor, target)
        return found
    # Named exactly: pre-releases included, and go1.20 is found as 1.20.0.
    for release in releases:
        if version_key(release.version) == operand.key:
            return release
    raise _no_match(text, releases, [], target)


# -------------------------------------------------------- version files


def _go_mod_version(value: str, where: str) -> tuple[int, int, int | None, str]:
    """Parse a go line's version (``1.21``, ``1.21.3``, ``1.21rc1``) -> major, minor, patch, pre."""
    match = re.match(rf"^{_NUM}\.{_NUM}(?:\.{_NUM})?(?:((?:beta|rc)[1-9][0-9]*))?$", value)
    if not match:
        raise ValueError(f"{where}: {value!r} is not a Go version (expected e.g. 1.22 or 1.22.5)")
    major, minor, patch, pre = match.groups()
    return int(major), int(minor), (int(patch) if patch is not None else None), pre or ""


def _spec_of(version: tuple[int, int, int | None, str], *, toolchain: bool) -> str:
    """The spec a go or toolchain version asks for.

    ``go 1.21`` (and later minors) means the first release, 1.21.0: the go
    line is a minimum from Go 1.21 on. ``go 1.20`` (before 1.21) only named the
    language, so the newest 1.20.x is wanted. A toolchain line names a
    toolchain, so ``toolchain go1.20`` is that exact release.
    """
    major, minor, patch, pre = version
    if patch is not None or pre:
        return f"{major}.{minor}" + (f".{patch}" if patch is not None else "") + pre
    if toolchain or (major, minor) >= _FIRST_DOT_ZERO_MINOR:
        return f"{major}.{minor}.0"
    return f"{major}.{minor}"


def _directives(name: str, text: str) -> dict[str, tuple[str, int]]:
    """The go and toolchain lines of a go.mod/go.work: {verb: (value, line number)}."""
    found: dict[str, tuple[str, int]] = {}
    in_block = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if in_block:
            # Blocks (require (...), replace (...)) hold no go or toolchain lines.
            in_block = line != ")"
            continue
        if line.endswith("("):
            verb = line[:-1].strip()
            if verb in ("go", "toolchain"):
                raise ValueError(f"{name} line {number}: a {verb} line cannot be a block")
            in_block = True
            continue
        tokens = line.split()
        if tokens[0] not in ("go", "toolchain"):
            continue
        if len(tokens) != 2:
            raise ValueError(f"{name} line {number}: malformed {tokens[0]} line {raw.strip()!r}")
        if tokens[0] in found:
            raise ValueError(
                f"{name} line {number}: repeated {tokens[0]} line "
                f"(the first is on line {found[tokens[0]][1]})"
            )
        found[tokens[0]] = (tokens[1], number)
    return found


def _go_mod_spec(name: str, text: str) -> str:
    found = _directives(name, text)
    go_spec = None
    if "go" in found:
        value, number = found["go"]
        go_spec = _spec_of(_go_mod_version(value, f"{name} line {number}"), toolchain=False)
    toolchain_spec = None
    if "toolchain" in found and found["toolchain"][0] != "default":
        value, number = found["toolchain"]
        where = f"{name} line {number}"
        if "-" in value:
            raise ValueError(
                f"{where}: toolchain {value} is a custom build (suffix after '-'); "
                "go.dev publishes no such release, so give the version explicitly"
            )
        if not value.startswith("go"):
            raise ValueError(
                f"{where}: toolchain {value!r} is not a toolchain name such as go1.22.5"
            )
        toolchain_spec = _spec_of(_go_mod_version(value[2:], where), toolchain=True)
    # The toolchain line wins, but a toolchain older than the go line refuses
    # to load the module (go.dev/doc/toolchain#config), so the go line rules then.
    if toolchain_spec and not (go_spec and version_key(toolchain_spec) < version_key(go_spec)):
        return toolchain_spec
    if go_spec:
        return go_spec
    raise ValueError(
        f"{name} has no go or toolchain line: add one (e.g. 'go 1.22.5') "
        "or give the version explicitly"
    )


def _go_version_file_spec(name: str, text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    values = [line for line in lines if line and not line.startswith("#")]
    if not values:
        raise ValueError(f"{name} names no version: write one, such as 1.22.5")
    if len(values) > 1:
        raise ValueError(
            f"{name} names more than one version ({', '.join(repr(v) for v in values)}): keep one"
        )
    value = values[0].lower()
    number = value[2:] if value.startswith("go") else value
    version = _go_mod_version(number, name)
    major, minor, patch, pre = version
    if patch is None and not pre:
        return f"{major}.{minor}"  # a minor: its newest patch
    return _spec_of(version, toolchain=True)


def version_spec_from_file(filename: str, text: str) -> str:
    """The version spec a ``go.mod``, ``go.work`` or ``.go-version`` asks for.

    go.mod / go.work: the toolchain line wins over the go line (unless it is
    older); ``go 1.21`` means ``1.21.0`` from Go 1.21 on, ``go 1.20`` means
    the newest 1.20.x; ``toolchain default`` is ignored. ``.go-version``: one
    version, ``1.22.5`` or ``go1.22.5``, or a minor ``1.22``. The result is a
    spec for :func:`resolve_version` (``1.22.5``, ``1.21.0``, ``1.20``).
    """
    kind = re.split(r"[\\/]", filename)[-1].lower()
    body = text[1:] if text.startswith("\ufeff") else text
    if kind in ("go.mod", "go.work"):
        return _go_mod_spec(filename, body)
    if kind == ".go-version":
        return _go_version_file_spec(filename, body)
    raise ValueError(
        f"cannot read a Go version from {filename!r}: expected go.mod, go.work or .go-version"
    )


# ------------------------------------------------------ Windows archives


def _goarch(architecture: str) -> str:
    name = architecture.strip().lower() if isinstance(architecture, str) else ""
    goarch = _GOARCH.get(name)
    if goarch is None:
        raise ValueError(
            f"unknown Windows architecture {architecture!r}: expected AMD64, ARM64 or x86"
        )
    return goarch


def _is_windows_archive(file: GoFile, goarch: str) -> bool:
    return (
        file.os == "windows"
        and file.arch == goarch
        and file.kind == "archive"
        and file.filename.lower().endswith(".zip")
    )


def windows_archive(
    release: GoRelease, architecture: str, *, releases: Sequence[GoRelease] = ()
) -> GoFile:
    """The ``.zip`` archive of ``release`` for a host of ``architecture``.

    ``architecture`` is what win_go_facts reports (``AMD64``, ``ARM64``,
    ``x86``; Go's ``amd64``/``arm64``/``386`` work too): the host's own
    architecture is used, never an emulated one. ``releases`` (optional, the
    whole index) lets the error name releases that do have such an archive.
    """
    goarch = _goarch(architecture)
    for file in release.files:
        if _is_windows_archive(file, goarch):
            return file
    hints = []
    key = version_key(release.version)
    if goarch == "arm64" and _minor_of(key) < _FIRST_WINDOWS_ARM64:
        hints.append("windows/arm64 archives exist from Go 1.17 on")
    if releases:
        having = [r for r in releases if any(_is_windows_archive(f, goarch) for f in r.files)]
        stable_having = sorted(
            [r for r in having if r.stable] or having, key=lambda r: version_key(r.version)
        )
        if stable_having:
            oldest, newest = stable_having[0].version, stable_having[-1].version
            span = oldest if oldest == newest else f"{oldest} to {newest}"
            hints.append(f"releases that have one: {span}")
        else:
            hints.append(f"no release in the index has a windows-{goarch} archive")
    else:
        offered = sorted(
            {f.arch for f in release.files if f.os == "windows" and f.kind == "archive"}
        )
        hints.append(
            f"it has windows archives for: {', '.join(offered)}"
            if offered
            else "it has no windows archive at all"
        )
    raise ValueError(
        f"{release.version} has no windows-{goarch} .zip archive for this {architecture} host; "
        + "; ".join(hints)
    )


def check_compatibility(release: GoRelease, *, os_build: int, architecture: str) -> None:
    """Raise ``ValueError`` when ``release`` cannot run on the host; return ``None`` otherwise.

    Facts (go.dev release notes, go.dev/wiki/MinimumRequirements, go.dev/wiki/Windows):
    Go 1.21+ needs Windows 10 / Server 2016 (build 10240+), Go 1.11-1.20
    Windows 7 / Server 2008 R2 (7600+), older Go Windows XP / Server 2003;
    windows/arm64 exists from Go 1.17; 32-bit windows/arm cannot start since
    Go 1.18 and is gone from Go 1.26.
    """
    goarch = _goarch(architecture)
    if not isinstance(os_build, int) or isinstance(os_build, bool) or os_build < 0:
        raise ValueError(
            f"os_build must be the Windows build number (an integer), got {os_build!r}"
        )
    minor = _minor_of(version_key(release.version))
    for first_minor, minimum, name in _WINDOWS_MINIMUMS:
        if minor >= first_minor:
            if os_build < minimum:
                line = _newest_line_for(os_build)
                advice = f"use Go {line} or older" if line else "no Go release supports it"
                raise ValueError(
                    f"{release.version} needs {name} or later (build {minimum}+), "
                    f"but the host reports Windows build {os_build}; {advice}"
                )
            break
    if goarch == "arm64" and minor < _FIRST_WINDOWS_ARM64:
        raise ValueError(
            f"{release.version} has no windows/arm64 port: Go runs natively on Windows ARM64 "
            "from Go 1.17 on; choose 1.17 or later"
        )
    if goarch == "arm" and minor >= _WINDOWS_ARM_REMOVED:
        raise ValueError(
            f"{release.version} has no windows/arm port: 32-bit ARM Windows was removed in Go 1.26"
        )
    if goarch == "arm" and minor >= _WINDOWS_ARM_BROKEN:
        raise ValueError(
            f"{release.version} cannot run on 32-bit ARM Windows: the windows/arm port "
            "is broken since Go 1.18 (go.dev/issue/70705)"
        )


def _newest_line_for(os_build: int) -> str | None:
    """The newest Go minor that still runs on ``os_build`` (``"1.20"`` for 2012 R2)."""
    for position, (_first, minimum, _name) in enumerate(_WINDOWS_MINIMUMS):
        if os_build >= minimum:
            if position == 0:
                return None  # every line runs; callers only ask for older hosts
            newer = _WINDOWS_MINIMUMS[position - 1][0]
            return f"{newer[0]}.{newer[1] - 1}"
    return None
