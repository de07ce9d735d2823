"""Validation and normalisation of ``win_go_service`` options into a :class:`ServiceSpec`.

Part of the pure logic of ``winops.golang.win_go_service``; runs on the
controller, so bad input fails before any round trip with a message that says
which option is wrong and what to give instead (:class:`ServiceSpecError`).

Modes: ``native`` (a program built with golang.org/x/sys/windows/svc,
registered with the SCM as it is), ``winsw`` (WinSW wraps a program that does
not speak the service protocol; its exe is named after the service, the XML
beside it) and ``nssm`` (NSSM 2.24 wraps it; settings live in the registry).
Accounts are parsed by :mod:`service_account`, failure actions by
:mod:`service_recovery`; the release layout comes from :mod:`service_release`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.winops.golang.plugins.module_utils import (
    service_account,
    service_recovery,
    service_release,
    winpath,
)
from ansible_collections.winops.golang.plugins.module_utils.service_account import Account
from ansible_collections.winops.golang.plugins.module_utils.service_recovery import Recovery

MODES = ("native", "winsw", "nssm")
START_MODES = ("auto", "delayed", "manual", "disabled")
STATES = ("started", "stopped", "restarted", "absent")
ROTATIONS = ("none", "size", "time")
INTERVALS = ("daily", "hourly")
WINSW_VERSIONS = (2, 3)
MAX_NAME = 256  # CreateService: service and display names
STOP_TIMEOUT = (1, 600)
DEFAULT_STOP_TIMEOUT = 30
MAX_SIZE_KB = (1, 4194303)  # bytes fit NSSM's AppRotateBytes DWORD; KB fit WinSW's Int32
DEFAULT_SIZE_KB = 10240
MAX_KEEP = 1000
DEFAULT_KEEP_LOGS = 8
DEFAULT_KEEP_RELEASES = 3
MAX_RESET_WINSW = 2**31 - 1  # WinSW parses <resetfailure> into an Int32
HEALTH_TIMEOUT = (1, 3600)
DEFAULT_HEALTH_TIMEOUT = 30
LOGS = "logs"
MASK = "********"
_PERCENT_REF = re.compile(r"%[^%\s]+%")
_OPTIONS = frozenset(
    "name display_name description mode binary root arguments working_directory environment "
    "account password start_mode dependencies recovery stop_timeout log event_log_source state "
    "winsw_version winsw_exe nssm_exe keep_releases version health_check src checksum "
    "winsw_checksum winsw_src require_signature allowed_signers rollback".split()
)
_MODE_OPTIONS = {"winsw_version": "winsw", "winsw_exe": "winsw", "winsw_src": "winsw",
                 "winsw_checksum": "winsw", "nssm_exe": "nssm"}


class ServiceSpecError(ValueError):
    """Options that cannot describe a service; the message names the option."""


@dataclass(frozen=True)
class LogSpec:
    """Where a wrapper writes the program's output, and how it rotates it."""

    directory: str
    rotation: str = "none"
    max_size_kb: int = DEFAULT_SIZE_KB
    interval: str = "daily"
    keep: int | None = None


@dataclass(frozen=True)
class HealthCheck:
    """How to tell that a release works: a TCP port that accepts, or an HTTP 2xx."""

    tcp_port: int | None = None
    http_url: str | None = None
    timeout: int = DEFAULT_HEALTH_TIMEOUT
    expected_status: int | None = None  # None: any 2xx


@dataclass(frozen=True)
class ServiceSpec:
    """A validated, normalised ``win_go_service`` task."""

    name: str
    display_name: str
    description: str
    mode: str
    binary: str | None
    root: str | None
    arguments: tuple[str, ...]
    working_directory: str | None
    environment: tuple[tuple[str, str], ...]
    account: Account
    start_mode: str
    dependencies: tuple[str, ...]
    recovery: Recovery
    stop_timeout: int
    log: LogSpec | None
    event_log_source: str | None
    state: str
    winsw_version: int | None
    winsw_exe: str | None
    nssm_exe: str | None
    keep_releases: int
    version: str | None
    health_check: HealthCheck | None
    # Where the program comes from: binary (a host path, a UNC path or an http(s) URL)
    # or src (a file on the controller); checksum is the SHA-256 it must have.
    src: str | None = None
    checksum: str | None = None
    winsw_checksum: str | None = None
    winsw_src: str | None = None  # the WinSW exe on the controller, instead of winsw_exe
    require_signature: bool = False
    allowed_signers: tuple[str, ...] = ()
    rollback: bool = True

    @property
    def exe_name(self) -> str | None:
        """The program's file name (``app.exe``)."""
        if self.src:
            return self.src.replace("\\", "/").rsplit("/", 1)[-1]
        if self.binary and is_url(self.binary):
            return urlsplit(self.binary).path.rsplit("/", 1)[-1]
        return winpath.components(self.binary)[-1] if self.binary else None

    @property
    def control_only(self) -> bool:
        """No program and no root: the task only starts, stops or restarts the service."""
        return self.state != "absent" and not (self.binary or self.src or self.root)

    @property
    def program(self) -> str | None:
        """The path the service runs: ``<root>\\current\\<exe_name>``."""
        if not self.root or not self.exe_name:
            return None
        return service_release.program_path(self.root, self.exe_name)


