"""facts.get, exec and path.which: what the host is, and running its programs."""

from __future__ import annotations

import os
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winpath
from ansible_collections.winops.golang.plugins.module_utils.winargv import split_command_line

from .args import Args
from .context import OpContext
from .environment import MACHINE_ENV, EnvBlock, expand, read_env_key, user_env_path
from .errors import OpError
from .names import fold
from .ops_files import make_dirs, path_targets, remove_item, write_staged
from .opspec import OpSpec
from .programs import Invocation, Outcome, built_program, lookup
from .registry import RegPath

_NT = RegPath("HKLM", ("SOFTWARE", "Microsoft", "Windows NT", "CurrentVersion"))
_CV = RegPath("HKLM", ("SOFTWARE", "Microsoft", "Windows", "CurrentVersion"))
_CONTROL = RegPath("HKLM", ("SYSTEM", "CurrentControlSet", "Control"))
_TCPIP = RegPath("HKLM", ("SYSTEM", "CurrentControlSet", "Services", "Tcpip", "Parameters"))
_PS_ENGINE = RegPath("HKLM", ("SOFTWARE", "Microsoft", "PowerShell", "3", "PowerShellEngine"))
MAX_READ = 1048576


def _value(ctx: OpContext, path: RegPath, name: str, default: Any = None) -> Any:
    node = ctx.model.registry.open(path)
    entry = ctx.model.registry.get_value(node, name) if node else None
    return entry["value"] if entry else default


def reboot_reasons(ctx: OpContext) -> list[str]:
    """The pending-reboot signals that are set, in a fixed order."""
    reg = ctx.model.registry
    reasons = []
    if reg.open(_CV.child("Component Based Servicing").child("RebootPending")) is not None:
        reasons.append("ComponentBasedServicing")
    if reg.open(_CV.child("WindowsUpdate").child("Auto Update").child("RebootRequired")):
        reasons.append("WindowsUpdate")
    if _value(ctx, _CONTROL.child("Session Manager"), "PendingFileRenameOperations"):
        reasons.append("PendingFileRenameOperations")
    return reasons


