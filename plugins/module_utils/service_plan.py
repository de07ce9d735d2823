"""What win_go_service changes: the service's configuration and the release to deploy.

Part of the pure logic of ``winops.golang.win_go_service``. From a
:class:`~service_spec.ServiceSpec` and what the first batch saw
(:class:`~service_observe.Observed`) it decides which release is wanted,
whether it must be transferred, which settings differ, and returns the ops
of each later batch in order:

1. ``stage``: transfer the program into a new release directory (only for a
   new release; with ``require_signature`` the signature is read here too,
   so the controller can refuse the release before it becomes current);
2. ``apply``: stop when a restart is due, write the configuration (service,
   wrapper files or settings, event log source, logon right, ACL), switch
   the ``current`` junction, write the record, start, health-check, prune.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import (
    nssm_config,
    service_account,
    service_recovery,
    service_release,
    winargv,
    winpath,
    winsw_config,
)
from ansible_collections.winops.golang.plugins.module_utils.go_env_dirs import (
    DirectoriesSpec,
    plan_directories,
)
from ansible_collections.winops.golang.plugins.module_utils.service_observe import (
    EVENT_MESSAGE_FILE,
    EVENT_TYPES,
    EVENTLOG_KEY,
    LOGON_RIGHT,
    Observed,
    Op,
    Record,
    owned_directories,
    record_path,
    service_key,
    wrapper_paths,
)
from ansible_collections.winops.golang.plugins.module_utils.service_spec import ServiceSpec

STOP_STATES = ("stopped",)


@dataclass
class Plan:
    """The batches after the read, and what they change."""

    release: str | None = None  # the release that becomes current
    new_release: bool = False  # transferred by this task
    stage: list[Op] = field(default_factory=list)
    apply: list[Op] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # what differs, for results and diffs
    restart: bool = False
    start: bool = False
    stop: bool = False
    probe: bool = False
    record: Record | None = None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether anything is written."""
        return bool(self.changes)


def image_path(spec: ServiceSpec) -> str:
    """The command line the SCM starts: the program (native), WinSW's exe or nssm.exe."""
    # The exe is always quoted, so no prefix of its path can be run instead.
    if spec.mode == "winsw":
        return f'"{wrapper_paths(spec)[0]}"'
    if spec.mode == "nssm":
        return nssm_config.image_path(spec)
    args = winargv.quote_argv(list(spec.arguments))
    return f'"{spec.program}"' + (f" {args}" if args else "")


def release_name(spec: ServiceSpec, sha256: str) -> str:
    """The release directory's name: ``version``, else ``sha256-<first 12 hex>``."""
    return service_release.release_name(spec.version, sha256)


def config_view(service: dict[str, Any], key_values: dict[str, Any],
                recovery: service_recovery.Recovery | None = None) -> dict[str, Any]:
    """The settings the diff shows, as a service and its key hold them."""
    folded = {n.casefold(): v for n, v in key_values.items()}

    def value(name: str) -> Any:
        item = folded.get(name.casefold())
        return item.get("value") if item else None

    return {
        "exists": bool(service.get("exists")),
        "path": service.get("path"),
        "display_name": service.get("display_name"),
        "description": value("Description") or "",
        "account": service.get("account"),
        "start_mode": service.get("start_mode"),
        "dependencies": list(value("DependOnService") or []),
        "environment": sorted(value("Environment") or []),
        "recovery": service_recovery.encode(recovery) if recovery else None,
    }


def desired_view(spec: ServiceSpec) -> dict[str, Any]:
    """The settings the diff shows, as the task wants them."""
    env = [f"{n}={v}" for n, v in spec.environment] if spec.mode == "native" else []
    return {
        "exists": spec.state != "absent",
        "path": image_path(spec) if spec.state != "absent" else None,
        "display_name": spec.display_name,
        "description": spec.description,
        "account": spec.account.object_name,
        "start_mode": spec.start_mode,
        "dependencies": list(spec.dependencies),
        "environment": sorted(env),
        "recovery": service_recovery.encode(spec.recovery),
    }


def _service_fields(spec: ServiceSpec, seen: Observed, hostname: str | None) -> dict[str, Any]:
    """The ``service.set`` fields that differ from the host (all of them for a new service)."""
    svc = seen.service
    want: dict[str, Any] = {}
    if (svc.get("path") or "") != image_path(spec):
        want["path"] = image_path(spec)
    if svc.get("display_name") != spec.display_name:
        want["display_name"] = spec.display_name
    current = config_view(svc, seen.key_values)
    if current["description"] != spec.description:
        want["description"] = spec.description
    if not service_account.same_account(svc.get("account"), spec.account, hostname):
        want["account"] = spec.account.object_name
    if svc.get("start_mode") != spec.start_mode:
        want["start_mode"] = spec.start_mode
    have = [d.casefold() for d in current["dependencies"]]
    if have != [d.casefold() for d in spec.dependencies]:
        want["dependencies"] = list(spec.dependencies)
    if service_recovery.compare(spec.recovery, seen.recovery()):
        want["recovery"] = service_recovery.encode(spec.recovery)
    return want


