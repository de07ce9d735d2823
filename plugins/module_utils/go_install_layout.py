"""Layout of a win_go_install root: constants, option parsing, paths, ``toolchains.json``.

Part of the pure logic of ``winops.golang.win_go_install`` (with
:mod:`go_install_observe` and :mod:`go_install_plan`): everything here takes
data and returns data. It holds the module's constants, the helpers that parse
and check options (``verify``, ``checksum``, version specs, archive names and
URLs), the install root and its :class:`Layout`, and the state file
(:class:`StateFile`, :func:`parse_state`, :func:`render_state`).

Layout of an install root (``C:\\Program Files\\GoToolchains`` by default)::

    go1.22.5\\            one directory per version (the archive's go\\ stripped)
    go1.23.4\\
    current            junction to the active version; <root>\\current\\bin is on PATH
    toolchains.json    the record of every installed version (sha256, source, time)
    .downloads\\        archives while they are installed
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import go_releases, winpath

STATE_FILE = "toolchains.json"
STATE_FORMAT = 1
CURRENT = "current"
DOWNLOADS = ".downloads"
ROOT_NAME = "GoToolchains"
MSI_GOROOT = r"C:\Program Files\Go"
DEFAULT_DOWNLOAD_BASE = "https://go.dev/dl/"
MAX_STATE_BYTES = 1048576

VERIFY_NONE, VERIFY_VERSION, VERIFY_BUILD = "none", "version", "build"
VERSION_DIR = re.compile(r"^go\d+(?:\.\d+){0,2}(?:(?:rc|beta)\d+)?$", re.IGNORECASE)
_EXACT_SPEC = re.compile(
    r"^(?:go)?\d+\.\d+(?:\.\d+(?:(?:rc|beta)\d+)?|(?:rc|beta)\d+)$", re.IGNORECASE
)
_ARCHIVE_NAME = re.compile(
    r"^(go\d+(?:\.\d+){0,2}(?:(?:rc|beta)\d+)?)\.windows-(amd64|arm64|386|arm)\.zip$",
    re.IGNORECASE,
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_GOARCH = {"AMD64": "amd64", "ARM64": "arm64", "X86": "386", "ARM": "arm"}


# -- options -------------------------------------------------------------------------


def verify_mode(value: Any) -> str:
    """``verify`` as one of ``none``, ``version`` (true) and ``build``; ValueError otherwise."""
    if value is None or value is False:
        return VERIFY_NONE
    if value is True:
        return VERIFY_VERSION
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "build":
            return VERIFY_BUILD
        if text in ("true", "yes", "on", "1"):
            return VERIFY_VERSION
        if text in ("false", "no", "off", "0", ""):
            return VERIFY_NONE
    raise ValueError(f"verify must be false, true or 'build', not {value!r}")


def parse_checksum(text: str) -> str:
    """``sha256:<hex>`` or bare hex -> lowercase hex; ValueError for anything else."""
    value = str(text).strip()
    algo, sep, digest = value.partition(":")
    if sep:
        if algo.strip().lower() != "sha256":
            raise ValueError(f"checksum {value!r}: only sha256 is supported ('sha256:<hex>')")
        value = digest.strip()
    value = value.lower()
    if not _SHA256.match(value):
        raise ValueError(
            f"checksum {text!r} is not a SHA-256 digest: give 64 hex digits, "
            "optionally prefixed with 'sha256:'"
        )
    return value


def is_exact_spec(spec: str) -> bool:
    """True for a spec naming one release (``1.22.5``, ``go1.22.5``, ``1.23rc1``)."""
    return bool(_EXACT_SPEC.match(spec.strip()))


def archive_name_info(filename: str) -> tuple[str, str] | None:
    """``go1.22.5.windows-amd64.zip`` -> (``go1.22.5``, ``amd64``); None for other names."""
    match = _ARCHIVE_NAME.match(filename.strip())
    if not match:
        return None
    return match.group(1).lower(), match.group(2).lower()


def goarch(architecture: str) -> str:
    """Windows' architecture name (``AMD64``) as Go's (``amd64``)."""
    return _GOARCH.get(str(architecture).upper(), str(architecture).lower())


def url_basename(url: str) -> str:
    """The file name at the end of a URL or UNC path (query and fragment dropped)."""
    path = re.split(r"[?#]", url, maxsplit=1)[0]
    return re.split(r"[\\/]", path.rstrip("/\\"))[-1]


def archive_url(filename: str, *, mirror: str | None, index_url: str | None) -> str:
    """Where the host downloads ``filename`` from.

    ``mirror`` (a base URL or a UNC directory) wins; else the directory of a
    custom ``index_url`` (go.dev's layout: the index and the files side by
    side); else ``https://go.dev/dl/``.
    """
    if mirror:
        base = mirror.strip()
        if base.startswith(("\\\\", "//")):
            return winpath.join(winpath.normalize(base), filename)
        return base.rstrip("/") + "/" + filename
    if index_url:
        base = re.split(r"[?#]", index_url, maxsplit=1)[0]
        return base[: base.rfind("/") + 1] + filename
    return DEFAULT_DOWNLOAD_BASE + filename


def is_unc(text: str) -> bool:
    """True for ``\\\\server\\share\\...`` (or ``//server/share/...``)."""
    return text.startswith(("\\\\", "//"))


# -- layout --------------------------------------------------------------------------


def default_root(scope: str, facts: Mapping[str, Any]) -> str:
    """``<ProgramFiles>\\GoToolchains`` (machine) or ``<LOCALAPPDATA>\\GoToolchains`` (user)."""
    if scope == "user":
        base = (facts.get("user") or {}).get("localappdata")
        what = "user.localappdata"
    else:
        base = (facts.get("dirs") or {}).get("program_files")
        what = "dirs.program_files"
    if not base:
        raise ValueError(f"the winops_go facts have no {what}: set install_root")
    return winpath.join(base, ROOT_NAME)


def msi_goroot(facts: Mapping[str, Any] | None) -> str:
    """Where the official MSI installs Go on this host (``<ProgramFiles>\\Go``)."""
    base = ((facts or {}).get("dirs") or {}).get("program_files")
    return winpath.join(base, "Go") if base else MSI_GOROOT


def check_root(root: str, msi: str = MSI_GOROOT) -> str:
    """Validate an install root; return it normalized. ValueError says what is wrong."""
    try:
        norm = winpath.validate(root, "install_root")
    except winpath.WindowsPathError as err:
        raise ValueError(str(err)) from None
    if winpath.is_unc(norm):
        raise ValueError(
            f"install_root '{root}' is a UNC path: toolchains live on a local "
            "NTFS volume (the 'current' junction cannot point to a share)"
        )
    if len(winpath.components(norm)) < 2:
        raise ValueError(
            f"install_root '{root}' is a drive root: use a directory such as "
            r"C:\GoToolchains"
        )
    for reserved in (MSI_GOROOT, msi):
        key, other = norm.casefold(), winpath.normalize(reserved).casefold()
        if key == other or key.startswith(other + "\\"):
            raise ValueError(
                f"install_root '{root}' collides with the official MSI's "
                f"directory '{reserved}': choose another directory (the default "
                r"is <ProgramFiles>\GoToolchains)"
            )
    if "%" in norm:
        raise ValueError(f"install_root '{root}' must not contain '%': give the expanded path")
    return norm


@dataclass(frozen=True)
class Layout:
    """The paths of one install root."""

    root: str

    @property
    def state_file(self) -> str:
        return winpath.join(self.root, STATE_FILE)

    @property
    def current(self) -> str:
        return winpath.join(self.root, CURRENT)

    @property
    def current_bin(self) -> str:
        return winpath.join(self.root, CURRENT, "bin")

    @property
    def downloads(self) -> str:
        return winpath.join(self.root, DOWNLOADS)

    def version_dir(self, name: str) -> str:
        return winpath.join(self.root, name)

    def go_exe(self, name: str | None = None) -> str:
        """``go.exe`` of a version, or of ``current`` when ``name`` is None."""
        return winpath.join(self.root, name or CURRENT, "bin", "go.exe")

    def download(self, filename: str) -> str:
        return winpath.join(self.root, DOWNLOADS, filename)

    def verify_dir(self, token: str) -> str:
        return winpath.join(self.root, f".verify-{token}")


# -- the state file ------------------------------------------------------------------


@dataclass
class StateFile:
    """``toolchains.json`` as read: records by version name, and its hash for compare-and-set."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    exists: bool = False
    sha256: str | None = None
    error: str | None = None


def parse_state(read: Mapping[str, Any]) -> StateFile:
    """The ``file.read`` result of ``toolchains.json`` as a :class:`StateFile`.

    A damaged file yields no records (every version directory then counts as
    unverified) and an ``error`` to warn about; it is replaced on the next write.
    """
    if not read.get("exists"):
        return StateFile()
    data = base64.b64decode(read.get("content_b64") or "")
    state = StateFile(exists=True, sha256=hashlib.sha256(data).hexdigest())
    if read.get("truncated"):
        state.error = f"{STATE_FILE} is larger than {MAX_STATE_BYTES} bytes"
        return state
    try:
        doc = json.loads(data.decode("utf-8-sig"))
        items = doc["toolchains"]
        if not isinstance(items, list):
            raise TypeError("toolchains is not a list")
        for item in items:
            name = str(item["version"])
            if not VERSION_DIR.match(name):
                raise ValueError(f"{name!r} is not a Go version")
            state.records[name.lower()] = {
                "version": name.lower(),
                "sha256": item.get("sha256"),
                "url": item.get("url"),
                "installed": item.get("installed"),
                "size": item.get("size"),
                "checksum_verified": bool(item.get("checksum_verified", True)),
            }
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
        state.records = {}
        state.error = f"{STATE_FILE} is not readable ({err}); its versions count as unverified"
    return state


def render_state(records: Mapping[str, Mapping[str, Any]]) -> bytes:
    """``toolchains.json`` for ``records`` (stable: same records, same bytes)."""
    items = [dict(records[name]) for name in sort_versions(records)]
    doc = {"format": STATE_FORMAT, "toolchains": items}
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


def sort_versions(names: Any, newest_first: bool = False) -> list[str]:
    """Version names in version order."""
    return sorted(names, key=go_releases.version_key, reverse=newest_first)


def number(name: str | None) -> str | None:
    """``go1.22.5`` -> ``1.22.5``."""
    return name[2:] if name else None
