"""feature.get and feature.set: Windows optional features and capabilities (DISM).

The model's ``features`` section holds what the release offers, seeded on
first use from :data:`CATALOGUE` (so older state directories get it too)::

    {"optional_feature": {FOLDED: {"name", "state"}},
     "capability": {FOLDED: {"name", "state"}}}

What each Windows Server release offers (what ``Get-WindowsOptionalFeature``
and ``Get-WindowsCapability`` list on a clean Datacenter install):

- 2016 (14393): neither WSL, nor VirtualMachinePlatform, nor the OpenSSH
  capabilities (OpenSSH came as a Feature on Demand with 1809).
- 2019 (17763): ``Microsoft-Windows-Subsystem-Linux`` (disabled), the
  OpenSSH client (installed) and server (not present); no
  ``VirtualMachinePlatform``, which came with 1903 (build 18362), so no WSL 2.
- 2022 (20348): WSL and VirtualMachinePlatform (disabled), OpenSSH as 2019.
- 2025 (26100): as 2022, with the OpenSSH server preinstalled: the ``sshd``
  service exists, disabled and stopped, until an administrator turns it on.

Enabling or disabling WSL or VirtualMachinePlatform needs a restart: the
feature stays ``enable_pending``/``disable_pending`` and Component Based
Servicing's ``RebootPending`` key exists until :meth:`SimHost.reboot`, which
calls :func:`complete_pending`. Installing ``OpenSSH.Server`` creates the
``sshd`` service (manual, stopped) and needs no restart; removing it stops and
deletes the service.

A host with the ``windows_update_unreachable`` fault (``times=0`` keeps it) is
air-gapped: a capability install, or enabling a feature whose payload was
removed, fails without ``source`` as Windows does (0x800f0954), and a
``source`` that does not exist fails with 0x800f081f.
"""

from __future__ import annotations

from typing import Any

from .args import Args
from .context import OpContext
from .errors import OpError
from .faults import FaultKind, register_kind
from .model import Model
from .names import fold
from .ops_services import register_service, unregister_service
from .opspec import OpSpec
from .registry import RegPath
from .seed import RELEASES

KINDS = ("optional_feature", "capability")
FEATURE_STATES = ("enabled", "disabled", "enable_pending", "disable_pending", "removed")
CAPABILITY_STATES = ("installed", "not_present", "install_pending", "uninstall_pending")
WANTED = {"optional_feature": ("enabled", "disabled"), "capability": ("installed", "absent")}
UNKNOWN = "unknown"

WSL = "Microsoft-Windows-Subsystem-Linux"
VMP = "VirtualMachinePlatform"
SSH_SERVER = "OpenSSH.Server~~~~0.0.1.0"
SSH_CLIENT = "OpenSSH.Client~~~~0.0.1.0"
SSHD_EXE = r"C:\Windows\System32\OpenSSH\sshd.exe"
SSHD_DISPLAY = "OpenSSH SSH Server"
# Features whose change Windows completes only at the next boot.
NEEDS_RESTART = {fold(WSL), fold(VMP)}

REBOOT_PENDING = RegPath("HKLM", ("SOFTWARE", "Microsoft", "Windows", "CurrentVersion",
                                  "Component Based Servicing", "RebootPending"))

# release -> (optional features, capabilities) with their state on a clean install.
CATALOGUE: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "2016": ({}, {}),
    "2019": ({WSL: "disabled"}, {SSH_CLIENT: "installed", SSH_SERVER: "not_present"}),
    "2022": ({WSL: "disabled", VMP: "disabled"},
             {SSH_CLIENT: "installed", SSH_SERVER: "not_present"}),
    "2025": ({WSL: "disabled", VMP: "disabled"},
             {SSH_CLIENT: "installed", SSH_SERVER: "installed"}),
}

ERROR_NO_UPDATE = (
    "{cmdlet} failed. Error code = 0x800f0954: Windows could not reach Windows Update "
    "(or the WSUS server it is pointed to) to download '{name}'. The source files could not "
    "be found: give a Features on Demand source (a local path or UNC share holding the "
    "package) with source, which also stops Windows from contacting Windows Update."
)
ERROR_NO_SOURCE = (
    "{cmdlet} failed. Error code = 0x800f081f: The source files could not be found in "
    "'{source}'. Use a Features on Demand (or side-by-side) source that matches this "
    "Windows build."
)

register_kind(FaultKind(
    "windows_update_unreachable",
    "the host cannot reach Windows Update: installs without a source fail (0x800f0954)",
))


def ensure_features(model: Model) -> dict[str, dict[str, dict[str, str]]]:
    """The model's ``features`` section, seeded from the release's catalogue on first use."""
    features = model.data.get("features")
    if features is None:
        optional, capabilities = CATALOGUE.get(model.os_release, ({}, {}))
        features = {
            "optional_feature": {fold(n): {"name": n, "state": s} for n, s in optional.items()},
            "capability": {fold(n): {"name": n, "state": s} for n, s in capabilities.items()},
        }
        model.data["features"] = features
        if capabilities.get(SSH_SERVER) == "installed" and fold("sshd") not in model.services:
            # Server 2025 ships the server; Remote SSH Access is off until turned on.
            register_service(model, "sshd", SSHD_EXE, state="stopped", start_type="disabled",
                             display_name=SSHD_DISPLAY)
    return features


