"""Pure logic of ``winops.golang.win_go_install``: layout, state file, reads, plan.

Everything here takes data and returns data. The action plugin gathers the
inputs (task arguments, ``winops_go`` facts, the release index, one batch of
reads) and sends what :func:`plan_present` / :func:`plan_absent` return.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import (
    go_facts,
    go_releases,
    path_list,
    winargv,
    winpath,
)
from ansible_collections.winops.golang.plugins.module_utils.agent_client import OMIT, Batch

STATE_FILE = "toolchains.json"
STATE_FORMAT = 1
CURRENT = "current"
DOWNLOADS = ".downloads"
ROOT_NAME = "GoToolchains"
MSI_GOROOT = r"C:\Program Files\Go"
DEFAULT_INDEX_URL = "https://go.dev/dl/?mode=json&include=all"
DEFAULT_DOWNLOAD_BASE = "https://go.dev/dl/"
MAX_STATE_BYTES = 1048576

VERIFY_NONE, VERIFY_VERSION, VERIFY_BUILD = "none", "version", "build"
HELLO_OUTPUT = "hello, world\n"
HELLO_SOURCE = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello, world")\n}\n'
HELLO_MOD = "module winops.example/hello\n"
# What the verification build must not do: fetch toolchains or modules, or use a workspace.
BUILD_ENV = {"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOWORK": "off"}
BUILD_TIMEOUT = 600

_VERSION_DIR = re.compile(r"^go\d+(?:\.\d+){0,2}(?:(?:rc|beta)\d+)?$", re.IGNORECASE)
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
            if not _VERSION_DIR.match(name):
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


# -- reads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadBatch:
    """The read batch of a run and where each result is."""

    batch: Batch
    index: dict[str, int]


def read_batch(
    layout: Layout,
    *,
    msi: str,
    verify_exe: str | None,
    verify: str,
    build_dir: str | None,
    with_facts: bool,
) -> ReadBatch:
    """Everything the decision needs, in one round trip.

    ``facts.get`` comes first when the ``winops_go`` facts are missing (and
    the install root was given); the verification of ``verify_exe`` comes
    last, so a missing toolchain (``not_found``) stops only the verification.
    """
    batch = Batch()
    index: dict[str, int] = {}
    if with_facts:
        index["facts"] = batch.add("facts.get")
    index["state"] = batch.add("file.read", path=layout.state_file, max_bytes=MAX_STATE_BYTES)
    index["root"] = batch.add("file.list", path=layout.root)
    index["current"] = batch.add("file.stat", path=layout.current)
    index["machine"] = batch.add("env.get", scope="machine", names=["Path", "GOROOT"])
    index["user"] = batch.add("env.get", scope="user", names=["Path", "GOROOT"])
    index["which"] = batch.add("path.which", name="go.exe", read=["..\\VERSION"])
    index["msi"] = batch.add("file.read", path=winpath.join(msi, "VERSION"), max_bytes=4096)
    if verify != VERIFY_NONE and verify_exe:
        for key, op in verify_ops(verify_exe, verify, build_dir):
            index[key] = len(batch.ops)
            batch.ops.append(op)
    return ReadBatch(batch, index)


def verify_ops(exe: str, mode: str, build_dir: str | None) -> list[tuple[str, dict[str, Any]]]:
    """Ops that check a toolchain: ``go version``, ``go env GOROOT``, and for ``build``
    a hello-world compiled and run in ``build_dir``, which is removed afterwards."""
    ops: list[tuple[str, dict[str, Any]]] = [
        (
            "verify_version",
            {
                "op": "exec",
                "args": {
                    "executable": exe,
                    "arguments": "version",
                    "read_only": True,
                    "timeout": 120,
                },
            },
        ),
        (
            "verify_goroot",
            {
                "op": "exec",
                "args": {
                    "executable": exe,
                    "arguments": "env GOROOT",
                    "read_only": True,
                    "timeout": 120,
                },
            },
        ),
    ]
    if mode != VERIFY_BUILD or not build_dir:
        return ops
    main_go = winpath.join(build_dir, "main.go")
    hello = winpath.join(build_dir, "hello.exe")

    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode("ascii")

    ops += [
        ("build_mkdir", {"op": "file.mkdir", "args": {"path": build_dir}}),
        (
            "build_mod",
            {
                "op": "file.write",
                "args": {"path": winpath.join(build_dir, "go.mod"), "content_b64": b64(HELLO_MOD)},
            },
        ),
        (
            "build_src",
            {"op": "file.write", "args": {"path": main_go, "content_b64": b64(HELLO_SOURCE)}},
        ),
        ("build_src_stat", {"op": "file.stat", "args": {"path": main_go}}),
        (
            "build",
            {
                "op": "exec",
                "args": {
                    "executable": exe,
                    "arguments": winargv.quote_argv(["build", "-o", hello, "."]),
                    "cwd": build_dir,
                    "env": dict(BUILD_ENV),
                    "timeout": BUILD_TIMEOUT,
                },
            },
        ),
        ("build_exe_stat", {"op": "file.stat", "args": {"path": hello}}),
        (
            "build_run",
            {
                "op": "exec",
                "args": {
                    "executable": hello,
                    "arguments": "",
                    "cwd": build_dir,
                    "read_only": True,
                    "timeout": 120,
                },
            },
        ),
        ("build_cleanup", {"op": "file.remove", "args": {"path": build_dir}}),
    ]
    return ops


@dataclass
class Observed:
    """What the read batch saw on the host."""

    layout: Layout
    scope: str
    state: StateFile
    root_exists: bool
    version_dirs: dict[str, str]  # lowercased name -> stored name
    junction: str | None  # what 'current' points to (None when absent)
    current_kind: str | None  # junction, directory, file or None
    env: dict[str, dict[str, dict[str, Any]]]  # scope -> {Path, GOROOT} as stored
    matches: list[dict[str, Any]]
    msi_text: str | None
    msi: str
    verified: dict[str, Any] | None = None  # results of the verification ops, when they ran
    broken: set[str] = field(default_factory=set)  # versions the verification found broken

    @property
    def installed(self) -> dict[str, dict[str, Any]]:
        """Recorded versions whose directory exists (and that verification did not reject)."""
        return {
            name: rec
            for name, rec in self.state.records.items()
            if name in self.version_dirs and name not in self.broken
        }

    @property
    def unverified(self) -> list[str]:
        """Version directories with no record (stored names)."""
        return [
            stored
            for name, stored in sorted(self.version_dirs.items())
            if name not in self.state.records or name in self.broken
        ]

    @property
    def stale_records(self) -> list[str]:
        """Records whose directory is gone."""
        return [name for name in self.state.records if name not in self.version_dirs]

    @property
    def active(self) -> str | None:
        """The installed version ``current`` points to, or None."""
        if self.current_kind != "junction" or not self.junction:
            return None
        if not winpath.same_path(winpath.parent(self.junction), self.layout.root):
            return None
        name = winpath.components(self.junction)[-1].lower()
        return name if name in self.installed else None

    def find(self, version: str) -> str | None:
        """The installed version equal to ``version`` (``go1.20.0`` finds ``go1.20``)."""
        key = go_releases.version_key(version)
        for name in self.installed:
            if go_releases.version_key(name) == key:
                return name
        return None

    def path_value(self, scope: str | None = None) -> str | None:
        entry = self.env.get(scope or self.scope, {}).get("Path")
        return entry["value"] if entry else None

    def goroot(self, scope: str) -> str | None:
        entry = self.env.get(scope, {}).get("GOROOT")
        return entry["value"] if entry else None


def _by_name(vars_: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    for key, value in vars_.items():
        if key.casefold() == name.casefold():
            return value
    return None


def observe(
    layout: Layout,
    scope: str,
    results: list[dict[str, Any]],
    index: Mapping[str, int],
    *,
    msi: str,
) -> Observed:
    """Turn the read batch's results into an :class:`Observed`.

    ``results`` may stop early (a verification op failed): only what ran is read.
    """

    def get(key: str) -> dict[str, Any] | None:
        position = index.get(key)
        return results[position] if position is not None and position < len(results) else None

    listing = get("root") or {}
    dirs = {
        e["name"].lower(): e["name"]
        for e in listing.get("entries") or []
        if e.get("type") == "directory" and _VERSION_DIR.match(e["name"])
    }
    current = get("current") or {}
    env = {}
    for s in ("machine", "user"):
        vars_ = (get(s) or {}).get("vars") or {}
        env[s] = {n: v for n in ("Path", "GOROOT") if (v := _by_name(vars_, n)) is not None}
    msi_read = get("msi") or {}
    msi_text = (
        base64.b64decode(msi_read["content_b64"]).decode("utf-8", "replace")
        if msi_read.get("exists")
        else None
    )
    return Observed(
        layout=layout,
        scope=scope,
        state=parse_state(get("state") or {}),
        root_exists=bool(listing.get("exists")),
        version_dirs=dirs,
        junction=current.get("target") if current.get("exists") else None,
        current_kind=current.get("type") if current.get("exists") else None,
        env=env,
        matches=list((get("which") or {}).get("matches") or []),
        msi_text=msi_text,
        msi=msi,
    )


# -- verification --------------------------------------------------------------------


def evaluate_verify(
    results: list[dict[str, Any]],
    index: Mapping[str, int],
    *,
    version: str,
    goroots: list[str],
) -> dict[str, Any]:
    """Judge the verification ops' results: ``{ok, version, goroot, problems, build}``."""

    def get(key: str) -> dict[str, Any] | None:
        position = index.get(key)
        return results[position] if position is not None and position < len(results) else None

    problems: list[str] = []
    out: dict[str, Any] = {
        "ok": False,
        "expected_version": version,
        "version_output": None,
        "version": None,
        "goroot": None,
        "problems": problems,
    }
    ver = get("verify_version")
    if ver is None:
        problems.append("go version did not run")
        return out
    out["version_output"] = (ver.get("stdout") or "").strip()
    tokens = out["version_output"].split()
    if ver.get("rc") != 0 or len(tokens) < 3 or tokens[:2] != ["go", "version"]:
        problems.append(
            f"'go version' failed (rc {ver.get('rc')}): "
            f"{(ver.get('stderr') or out['version_output']).strip()}"
        )
    else:
        out["version"] = tokens[2]
        same = bool(_VERSION_DIR.match(tokens[2])) and (
            go_releases.version_key(tokens[2]) == go_releases.version_key(version)
        )
        if not same:
            problems.append(f"'go version' reports {tokens[2]}, expected {version}")
    env = get("verify_goroot")
    if env is None:
        problems.append("go env GOROOT did not run")
    else:
        goroot = (env.get("stdout") or "").strip()
        out["goroot"] = goroot
        if env.get("rc") != 0:
            problems.append(
                f"'go env GOROOT' failed (rc {env.get('rc')}): {(env.get('stderr') or '').strip()}"
            )
        elif not any(goroot and winpath.same_path(goroot, g) for g in goroots):
            problems.append(
                f"'go env GOROOT' reports '{goroot}', expected "
                f"{' or '.join(repr(g) for g in goroots)}"
            )
    if "build" in index:
        out["build"] = evaluate_build(get, problems)
    out["ok"] = not problems
    return out