def _environment_ops(spec: ServiceSpec, seen: Observed) -> list[Op]:
    """The native program's own environment: the service key's ``Environment`` strings."""
    if spec.mode != "native":
        return []
    want = [f"{n}={v}" for n, v in spec.environment]
    have = config_view(seen.service, seen.key_values)["environment"]
    if sorted(want) == have:
        return []
    if not want:
        return [("reg.remove", {"path": service_key(spec.name), "name": "Environment"})]
    return [("reg.set", {"path": service_key(spec.name), "name": "Environment",
                         "type": "REG_MULTI_SZ", "value": want})]


def _eventlog_ops(spec: ServiceSpec, seen: Observed) -> list[Op]:
    if not spec.event_log_source:
        return []
    values = (seen.eventlog or {}).get("values") or {}
    folded = {n.casefold(): v for n, v in values.items()}
    path = f"{EVENTLOG_KEY}\\{spec.event_log_source}"
    ops: list[Op] = []
    for name, kind, value in (("EventMessageFile", "REG_EXPAND_SZ", EVENT_MESSAGE_FILE),
                              ("TypesSupported", "REG_DWORD", EVENT_TYPES)):
        item = folded.get(name.casefold())
        if not item or item.get("type") != kind or item.get("value") != value:
            ops.append(("reg.set", {"path": path, "name": name, "type": kind, "value": value}))
    return ops


def _wrapper_ops(spec: ServiceSpec, seen: Observed, os_build: int,
                 winsw_sha: str | None, winsw_staged: str | None) -> tuple[list[Op], bool]:
    """Ops that put the wrapper's exe and settings in place; whether the exe changes.

    ``winsw_sha`` is the SHA-256 of ``winsw_src`` and ``winsw_staged`` where it was copied.
    """
    if spec.mode == "winsw":
        exe, xml = wrapper_paths(spec)
        ops: list[Op] = []
        source_sha = spec.winsw_checksum or winsw_sha or seen.winsw_source_sha256
        exe_changes = seen.wrapper_exe_sha256 is None or (
            source_sha is not None and source_sha != seen.wrapper_exe_sha256)
        if exe_changes and spec.winsw_src:
            ops.append(("file.move", {"src": winsw_staged, "dest": exe, "sha256": source_sha,
                                      "replace": True}))
        elif exe_changes:
            ops.append(("file.download", {"url": spec.winsw_exe, "dest": exe,
                                          "sha256": source_sha}))
        # The SCM holds the account (and its password): the XML never carries one.
        text = winsw_config.render_host(dataclasses.replace(
            spec, account=service_account.parse_account("LocalSystem", None, spec.name)))
        content = winsw_config.encode(text)
        if hashlib.sha256(content).hexdigest() != seen.wrapper_xml_sha256:
            ops.append(("file.write", {"path": xml,
                                       "content_b64": base64.b64encode(content).decode(),
                                       "expected_sha256": seen.wrapper_xml_sha256}))
        return ops, exe_changes
    if spec.mode == "nssm":
        if not seen.nssm_exe_exists:
            raise ValueError(f"nssm_exe {spec.nssm_exe} does not exist on the host")
        desired = {k: v for k, v in nssm_config.registry_values(spec, os_build).items()
                   if k.casefold() != nssm_config.service_key(spec.name).casefold()}
        ops = []
        for key in nssm_config.differences(desired, seen.nssm):
            path, name = key.rsplit("\\", 1)
            name = "" if name == "(Default)" else name
            wanted = desired[path][name]
            if wanted is None:
                ops.append(("reg.remove", {"path": path, "name": name}))
            else:
                ops.append(("reg.set", {"path": path, "name": name, "type": wanted[0],
                                        "value": wanted[1]}))
        return ops, False
    return [], False


