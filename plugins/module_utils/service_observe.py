"""What win_go_service reads from the host in its first batch, and what that says.

Part of the pure logic of ``winops.golang.win_go_service``: :func:`read_ops`
lists the read-only ops of the first round trip (the service, its registry
key, the release record and ``current`` junction, the wrapper's files or
settings, the account, the event log source), :func:`observe` turns their
results into an :class:`Observed`. Planning is in :mod:`service_plan`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import (
    acl,
    nssm_config,
    service_recovery,
    service_release,
    winpath,
    winsw_config,
)
from ansible_collections.winops.golang.plugins.module_utils.service_spec import ServiceSpec

Op = tuple[str, dict[str, Any]]

RECORD = "releases.json"
LOGON_RIGHT = "SeServiceLogonRight"
SERVICES_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services"
EVENTLOG_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application"
# What golang.org/x/sys/windows/svc/eventlog.InstallAsEventCreate registers: the
# message file of eventcreate.exe and error, warning and information events.
EVENT_MESSAGE_FILE = "%SystemRoot%\\System32\\EventCreate.exe"
EVENT_TYPES = 7


def service_key(name: str) -> str:
    """The service's key under ``Services``."""
    return f"{SERVICES_KEY}\\{name}"


def record_path(root: str) -> str:
    """The release record of a service root (releases, current, previous)."""
    return winpath.join(root, RECORD)


def wrapper_paths(spec: ServiceSpec) -> tuple[str, str]:
    """The WinSW exe and XML of a winsw service: ``<root>\\<name>.exe`` and ``.xml``."""
    exe, xml = winsw_config.files(spec)
    return exe, xml


def account_sid(spec: ServiceSpec) -> str | None:
    """The SID of the service account when it is known without asking the host."""
    account = spec.account
    if account.kind == "virtual":
        return acl.service_sid(spec.name)
    return acl.lookup_sid(account.object_name)


def lookup_name(spec: ServiceSpec) -> str:
    """The account name as Windows translates it: the SCM's ``.\\user`` is a local ``user``."""
    return spec.account.lookup_name


def owned_directories(spec: ServiceSpec) -> list[str]:
    """The directories ACL'd for the service account: the root (releases and, by
    default, logs inherit from it) and a log directory elsewhere."""
    out = [spec.root] if spec.root else []
    if spec.log and spec.root:
        root = [c.casefold() for c in winpath.components(spec.root)]
        logs = [c.casefold() for c in winpath.components(spec.log.directory)]
        if logs[:len(root)] != root:
            out.append(spec.log.directory)
    return out


def read_ops(spec: ServiceSpec, binary_is_host_file: bool) -> dict[str, Op]:
    """The read ops of the first round trip, by the key :func:`observe` finds them under."""
    ops: dict[str, Op] = {
        "service": ("service.get", {"name": spec.name}),
        "key": ("reg.get", {"path": service_key(spec.name)}),
    }
    if spec.event_log_source:
        ops["eventlog"] = ("reg.get", {"path": f"{EVENTLOG_KEY}\\{spec.event_log_source}"})
    if spec.state == "absent" or not spec.root:
        return ops
    ops["record"] = ("file.read", {"path": record_path(spec.root)})
    ops["current"] = ("file.stat", {"path": service_release.current_link(spec.root)})
    for index, path in enumerate(owned_directories(spec)):
        ops[f"dir{index}.stat"] = ("file.stat", {"path": path})
        ops[f"dir{index}.acl"] = ("acl.get", {"path": path})
    if binary_is_host_file and spec.binary:
        ops["binary"] = ("file.stat", {"path": spec.binary, "checksum": True})
    if spec.mode == "winsw":
        exe, xml = wrapper_paths(spec)
        ops["wrapper_exe"] = ("file.stat", {"path": exe, "checksum": True})
        ops["wrapper_xml"] = ("file.read", {"path": xml})
        if spec.winsw_exe and not spec.winsw_exe.lower().startswith(("http://", "https://")):
            ops["winsw_source"] = ("file.stat", {"path": spec.winsw_exe, "checksum": True})
    if spec.mode == "nssm":
        ops["nssm_params"] = ("reg.get", {"path": nssm_config.parameters_key(spec.name)})
        ops["nssm_exit"] = ("reg.get", {"path": nssm_config.exit_key(spec.name)})
        ops["nssm_exe"] = ("file.stat", {"path": spec.nssm_exe})
    if account_sid(spec) is None:
        ops["account"] = ("acl.resolve", {"names": [lookup_name(spec)]})
    if spec.account.needs_logon_right:
        ops["logon_right"] = ("lsa.get", {"right": LOGON_RIGHT})
    return ops


