"""Pure validation and planning of ``win_remote_dev``: OpenSSH Server, WSL, WSL 2's platform.

The action plugin:

1. :func:`resolve` checks the task's options with no host at all (bad input,
   a source that is not an absolute Windows path);
2. :func:`check_build` refuses what the host's release lacks (the OpenSSH
   Server capability before Server 2019, VirtualMachinePlatform and so WSL 2
   before build 18362), from the ``winops_go`` facts before any round trip,
   or from ``facts.get`` read in the first batch, before anything is written;
3. sends :func:`read_ops` in one batch and turns the results into the host's
   state with :func:`parse_reads`;
4. :func:`plan` compares and returns the write batch (feature changes, then
   the ``sshd`` start mode and start), and :func:`report` builds the result.

Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winpath

PRESENT_ABSENT = ("present", "absent")
START_MODES = ("auto", "delayed", "manual", "disabled")
SSHD = "sshd"

# Windows Server releases by build number.
RELEASES: dict[int, str] = {14393: "2016", 17763: "2019", 20348: "2022", 26100: "2025"}


@dataclass(frozen=True)
class Item:
    """One managed Windows feature: the option that drives it and where Windows keeps it."""

    option: str
    kind: str  # feature.get/feature.set kind: optional_feature or capability
    name: str  # the Windows name
    min_build: int
    introduced: str  # the release that brought it, for messages
    restart: bool  # Windows completes a change only at the next boot


ITEMS: dict[str, Item] = {
    item.option: item
    for item in (
        Item("openssh_server", "capability", "OpenSSH.Server~~~~0.0.1.0", 17763,
             "Windows Server 2019 (version 1809, build 17763)", False),
        Item("wsl", "optional_feature", "Microsoft-Windows-Subsystem-Linux", 17763,
             "Windows Server 2019 (version 1809, build 17763)", True),
        Item("virtual_machine_platform", "optional_feature", "VirtualMachinePlatform", 18362,
             "Windows 10 version 1903 (build 18362), so Windows Server 2022", True),
    )
}
# feature.set state per option value and kind.
_WANTED = {
    ("present", "capability"): "installed",
    ("absent", "capability"): "absent",
    ("present", "optional_feature"): "enabled",
    ("absent", "optional_feature"): "disabled",
}
# States that already satisfy an option value (pending ones wait for a reboot).
_SATISFIED = {
    "present": {"installed", "install_pending", "enabled", "enable_pending"},
    "absent": {"not_present", "uninstall_pending", "disabled", "disable_pending", "removed",
               "unknown"},
}


@dataclass
class Desired:
    """What the task asks for; ``None`` leaves an item untouched."""

    items: dict[str, str]  # option -> present|absent, only the options given
    sshd_start_mode: str
    source: str | None


@dataclass
class Plan:
    """The write batch and what the host looks like afterwards (predicted)."""

    ops: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (label, op, args)
    after: dict[str, str] = field(default_factory=dict)  # option -> state
    sshd_after: dict[str, Any] | None = None


def release_text(build: int | None) -> str:
    """``Windows Server 2019 (build 17763)``, or ``Windows build N`` for an unknown build."""
    if build is None:
        return "this Windows host (build unknown)"
    name = RELEASES.get(build)
    return f"Windows Server {name} (build {build})" if name else f"Windows build {build}"


def resolve(args: dict[str, Any]) -> Desired:
    """Check the options that need no host; raise ValueError with what to do."""
    items = {}
    for option in ITEMS:
        value = args.get(option)
        if value is None:
            continue
        if value not in PRESENT_ABSENT:
            raise ValueError(f"{option} must be present or absent, not {value!r}")
        items[option] = value
    mode = args.get("sshd_start_mode") or "auto"
    if mode not in START_MODES:
        raise ValueError(f"sshd_start_mode must be one of {', '.join(START_MODES)}, not {mode!r}")
    source = args.get("source")
    if source is not None:
        try:
            source = winpath.validate(str(source), "source")
        except winpath.WindowsPathError as err:
            raise ValueError(f"{err} (use a local path such as D:\\FoD or a UNC "
                             "share such as \\\\server\\share\\fod)") from None
    return Desired(items=items, sshd_start_mode=mode, source=source)


def check_build(desired: Desired, build: int | None) -> None:
    """Refuse what the release lacks, before anything is written; raise ValueError."""
    if build is None:
        return
    problems = []
    where = release_text(build)
    if desired.items.get("openssh_server") == "present" and build < 17763:
        problems.append(
            f"openssh_server=present: {where} has no OpenSSH Server capability; it came as a "
            "Feature on Demand with Windows Server 2019 (build 17763). Upgrade the host, or "
            "install Win32-OpenSSH yourself and leave openssh_server unset."
        )
    if desired.items.get("wsl") == "present" and build < 17763:
        problems.append(
            f"wsl=present: {where} does not offer the Windows Subsystem for Linux "
            "(Microsoft-Windows-Subsystem-Linux) on Windows Server; it needs Windows Server "
            "2019 (build 17763) or later."
        )
    if desired.items.get("virtual_machine_platform") == "present" and build < 18362:
        problems.append(
            f"virtual_machine_platform=present: the VirtualMachinePlatform feature does not "
            f"exist before build 18362 (Windows 10 version 1903), so WSL 2 cannot run on "
            f"{where}. Use wsl=present alone there (WSL 1), or Windows Server 2022 or later "
            "for WSL 2."
        )
    if problems:
        raise ValueError(" ".join(problems))


def facts_build(facts: dict[str, Any] | None) -> int | None:
    """The build number of ``winops_go``-style facts (``os.build``), or None."""
    if not isinstance(facts, dict):
        return None
    build = (facts.get("os") or {}).get("build")
    try:
        return int(build) if build is not None else None
    except (TypeError, ValueError):
        return None


def read_ops(desired: Desired, need_facts: bool) -> list[tuple[str, str, dict[str, Any]]]:
    """The read batch: (label, op, args) for facts (when needed), features and sshd."""
    ops: list[tuple[str, str, dict[str, Any]]] = []
    if need_facts:
        ops.append(("facts", "facts.get", {}))
    for kind in ("optional_feature", "capability"):
        names = [ITEMS[o].name for o in desired.items if ITEMS[o].kind == kind]
        if names:
            ops.append((kind, "feature.get", {"kind": kind, "names": names}))
    if "openssh_server" in desired.items:
        ops.append(("sshd", "service.get", {"name": SSHD}))
    return ops


def parse_reads(desired: Desired, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The host's state from the read batch: ``build``, ``states`` {option: state}, ``sshd``."""
    states: dict[str, str] = {}
    for option in desired.items:
        item = ITEMS[option]
        found = (results.get(item.kind) or {}).get("features") or {}
        states[option] = str(found.get(item.name, "unknown"))
    facts = results.get("facts")
    sshd = results.get("sshd")
    return {
        "build": facts_build(facts) if facts else None,
        "reboot_pending": (facts or {}).get("reboot_pending"),
        "states": states,
        "sshd": _sshd_view(sshd) if sshd is not None else None,
    }