def _mtime(stat: Mapping[str, Any] | None) -> float | None:
    text = (stat or {}).get("mtime")
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
    except ValueError:
        return None


def evaluate_build(
    get: Callable[[str], dict[str, Any] | None], problems: list[str]
) -> dict[str, Any]:
    """The hello-world build: rc, output, and how long the build took (file times)."""
    build = get("build")
    run = get("build_run")
    out: dict[str, Any] = {
        "ok": False,
        "rc": None,
        "output": None,
        "seconds": None,
        "cleaned": get("build_cleanup") is not None,
    }
    if build is None:
        problems.append("the hello-world build did not run")
        return out
    out["rc"] = build.get("rc")
    if build.get("rc") != 0:
        problems.append(
            f"'go build' of hello-world failed (rc {build.get('rc')}): "
            f"{(build.get('stderr') or build.get('stdout') or '').strip()}"
        )
        return out
    start, end = _mtime(get("build_src_stat")), _mtime(get("build_exe_stat"))
    if start is not None and end is not None:
        out["seconds"] = round(max(0.0, end - start), 3)
    if run is None:
        problems.append("the hello-world program did not run")
        return out
    out["output"] = run.get("stdout")
    if run.get("rc") != 0 or (run.get("stdout") or "").replace("\r\n", "\n") != HELLO_OUTPUT:
        problems.append(
            f"hello-world printed {run.get('stdout')!r} (rc {run.get('rc')}), "
            f"expected {HELLO_OUTPUT!r}"
        )
        return out
    out["ok"] = True
    return out