def complete_pending(model: Model) -> None:
    """At boot, Windows finishes what was pending: *_pending states become final."""
    features = ensure_features(model)
    final = {"enable_pending": "enabled", "disable_pending": "disabled",
             "install_pending": "installed", "uninstall_pending": "not_present"}
    for table in features.values():
        for entry in table.values():
            entry["state"] = final.get(entry["state"], entry["state"])


def _kind(a: Args) -> str:
    return str(a.choice("kind", KINDS))


def feature_get(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """The state of each named feature or capability (``unknown`` when not offered)."""
    a = Args("feature.get", args, {"kind", "names"})
    kind = _kind(a)
    names = a.str_list("names", required=True) or []
    table = ensure_features(ctx.model)[kind]
    states: dict[str, str] = {}
    for name in names:
        entry = table.get(fold(name))
        states[name] = entry["state"] if entry else UNKNOWN
    return {"changed": False, "kind": kind, "features": states}


def _release_text(ctx: OpContext) -> str:
    return f"Windows Server {ctx.model.os_release}"


def _check_source(ctx: OpContext, source: str | None, cmdlet: str, name: str) -> None:
    """Where Windows gets the payload: the source (must exist) or Windows Update."""
    if source is not None:
        try:
            kind = ctx.fs.follow(ctx.fs.resolve(source)).kind
        except OpError:  # an unknown UNC share reads as missing, as Test-Path sees it
            kind = None
        if kind != "directory":
            raise OpError("not_found", ERROR_NO_SOURCE.format(cmdlet=cmdlet, source=source))
        return
    if ctx.take("windows_update_unreachable") is not None:
        raise OpError("not_found", ERROR_NO_UPDATE.format(cmdlet=cmdlet, name=name))


def _set_reboot_pending(ctx: OpContext) -> None:
    ctx.model.registry.create(REBOOT_PENDING)


def _apply_capability(ctx: OpContext, entry: dict[str, str], wanted: str,
                      source: str | None) -> str:
    """Install or remove a capability; return its state afterwards."""
    is_ssh = fold(entry["name"]) == fold(SSH_SERVER)
    if wanted == "installed":
        _check_source(ctx, source, "Add-WindowsCapability", entry["name"])
        if is_ssh:
            register_service(ctx.model, "sshd", SSHD_EXE, state="stopped",
                             start_type="manual", display_name=SSHD_DISPLAY)
        return "installed"
    if is_ssh:
        unregister_service(ctx.model, "sshd")
    return "not_present"


def _apply_feature(ctx: OpContext, entry: dict[str, str], wanted: str,
                   source: str | None) -> str:
    """Enable or disable an optional feature; return its state afterwards."""
    restart = fold(entry["name"]) in NEEDS_RESTART
    if wanted == "enabled":
        if entry["state"] == "removed":
            _check_source(ctx, source, "Enable-WindowsOptionalFeature", entry["name"])
        return "enable_pending" if restart else "enabled"
    return "disable_pending" if restart else "disabled"


def feature_set(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Compare-and-set one optional feature (enabled|disabled) or capability (installed|absent)."""
    a = Args("feature.set", args, {"kind", "name", "state", "source"})
    kind = _kind(a)
    name = a.str("name")
    wanted = a.choice("state", WANTED[kind])
    source = a.str("source", required=False)
    if source is not None:
        source = ctx.fs.validate(source)
    table = ensure_features(ctx.model)[kind]
    entry = table.get(fold(name))
    if entry is None:
        what = "capability" if kind == "capability" else "optional feature"
        raise OpError("not_found", f"feature.set: {_release_text(ctx)} (build "
                      f"{_build(ctx)}) does not offer the {what} '{name}'")
    before = entry["state"]
    if kind == "capability":
        done = ("installed", "install_pending") if wanted == "installed" else (
            "not_present", "uninstall_pending")
    else:
        done = ("enabled", "enable_pending") if wanted == "enabled" else (
            "disabled", "disable_pending", "removed")
    changed = before not in done
    after = before
    restart: bool | None = before.endswith("_pending")
    if changed and ctx.check_mode:
        # Whether Windows wants a restart is known only once it has done the change.
        after = {"enabled": "enabled", "disabled": "disabled", "installed": "installed",
                 "absent": "not_present"}[wanted]
        restart = None
    elif changed:
        apply = _apply_capability if kind == "capability" else _apply_feature
        after = apply(ctx, entry, wanted, source)
        entry["state"] = after
        restart = after.endswith("_pending")
        if restart:
            _set_reboot_pending(ctx)
    return {"changed": changed, "name": entry["name"], "before": before, "after": after,
            "restart_needed": restart}


def _build(ctx: OpContext) -> int:
    return RELEASES[ctx.model.os_release].build


def _targets(ctx: OpContext, args: dict[str, Any]) -> list[str]:
    """``FEATURE:\\<kind>\\<name>``, so a fault can pick one feature or a kind."""
    if not isinstance(args, dict):
        return ["FEATURE:"]
    kind = args.get("kind") if isinstance(args.get("kind"), str) else ""
    name = args.get("name") if isinstance(args.get("name"), str) else ""
    return [f"FEATURE:\\{kind}\\{name}".rstrip("\\")]


OPS = [
    OpSpec("feature.get", feature_get, False, _targets),
    OpSpec("feature.set", feature_set, True, _targets),
]
