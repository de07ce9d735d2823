"""Pure helpers that turn raw host reads into the ``winops_go`` facts."""

from __future__ import annotations

import json
import re
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winpath

# Variables documented by `go help environment` (and the runtime's own), so
# facts can report their values. Other GO-prefixed names (GOOGLE_API_KEY...)
# may hold secrets: only their names are reported.
KNOWN_GO_VARIABLES = frozenset(
    """
    GO111MODULE GO386 GOAMD64 GOARCH GOARM GOARM64 GOAUTH GOBIN GOCACHE GOCACHEPROG
    GOCOVERDIR GODEBUG GOENV GOEXE GOEXPERIMENT GOFIPS140 GOFLAGS GOGC GOHOSTARCH
    GOHOSTOS GOINSECURE GOMAXPROCS GOMEMLIMIT GOMIPS GOMIPS64 GOMODCACHE GONOPROXY
    GONOSUMDB GOOS GOPATH GOPPC64 GOPRIVATE GOPROXY GORACE GORISCV64 GOROOT GOSUMDB
    GOTELEMETRY GOTELEMETRYDIR GOTMPDIR GOTOOLCHAIN GOTOOLDIR GOTRACEBACK GOVCS
    GOWASM GOWORK GCCGO CC CXX AR FC PKG_CONFIG
    """.split()
)

# The official MSI installs here by default; it is reported as a conflict by
# the modules that manage toolchains themselves.
MSI_GOROOT = r"C:\Program Files\Go"

# win_go_install's default machine install root: one directory per version, the
# 'current' junction to the active one, and the record of what it installed.
MANAGED_ROOT = r"C:\Program Files\GoToolchains"
MANAGED_STATE = "toolchains.json"
MANAGED_CURRENT = "current"

_VERSION_LINE = re.compile(r"^go(\d+(?:\.\d+){0,2}(?:(?:rc|beta)\d+)?)\s*$")


def is_go_variable(name: str) -> bool:
    """True for a variable whose value the facts report (Go's own, CGO_*, compilers)."""
    upper = name.upper()
    return upper in KNOWN_GO_VARIABLES or upper.startswith("CGO_")


def is_unknown_go_name(name: str) -> bool:
    """True for a GO-prefixed name Go does not know (a typo, or another product's)."""
    upper = name.upper()
    return upper.startswith("GO") and not is_go_variable(name)


def parse_version_file(text: str | None) -> str | None:
    """Return the version named by a Go ``VERSION`` file (``go1.22.5`` -> ``1.22.5``).

    The first line names the release; Go 1.21 and later add a ``time`` line.
    Development builds (``devel ...``) and unreadable files give ``None``.
    """
    if not text:
        return None
    first = text.splitlines()[0].strip() if text.strip() else ""
    match = _VERSION_LINE.match(first)
    return match.group(1) if match else None


def go_environment(vars_: dict[str, dict[str, Any]]) -> tuple[dict[str, str], list[str]]:
    """Split an ``env.get`` result into (Go variables with values, other GO* names)."""
    values = {name: v["value"] for name, v in vars_.items() if is_go_variable(name)}
    others = sorted(name for name in vars_ if is_unknown_go_name(name))
    return dict(sorted(values.items())), others


def go_bin_entries(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The PATH entries that hold a ``go.exe``, in search order."""
    return [{"entry": m["entry"], "dir": m["dir"], "scope": m["scope"]} for m in matches]


def toolchains(
    matches: list[dict[str, Any]], msi_version_text: str | None
) -> list[dict[str, Any]]:
    """Merge the ``go.exe`` found on PATH and the MSI install into one list.

    Each toolchain appears once, keyed by its GOROOT (the parent of its bin
    directory), in PATH order; the first one on PATH is the one a new shell runs.
    """
    found: dict[str, dict[str, Any]] = {}
    for position, match in enumerate(matches):
        goroot = winpath.parent(match["dir"])
        key = goroot.casefold()
        if key in found:
            continue
        found[key] = {
            "version": parse_version_file((match.get("files") or {}).get("..\\VERSION")),
            "goroot": goroot,
            "go_exe": match["path"],
            "source": "msi" if winpath.same_path(goroot, MSI_GOROOT) else "path",
            "on_path": True,
            "path_scope": match["scope"],
            "first_on_path": position == 0,
        }
    msi_version = parse_version_file(msi_version_text)
    if msi_version_text is not None and MSI_GOROOT.casefold() not in found:
        found[MSI_GOROOT.casefold()] = {
            "version": msi_version,
            "goroot": MSI_GOROOT,
            "go_exe": winpath.join(MSI_GOROOT, "bin", "go.exe"),
            "source": "msi",
            "on_path": False,
            "path_scope": None,
            "first_on_path": False,
        }
    return list(found.values())


def managed_toolchains(
    state_text: str | None, current_target: str | None, root: str = MANAGED_ROOT
) -> list[dict[str, Any]]:
    """The toolchains win_go_install recorded in ``<root>\\toolchains.json``, oldest first.

    ``current_target`` is where the ``current`` junction points (None when
    absent); the version it names is ``active``. An unreadable record gives
    an empty list: win_go_install treats such versions as unverified too.
    """
    if not state_text:
        return []
    try:
        items = [(str(item["version"]), item.get("sha256"))
                 for item in json.loads(state_text)["toolchains"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return []
    out = []
    for name, sha256 in items:
        path = winpath.join(root, name)
        out.append({
            "version": name[2:] if name.startswith("go") else name,
            "path": path,
            "sha256": sha256,
            "active": bool(current_target) and winpath.same_path(current_target, path),
        })
    return out