# -- the plan ------------------------------------------------------------------------


@dataclass
class Source:
    """The archive of a version to install, as the host will get it."""

    version: str  # go1.22.5
    filename: str
    url: str  # http(s) URL or UNC path; for a pushed file, the controller path
    sha256: str | None
    size: int | None = None
    push_from: str | None = None  # remote temp path of a file pushed with put_file

    def record(self, installed: str) -> dict[str, Any]:
        return {
            "version": self.version,
            "sha256": self.sha256,
            "url": self.url,
            "installed": installed,
            "size": self.size,
            "checksum_verified": self.sha256 is not None,
        }


@dataclass
class Plan:
    """What to send, and what it changes."""

    ops: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    installed_before: list[str] = field(default_factory=list)
    installed_after: list[str] = field(default_factory=list)
    active_before: str | None = None
    active_after: str | None = None
    path_before: str | None = None
    path_after: str | None = None
    goroot: dict[str, Any] = field(default_factory=dict)
    install: bool = False
    switch: bool = False
    target: str | None = None
    records_after: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.steps)

    def add(self, op: str, **args: Any) -> None:
        """Append an op; like ``Batch.add``, ``None`` leaves an argument out except for
        ``expected``/``expected_sha256`` (where it means "must be absent")."""
        self.ops.append(
            {
                "op": op,
                "args": {
                    k: v
                    for k, v in args.items()
                    if v is not OMIT and (v is not None or k in ("expected", "expected_sha256"))
                },
            }
        )