def _sshd_view(svc: dict[str, Any]) -> dict[str, Any]:
    if not svc.get("exists"):
        return {"exists": False, "start_mode": None, "state": None}
    return {"exists": True, "start_mode": svc.get("start_mode"), "state": svc.get("state")}


def _final(kind: str, wanted: str, restart: bool) -> str:
    """The state a change leaves (pending when Windows needs a restart)."""
    state = {"installed": "installed", "absent": "not_present", "enabled": "enabled",
             "disabled": "disabled"}[wanted]
    if restart and kind == "optional_feature":
        return {"enabled": "enable_pending", "disabled": "disable_pending"}[state]
    return state


def plan(desired: Desired, state: dict[str, Any], build: int | None) -> Plan:
    """Compare the host with the task; the write ops in a safe order and the predicted end state.

    A feature the host does not offer (``unknown``) and that is asked ``present``
    fails here with the release named, before anything is written.
    """
    result = Plan()
    states = state["states"]
    for option, value in desired.items.items():
        current = states[option]
        item = ITEMS[option]
        if value == "present" and current == "unknown":
            raise ValueError(
                f"{option}=present: {release_text(build)} does not offer the "
                f"{'capability' if item.kind == 'capability' else 'optional feature'} "
                f"{item.name} (it needs {item.introduced} or later)"
            )
        result.after[option] = current
    ssh = desired.items.get("openssh_server")
    sshd = state.get("sshd") or {"exists": False, "start_mode": None, "state": None}
    if ssh == "absent" and states["openssh_server"] not in _SATISFIED["absent"]:
        if sshd.get("state") not in (None, "stopped"):
            result.ops.append(("sshd_stop", "service.control",
                               {"name": SSHD, "state": "stopped"}))
        _add_feature(result, desired, "openssh_server")
        result.sshd_after = {"exists": False, "start_mode": None, "state": None}
    elif ssh == "absent":
        result.sshd_after = dict(sshd)
    if ssh == "present":
        installing = states["openssh_server"] not in _SATISFIED["present"]
        if installing:
            _add_feature(result, desired, "openssh_server")
            # Installing the capability creates sshd: manual start, stopped.
            sshd = {"exists": True, "start_mode": "manual", "state": "stopped"}
        mode = desired.sshd_start_mode
        after = dict(sshd)
        if not sshd.get("exists"):
            raise ValueError(
                "openssh_server=present: the OpenSSH.Server capability is installed but the "
                "sshd service does not exist; remove the capability (openssh_server=absent) "
                "and install it again"
            )
        if sshd.get("start_mode") != mode:
            result.ops.append(("sshd_mode", "service.set", {"name": SSHD, "start_mode": mode}))
            after["start_mode"] = mode
        if mode in ("auto", "delayed") and sshd.get("state") != "running":
            result.ops.append(("sshd_start", "service.control",
                               {"name": SSHD, "state": "started"}))
            after["state"] = "running"
        result.sshd_after = after
    for option in ("wsl", "virtual_machine_platform"):
        value = desired.items.get(option)
        if value is not None and states[option] not in _SATISFIED[value]:
            _add_feature(result, desired, option)
    return result


