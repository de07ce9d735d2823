"""The read batch of win_go_install and what it observed on the host.

Part of the pure logic of ``winops.golang.win_go_install`` (see
:mod:`go_install_layout`): :func:`read_batch` builds the one batch of reads a
run needs, :func:`verify_ops` the ops that check a toolchain (``go version``,
``go env GOROOT``, a hello-world build), :func:`observe` turns the read results
into an :class:`Observed`, and :func:`evaluate_verify` / :func:`evaluate_build`
judge the verification results.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import go_releases, winargv, winpath
from ansible_collections.winops.golang.plugins.module_utils.agent_client import Batch
from ansible_collections.winops.golang.plugins.module_utils.go_install_layout import (
    MAX_STATE_BYTES,
    VERIFY_BUILD,
    VERIFY_NONE,
    VERSION_DIR,
    Layout,
    StateFile,
    parse_state,
)

HELLO_OUTPUT = "hello, world\n"
HELLO_SOURCE = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello, world")\n}\n'
HELLO_MOD = "module winops.example/hello\n"
# What the verification build must not do: fetch toolchains or modules, or use a workspace.
BUILD_ENV = {"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOWORK": "off"}
BUILD_TIMEOUT = 600


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
        if e.get("type") == "directory" and VERSION_DIR.match(e["name"])
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
        same = bool(VERSION_DIR.match(tokens[2])) and (
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