def is_url(text: str) -> bool:
    """True for an http:// or https:// location (downloaded by the host)."""
    return text.lower().startswith(("http://", "https://"))


def _sha256(value: Any, what: str) -> str | None:
    text = _string(value, what)
    if text is None:
        return None
    digest = text.lower().removeprefix("sha256:")
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise _fail(f"{what} must be a SHA-256 (64 hex digits, optionally sha256:), not '{text}'")
    return digest


def _binary(options: Mapping[str, Any], present: bool) -> tuple[str | None, str | None]:
    """The ``binary`` and ``src`` options: exactly one of them for a present service."""
    binary = _string(options.get("binary"), "binary")
    src = _string(options.get("src"), "src")
    if binary and src:
        raise _fail("binary and src are mutually exclusive: binary is on the host (or a URL), "
                    "src on the controller")
    if present and not (binary or src) and options.get("root"):
        raise _fail("binary is required (or src: a file on the controller)")
    if src and not src.lower().endswith(".exe"):
        raise _fail(f"src '{src}' must name an .exe file")
    if binary and is_url(binary):
        parts = urlsplit(binary)
        if not parts.hostname or not parts.path.lower().endswith(".exe"):
            raise _fail(f"binary '{binary}' must be a URL of an .exe file")
        if _string(options.get("checksum"), "checksum") is None:
            raise _fail(f"binary '{binary}' is a URL: give its checksum (sha256) too")
        return binary, None
    return (_exe(binary, "binary") if binary else None), src


