"""What a simulated service really runs, and how that program behaves.

When the simulated SCM starts a service it resolves the program behind the
service's ``ImagePath``:

* the executable of the command line: a quoted path, or for an unquoted one
  the shortest space-separated prefix that names an existing file (with
  ``.exe`` added when the prefix has no extension), as ``CreateProcess`` tries
  them; ``%SystemRoot%``/``%windir%`` are expanded, junctions (a ``current``
  link) are followed to the real file;
* a file whose first line is ``winsw`` is a WinSW wrapper: the program is the
  ``<executable>`` of the XML file beside it with the same base name
  (``%BASE%`` is the wrapper's directory, a relative name is looked up there);
* a file whose first line is ``nssm`` is NSSM: the program is the
  ``Application`` value of the service key's ``Parameters`` subkey.

A service that came with the host (``SimHost.add_service``, a feature) and
whose file the model does not hold runs a plain program. The program file's
lines say how it behaves once started: ``listen=<port>``
(it listens on 127.0.0.1:<port>; ``listen=from-args`` takes the port from its
``-addr host:port`` or ``-port N`` argument, as two instances of one build do),
``http_status=<code>`` (what an HTTP GET to it answers, default 200) and
``start=fail`` (it never reports running: error 1053). Anything else is a
program that runs and listens nowhere. A missing file fails the start with
error 2.

Listeners live in ``model.data["listeners"]`` as ``{"<port>": {"service",
"http_status"}}``; the files a running service holds open (the real program
file and a wrapper's exe) are listed in the service record's ``locks``, which
the file system refuses to replace or remove (``in_use``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winargv, winpath

from .context import OpContext
from .errors import OpError
from .registry import RegPath

SERVICES_KEY = ("SYSTEM", "CurrentControlSet", "Services")
DEFAULT_HTTP_STATUS = 200
_SYSTEM_ROOT = re.compile(r"%(systemroot|windir)%", re.IGNORECASE)
_BEHAVIOUR = re.compile(r"^\s*(listen|http_status|start)\s*=\s*(\S+)\s*$", re.IGNORECASE)
_MAX_READ = 1 << 16

ERROR_FILE_NOT_FOUND = (
    "Service '{name}' cannot be started: The system cannot find the file specified. (2)"
)
ERROR_NO_RESPONSE = (
    "Service '{name}' cannot be started: The service did not respond to the start or "
    "control request in a timely fashion. (1053)"
)
ERROR_TERMINATED = (
    "Service '{name}' cannot be started: The process terminated unexpectedly. (1067)"
)


@dataclass
class Program:
    """The program a service runs: its real file, the files it locks, its behaviour."""

    path: str | None
    locks: list[str] = field(default_factory=list)
    listen: int | None = None
    http_status: int = DEFAULT_HTTP_STATUS
    start_fails: bool = False
    missing: str | None = None


def image_executable(image_path: str) -> tuple[str, bool]:
    """The executable part of an ``ImagePath`` and whether it was quoted.

    For an unquoted path the whole text is returned; :func:`resolve_image`
    finds the prefix that exists.
    """
    text = _SYSTEM_ROOT.sub("C:\\\\Windows", image_path.strip())
    if text.startswith('"'):
        args = winargv.split_command_line(text)
        return (args[0] if args else ""), True
    return text, False


def _real_file(ctx: OpContext, win: str) -> str | None:
    """The Windows path of the real file at ``win`` (junctions followed), or None."""
    res = ctx.fs.file_at(win)
    if res is None:
        return None
    return ctx.fs.win_of_real(res.real) or res.win


def _candidates(text: str, quoted: bool) -> list[str]:
    if quoted:
        return [text]
    parts = text.split(" ")
    out = []
    for index in range(1, len(parts) + 1):
        prefix = " ".join(parts[:index])
        out.append(prefix)
        if "." not in prefix.rsplit("\\", 1)[-1]:
            out.append(prefix + ".exe")
    return out


def resolve_image(ctx: OpContext, image_path: str) -> tuple[str | None, str]:
    """The real file an ``ImagePath`` starts (or None) and the name to report when missing."""
    text, quoted = image_executable(image_path)
    for candidate in _candidates(text, quoted):
        real = _real_file(ctx, candidate)
        if real is not None:
            return real, candidate
    return None, text.split(" ")[0] if not quoted else text


def _read(ctx: OpContext, win: str) -> str:
    res = ctx.fs.follow(ctx.fs.resolve(win))
    with open(res.real, "rb") as fh:
        data = fh.read(_MAX_READ)
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].strip().lower()


def _winsw_program(ctx: OpContext, wrapper: str) -> str | None:
    """The ``<executable>`` of the XML beside a WinSW wrapper, as a Windows path."""
    base = wrapper.rsplit(".", 1)[0] if "." in wrapper.rsplit("\\", 1)[-1] else wrapper
    xml_path = _real_file(ctx, base + ".xml")
    if xml_path is None:
        return None
    try:
        root = ET.fromstring(_read(ctx, xml_path).encode("utf-8"))
    except ET.ParseError:
        return None
    node = root.find("executable")
    if node is None or not (node.text or "").strip():
        return None
    folder = winpath.parent(wrapper)
    exe = re.sub(r"%BASE%", lambda _m: folder, node.text.strip(), flags=re.IGNORECASE)
    exe = _SYSTEM_ROOT.sub("C:\\\\Windows", exe).strip('"')
    if not re.match(r"^([A-Za-z]:\\|\\\\)", exe):
        exe = folder.rstrip("\\") + "\\" + exe
    return exe


def _nssm_program(ctx: OpContext, service: str) -> str | None:
    """The ``Parameters\\Application`` value of an NSSM service."""
    reg = ctx.model.registry
    node = reg.open(RegPath("HKLM", (*SERVICES_KEY, service, "Parameters")))
    value = reg.get_value(node, "Application") if node else None
    if not value or not isinstance(value.get("value"), str) or not value["value"]:
        return None
    return _SYSTEM_ROOT.sub("C:\\\\Windows", value["value"]).strip('"')


def argument_port(args: list[str]) -> int | None:
    """The port of a ``-addr host:port`` / ``-addr=host:port`` / ``-port N`` argument."""
    for index, arg in enumerate(args):
        flag, sep, inline = arg.partition("=")
        if flag.lstrip("-").lower() not in ("addr", "listen", "port"):
            continue
        value = inline if sep else (args[index + 1] if index + 1 < len(args) else "")
        port = value.rsplit(":", 1)[-1]
        if port.isdigit() and 0 < int(port) < 65536:
            return int(port)
    return None


def _arguments(ctx: OpContext, record: dict[str, Any], kind: str, wrapper: str) -> list[str]:
    """The program's own arguments: after the exe in ImagePath, in WinSW's XML, or NSSM's."""
    if kind == "winsw":
        base = wrapper.rsplit(".", 1)[0]
        xml_path = _real_file(ctx, base + ".xml")
        try:
            node = ET.fromstring(_read(ctx, xml_path).encode("utf-8")).find("arguments") \
                if xml_path else None
        except ET.ParseError:
            node = None
        return winargv.split_command_line(node.text or "") if node is not None else []
    if kind == "nssm":
        reg = ctx.model.registry
        key = reg.open(RegPath("HKLM", (*SERVICES_KEY, str(record["name"]), "Parameters")))
        value = reg.get_value(key, "AppParameters") if key else None
        return winargv.split_command_line(str((value or {}).get("value") or ""))
    return winargv.split_command_line(str(record.get("exe") or ""))[1:]


