"""What win_actions_runner reads, what it sees, and the ops that bring a runner to its state.

Pure logic of ``winops.golang.win_actions_runner`` (the action plugin does the
I/O). A runner is a folder (the package, ``.runner`` and ``.credentials``
after ``config.cmd``) and a Windows service that this module installs itself
rather than through ``config.cmd --runasservice``: that keeps one path for
every account (``--runasservice`` asks a gMSA for a password it does not
have) and lets the module own the service's account, recovery, start mode
and environment. The service runs ``bin\\RunnerService.exe``, the service
host of the runner package, as the runner's own installer does.

Beside the runner the module keeps two small files: :data:`LABELS_RECORD`
(labels live on GitHub only) and :data:`RECORD` (the package version and
SHA-256 it installed, and the service environment names it manages).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.winops.golang.plugins.module_utils import (
    acl,
    actions_runner,
    github_runner_api,
    go_env_dirs,
    go_env_service,
    path_list,
    service_recovery,
    winpath,
)
from ansible_collections.winops.golang.plugins.module_utils.actions_runner import (
    RunnerError,
    RunnerSpec,
)
from ansible_collections.winops.golang.plugins.module_utils.service_account import GMSA, USER

Op = tuple[str, dict[str, Any]]

RECORD = ".winops-runner.json"
SERVICE_EXE = "bin\\RunnerService.exe"
PACKAGES_DIR = "_packages"
LOGON_RIGHT = "SeServiceLogonRight"
START_MODES = ("auto", "delayed", "manual")
STATES = ("present", "absent")
# The runner's settings files, moved aside while a runner is re-registered.
REGISTRATION_FILES = (".runner", ".credentials", ".credentials_rsaparams")
PREVIOUS_SUFFIX = ".winops-previous"
# Restart after a minute, three times; the failure count resets after a day.
DEFAULT_RECOVERY = {"reset_period": 86400, "actions": [{"type": "restart", "delay_ms": 60000}] * 3}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_().-]*$")
_SHA256 = re.compile(r"^(?:sha256:)?([0-9a-fA-F]{64})$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_RESERVED_ENV = ("PATH", "GOTOOLCHAIN", "GOCACHE", "GOMODCACHE")


@dataclass(frozen=True)
class RunnerOptions:
    """Every option of one task, checked on the controller."""

    spec: RunnerSpec
    state: str
    version: str  # latest or X.Y.Z
    package_url: str | None
    src: str | None
    checksum: str | None
    go_root: str | None
    environment: dict[str, str]
    start_mode: str
    recovery: service_recovery.Recovery
    timeout: int

    @property
    def service_name(self) -> str:
        """The Windows service of this runner."""
        return runner_service_name(self.spec)

    @property
    def display_name(self) -> str:
        """The service's display name, as the runner's own installer words it."""
        return f"GitHub Actions Runner ({_owner(self.spec)}.{self.spec.name})"

    @property
    def image_path(self) -> str:
        """The service's ``ImagePath``: the package's service host, quoted."""
        return f'"{winpath.join(self.spec.folder, SERVICE_EXE)}"'

    @property
    def packages_dir(self) -> str:
        """Where downloaded packages are kept: beside the runner folders, shared by them."""
        return winpath.join(winpath.parent(self.spec.folder), PACKAGES_DIR)


def _owner(spec: RunnerSpec) -> str:
    return actions_runner._SERVICE_UNSAFE.sub("-", urlsplit(spec.url).path.strip("/"))


def runner_service_name(spec: RunnerSpec) -> str:
    """``actions.runner.<owner[-repo]>.<name>``; past 80 characters shortened with a
    suffix derived from the full name (the runner's own suffix is random)."""
    owner = _owner(spec)
    full = f"actions.runner.{owner}.{spec.name}"
    if len(full) <= actions_runner.MAX_SERVICE_NAME:
        return full
    suffix = hashlib.sha256(full.encode()).hexdigest()[:4]
    head = f"actions.runner.{owner[:45]}."
    room = actions_runner.MAX_SERVICE_NAME - len(head) - len(suffix) - 1
    return f"{head}{spec.name[:room]}-{suffix}"


def _sha256(value: Any, what: str) -> str | None:
    if value is None or value == "":
        return None
    match = _SHA256.match(str(value).strip())
    if not match:
        raise RunnerError(f"{what} must be a SHA-256 (64 hex digits, optionally sha256:), "
                          f"got {value!r}")
    return match.group(1).lower()


def _package_url(value: str | None) -> str | None:
    if not value:
        return None
    for name in _PLACEHOLDER.findall(value):
        if name not in ("version", "filename"):
            raise RunnerError(f"package_url may hold {{version}} and {{filename}}, not {{{name}}}")
    probe = value.replace("{version}", "2.0.0").replace("{filename}", "runner.zip")
    if probe.lower().startswith(("http://", "https://")):
        return value
    try:
        winpath.validate(probe, "package_url")
    except winpath.WindowsPathError as exc:
        raise RunnerError(f"package_url must be an http(s) URL, a UNC path or a host path: "
                          f"{exc}") from exc
    return value


def _directory(value: Any, what: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        path = winpath.validate(str(value), what)
    except winpath.WindowsPathError as exc:
        raise RunnerError(str(exc)) from exc
    if "%" in path:
        raise RunnerError(f"{what} '{path}' must be a literal path: a service's own environment "
                          "is not expanded")
    return path


def _environment(value: Any, go_cache: str | None, go_mod_cache: str | None,
                 go_toolchain: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, item in (value or {}).items():
        if not isinstance(name, str) or not _ENV_NAME.match(name):
            raise RunnerError(f"environment: {name!r} is not a variable name")
        if name.upper() in _RESERVED_ENV:
            raise RunnerError(f"environment: set {name} with its own option (go_root for PATH, "
                              "go_toolchain, go_cache, go_mod_cache)")
        if not isinstance(item, (str, int, float)) or isinstance(item, bool) or \
                "\x00" in str(item) or "\n" in str(item):
            raise RunnerError(f"environment: {name} must be a one-line string")
        out[name] = str(item)
    if go_toolchain:
        if not re.match(r"^(local|auto|path|go1[0-9.a-z]*(\+auto|\+path)?)$", go_toolchain):
            raise RunnerError(f"go_toolchain '{go_toolchain}' must be local, auto, path, or "
                              "a version such as go1.23.4 (optionally +auto or +path)")
        out["GOTOOLCHAIN"] = go_toolchain
    if go_cache:
        out["GOCACHE"] = go_cache
    if go_mod_cache:
        out["GOMODCACHE"] = go_mod_cache
    return out


def _or_default(args: Mapping[str, Any], key: str, default: Any) -> Any:
    value = args.get(key)
    return default if value is None else value


def parse_options(args: Mapping[str, Any], hostname: str) -> RunnerOptions:
    """Validate the task's options (after the argument spec) into :class:`RunnerOptions`."""
    spec = actions_runner.parse_runner_spec(args, hostname)
    state = args.get("state") or "present"
    try:
        version = github_runner_api.check_runner_version(args.get("version") or "latest")
    except ValueError as exc:
        raise RunnerError(f"version: {exc}") from exc
    package_url = _package_url(args.get("package_url"))
    src = args.get("src") or None
    if package_url and src:
        raise RunnerError("package_url and src are mutually exclusive")
    if src and version == "latest":
        raise RunnerError("src needs a pinned version (such as 2.321.0): the controller cannot "
                          "tell which release a local zip holds")
    start_mode = args.get("start_mode") or "auto"
    if start_mode not in START_MODES:
        raise RunnerError(f"start_mode must be one of {', '.join(START_MODES)}")
    try:
        recovery = service_recovery.parse_recovery(
            DEFAULT_RECOVERY if args.get("recovery") is None else args["recovery"])
    except service_recovery.RecoveryError as exc:
        raise RunnerError(str(exc)) from exc
    timeout = args.get("timeout") or 300
    if not 10 <= int(timeout) <= 3600:
        raise RunnerError("timeout must be between 10 and 3600 seconds")
    go_root = _directory(args.get("go_root"), "go_root")
    environment = _environment(
        args.get("environment"), _directory(args.get("go_cache"), "go_cache"),
        _directory(args.get("go_mod_cache"), "go_mod_cache"),
        str(_or_default(args, "go_toolchain", "local")).strip() or None)
    if state == "present":
        if not (args.get("registration_token") or args.get("github_token")):
            raise RunnerError("state=present needs registration_token or github_token (a "
                              "personal access token or GitHub App token that may create "
                              "registration tokens)")
    elif not (args.get("remove_token") or args.get("github_token")):
        raise RunnerError("state=absent needs remove_token or github_token to unregister the "
                          "runner from GitHub")
    return RunnerOptions(
        spec=spec, state=state, version=version, package_url=package_url, src=src,
        checksum=_sha256(args.get("checksum"), "checksum"), go_root=go_root,
        environment=environment, start_mode=start_mode, recovery=recovery,
        timeout=int(timeout))


# ---------------------------------------------------------------------- reads


def directories(opts: RunnerOptions) -> list[str]:
    """The directories given to the service account: the runner folder and the Go caches."""
    out = [opts.spec.folder]
    for name in ("GOCACHE", "GOMODCACHE"):
        path = opts.environment.get(name)
        if path and not any(winpath.same_path(path, p) for p in out):
            out.append(path)
    return out


def read_ops(opts: RunnerOptions) -> dict[str, Op]:
    """The ops of the first round trip, by the key :func:`observe` finds them under."""
    folder = opts.spec.folder
    ops: dict[str, Op] = {
        "facts": ("facts.get", {}),
        "folder": ("file.stat", {"path": folder}),
        "listener": ("file.stat", {"path": winpath.join(folder, actions_runner.LISTENER)}),
        "runner": ("file.read", {"path": winpath.join(folder, actions_runner.RUNNER_FILE)}),
        "labels": ("file.read", {"path": winpath.join(folder, actions_runner.LABELS_RECORD)}),
        "record": ("file.read", {"path": winpath.join(folder, RECORD)}),
        "service_file": ("file.read",
                         {"path": winpath.join(folder, actions_runner.SERVICE_FILE)}),
        "service": ("service.get", {"name": opts.service_name}),
        "key": ("reg.get", {"path": go_env_service.service_key(opts.service_name)}),
    }
    if opts.state == "absent":
        return ops
    ops["machine_env"] = ("env.get", {"scope": "machine"})
    for i, path in enumerate(directories(opts)):
        ops[f"dir{i}.stat"] = ("file.stat", {"path": path})
        ops[f"dir{i}.acl"] = ("acl.get", {"path": path})
    if acl.lookup_sid(opts.spec.account.object_name) is None:
        ops["account"] = ("acl.resolve", {"names": [opts.spec.account.lookup_name]})
    if opts.spec.account.needs_logon_right:
        ops["logon_right"] = ("lsa.get", {"right": LOGON_RIGHT})
    return ops


def _content(read: Mapping[str, Any] | None) -> bytes | None:
    if not read or not read.get("exists"):
        return None
    return base64.b64decode(read.get("content_b64") or "")


@dataclass
class Observed:
    """The host as the first round trip saw it."""

    facts: dict[str, Any]
    folder_exists: bool
    has_package: bool
    runner_file: dict[str, Any] | None
    labels: list[str] | None
    record: dict[str, Any]
    service_file: str | None
    service: dict[str, Any]
    key_values: dict[str, Any]
    environment: list[str]
    machine_env: dict[str, Any]
    directories: dict[str, Any] = field(default_factory=dict)
    account_sid: str | None = None
    logon_holders: set[str] | None = None

    @property
    def registered(self) -> bool:
        """Whether the folder holds a runner's settings."""
        return self.runner_file is not None


def observe(opts: RunnerOptions, keys: list[str], results: list[dict[str, Any]]) -> Observed:
    """:class:`Observed` from the results of :func:`read_ops` (``keys`` in batch order)."""
    got = dict(zip(keys, results, strict=True))
    folder = got["folder"]
    if folder.get("exists") and folder.get("type") != "directory":
        raise RunnerError(f"folder {opts.spec.folder} exists and is not a directory")
    raw_runner = _content(got["runner"])
    runner_file = actions_runner.parse_runner_file(raw_runner) if raw_runner is not None else None
    raw_record = _content(got["record"])
    try:
        record = json.loads(raw_record.decode("utf-8")) if raw_record else {}
    except (UnicodeDecodeError, ValueError):
        record = {}
    key = got["key"]
    seen = Observed(
        facts=got["facts"],
        folder_exists=bool(folder.get("exists")),
        has_package=bool(got["listener"].get("exists")),
        runner_file=runner_file,
        labels=actions_runner.parse_labels_record(_content(got["labels"])),
        record=record if isinstance(record, dict) else {},
        service_file=actions_runner.parse_service_file(_content(got["service_file"])),
        service=got["service"],
        key_values=key.get("values") or {},
        environment=go_env_service.environment(key)[1],
        machine_env=(got.get("machine_env") or {}).get("vars") or {},
        directories={k: v for k, v in got.items() if k.startswith("dir")},
    )
    if opts.state == "absent":
        return seen
    seen.account_sid = acl.lookup_sid(opts.spec.account.object_name)
    if seen.account_sid is None:
        found = ((got.get("account") or {}).get("accounts") or [{}])[0]
        if not found.get("exists") or not found.get("sid"):
            raise RunnerError(f"account '{opts.spec.account.object_name}' does not exist on "
                              "the host (for a gMSA: is it installed with Install-ADServiceAccount "
                              "and is the host allowed to retrieve its password?)")
        seen.account_sid = found["sid"]
    if got.get("logon_right") is not None:
        seen.logon_holders = {str(a.get("sid") or "").upper()
                              for a in got["logon_right"].get("accounts") or []}
    return seen


# ----------------------------------------------------------------- decisions


@dataclass
class Decision:
    """What a present runner needs, before the controller fetches packages or tokens."""

    install: bool  # lay the package down (the folder has none)
    register: str | None  # None, "configure" (new) or "replace" (settings changed)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _settings_differences(opts: RunnerOptions, runner_file: Mapping[str, Any],
                          labels: list[str] | None) -> list[str]:
    spec = opts.spec
    out: list[str] = []
    if actions_runner.label_change(labels, spec):
        before = ", ".join(labels) if labels is not None else "unknown"
        out.append(f"labels: {before or 'none'} -> {', '.join(spec.labels) or 'none'}")
    group = runner_file.get("poolName")
    if spec.runner_group and str(group or "").casefold() != spec.runner_group.casefold():
        out.append(f"runner group: {group} -> {spec.runner_group}")
    for key, wanted, what in (("ephemeral", spec.ephemeral, "ephemeral"),
                              ("disableUpdate", spec.disable_update, "disable_update")):
        if bool(runner_file.get(key)) != wanted:
            out.append(f"{what}: {bool(runner_file.get(key))} -> {wanted}")
    work = runner_file.get("workFolder")
    if work is not None and str(work).casefold() != spec.work.casefold():
        out.append(f"work folder: {work} -> {spec.work}")
    return out


def decide(opts: RunnerOptions, seen: Observed) -> Decision:
    """Whether the runner must be installed and (re-)registered. Raises :class:`RunnerError`
    for a folder that belongs to something else."""
    spec = opts.spec
    if seen.registered:
        if not actions_runner.is_configured_as(seen.runner_file, spec):
            rf = seen.runner_file or {}
            raise RunnerError(
                f"folder {spec.folder} holds runner '{rf.get('agentName')}' of "
                f"{rf.get('gitHubUrl')}: remove that runner first (state=absent with its url and "
                "name) or give this one another folder")
        if not seen.has_package:
            raise RunnerError(f"folder {spec.folder} holds a runner's settings but no "
                              f"{actions_runner.LISTENER}: remove the folder and run again")
        changes = _settings_differences(opts, seen.runner_file or {}, seen.labels)
        decision = Decision(install=False, register="replace" if changes else None,
                            reasons=changes)
        installed = seen.record.get("version")
        if opts.version != "latest" and installed and installed != opts.version:
            decision.warnings.append(
                f"runner {spec.name} runs version {installed}, {opts.version} was asked for: a "
                "registered runner's package is not replaced (runners update themselves unless "
                "disable_update is set); remove the runner and add it again to change it")
        return decision
    if seen.folder_exists and not seen.has_package:
        raise RunnerError(f"folder {spec.folder} exists but holds no runner package: empty it, "
                          "or give the runner another folder")
    return Decision(install=not seen.has_package, register="configure",
                    reasons=(["package: installed"] if not seen.has_package else [])
                    + [f"registered as {spec.name} at {spec.url}"])


def package_location(opts: RunnerOptions, version: str, filename: str) -> str | None:
    """Where the host gets the package from when not from GitHub (``package_url`` filled)."""
    if not opts.package_url:
        return None
    return opts.package_url.replace("{version}", version).replace("{filename}", filename)


def package_ops(opts: RunnerOptions, source: str, sha256: str, filename: str) -> list[Op]:
    """Download (or copy) the package beside the runners and extract it into the folder."""
    zip_path = winpath.join(opts.packages_dir, filename)
    return [
        ("file.mkdir", {"path": opts.packages_dir}),
        ("file.download", {"url": source, "dest": zip_path, "sha256": sha256}),
        ("file.extract", {"src": zip_path, "dest": opts.spec.folder}),
    ]


def set_aside_ops(opts: RunnerOptions, seen: Observed) -> list[Op]:
    """Stop the service and move the registration files aside before a re-registration."""
    ops: list[Op] = []
    if seen.service.get("exists") and seen.service.get("state") != "stopped":
        ops.append(("service.control", {"name": opts.service_name, "state": "stopped",
                                        "timeout": 60}))
    for name in REGISTRATION_FILES:
        path = winpath.join(opts.spec.folder, name)
        ops.append(("file.move", {"src": path, "dest": path + PREVIOUS_SUFFIX, "replace": True}))
    return ops


def restore_ops(opts: RunnerOptions, seen: Observed, moved: set[str]) -> list[Op]:
    """Undo :func:`set_aside_ops` after a failed re-registration: the files in ``moved``
    (their original paths) come back, and the service starts again if it was running."""
    ops: list[Op] = []
    for name in REGISTRATION_FILES:
        path = winpath.join(opts.spec.folder, name)
        if path not in moved:
            continue
        ops.append(("file.remove", {"path": path}))
        ops.append(("file.move", {"src": path + PREVIOUS_SUFFIX, "dest": path, "replace": True}))
    if seen.service.get("exists") and seen.service.get("state") == "running":
        ops.append(("service.control", {"name": opts.service_name, "state": "started",
                                        "timeout": 60}))
    return ops


def drop_previous_ops(opts: RunnerOptions) -> list[Op]:
    """Delete the set-aside registration files once the new registration stands."""
    return [("file.remove", {"path": winpath.join(opts.spec.folder, name) + PREVIOUS_SUFFIX})
            for name in REGISTRATION_FILES]


def config_exec(opts: RunnerOptions, env: dict[str, str], arguments: list[str]) -> Op:
    """The ``exec`` op that runs ``config.cmd`` in the runner folder (secrets in ``env``);
    any exit code but 0 fails it, and so stops the rest of its batch."""
    return ("exec", {"executable": "cmd.exe",
                     "arguments": actions_runner.cmd_arguments(arguments),
                     "cwd": opts.spec.folder, "env": env, "timeout": opts.timeout,
                     "expect_rc": 0})


# ---------------------------------------------------------------- the service


def desired_environment(opts: RunnerOptions, seen: Observed) -> dict[str, str]:
    """The variables the runner service gets on top of the machine environment.

    A service's PATH is not merged with the machine PATH but replaces it, so
    the PATH set here is the machine PATH as services see it, with the Go
    toolchain's ``bin`` first.
    """
    out = dict(opts.environment)
    if opts.go_root:
        _expanded, machine_path = go_env_service.inherited_env(seen.machine_env)
        go_bin = winpath.join(opts.go_root, "bin")
        out["PATH"] = path_list.place_first(machine_path or "", go_bin)
    return out


def _env_changes(wanted: dict[str, str], managed: list[str],
                 current: list[str]) -> tuple[list[str], list[str]]:
    have = go_env_service.parse_service_env(current)
    folded = {n.casefold(): n for n in have}
    lines: list[str] = []
    after: dict[str, str] = {}
    for name, value in wanted.items():
        actual = folded.get(name.casefold())
        if actual is None or have[actual] != value:
            lines.append(f"service environment {name}: set")
        after[actual or name] = value
    keep = [s for s in current
            if str(s).partition("=")[0].casefold() not in
            {m.casefold() for m in managed if m.casefold() not in
             {w.casefold() for w in wanted}}]
    dropped = len(keep) != len(current)
    if dropped:
        lines.append("service environment: variables the module no longer manages removed")
    return lines, go_env_service.render_service_env(keep, after)


def _directory_ops(opts: RunnerOptions, seen: Observed) -> tuple[list[Op], list[str]]:
    """Create the Go cache directories; give them and the runner folder the account's ACL."""
    paths = directories(opts)
    reads = {f"dir{i}.{kind}": seen.directories.get(f"dir{i}.{kind}") or {"exists": False}
             for i in range(len(paths)) for kind in ("stat", "acl")}
    fresh_folder = not seen.folder_exists
    if fresh_folder:
        # The extract in the same run creates the folder: it gets its ACL as a new one.
        reads["dir0.stat"] = reads["dir0.acl"] = {"exists": False}
    plan = go_env_dirs.plan_directories(
        go_env_dirs.DirectoriesSpec(paths, opts.spec.account.object_name),
        seen.account_sid or "", reads)
    changes = [f"directory {item['path']}: " + ("created" if item["created"] else "ACL set")
               for item in plan.report
               if item["changed"] and not (fresh_folder and item["path"] == paths[0])]
    return list(plan.ops), changes


def prepare_ops(opts: RunnerOptions, seen: Observed) -> tuple[list[Op], list[str]]:
    """The directories and the logon right the service account needs, with the change lines.

    They run before ``config.cmd``: what fails here (a missing drive) fails
    before the runner is registered.
    """
    spec = opts.spec
    ops, changes = _directory_ops(opts, seen)
    if spec.account.needs_logon_right and seen.account_sid and (
            seen.logon_holders is None or seen.account_sid.upper() not in seen.logon_holders):
        ops.append(("lsa.grant", {"right": LOGON_RIGHT, "account": spec.account.object_name}))
        changes.append(f"{LOGON_RIGHT}: granted to {spec.account.object_name}")
    return ops, changes


def service_ops(opts: RunnerOptions, seen: Observed, restart: bool) -> tuple[list[Op], list[str]]:
    """The ops that make the service and its environment as wanted and leave it running,
    with the change lines. ``restart``: the registration changed."""
    spec = opts.spec
    name = opts.service_name
    service = seen.service
    exists = bool(service.get("exists"))
    ops: list[Op] = []
    changes: list[str] = []
    fields: dict[str, Any] = {"path": opts.image_path, "display_name": opts.display_name,
                              "start_mode": opts.start_mode,
                              "account": spec.account.object_name}
    reconfigured = False
    if not exists:
        create = dict(fields, name=name, description=(
            f"GitHub Actions self-hosted runner {spec.name} for {spec.url}"))
        if spec.account.kind == USER:
            create["password"] = spec.password
        ops.append(("service.create", create))
        changes.append(f"service {name}: created, logs on as {spec.account.object_name}")
    else:
        differ = {k: v for k, v in fields.items() if not _same_field(k, service.get(k), v)}
        if differ:
            if "account" in differ and spec.account.kind == USER:
                differ["password"] = spec.password
            ops.append(("service.set", dict(differ, name=name)))
            changes.append(f"service {name}: "
                           + ", ".join(sorted(k for k in differ if k != "password")) + " changed")
            reconfigured = bool({"path", "account"} & set(differ))
    if not exists or service_recovery.compare(
            opts.recovery, service_recovery.from_registry(seen.key_values)):
        ops.append(("service.set", {"name": name,
                                    "recovery": service_recovery.encode(opts.recovery)}))
        if exists:
            changes.append(f"service {name}: recovery set")
    env_lines, env_after = _env_changes(desired_environment(opts, seen),
                                        list(seen.record.get("environment") or []),
                                        seen.environment if exists else [])
    if env_after and (env_lines or not exists):
        ops.append(("reg.set", {"path": go_env_service.service_key(name), "name": "Environment",
                                "type": "REG_MULTI_SZ", "value": env_after}))
    elif exists and env_lines:
        ops.append(("reg.remove", {"path": go_env_service.service_key(name),
                                   "name": "Environment"}))
    if exists:
        changes += env_lines
        reconfigured = reconfigured or bool(env_lines)
    if seen.service_file != name:
        ops.append(("file.write", {"path": winpath.join(spec.folder, actions_runner.SERVICE_FILE),
                                   "content_b64": base64.b64encode(name.encode()).decode()}))
    running = exists and service.get("state") == "running"
    if running and (restart or reconfigured):
        ops.append(("service.control", {"name": name, "state": "stopped", "timeout": 60}))
        ops.append(("service.control", {"name": name, "state": "started", "timeout": 60}))
        changes.append(f"service {name}: restarted")
    elif not running and (opts.start_mode != "manual" or restart):
        ops.append(("service.control", {"name": name, "state": "started", "timeout": 60}))
        if exists:
            changes.append(f"service {name}: started")
    return ops, changes


def _same_field(key: str, have: Any, want: Any) -> bool:
    if key == "account":
        return bool(have) and str(have).casefold() == str(want).casefold() or \
            acl.lookup_sid(str(have or "")) is not None and \
            acl.lookup_sid(str(have)) == acl.lookup_sid(str(want))
    if key == "path":
        return str(have or "").casefold() == str(want).casefold()
    return have == want


def record_ops(opts: RunnerOptions, version: str | None, sha256: str | None,
               environment: list[str]) -> list[Op]:
    """Write :data:`RECORD` and :data:`actions_runner.LABELS_RECORD` beside the runner."""
    record = json.dumps({"version": version, "sha256": sha256,
                         "environment": sorted(environment)}, indent=2) + "\n"
    return [
        ("file.write", {"path": winpath.join(opts.spec.folder, RECORD),
                        "content_b64": base64.b64encode(record.encode()).decode()}),
        ("file.write", {"path": winpath.join(opts.spec.folder, actions_runner.LABELS_RECORD),
                        "content_b64": base64.b64encode(
                            actions_runner.render_labels_record(opts.spec).encode()).decode()}),
    ]


def needs_records(opts: RunnerOptions, seen: Observed, environment: list[str]) -> bool:
    """Whether the records beside the runner are missing or out of date."""
    managed = sorted(seen.record.get("environment") or [])
    return seen.labels is None or managed != sorted(environment) or \
        actions_runner.label_change(seen.labels, opts.spec)


def removal_ops(opts: RunnerOptions, seen: Observed) -> list[Op]:
    """Remove the service and the folder (after ``config.cmd remove`` succeeded)."""
    ops: list[Op] = []
    if seen.service.get("exists"):
        ops.append(("service.remove", {"name": opts.service_name, "timeout": 60}))
    if seen.folder_exists:
        ops.append(("file.remove", {"path": opts.spec.folder}))
    return ops


def account_kind_note(opts: RunnerOptions) -> str | None:
    """Why a gMSA runner's service is installed by the module (for the docs and results)."""
    if opts.spec.account.kind == GMSA:
        return (f"{opts.spec.account.object_name} is a gMSA: the service is installed by the "
                "module with that account (config.cmd --runasservice would ask for a password)")
    return None


# ------------------------------------------------------------------ reporting

_TAKEN = re.compile(r"A runner exists with the same name ?([^\r\n.]*)")
_GROUP = re.compile(r'Could not find any self-hosted runner group named "([^"]*)"')
_REFUSED_TOKEN = re.compile(r"(?i)(Http response code: (NotFound|Unauthorized|Forbidden)|"
                            r"Failed to create a runner|Invalid token|401 \(Unauthorized\))")


def config_failure(opts: RunnerOptions, output: str, secrets: tuple[str, ...],
                   action: str = "register") -> str:
    """What a failed ``config.cmd`` means for the user (``output``: the failed ``exec``'s
    message, which ends with the program's output); never shows a secret."""
    for secret in secrets:
        if secret:
            output = output.replace(secret, "********")
    spec = opts.spec
    too_old = github_runner_api.explain_runner_output(output)
    if too_old:
        return too_old
    if _TAKEN.search(output):
        return (f"a runner named {spec.name} is already registered at {spec.url}: set "
                "replace: true to take the name over (the other runner stops working), or "
                "choose another name")
    group = _GROUP.search(output)
    if group:
        return (f"runner group '{group.group(1)}' does not exist at {spec.url} (or this "
                "token's owner cannot see it): create it under Settings > Actions > Runner "
                "groups, or leave runner_group out for the default group")
    if _REFUSED_TOKEN.search(output):
        return (f"GitHub refused the token given to config.cmd to {action} {spec.name} at "
                f"{spec.url}: a registration or remove token is valid for one hour and for the "
                "repository, organization or enterprise it was created for; create a new one "
                "or pass github_token so the module asks for one")
    last = [line.strip() for line in output.splitlines() if line.strip()][-5:]
    return f"config.cmd failed to {action} runner {spec.name} at {spec.url}: " + " | ".join(last)


def diff(opts: RunnerOptions, seen: Observed, environment: Mapping[str, str]) -> dict[str, str]:
    """A before/after text of the runner's settings; no token or password is ever part of it."""
    spec = opts.spec
    rf = seen.runner_file or {}
    before_env = go_env_service.parse_service_env(seen.environment)

    def lines(registered: bool, labels: Any, service: Mapping[str, Any], env: Mapping[str, str],
              group: Any, flags: tuple[bool, bool]) -> str:
        out = [f"runner {spec.name} at {spec.url}: " + ("registered" if registered else "absent")]
        if registered:
            out.append(f"labels: {', '.join(labels) if labels is not None else 'unknown'}")
            out.append(f"runner group: {group or 'Default'}")
            out.append(f"ephemeral: {flags[0]}, disable_update: {flags[1]}")
        if service.get("exists"):
            out.append(f"service {opts.service_name}: {service.get('start_mode')}, "
                       f"{service.get('account')}")
        else:
            out.append(f"service {opts.service_name}: absent")
        out += [f"environment {name}={env[name]}" for name in sorted(env)]
        return "\n".join(out) + "\n"

    before = lines(seen.registered, seen.labels, seen.service,
                   {k: v for k, v in before_env.items() if k in environment}, rf.get("poolName"),
                   (bool(rf.get("ephemeral")), bool(rf.get("disableUpdate"))))
    after = lines(True, list(spec.labels), {"exists": True, "start_mode": opts.start_mode,
                                            "account": spec.account.object_name},
                  environment, spec.runner_group or rf.get("poolName"),
                  (spec.ephemeral, spec.disable_update))
    return {"before": before, "after": after}