@dataclass
class Record:
    """The release record kept in ``<root>\\releases.json``."""

    releases: list[dict[str, Any]] = field(default_factory=list)  # {name, sha256, deployed}
    current: str | None = None
    previous: str | None = None
    sha256: str | None = None  # of the file as read (None: absent)

    def find(self, name: str) -> dict[str, Any] | None:
        """The release called ``name`` (case-insensitive), if recorded."""
        return next((r for r in self.releases if r["name"].casefold() == name.casefold()), None)

    def render(self) -> bytes:
        """The record as written: sorted keys, UTF-8, a final newline."""
        data = {"current": self.current, "previous": self.previous, "releases": self.releases}
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def parse_record(read: dict[str, Any] | None) -> Record:
    """The record from a ``file.read`` result; an unreadable one counts as empty."""
    if not read or not read.get("exists"):
        return Record()
    raw = base64.b64decode(read.get("content_b64") or "")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Record(sha256=_sha(raw))
    releases = [r for r in data.get("releases") or [] if isinstance(r, dict) and r.get("name")]
    return Record(releases=releases, current=data.get("current"), previous=data.get("previous"),
                  sha256=_sha(raw))


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass
class Observed:
    """The host as the first batch saw it."""

    service: dict[str, Any]
    key_values: dict[str, Any]
    record: Record
    current_target: str | None
    directories: dict[str, Any]  # dir<i>.stat / dir<i>.acl of owned_directories()
    binary_sha256: str | None
    wrapper_exe_sha256: str | None
    wrapper_xml: str | None
    wrapper_xml_sha256: str | None
    winsw_source_sha256: str | None
    nssm: dict[str, dict[str, Any]]
    account_sid: str | None
    logon_holders: set[str] | None
    eventlog: dict[str, Any] | None
    nssm_exe_exists: bool = True

    @property
    def exists(self) -> bool:
        """Whether the service is registered."""
        return bool(self.service.get("exists"))

    def recovery(self) -> service_recovery.Recovery:
        """The service's failure actions as its key holds them."""
        return service_recovery.from_registry(self.key_values)


def observe(spec: ServiceSpec, keys: list[str], results: list[dict[str, Any]]) -> Observed:
    """:class:`Observed` from the results of :func:`read_ops` (``keys`` in batch order)."""
    got = dict(zip(keys, results, strict=True))
    key = got.get("key") or {}
    current = got.get("current") or {}
    xml = got.get("wrapper_xml") or {}
    xml_raw = base64.b64decode(xml.get("content_b64") or "") if xml.get("exists") else None
    sid = account_sid(spec)
    if sid is None and got.get("account"):
        found = (got["account"].get("accounts") or [{}])[0]
        if not found.get("exists") or not found.get("sid"):
            raise ValueError(f"account {spec.account.object_name!r} does not exist on the host "
                             "(error 1057: the account name is invalid or does not exist)")
        sid = found["sid"]
    holders = None
    if got.get("logon_right") is not None:
        holders = {a["sid"].upper() for a in got["logon_right"].get("accounts") or []}
    nssm = {}
    if spec.mode == "nssm":
        nssm = {nssm_config.parameters_key(spec.name): got.get("nssm_params") or {},
                nssm_config.exit_key(spec.name): got.get("nssm_exit") or {}}
    return Observed(
        service=got.get("service") or {"exists": False},
        key_values=key.get("values") or {},
        record=parse_record(got.get("record")),
        current_target=current.get("target") if current.get("type") == "junction" else None,
        directories={k: v for k, v in got.items() if k.startswith("dir")},
        binary_sha256=(got.get("binary") or {}).get("sha256"),
        wrapper_exe_sha256=(got.get("wrapper_exe") or {}).get("sha256"),
        wrapper_xml=xml_raw.decode("utf-8-sig", "replace") if xml_raw is not None else None,
        wrapper_xml_sha256=_sha(xml_raw) if xml_raw is not None else None,
        winsw_source_sha256=(got.get("winsw_source") or {}).get("sha256"),
        nssm=nssm,
        account_sid=sid,
        logon_holders=holders,
        eventlog=got.get("eventlog"),
        nssm_exe_exists=bool((got.get("nssm_exe") or {"exists": True}).get("exists")),
    )