def _add_feature(result: Plan, desired: Desired, option: str) -> None:
    item = ITEMS[option]
    wanted = _WANTED[(desired.items[option], item.kind)]
    args: dict[str, Any] = {"kind": item.kind, "name": item.name, "state": wanted}
    if desired.source is not None and wanted in ("installed", "enabled"):
        args["source"] = desired.source
    result.ops.append((option, "feature.set", args))
    result.after[option] = _final(item.kind, wanted, item.restart)


def apply_results(result: Plan, written: dict[str, dict[str, Any]]) -> set[str]:
    """Take what the host reported for each write into the plan; return the labels that changed."""
    changed = set()
    for label, res in written.items():
        if res.get("changed"):
            changed.add(label)
        if label in ITEMS:
            result.after[label] = str(res.get("after"))
        elif label == "sshd_mode" and result.sshd_after is not None:
            result.sshd_after["start_mode"] = (res.get("after") or {}).get("start_mode")
        elif label == "sshd_start" and result.sshd_after is not None:
            result.sshd_after["state"] = res.get("after")
    return changed


def report(desired: Desired, state: dict[str, Any], result: Plan, changed: set[str],
           diff: bool) -> dict[str, Any]:
    """The task result: changed, reboot_required, features, sshd (and diff)."""
    features = {}
    for option in desired.items:
        item = ITEMS[option]
        before, after = state["states"][option], result.after[option]
        features[item.name] = {
            "option": option,
            "kind": item.kind,
            "before": before,
            "after": after,
            "changed": option in changed,
        }
    reboot = any(str(f["after"]).endswith("_pending") for f in features.values())
    out: dict[str, Any] = {
        "changed": bool(changed),
        "reboot_required": reboot,
        "features": features,
        "sshd": result.sshd_after,
        "os_build": state.get("build"),
    }
    if diff:
        before_doc: dict[str, Any] = {o: state["states"][o] for o in desired.items}
        after_doc: dict[str, Any] = {o: result.after[o] for o in desired.items}
        if "openssh_server" in desired.items:
            before_doc[SSHD] = _plain_sshd(state.get("sshd"))
            after_doc[SSHD] = _plain_sshd(result.sshd_after)
        out["diff"] = {"before": before_doc, "after": after_doc}
    return out


def _plain_sshd(view: dict[str, Any] | None) -> dict[str, Any] | None:
    if not view or not view.get("exists"):
        return None
    return {"start_mode": view.get("start_mode"), "state": view.get("state")}