def expander_for(obs: Observed, facts: Mapping[str, Any] | None) -> path_list.Expander:
    """Expands the ``%NAME%`` references PATH entries commonly hold, from facts and reads."""
    facts = facts or {}
    dirs = facts.get("dirs") or {}
    user = facts.get("user") or {}
    table = {
        "ProgramFiles": dirs.get("program_files"),
        "ProgramData": dirs.get("program_data"),
        "ALLUSERSPROFILE": dirs.get("program_data"),
        "SystemRoot": dirs.get("system_root"),
        "windir": dirs.get("system_root"),
        "USERPROFILE": user.get("profile"),
        "APPDATA": user.get("appdata"),
        "LOCALAPPDATA": user.get("localappdata"),
    }
    base = path_list.expander(table)
    # Entries path.which found are known exactly: use what the host expanded.
    known = {m["entry"].strip(): m["dir"] for m in obs.matches if m.get("entry")}

    def expand(text: str) -> str:
        return known.get(text.strip()) or base(text)

    return expand


def _is_ours(directory: str, layout: Layout) -> bool:
    return winpath.same_path(directory, layout.current_bin)


def conflicts_of(obs: Observed, plan: Plan, *, fix_goroot: bool) -> None:
    """Other Go installs (MSI, PATH) and a GOROOT pointing elsewhere, as conflicts + warnings."""
    layout = obs.layout
    if obs.msi_text is not None:
        msi_version = go_facts.parse_version_file(obs.msi_text)
        plan.conflicts.append(
            {"kind": "msi", "path": obs.msi, "version": msi_version, "scope": None, "entry": None}
        )
        plan.warnings.append(
            f"Go {msi_version or '(unknown version)'} is installed by the official MSI in "
            f"'{obs.msi}'; uninstall it (Apps & features) so only toolchains managed here "
            "remain"
        )
    ours_seen = False
    for match in obs.matches:
        if _is_ours(match["dir"], layout):
            ours_seen = True
            continue
        goroot = winpath.parent(match["dir"])
        version = go_facts.parse_version_file((match.get("files") or {}).get("..\\VERSION"))
        shadowing = not ours_seen
        plan.conflicts.append(
            {
                "kind": "path",
                "path": goroot,
                "version": version,
                "scope": match["scope"],
                "entry": match["entry"],
                "before_ours": shadowing,
            }
        )
        where = f"{match['scope']} PATH entry '{match['entry']}'"
        if obs.scope == "user" and match["scope"] == "machine":
            plan.warnings.append(
                f"another Go ({version or 'unknown version'}) is on the {where}; the machine "
                "PATH comes before the user PATH, so it runs instead of this user-scope "
                "toolchain. Remove it, or install with scope: machine"
            )
        else:
            plan.warnings.append(
                f"another Go ({version or 'unknown version'}) is on the {where}; "
                f"{layout.current_bin} is placed ahead of it in the {obs.scope} PATH"
            )
    allowed = [layout.current]
    if plan.active_after:
        allowed.append(layout.version_dir(plan.active_after))
    for scope in ("machine", "user"):
        value = obs.goroot(scope)
        entry = {"value": value, "conflict": False, "removed": False}
        plan.goroot[scope] = entry
        if value is None or any(winpath.same_path(value, a) for a in allowed):
            continue
        entry["conflict"] = True
        plan.conflicts.append(
            {"kind": "goroot", "path": value, "version": None, "scope": scope, "entry": None}
        )
        if fix_goroot:
            entry["removed"] = True
            plan.add("env.remove", scope=scope, name="GOROOT", expected=value)
            plan.steps.append({"step": "goroot", "scope": scope, "removed": value})
        else:
            plan.warnings.append(
                f"GOROOT is set in the {scope} environment to '{value}'; Go finds its root "
                "from go.exe, and this setting makes every go.exe use that tree. Set "
                "fix_goroot: true to remove it"
            )