def _deploy(spec: ServiceSpec, seen: Observed, sha256: str, plan: Plan,
            staged: str | None) -> None:
    """Decide the release; add the stage ops of a new one (``staged``: a pushed file)."""
    name = release_name(spec, sha256)
    record = seen.record
    known = record.find(name)
    if known is not None:
        service_release.check_existing(name, known.get("sha256"), sha256)
    plan.release = name
    target = service_release.release_dir(spec.root or "", name)
    if known is None:
        plan.new_release = True
        plan.changes.append(f"release {name}: new")
        dest = winpath.join(target, spec.exe_name or "")
        plan.stage.append(("file.mkdir", {"path": target}))
        if staged:
            plan.stage.append(("file.move", {"src": staged, "dest": dest, "sha256": sha256}))
        else:
            plan.stage.append(("file.download", {"url": spec.binary, "dest": dest,
                                                 "sha256": sha256}))
        if spec.require_signature:
            plan.stage.append(("file.signature", {"path": dest}))
    switching = (record.current or "").casefold() != name.casefold() or not (
        seen.current_target and winpath.same_path(seen.current_target, target))
    if switching:
        plan.changes.append(f"current: {record.current or 'none'} -> {name}")
        plan.apply.append(("file.junction", {"path": service_release.current_link(spec.root or ""),
                                             "target": target}))
    releases = list(record.releases)
    if known is None:
        releases.append({"name": name, "sha256": sha256,
                         "deployed": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    previous = record.current if switching and record.current else record.previous
    doomed = service_release.prune(
        [service_release.Release(r["name"], r.get("deployed") or "") for r in releases],
        spec.keep_releases, name, previous)
    for old in doomed:
        plan.apply.append(("file.remove", {"path": service_release.release_dir(spec.root or "",
                                                                               old)}))
        plan.changes.append(f"release {old}: pruned")
    kept = [r for r in releases if r["name"] not in doomed]
    plan.record = Record(releases=kept, current=name, previous=previous)
    if switching or doomed or known is None:
        plan.apply.append(("file.write", {
            "path": record_path(spec.root or ""),
            "content_b64": base64.b64encode(plan.record.render()).decode(),
            "expected_sha256": record.sha256}))


def plan_service(spec: ServiceSpec, seen: Observed, *, sha256: str | None,
                 staged: str | None = None, hostname: str | None = None,
                 os_build: int = 20348, winsw_sha: str | None = None,
                 winsw_staged: str | None = None) -> Plan:
    """Everything the task changes, as ops in batch order.

    ``sha256`` is the program's SHA-256 (given, computed on the controller, or
    read from the host); ``staged`` the host path a controller file was copied to
    (``winsw_sha`` and ``winsw_staged`` the same for ``winsw_src``).
    Raises ``ValueError`` for what the host makes impossible.
    """
    plan = Plan(before=config_view(seen.service, seen.key_values,
                                   seen.recovery() if seen.exists else None),
                after=desired_view(spec))
    if spec.state == "absent":
        if seen.exists:
            plan.changes.append("service: removed")
            plan.apply.append(("service.remove", {"name": spec.name,
                                                  "timeout": spec.stop_timeout}))
        if spec.event_log_source and (seen.eventlog or {}).get("key_exists"):
            plan.changes.append(f"event log source {spec.event_log_source}: removed")
            plan.apply.append(("reg.remove", {"path": f"{EVENTLOG_KEY}\\{spec.event_log_source}"}))
        plan.after = {"exists": False}
        return plan
    if sha256 is None:
        raise ValueError(f"binary {spec.binary} does not exist on the host")
    running = seen.service.get("state") == "running"

    owned = owned_directories(spec)
    reads = {f"dir{i}.{kind}": seen.directories.get(f"dir{i}.{kind}") or {"exists": False}
             for i in range(len(owned)) for kind in ("stat", "acl")}
    directories = plan_directories(DirectoriesSpec(owned, spec.account.object_name),
                                   seen.account_sid or "", reads)
    _deploy(spec, seen, sha256, plan, staged)
    setup: list[Op] = list(directories.ops)
    for item in directories.report:
        if item["changed"]:
            plan.changes.append(f"directory {item['path']}: "
                                + ("created" if item["created"] else "ACL set"))
    if spec.log:
        setup.append(("file.mkdir", {"path": spec.log.directory}))
    wrapper, wrapper_exe_changes = _wrapper_ops(spec, seen, os_build, winsw_sha, winsw_staged)
    if wrapper:
        plan.changes.append(f"{spec.mode} configuration")
    if spec.account.needs_logon_right and seen.account_sid and (
            seen.logon_holders is None or seen.account_sid.upper() not in seen.logon_holders):
        setup.append(("lsa.grant", {"right": LOGON_RIGHT, "account": spec.account.object_name}))
        plan.changes.append(f"{LOGON_RIGHT}: granted to {spec.account.object_name}")
    events = _eventlog_ops(spec, seen)
    if events:
        plan.changes.append(f"event log source {spec.event_log_source}: registered")
    service_ops: list[Op] = []
    if not seen.exists:
        plan.changes.append("service: created")
        create = {"name": spec.name, "path": image_path(spec), "display_name": spec.display_name,
                  "description": spec.description or None, "account": spec.account.object_name,
                  "password": spec.account.password, "start_mode": spec.start_mode,
                  "dependencies": list(spec.dependencies)}
        service_ops.append(("service.create", create))
        if service_recovery.compare(spec.recovery, service_recovery.from_registry({})):
            service_ops.append(("service.set", {"name": spec.name,
                                                "recovery": service_recovery.encode(
                                                    spec.recovery)}))
    else:
        fields = _service_fields(spec, seen, hostname)
        if fields:
            plan.changes.append("service: " + ", ".join(sorted(fields)))
            if "account" in fields:
                fields["password"] = spec.account.password
            service_ops.append(("service.set", {"name": spec.name, **fields}))
    env_ops = _environment_ops(spec, seen)
    if env_ops:
        plan.changes.append("service: environment")

    program_changes = any(op == "file.junction" for op, _args in plan.apply)
    config_changes = bool(wrapper or service_ops or env_ops)
    plan.restart = running and (spec.state == "restarted" or program_changes
                                or config_changes)
    plan.stop = running and (plan.restart or spec.state == "stopped")
    plan.start = spec.state in ("started", "restarted") and (plan.restart or not running)
    if wrapper_exe_changes and running:
        plan.stop = plan.restart = True
    ordered: list[Op] = []
    if plan.stop:
        ordered.append(("service.control", {"name": spec.name, "state": "stopped",
                                            "timeout": spec.stop_timeout}))
        plan.changes.append("service: stopped" if not plan.start else "service: restarted")
    ordered += setup + wrapper + events + service_ops + env_ops + plan.apply
    if plan.start:
        ordered.append(("service.control", {"name": spec.name, "state": "started",
                                            "timeout": spec.stop_timeout}))
        if not plan.stop:
            plan.changes.append("service: started")
        plan.probe = spec.health_check is not None
    plan.apply = ordered
    return plan


def probe_op(spec: ServiceSpec) -> Op | None:
    """The health check as a ``net.probe`` op (None without one)."""
    check = spec.health_check
    if check is None:
        return None
    args: dict[str, Any] = {"timeout": check.timeout}
    if check.http_url:
        args["http_url"] = check.http_url
        if check.expected_status is not None:
            args["expect_status"] = [check.expected_status]
    else:
        args["tcp_port"] = check.tcp_port
    return ("net.probe", args)


def rollback_ops(spec: ServiceSpec, record: Record, previous: str,
                 start: bool = True) -> tuple[list[Op], Record]:
    """Put ``previous`` back: stop, junction, record and, when the service ran before the
    deploy (``start``), start it and check it again."""
    back = Record(releases=record.releases, current=previous, previous=record.current)
    ops: list[Op] = [
        ("service.control", {"name": spec.name, "state": "stopped",
                             "timeout": spec.stop_timeout}),
        ("file.junction", {"path": service_release.current_link(spec.root or ""),
                           "target": service_release.release_dir(spec.root or "", previous)}),
        ("file.write", {"path": record_path(spec.root or ""),
                        "content_b64": base64.b64encode(back.render()).decode(),
                        "expected_sha256": hashlib.sha256(record.render()).hexdigest()}),
    ]
    if start:
        ops.append(("service.control", {"name": spec.name, "state": "started",
                                        "timeout": spec.stop_timeout}))
        probe = probe_op(spec)
        if probe:
            ops.append(probe)
    return ops, back


def plan_control(spec: ServiceSpec, seen: Observed) -> Plan:
    """Start, stop or restart an existing service (no program, no root given)."""
    if not seen.exists:
        raise ValueError(f"service {spec.name} does not exist: give binary (or src) and root "
                         "to create it")
    running = seen.service.get("state") == "running"
    plan = Plan(before={"state": seen.service.get("state")})
    plan.stop = running and spec.state in ("stopped", "restarted")
    plan.start = spec.state == "restarted" or (spec.state == "started" and not running)
    if plan.stop:
        plan.apply.append(("service.control", {"name": spec.name, "state": "stopped",
                                               "timeout": spec.stop_timeout}))
    if plan.start:
        plan.apply.append(("service.control", {"name": spec.name, "state": "started",
                                               "timeout": spec.stop_timeout}))
        plan.probe = spec.health_check is not None
    if plan.apply:
        plan.changes.append(f"service: {spec.state}")
    plan.after = {"state": "stopped" if spec.state == "stopped" else "running"}
    return plan
