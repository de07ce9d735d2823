"""The WinSW XML of a ``win_go_service`` in winsw mode: render, parse, compare.

Part of the pure logic of ``winops.golang.win_go_service``. WinSW finds its
configuration beside its exe with the same base name (``<root>\\api.exe`` reads
``<root>\\api.xml``), so the file is written as UTF-8 without a byte order
mark, with an XML declaration and CRLF line ends (WinSW loads it with .NET's
XmlDocument, which takes either line end). Elements always come in the same
order, so the same spec gives the same bytes and a changed file means a
changed setting.

Schema versions: both WinSW 2 and 3 read ``<arguments>`` (WinSW 3 reads only
that one, so arguments are quoted here with :mod:`winargv`), ``<log mode>``
with ``<sizeThreshold>`` (KB) and ``<keepFiles>``, durations such as
``10 sec``. WinSW 2 names the account with ``<domain>`` and ``<user>``,
WinSW 3 with ``<username>DOMAIN\\user</username>``. WinSW 2 turns delayed start
on when ``<delayedAutoStart>`` is present at all and WinSW 3 parses its text,
so it is written only when wanted, as ``true``. Neither deletes time-rolled
logs. Both expand ``%NAME%`` in most values (see
:func:`service_spec.expansion_warnings`).

A user account's password has to be in the file WinSW installs from; only
:func:`render_host` writes it. Everything meant for results and diffs
(:func:`render_display`, :func:`config_of`, :func:`parse_xml`,
:func:`changed_fields`) shows :data:`MASK` instead.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winargv, winpath
from ansible_collections.winops.golang.plugins.module_utils.service_account import SYSTEM, USER
from ansible_collections.winops.golang.plugins.module_utils.service_spec import MASK, ServiceSpec

NEWLINE = "\r\n"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
START_MODES = {"auto": "Automatic", "delayed": "Automatic", "manual": "Manual",
               "disabled": "Disabled"}
PATTERNS = {"daily": "yyyyMMdd", "hourly": "yyyyMMddHH"}
# WinSW's duration suffixes, in the order it tries them.
_SUFFIXES = (("ms", 1), ("sec", 1000), ("secs", 1000), ("min", 60000), ("mins", 60000),
             ("hr", 3600000), ("hrs", 3600000), ("hour", 3600000), ("hours", 3600000),
             ("day", 86400000), ("days", 86400000))
_DEFAULT_STOP_MS = 15000
_DEFAULT_RESET_MS = 86400000


class WinswConfigError(ValueError):
    """A value XML cannot carry, or a file that is not a WinSW configuration."""


def files(spec: ServiceSpec) -> tuple[str, str]:
    """The WinSW exe and XML paths: ``<root>\\<name>.exe`` and ``<root>\\<name>.xml``."""
    if not spec.root:
        raise WinswConfigError("winsw mode needs root")
    return (winpath.join(spec.root, f"{spec.name}.exe"),
            winpath.join(spec.root, f"{spec.name}.xml"))


def duration(ms: int) -> str:
    """A duration as WinSW reads it: whole seconds as ``N sec``, else ``N ms``."""
    return f"{ms // 1000} sec" if ms % 1000 == 0 else f"{ms} ms"


def parse_duration(text: str) -> int:
    """A WinSW duration (``10 sec``, ``1 hour``, ``500``) in milliseconds."""
    value = text.strip()
    for suffix, factor in _SUFFIXES:
        if value.endswith(suffix):
            return int(value[: -len(suffix)].strip()) * factor
    return int(value)


def _account(spec: ServiceSpec, password: str | None) -> dict[str, Any] | None:
    account = spec.account
    if account.kind == SYSTEM:
        return None  # WinSW installs as LocalSystem when <serviceaccount> is absent
    return {
        "username": account.object_name,
        "password": password if account.kind == USER else None,
        "allowservicelogon": account.needs_logon_right,
    }


def _config(spec: ServiceSpec, password: str | None) -> dict[str, Any]:
    if spec.mode != "winsw" or not spec.program:
        raise WinswConfigError(f"service {spec.name!r} is not a winsw service with a program")
    recovery, log = spec.recovery, spec.log
    log_config = None
    if log is not None:
        if log.rotation == "size":
            log_config = {"mode": "roll-by-size", "sizeThreshold": log.max_size_kb,
                          "keepFiles": log.keep}
        elif log.rotation == "time":
            log_config = {"mode": "roll-by-time", "pattern": PATTERNS[log.interval]}
        else:
            log_config = {"mode": "append"}
    return {
        "id": spec.name,
        "name": spec.display_name,
        "description": spec.description,
        "executable": spec.program,
        "arguments": winargv.quote_argv(list(spec.arguments)) if spec.arguments else None,
        "workingdirectory": spec.working_directory,
        "startmode": START_MODES[spec.start_mode],
        "delayedAutoStart": spec.start_mode == "delayed",
        "depend": list(spec.dependencies),
        "serviceaccount": _account(spec, password),
        "env": [list(pair) for pair in spec.environment],
        "onfailure": [[a.type, a.delay_ms] for a in recovery.actions],
        "resetfailure": recovery.reset_period * 1000 if recovery.actions else None,
        "stoptimeout": spec.stop_timeout * 1000,
        "logpath": log.directory if log else None,
        "log": log_config,
    }


def config_of(spec: ServiceSpec) -> dict[str, Any]:
    """The settings :func:`render_host` writes, as a dict, with the password masked."""
    return _config(spec, MASK if spec.account.password else None)


def _escape(text: str, where: str, attribute: bool = False) -> str:
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        # Name the element only: the text may be a password.
        raise WinswConfigError(f"{where} has control characters XML cannot carry")
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Character references keep CR (and in attributes TAB/LF) from XML normalisation.
    out = out.replace("\r", "&#13;")
    if attribute:
        out = out.replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")
    return out


def _leaf(tag: str, text: str | int | None = None, **attrs: str) -> str:
    head = tag + "".join(f' {k}="{_escape(v, f"<{tag} {k}>", True)}"' for k, v in attrs.items())
    if text is None:
        return f"<{head}/>"
    return f"<{head}>{_escape(str(text), f'<{tag}>')}</{tag}>"


def _render(config: dict[str, Any], version: int) -> str:
    lines = [DECLARATION, "<service>"]
    add = lines.append
    for tag in ("id", "name", "description", "executable", "arguments", "workingdirectory",
                "startmode"):
        if config[tag] is not None:
            add("  " + _leaf(tag, config[tag]))
    if config["delayedAutoStart"]:
        add("  " + _leaf("delayedAutoStart", "true"))
    lines += ["  " + _leaf("depend", dep) for dep in config["depend"]]
    account = config["serviceaccount"]
    if account is not None:
        add("  <serviceaccount>")
        if version == 2:
            domain, _sep, user = account["username"].rpartition("\\")
            add("    " + _leaf("domain", domain))
            add("    " + _leaf("user", user))
        else:
            add("    " + _leaf("username", account["username"]))
        if account["password"] is not None:
            add("    " + _leaf("password", account["password"]))
        if account["allowservicelogon"]:
            add("    " + _leaf("allowservicelogon", "true"))
        add("  </serviceaccount>")
    lines += ["  " + _leaf("env", name=name, value=value) for name, value in config["env"]]
    lines += ["  " + _leaf("onfailure", action=action, delay=duration(delay))
              for action, delay in config["onfailure"]]
    if config["resetfailure"] is not None:
        add("  " + _leaf("resetfailure", duration(config["resetfailure"])))
    add("  " + _leaf("stoptimeout", duration(config["stoptimeout"])))
    if config["logpath"] is not None:
        add("  " + _leaf("logpath", config["logpath"]))
    log = config["log"]
    if log is not None:
        nested = [(k, log[k]) for k in ("sizeThreshold", "keepFiles", "pattern") if k in log]
        if nested:
            add(f'  <log mode="{log["mode"]}">')
            lines += ["    " + _leaf(k, v) for k, v in nested]
            add("  </log>")
        else:
            add("  " + _leaf("log", mode=log["mode"]))
    add("</service>")
    return NEWLINE.join(lines) + NEWLINE


def render_host(spec: ServiceSpec) -> str:
    """The XML to write on the host, password included: never show or return it."""
    return _render(_config(spec, spec.account.password), spec.winsw_version or 2)


def render_display(spec: ServiceSpec) -> str:
    """The same XML with the password masked, for diffs and results."""
    return _render(config_of(spec), spec.winsw_version or 2)


def encode(text: str) -> bytes:
    """The file's bytes: UTF-8 without a byte order mark."""
    return text.encode("utf-8")