def _behaviour(program: Program, text: str, args: list[str] | None = None) -> None:
    for line in text.splitlines():
        match = _BEHAVIOUR.match(line)
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "listen" and value.lower() == "from-args":
            program.listen = argument_port(args or [])
        elif key == "listen" and value.isdigit() and 0 < int(value) < 65536:
            program.listen = int(value)
        elif key == "http_status" and value.isdigit():
            program.http_status = int(value)
        elif key == "start" and value.lower() == "fail":
            program.start_fails = True


def resolve_program(ctx: OpContext, record: dict[str, Any]) -> Program:
    """The program a service would run now (through its wrapper, if it has one)."""
    exe, shown = resolve_image(ctx, str(record.get("exe") or ""))
    if exe is None and record.get("preinstalled"):
        return Program(shown)
    if exe is None:
        return Program(None, missing=shown)
    program = Program(exe, locks=[exe])
    text = _read(ctx, exe)
    kind = _first_line(text)
    real: str | None = exe
    if kind in ("winsw", "nssm"):
        target = (_winsw_program(ctx, exe) if kind == "winsw"
                  else _nssm_program(ctx, str(record["name"])))
        real = _real_file(ctx, target) if target else None
        if real is None:
            return Program(None, locks=[], missing=target or exe)
        program.path = real
        if real not in program.locks:
            program.locks.append(real)
        text = _read(ctx, real)
    _behaviour(program, text, _arguments(ctx, record, kind, exe))
    return program


def listeners(ctx: OpContext) -> dict[str, dict[str, Any]]:
    """The model's listener table (created empty on first use)."""
    return ctx.model.data.setdefault("listeners", {})


def launch(ctx: OpContext, record: dict[str, Any]) -> None:
    """Run a service's program: record its locks and listener, or fail as Windows does.

    Raises :class:`OpError` (``not_found`` for error 2, ``timeout`` for 1053,
    ``error`` for 1067 when the port is taken) and changes nothing then.
    """
    name = str(record["name"])
    program = resolve_program(ctx, record)
    if program.path is None:
        raise OpError("not_found", ERROR_FILE_NOT_FOUND.format(name=name))
    if program.start_fails:
        raise OpError("timeout", ERROR_NO_RESPONSE.format(name=name))
    table = listeners(ctx)
    if program.listen is not None:
        holder = table.get(str(program.listen))
        if holder is not None and holder.get("service", "").casefold() != name.casefold():
            # The port is bound by another service: the program exits at once.
            raise OpError("error", ERROR_TERMINATED.format(name=name))
        table[str(program.listen)] = {"service": name, "http_status": program.http_status}
    record["locks"] = program.locks
    record["state"] = "running"


def halt(ctx: OpContext, record: dict[str, Any]) -> None:
    """Stop a service's program: its listeners close and its files are released."""
    name = str(record["name"]).casefold()
    table = listeners(ctx)
    for port in [p for p, item in table.items()
                 if str(item.get("service", "")).casefold() == name]:
        del table[port]
    record.pop("locks", None)
    record["state"] = "stopped"