def _prune(
    obs: Observed,
    records: dict[str, dict[str, Any]],
    *,
    keep: int | None,
    protect: set[str],
) -> tuple[list[str], list[str]]:
    """(recorded versions to remove, unverified directories to remove) for ``keep``."""
    if keep is None:
        return [], []
    newest = sort_versions(records, newest_first=True)
    kept = set(newest[:keep]) | {p for p in protect if p}
    drop = [name for name in newest if name not in kept]
    strays = [stored for stored in obs.unverified if stored.lower() not in protect]
    return drop, strays


def _path_ops(obs: Observed, plan: Plan, new_value: str) -> None:
    before = obs.path_value()
    if new_value == (before or ""):
        return
    plan.add(
        "env.set",
        scope=obs.scope,
        name="Path",
        value=new_value,
        type="REG_EXPAND_SZ",
        expected=before,
    )
    plan.steps.append({"step": "path", "scope": obs.scope, "entry": obs.layout.current_bin})
    plan.path_after = new_value


def plan_present(
    obs: Observed,
    *,
    version: str | None,
    source: Source | None,
    activate: bool,
    keep: int | None,
    fix_goroot: bool,
    facts: Mapping[str, Any] | None,
    now: str,
    download_args: Mapping[str, Any] | None = None,
) -> Plan:
    """Install (when ``source`` is given), activate, put on PATH, prune.

    ``version`` is the installed version to keep when ``source`` is None.
    Op order keeps the old state until the switch: stage and verify the
    archive, extract it beside the others (``expect_first_line`` checks
    ``VERSION`` before the rename into place), record it, then retarget the
    junction and PATH, then remove what is no longer wanted.
    """
    layout = obs.layout
    installed = obs.installed
    plan = Plan(
        installed_before=sort_versions(installed),
        active_before=obs.active,
        path_before=obs.path_value(),
    )
    plan.path_after = plan.path_before
    records = dict(installed)
    target = source.version if source is not None else version
    if target is None:
        raise ValueError("nothing to install: no version and no source")
    plan.target = target
    if source is not None:
        plan.install = True
        download = layout.download(source.filename)
        plan.add("file.mkdir", path=layout.downloads)
        if source.push_from:
            plan.add(
                "file.move",
                src=source.push_from,
                dest=download,
                sha256=source.sha256 or OMIT,
                replace=True,
            )
            plan.steps.append(
                {"step": "push", "from": source.url, "to": download, "sha256": source.sha256}
            )
        else:
            plan.add(
                "file.download",
                url=source.url,
                dest=download,
                sha256=source.sha256 or OMIT,
                **dict(download_args or {}),
            )
            plan.steps.append(
                {"step": "download", "from": source.url, "to": download, "sha256": source.sha256}
            )
        stored = obs.version_dirs.get(target)
        if stored is not None:
            # A directory with no record (or one verification rejected): start again.
            plan.add("file.remove", path=layout.version_dir(stored))
            plan.steps.append(
                {
                    "step": "remove_unverified",
                    "version": number(target),
                    "path": layout.version_dir(stored),
                }
            )
        plan.add(
            "file.extract",
            src=download,
            dest=layout.version_dir(target),
            strip_components=1,
            expect_first_line={"path": "VERSION", "line": target},
        )
        plan.steps.append(
            {"step": "extract", "version": number(target), "to": layout.version_dir(target)}
        )
        records[target] = source.record(now)
    active_after = target if (activate or plan.active_before is None) else plan.active_before
    plan.active_after = active_after
    drop, strays = _prune(obs, records, keep=keep, protect={active_after, target})
    for name in drop:
        records.pop(name, None)
    plan.records_after = records
    plan.installed_after = sort_versions(records)
    # The record is rewritten only with a real change; stale entries (their directory is
    # gone) and a damaged file are dropped then.
    if plan.install or drop:
        plan.add(
            "file.write",
            path=layout.state_file,
            content_b64=base64.b64encode(render_state(records)).decode("ascii"),
            expected_sha256=obs.state.sha256,
        )
        plan.steps.append({"step": "record", "path": layout.state_file})
    if obs.current_kind not in (None, "junction"):
        raise ValueError(
            f"'{layout.current}' is a {obs.current_kind}, not a junction: "
            "remove it so the active toolchain can be linked there"
        )
    want_target = layout.version_dir(active_after)
    if obs.junction is None or not winpath.same_path(obs.junction, want_target):
        plan.add("file.junction", path=layout.current, target=want_target)
        plan.steps.append(
            {
                "step": "activate",
                "from": number(plan.active_before),
                "to": number(active_after),
                "junction": layout.current,
            }
        )
        plan.switch = True
    expand = expander_for(obs, facts)
    others = [
        m["entry"]
        for m in obs.matches
        if m["scope"] == obs.scope and not _is_ours(m["dir"], layout)
    ]
    _path_ops(
        obs, plan, path_list.ensure_before(plan.path_before, layout.current_bin, others, expand)
    )
    conflicts_of(obs, plan, fix_goroot=fix_goroot)
    for name in drop:
        plan.add("file.remove", path=layout.version_dir(obs.version_dirs.get(name, name)))
        plan.steps.append(
            {"step": "prune", "version": number(name), "path": layout.version_dir(name)}
        )
    for stored in strays:
        plan.add("file.remove", path=layout.version_dir(stored))
        plan.steps.append(
            {
                "step": "prune",
                "version": number(stored.lower()),
                "path": layout.version_dir(stored),
                "unverified": True,
            }
        )
    if source is not None:
        plan.add("file.remove", path=layout.download(source.filename))
    if obs.state.error:
        plan.warnings.append(obs.state.error)
    return plan