def _text(element: ET.Element | None) -> str | None:
    return None if element is None else (element.text or "")


def _parse(text: str, version: int, keep_password: bool) -> dict[str, Any]:
    if "<!DOCTYPE" in text.upper():
        raise WinswConfigError("the WinSW configuration must not have a DOCTYPE")
    try:
        root = ET.fromstring(text.lstrip("\ufeff").encode("utf-8"))
    except ET.ParseError as err:
        raise WinswConfigError(f"the WinSW configuration is not well-formed XML: {err}") from None
    if root.tag != "service":
        raise WinswConfigError(f"the WinSW configuration's root is <{root.tag}>, not <service>")
    try:
        return _read(root, version, keep_password)
    except ValueError as err:  # a number or duration WinSW could not read either
        raise WinswConfigError(f"the WinSW configuration has an invalid value: {err}") from None


def _read(root: ET.Element, version: int, keep_password: bool) -> dict[str, Any]:
    def one(tag: str) -> str | None:
        return _text(root.find(tag))

    account = root.find("serviceaccount")
    parsed_account = None
    if account is not None:
        username = _text(account.find("username"))
        if username is None:
            domain, user = _text(account.find("domain")), _text(account.find("user")) or ""
            username = f"{domain}\\{user}" if domain is not None else user
        password = _text(account.find("password"))
        parsed_account = {
            "username": username,
            "password": password if keep_password or password is None else MASK,
            "allowservicelogon": (_text(account.find("allowservicelogon")) or "").strip()
            .lower() == "true",
        }
    delayed = root.find("delayedAutoStart")
    log = root.find("log")
    parsed_log = None
    if log is not None:
        parsed_log = {"mode": log.get("mode", "append")}
        for tag in ("sizeThreshold", "keepFiles"):
            if log.find(tag) is not None:
                parsed_log[tag] = int(_text(log.find(tag)) or "0")
        if log.find("pattern") is not None:
            parsed_log["pattern"] = _text(log.find("pattern"))
    reset, stop = one("resetfailure"), one("stoptimeout")
    return {
        "id": one("id"),
        "name": one("name"),
        "description": one("description"),
        "executable": one("executable"),
        "arguments": one("arguments"),
        "workingdirectory": one("workingdirectory"),
        "startmode": one("startmode") or "Automatic",
        "delayedAutoStart": delayed is not None and (
            version == 2 or (delayed.text or "").strip().lower() == "true"),
        "depend": [_text(e) for e in root.findall("depend")],
        "serviceaccount": parsed_account,
        "env": [[e.get("name"), e.get("value")] for e in root.findall("env")],
        "onfailure": [[e.get("action"), parse_duration(e.get("delay") or "0")]
                      for e in root.findall("onfailure")],
        "resetfailure": parse_duration(reset) if reset is not None else None,
        "stoptimeout": parse_duration(stop) if stop is not None else _DEFAULT_STOP_MS,
        "logpath": one("logpath"),
        "log": parsed_log,
    }