def _signers(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise _fail("allowed_signers must be a list of certificate thumbprints")
    out = []
    for item in value:
        text = re.sub(r"[\s:]", "", str(item)).upper()
        if not re.fullmatch(r"[0-9A-F]{40}", text):
            raise _fail(f"allowed_signers entry '{item}' is not a SHA-1 certificate thumbprint "
                        "(40 hex digits)")
        out.append(text)
    return tuple(dict.fromkeys(out))


def _fail(message: str) -> ServiceSpecError:
    return ServiceSpecError(message)


def _get(options: Mapping[str, Any], key: str, default: Any) -> Any:
    """``options[key]``, or ``default`` when it is missing or None (as argument specs leave it)."""
    value = options.get(key)
    return default if value is None else value


def _string(value: Any, what: str, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _fail(f"{what} is required")
        return None
    if not isinstance(value, str):
        raise _fail(f"{what} must be a string, not {value!r}")
    if "\x00" in value:
        raise _fail(f"{what} contains a NUL character")
    return value.strip()


def _integer(value: Any, what: str, low: int, high: int) -> int:
    try:
        return service_recovery.integer(value, what, low, high)
    except service_recovery.RecoveryError as err:
        raise _fail(str(err)) from None


def _choice(value: Any, what: str, choices: Sequence[str], default: str) -> str:
    text = default if value is None else str(value).strip().lower()
    if text not in choices:
        raise _fail(f"{what} must be one of {', '.join(choices)}, not {value!r}")
    return text


def _path(value: Any, what: str) -> str:
    try:
        return winpath.validate(value, what)
    except winpath.WindowsPathError as err:
        raise _fail(str(err)) from None


def _exe(value: Any, what: str) -> str:
    path = _path(value, what)
    if not path.lower().endswith(".exe"):
        raise _fail(f"{what} '{value}' must name an .exe file")
    return path


def check_service_name(value: Any, what: str = "name") -> str:
    """A service name as the SCM takes it: 1 to 256 characters, no ``/`` or ``\\``."""
    name = _string(value, what, required=True) or ""
    if len(name) > MAX_NAME:
        raise _fail(f"{what} is {len(name)} characters; service names have at most {MAX_NAME}")
    if "/" in name or "\\" in name:
        raise _fail(f"{what} '{name}' must not contain '/' or '\\' (the SCM refuses them)")
    if any(ord(ch) < 32 for ch in name):
        raise _fail(f"{what} {name!r} contains control characters")
    return name


def _environment(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise _fail("environment must be a dictionary of NAME: value")
    seen: dict[str, str] = {}
    out = []
    for name, raw in value.items():
        key = str(name)
        if not key or "=" in key or "\x00" in key or key != key.strip():
            raise _fail(f"environment name {key!r} is not valid: no '=', no spaces around it")
        if key.casefold() in seen:
            raise _fail(f"environment sets {seen[key.casefold()]!r} and {key!r}: Windows "
                        "environment names are case-insensitive, give one")
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise _fail(f"environment value of {key} must be a string, not {raw!r}")
        text = str(raw)
        if "\x00" in text:
            raise _fail(f"environment value of {key} contains a NUL character")
        seen[key.casefold()] = key
        out.append((key, text))
    return tuple(sorted(out, key=lambda item: item[0].casefold()))


def _arguments(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise _fail("arguments must be a list of strings (each one is quoted for Windows)")
    out = []
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise _fail(f"arguments[{index}] must be a string, not {item!r}")
        if "\x00" in str(item):
            raise _fail(f"arguments[{index}] contains a NUL character")
        out.append(str(item))
    return tuple(out)


def _dependencies(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise _fail("dependencies must be a list of service names")
    seen: set[str] = set()
    out = []
    for index, item in enumerate(value):
        dep = check_service_name(item, f"dependencies[{index}]")
        if dep.casefold() == name.casefold():
            raise _fail(f"dependencies[{index}]: service '{name}' cannot depend on itself")
        if dep.casefold() not in seen:
            seen.add(dep.casefold())
            out.append(dep)
    return tuple(out)


def _log(value: Any, mode: str, root: str | None) -> LogSpec | None:
    if value is None:
        return LogSpec(winpath.join(root, LOGS)) if root and mode != "native" else None
    if not isinstance(value, Mapping):
        raise _fail("log must be a dictionary (directory, rotation, max_size_kb, interval, keep)")
    unknown = sorted(set(value) - {"directory", "rotation", "max_size_kb", "interval", "keep"})
    if unknown:
        raise _fail(f"log has unknown keys: {', '.join(unknown)}")
    directory = value.get("directory")
    if directory is None:
        if not root:
            raise _fail("log.directory is required when root is not given")
        directory = winpath.join(root, LOGS)
    rotation = _choice(value.get("rotation"), "log.rotation", ROTATIONS, "none")
    keep = value.get("keep")
    spec = LogSpec(
        directory=_path(directory, "log.directory"),
        rotation=rotation,
        max_size_kb=_integer(_get(value, "max_size_kb", DEFAULT_SIZE_KB), "log.max_size_kb",
                             *MAX_SIZE_KB),
        interval=_choice(value.get("interval"), "log.interval", INTERVALS, "daily"),
        keep=None if keep is None else _integer(keep, "log.keep", 1, MAX_KEEP),
    )
    if rotation == "none" and spec.keep is not None:
        raise _fail("log.keep needs a log.rotation (size or time)")
    if mode == "native" and rotation != "none":
        raise _fail("log.rotation needs mode winsw or nssm: a native service writes its own "
                    "logs, so rotate them in the program")
    if mode == "nssm" and rotation == "time":
        raise _fail("log.rotation 'time' is not available with nssm: NSSM rotates only by size "
                    "(and when the service starts); use rotation 'size' or mode winsw")
    if mode == "nssm" and spec.keep is not None:
        raise _fail("log.keep is not available with nssm: NSSM never deletes rotated files")
    if mode == "winsw" and rotation == "time" and spec.keep is not None:
        raise _fail("log.keep is not available with log.rotation 'time': WinSW deletes only "
                    "size-rolled files; use rotation 'size' or drop keep")
    if rotation == "size" and spec.keep is None and mode == "winsw":
        return LogSpec(spec.directory, rotation, spec.max_size_kb, spec.interval,
                       DEFAULT_KEEP_LOGS)
    return spec


def _winsw_source(value: Any, checksum: Any) -> str:
    text = _string(value, "winsw_exe") or ""
    if not text:
        raise _fail("mode winsw needs the WinSW exe: winsw_exe (a host path or a URL) or "
                    "winsw_src (a file on the controller)")
    if text.lower().startswith(("http://", "https://")):
        parts = urlsplit(text)
        if not parts.hostname or not parts.path.lower().endswith(".exe"):
            raise _fail(f"winsw_exe '{text}' must be a URL of an .exe file")
        if _string(checksum, "winsw_checksum") is None:
            raise _fail(f"winsw_exe '{text}' is a URL: give winsw_checksum (sha256) too")
        return text
    return _exe(text, "winsw_exe")


def _recovery(value: Any, mode: str) -> Recovery:
    try:
        recovery = service_recovery.parse_recovery(value)
    except service_recovery.RecoveryError as err:
        raise _fail(str(err)) from None
    if mode == "winsw":
        if recovery.uses("run_command"):
            raise _fail("recovery.actions: WinSW's <onfailure> knows restart, reboot and none, "
                        "not run_command; use mode native or nssm for a command")
        if recovery.reboot_message is not None:
            raise _fail("recovery.reboot_message is not available with winsw: WinSW sets the "
                        "failure actions without one")
        if recovery.reset_period > MAX_RESET_WINSW:
            raise _fail(f"recovery.reset_period must be at most {MAX_RESET_WINSW} with winsw")
    given = isinstance(value, Mapping) and value.get("failure_actions_on_non_crash") is not None
    if mode == "nssm" and not given:
        # NSSM reports the program's exit as a stop with its exit code, not as a crash.
        recovery = Recovery(recovery.actions, recovery.reset_period, recovery.command,
                            recovery.reboot_message, True)
    if mode == "nssm" and recovery.actions and not recovery.failure_actions_on_non_crash:
        raise _fail("recovery.failure_actions_on_non_crash must be true with nssm: NSSM stops "
                    "the service when the program exits, which Windows does not count as a "
                    "crash")
    return recovery


def _account(options: Mapping[str, Any], name: str) -> Account:
    try:
        return service_account.parse_account(options.get("account"), options.get("password"),
                                             name)
    except service_account.AccountError as err:
        raise _fail(str(err)) from None


def parse_spec(options: Mapping[str, Any]) -> ServiceSpec:
    """Validate the task options into a :class:`ServiceSpec`; raise :class:`ServiceSpecError`.

    ``binary`` (the program to deploy, an absolute ``.exe`` path on the host)
    and ``root`` (the service's directory: releases, ``current``, logs,
    wrapper files) are required unless ``state`` is ``absent``.
    """
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise _fail(f"unknown options: {', '.join(unknown)}")
    name = check_service_name(options.get("name"))
    mode = _choice(options.get("mode"), "mode", MODES, "native")
    state = _choice(options.get("state"), "state", STATES, "started")
    for option, needed in _MODE_OPTIONS.items():
        if options.get(option) is not None and mode != needed:
            raise _fail(f"{option} is only used with mode {needed}")
    present = state != "absent"
    binary, src = _binary(options, present)
    if options.get("winsw_exe") and options.get("winsw_src"):
        raise _fail("winsw_exe and winsw_src are mutually exclusive")
    deploys = present and bool(binary or src)
    if options.get("allowed_signers") and not options.get("require_signature"):
        raise _fail("allowed_signers goes with require_signature: true")
    # Without binary, src and root the task only starts or stops an existing service.
    root = _string(options.get("root"), "root", required=present and bool(binary or src))
    root = _path(root, "root") if root else None
    if root and len(winpath.components(root)) < 2:
        raise _fail(f"root '{root}' is a drive root: use a directory such as C:\\Services\\{name}")
    if mode == "winsw":
        try:
            winpath.validate(f"C:\\{name}.exe")
        except winpath.WindowsPathError:
            raise _fail(f"name '{name}' cannot be a file name, and with winsw the WinSW exe and "
                        "XML are named after the service: leave out <>:\"|?* and device "
                        "names such as CON") from None
    display_name = _string(options.get("display_name"), "display_name") or name
    if len(display_name) > MAX_NAME:
        raise _fail(f"display_name is {len(display_name)} characters; at most {MAX_NAME}")
    workdir = _string(options.get("working_directory"), "working_directory")
    version = _string(options.get("version"), "version")
    if version is not None:
        try:
            service_release.release_name(version, "0" * 64)
        except service_release.ReleaseError as err:
            raise _fail(str(err)) from None
    source = options.get("event_log_source")
    event_source = _string(source, "event_log_source")
    if event_source and ("\\" in event_source or len(event_source) > MAX_NAME):
        raise _fail(f"event_log_source '{event_source}' must have no '\\' and at most "
                    f"{MAX_NAME} characters")
    return ServiceSpec(
        name=name,
        display_name=display_name,
        description=_string(options.get("description"), "description") or "",
        mode=mode,
        binary=binary,
        src=src,
        checksum=_sha256(options.get("checksum"), "checksum"),
        winsw_checksum=_sha256(options.get("winsw_checksum"), "winsw_checksum"),
        require_signature=bool(options.get("require_signature")),
        allowed_signers=_signers(options.get("allowed_signers")),
        rollback=_get(options, "rollback", True) is not False,
        root=root,
        arguments=_arguments(options.get("arguments")),
        working_directory=_path(workdir, "working_directory") if workdir else
        (service_release.current_link(root) if root else None),
        environment=_environment(options.get("environment")),
        account=_account(options, name),
        start_mode=_choice(options.get("start_mode"), "start_mode", START_MODES, "auto"),
        dependencies=_dependencies(options.get("dependencies"), name),
        recovery=_recovery(options.get("recovery"), mode),
        stop_timeout=_integer(_get(options, "stop_timeout", DEFAULT_STOP_TIMEOUT), "stop_timeout",
                              *STOP_TIMEOUT),
        log=_log(options.get("log"), mode, root),
        event_log_source=event_source,
        state=state,
        winsw_version=_integer(options.get("winsw_version") or 2, "winsw_version", 2, 3)
        if mode == "winsw" else None,
        winsw_src=_string(options.get("winsw_src"), "winsw_src"),
        winsw_exe=_winsw_source(options.get("winsw_exe"), options.get("winsw_checksum"))
        if mode == "winsw" and deploys and not options.get("winsw_src")
        else None,
        nssm_exe=_exe(options.get("nssm_exe"), "nssm_exe") if mode == "nssm" and deploys
        else None,
        keep_releases=_integer(_get(options, "keep_releases", DEFAULT_KEEP_RELEASES),
                               "keep_releases", 1, 100),
        version=version,
        health_check=parse_health_check(options.get("health_check")),
    )


def parse_health_check(value: Any) -> HealthCheck | None:
    """Validate the ``health_check`` option: ``tcp_port`` or ``http_url``, ``timeout``, status.

    ``http_url`` is fetched on the host, so it is usually a loopback address
    (``http://127.0.0.1:8080/healthz``); ``expected_status`` is a 2xx code.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _fail("health_check must be a dictionary (tcp_port or http_url, timeout)")
    unknown = sorted(set(value) - {"tcp_port", "http_url", "timeout", "expected_status"})
    if unknown:
        raise _fail(f"health_check has unknown keys: {', '.join(unknown)}")
    port, url = value.get("tcp_port"), _string(value.get("http_url"), "health_check.http_url")
    if (port is None) == (url is None):
        raise _fail("health_check needs exactly one of tcp_port and http_url")
    if url is not None:
        parts = urlsplit(url)
        try:
            url_port = parts.port
        except ValueError:
            raise _fail(f"health_check.http_url '{url}' has an invalid port") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or \
                (url_port is not None and not 1 <= url_port <= 65535):
            raise _fail(f"health_check.http_url '{url}' must be an http:// or https:// URL "
                        "with a host, e.g. http://127.0.0.1:8080/healthz")
    elif value.get("expected_status") is not None:
        raise _fail("health_check.expected_status is only used with http_url")
    return HealthCheck(
        tcp_port=None if port is None else _integer(port, "health_check.tcp_port", 1, 65535),
        http_url=url,
        timeout=_integer(_get(value, "timeout", DEFAULT_HEALTH_TIMEOUT), "health_check.timeout",
                         *HEALTH_TIMEOUT),
        expected_status=None if value.get("expected_status") is None else _integer(
            value["expected_status"], "health_check.expected_status", 200, 299),
    )


def expansion_warnings(spec: ServiceSpec) -> list[str]:
    """Warnings for ``%NAME%`` text that WinSW and NSSM expand from their environment.

    Both wrappers pass the executable, arguments, directory and environment
    values through ExpandEnvironmentVariables, and there is no escape.
    """
    if spec.mode == "native":
        return []
    fields = [("arguments", " ".join(spec.arguments)),
              ("working_directory", spec.working_directory or "")]
    fields += [(f"environment.{name}", value) for name, value in spec.environment]
    out = []
    for what, text in fields:
        match = _PERCENT_REF.search(text)
        if match:
            out.append(f"{what} contains {match.group(0)}, which {spec.mode} replaces with the "
                       "variable's value when it is set")
    return out


def describe(spec: ServiceSpec) -> dict[str, Any]:
    """The spec as plain data for results and diffs, with the password masked."""
    out = asdict(spec)
    account = spec.account
    out["account"] = {"kind": account.kind, "object_name": account.object_name,
                      "password": MASK if account.password else None,
                      "needs_logon_right": account.needs_logon_right}
    return out