def matching_installed(obs: Observed, spec: str) -> list[str]:
    """Installed or unverified versions (lowercased names) that ``spec`` names."""
    text = spec.strip().lower()
    if text in ("latest", "stable", "oldstable"):
        raise ValueError(
            f"state: absent needs the versions to remove, not {spec!r}: give an "
            "exact version (1.22.5), a minor (1.22) or a range (<1.22)"
        )
    names = set(obs.installed) | {s.lower() for s in obs.unverified}
    found = []
    for name in names:
        release = go_releases.GoRelease(version=name, stable=True, files=())
        try:
            go_releases.resolve_version(text, [release], allow_prerelease=True)
        except ValueError:
            continue
        found.append(name)
    return sort_versions(found)


def plan_absent(
    obs: Observed,
    *,
    spec: str | None,
    keep: int | None,
    fix_goroot: bool,
    facts: Mapping[str, Any] | None,
) -> Plan:
    """Remove the versions ``spec`` names, and/or prune to ``keep``.

    The active version goes only together with every other one (a full
    uninstall that also removes the junction, the PATH entry and the record);
    otherwise removing it is refused: activate another version first.
    """
    layout = obs.layout
    installed = obs.installed
    active = obs.active
    plan = Plan(
        installed_before=sort_versions(installed),
        active_before=active,
        path_before=obs.path_value(),
    )
    plan.path_after = plan.path_before
    remove = matching_installed(obs, spec) if spec else []
    records = {n: r for n, r in installed.items() if n not in remove}
    drop, strays = _prune(obs, records, keep=keep, protect={active} if active else set())
    for name in drop:
        records.pop(name, None)
    if active is not None and active in remove and records:
        raise ValueError(
            f"{active} is the active toolchain and other versions stay installed "
            f"({', '.join(sort_versions(records))}): activate one of them first "
            "(state: present, active: true), then remove this one"
        )
    plan.records_after = records
    plan.installed_after = sort_versions(records)
    plan.active_after = active if active in records else None
    unverified = {s.lower() for s in obs.unverified}
    doomed = [(n, obs.version_dirs.get(n, n)) for n in remove + drop]
    doomed += [(s.lower(), s) for s in strays if s.lower() not in remove]
    gone = [n for n, _stored in doomed if n in installed]
    # Nothing recorded stays: a full uninstall (PATH entry, junction and record go too).
    full = not records and bool(gone)
    if full:
        new_path = path_list.remove(
            plan.path_before, [layout.current_bin], expander_for(obs, facts)
        )
        if plan.path_before is not None and new_path != plan.path_before:
            plan.add(
                "env.set",
                scope=obs.scope,
                name="Path",
                value=new_path,
                type="REG_EXPAND_SZ",
                expected=plan.path_before,
            )
            plan.steps.append({"step": "path", "scope": obs.scope, "removed": layout.current_bin})
            plan.path_after = new_path
        if obs.current_kind == "junction":
            plan.add("file.remove", path=layout.current)
            plan.steps.append(
                {"step": "deactivate", "from": number(active), "junction": layout.current}
            )
    elif gone:
        plan.add(
            "file.write",
            path=layout.state_file,
            content_b64=base64.b64encode(render_state(records)).decode("ascii"),
            expected_sha256=obs.state.sha256,
        )
        plan.steps.append({"step": "record", "path": layout.state_file})
    conflicts_of(obs, plan, fix_goroot=fix_goroot)
    for name, stored in doomed:
        plan.add("file.remove", path=layout.version_dir(stored))
        entry: dict[str, Any] = {
            "step": "remove" if name in remove else "prune",
            "version": number(name),
            "path": layout.version_dir(stored),
        }
        if name in unverified:
            entry["unverified"] = True
        plan.steps.append(entry)
    if full and obs.state.exists:
        plan.add("file.remove", path=layout.state_file)
        plan.steps.append({"step": "record", "path": layout.state_file, "removed": True})
    return plan
