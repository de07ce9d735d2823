"""The plan of win_go_install: the ops that install, activate, prune and remove toolchains.

Part of the pure logic of ``winops.golang.win_go_install`` (with
:mod:`go_install_layout` and :mod:`go_install_observe`): everything here takes
data and returns data. The action plugin gathers the inputs (task arguments,
``winops_go`` facts, the release index, one batch of reads) and sends what
:func:`plan_present` / :func:`plan_absent` return.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import (
    go_facts,
    go_releases,
    path_list,
    winpath,
)
from ansible_collections.winops.golang.plugins.module_utils.agent_client import OMIT
from ansible_collections.winops.golang.plugins.module_utils.go_install_layout import (
    Layout,
    number,
    render_state,
    sort_versions,
)
from ansible_collections.winops.golang.plugins.module_utils.go_install_observe import Observed

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


def _record(plan: Plan, obs: Observed, layout: Layout, records: dict[str, Any]) -> None:
    """Rewrite toolchains.json, compare-and-set against the copy the read batch saw."""
    plan.add(
        "file.write",
        path=layout.state_file,
        content_b64=base64.b64encode(render_state(records)).decode("ascii"),
        expected_sha256=obs.state.sha256,
    )
    plan.steps.append({"step": "record", "path": layout.state_file})


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


def _path_ops(obs: Observed, plan: Plan, new_value: str, step: dict[str, Any]) -> None:
    """Write the scope's PATH (compare-and-set against what the read saw) when it changes."""
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
    plan.steps.append({"step": "path", "scope": obs.scope, **step})
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
        _record(plan, obs, layout, records)
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
    new_path = path_list.ensure_before(plan.path_before, layout.current_bin, others, expand)
    _path_ops(obs, plan, new_path, {"entry": layout.current_bin})
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
        if plan.path_before is not None:
            _path_ops(obs, plan, new_path, {"removed": layout.current_bin})
        if obs.current_kind == "junction":
            plan.add("file.remove", path=layout.current)
            plan.steps.append(
                {"step": "deactivate", "from": number(active), "junction": layout.current}
            )
    elif gone:
        _record(plan, obs, layout, records)
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