def parse_xml(text: str, version: int = 2) -> dict[str, Any]:
    """An existing WinSW XML as the dict :func:`config_of` makes (password masked).

    Only what this module writes is read; ``version`` decides how
    ``<delayedAutoStart>`` reads (WinSW 2: present means on).
    """
    return _parse(text, version, keep_password=False)


def changed_fields(existing: str | None, spec: ServiceSpec) -> list[str]:
    """The settings that differ between the host's XML and ``spec``, in a fixed order.

    ``["file"]`` for a missing or unreadable file, ``["format"]`` when only
    the text differs (layout, schema version). Passwords are compared but
    only ever named, never shown.
    """
    if existing is None:
        return ["file"]
    version = spec.winsw_version or 2
    wanted = _parse(render_host(spec), version, keep_password=True)
    try:
        seen = _parse(existing, version, keep_password=True)
    except WinswConfigError:
        return ["file"]
    if seen["resetfailure"] is None and seen["onfailure"]:
        seen["resetfailure"] = _DEFAULT_RESET_MS
    out = [key for key in wanted if key != "serviceaccount" and wanted[key] != seen[key]]
    mine, theirs = wanted["serviceaccount"] or {}, seen["serviceaccount"] or {}
    out += [f"serviceaccount.{key}" for key in ("username", "password", "allowservicelogon")
            if mine.get(key) != theirs.get(key)]
    if not out and existing.replace("\r\n", "\n") != render_host(spec).replace("\r\n", "\n"):
        out.append("format")
    return out