def facts_get(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Host facts derived from the registry model and the process environment."""
    Args("facts.get", args, set())
    build = int(_value(ctx, _NT, "CurrentBuildNumber") or _value(ctx, _NT, "CurrentBuild") or 0)
    major = _value(ctx, _NT, "CurrentMajorVersionNumber", 10)
    minor = _value(ctx, _NT, "CurrentMinorVersionNumber", 0)
    product = _value(ctx, _NT, "ProductName", "")
    env = ctx.process_env()
    computer = _value(ctx, _CONTROL.child("ComputerName").child("ActiveComputerName"),
                      "ComputerName") or ctx.hostname
    domain = _value(ctx, _TCPIP, "Domain", "")
    reasons = reboot_reasons(ctx)
    return {
        "changed": False,
        "os": {
            "caption": f"Microsoft {product}".strip(),
            "version": f"{major}.{minor}.{build}",
            "build": build,
            "ubr": int(_value(ctx, _NT, "UBR", 0)),
            "edition": _value(ctx, _NT, "EditionID"),
            # 2016/2019 have only ReleaseId (1607, 1809); later releases DisplayVersion.
            "display_version": (_value(ctx, _NT, "DisplayVersion")
                                or _value(ctx, _NT, "ReleaseId")),
            "installation_type": _value(ctx, _NT, "InstallationType"),
        },
        "powershell_version": _value(ctx, _PS_ENGINE, "PowerShellVersion"),
        "architecture": env.get("PROCESSOR_ARCHITECTURE") or "AMD64",
        "reboot_pending": {"pending": bool(reasons), "reasons": reasons},
        "hostname": computer,
        "domain": domain or "WORKGROUP",
        "domain_joined": bool(domain),
        "user": {
            "name": ctx.user["name"],
            "domain": env.get("USERDOMAIN") or computer,
            "profile": env.get("USERPROFILE"),
            "appdata": env.get("APPDATA"),
            "localappdata": env.get("LOCALAPPDATA"),
        },
        "dirs": {
            "program_files": env.get("ProgramFiles"),
            "program_data": env.get("ProgramData"),
            "system_root": env.get("SystemRoot"),
            "temp": env.get("TEMP"),
        },
    }


# -- programs -----------------------------------------------------------------------


def _path_dirs(value: str | None) -> list[str]:
    out = []
    for entry in (value or "").split(";"):
        entry = entry.strip().strip('"')
        if entry:
            out.append(entry)
    return out


def find_program(ctx: OpContext, name: str, env: EnvBlock) -> str | None:
    """The Windows path of program ``name`` (absolute, or searched on PATH with PATHEXT)."""
    if any(sep in name for sep in ("\\", "/", ":")):
        res = ctx.fs.follow(ctx.fs.resolve(name, "executable"))
        return res.win if res.kind == "file" else None
    ctx.fs.validate("C:\\" + name, "executable")
    exts = [e for e in (env.get("PATHEXT") or ".EXE").split(";") if e]
    candidates = [name] if "." in name else [name + e.lower() for e in exts]
    for directory in _path_dirs(env.get("Path")):
        for cand in candidates:
            try:
                res = ctx.fs.follow(ctx.fs.resolve(winpath.join(directory, cand)))
            except OpError:
                break
            if res.kind == "file":
                stored = os.path.basename(res.real)
                return winpath.join(directory, stored)
    return None


def _read(ctx: OpContext, win: str) -> bytes | None:
    res = ctx.fs.file_at(win)
    if res is None:
        return None
    with open(res.real, "rb") as fh:
        return fh.read(MAX_READ)


def _is_dir(ctx: OpContext, win: str) -> bool:
    try:
        return ctx.fs.follow(ctx.fs.resolve(win)).kind == "directory"
    except OpError:
        return False


def _write(ctx: OpContext) -> Any:
    def write(path: str, data: bytes) -> None:
        make_dirs(ctx, winpath.parent(path))
        write_staged(ctx, ctx.fs.resolve(path), data)
    return write


def _remove(ctx: OpContext) -> Any:
    def remove(path: str) -> None:
        res = ctx.fs.resolve(path)
        if res.exists:
            remove_item(ctx, res)
    return remove


def _list(ctx: OpContext, win: str) -> list[str] | None:
    try:
        res = ctx.fs.follow(ctx.fs.resolve(win))
    except OpError:
        return None
    if res.kind != "directory":
        return None
    return [entry["name"] for entry in ctx.fs.list_dir(res.real)]


def _invoke(ctx: OpContext, exe: str, arguments: str, env: EnvBlock, cwd: str) -> Outcome:
    # A known program by file name, or one the fake go.exe built (by content).
    program = lookup(exe.rsplit("\\", 1)[-1]) or built_program(_read(ctx, exe))
    if program is None:
        raise OpError("error", f"the simulated host cannot run '{exe}': it is not one of the "
                      "fake programs (plugins/plugin_utils/winsim/programs.py)")
    release = _value(ctx, _NT, "CurrentBuildNumber", "0")
    ubr = _value(ctx, _NT, "UBR", 0)

    def run_child(name: str, child_args: str, child_env: EnvBlock, child_cwd: str
                  ) -> Outcome | None:
        found = find_program(ctx, name, child_env)
        if found is None or (lookup(found.rsplit("\\", 1)[-1]) is None
                             and built_program(_read(ctx, found)) is None):
            return None
        return _invoke(ctx, found, child_args, child_env, child_cwd)

    inv = Invocation(
        exe=exe,
        arguments=arguments,
        argv=split_command_line(arguments),
        env=env,
        cwd=cwd,
        hostname=ctx.hostname,
        user=ctx.user["name"],
        os_version=f"10.0.{release}.{ubr}",
        read_file=lambda path: _read(ctx, path),
        write_file=_write(ctx),
        is_dir=lambda path: _is_dir(ctx, path),
        run=run_child,
        list_dir=lambda path: _list(ctx, path),
        remove_file=_remove(ctx),
    )
    return program(inv)


# How much of a failed program's output an expect_rc failure message carries.
EXEC_OUTPUT_TAIL = 2000


def exec_op(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Run a fake program; in check mode only ``read_only`` ones run."""
    a = Args("exec", args, {"executable", "arguments", "cwd", "env", "timeout", "read_only",
                            "expect_rc"})
    name = a.str("executable")
    arguments = a.str("arguments", required=False, default="")
    cwd_arg = a.str("cwd", required=False)
    extra = a.str_dict("env")
    timeout = a.number("timeout", 120.0)
    read_only = a.bool("read_only", False)
    expect_rc = a.int("expect_rc", -1, minimum=-(2 ** 31)) if args.get("expect_rc") is not None \
        else None
    env = ctx.process_env(extra)
    exe = find_program(ctx, name, env)
    if exe is None:
        raise OpError("not_found", f"The system cannot find the file specified: '{name}'")
    cwd = ctx.user["profile"]
    if cwd_arg is not None:
        res = ctx.fs.follow(ctx.fs.resolve(cwd_arg, "cwd"))
        if res.kind != "directory":
            raise OpError("not_found", f"The directory name is invalid: '{cwd_arg}'")
        cwd = res.win
    if ctx.check_mode and not read_only:
        return {"changed": True, "rc": None, "stdout": "", "stderr": ""}
    outcome = _invoke(ctx, exe, arguments, env, cwd)
    if outcome.seconds > timeout:
        ctx.model.advance(timeout)
        raise OpError("timeout", f"'{exe} {arguments}' ran past its timeout of {timeout:g} "
                      "seconds and was killed")
    ctx.model.advance(outcome.seconds)
    if expect_rc is not None and outcome.rc != expect_rc:
        output = (outcome.stdout + outcome.stderr)[-EXEC_OUTPUT_TAIL:].strip()
        raise OpError("error", f"'{exe}' exited with code {outcome.rc}, not {expect_rc}: {output}")
    return {"changed": not read_only, "rc": outcome.rc, "stdout": outcome.stdout,
            "stderr": outcome.stderr}


# -- path.which ---------------------------------------------------------------------


def _relative(directory: str, rel: str) -> str | None:
    comps = winpath.components(directory)
    for part in rel.replace("/", "\\").split("\\"):
        if part in ("", "."):
            continue
        if part == "..":
            if len(comps) > 1:
                comps.pop()
            continue
        comps.append(part)
    root = comps[0] if comps[0].startswith("\\\\") else comps[0] + "\\"
    return winpath.join(root, *comps[1:])


def path_which(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Every PATH entry (machine, then user) holding ``name``, with files read beside it."""
    a = Args("path.which", args, {"name", "read"})
    name = a.str("name")
    if not name or any(sep in name for sep in ("\\", "/")):
        raise OpError("invalid_argument", f"path.which: '{name}' must be a file name")
    ctx.fs.validate("C:\\" + name, "name")
    reads = a.str_list("read") or []
    env = ctx.process_env()
    matches = []
    for scope, key in (("machine", MACHINE_ENV), ("user", user_env_path(ctx.sid))):
        raw = read_env_key(ctx.model.registry, key)
        path_value = next((v["value"] for n, v in raw.items() if fold(n) == "PATH"), "")
        for entry in path_value.split(";"):
            if not entry.strip():
                continue
            directory = expand(entry.strip().strip('"'), env)
            try:
                found = ctx.fs.follow(ctx.fs.resolve(winpath.join(directory, name)))
                directory = ctx.fs.validate(directory)
            except OpError:
                continue
            if found.kind != "file":
                continue
            files = {}
            for rel in reads:
                target = _relative(directory, rel)
                data = _read(ctx, target) if target else None
                files[rel] = data.decode("utf-8-sig", "replace") if data is not None else None
            matches.append({"scope": scope, "entry": entry, "dir": directory,
                            "path": winpath.join(directory, name), "files": files})
    return {"changed": False, "matches": matches}


OPS = [
    OpSpec("facts.get", facts_get, False, lambda ctx, args: []),
    OpSpec("exec", exec_op, True, path_targets),
    OpSpec("path.which", path_which, False, lambda ctx, args: []),
]
