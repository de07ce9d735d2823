"""The fake programs the simulated host can run, keyed by executable file name.

Each program gets an :class:`Invocation` (its own path, the raw argument string
and its ``CommandLineToArgvW`` split, environment, working directory, and file
access) and returns an :class:`Outcome`. Time is virtual: ``seconds`` is how
long the program would have run; the exec op compares it with the timeout
instead of sleeping.

Output follows the real programs: ``cmd.exe``, ``whoami.exe``, ``hostname.exe``
and ``ping.exe`` end lines with CRLF; Go writes bare LF.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ansible_collections.winops.golang.plugins.module_utils import winpath

from .environment import EnvBlock, expand
from .names import fold


@dataclass
class Outcome:
    """What a program did: exit code, output, and virtual run time in seconds."""

    rc: int
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0


@dataclass
class Invocation:
    """One run of a program."""

    exe: str
    arguments: str
    argv: list[str]
    env: EnvBlock
    cwd: str
    hostname: str
    user: str
    os_version: str
    read_file: Callable[[str], bytes | None]
    write_file: Callable[[str, bytes], None]
    is_dir: Callable[[str], bool]
    run: Callable[[str, str, EnvBlock, str], Outcome | None] = field(repr=False)


Program = Callable[[Invocation], Outcome]


# -- go.exe -------------------------------------------------------------------------

GO_USAGE = (
    "Go is a tool for managing Go source code.\n\nUsage:\n\n\tgo <command> [arguments]\n\n"
    "The commands are:\n\n\tbuild       compile packages and dependencies\n"
    "\tenv         print Go environment information\n"
    "\tversion     print Go version\n\n"
    "Use \"go help <command>\" for more information about a command.\n"
)
_GO_MARKER = re.compile(rb"go1\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?")


def _goroot(inv: Invocation) -> str:
    # Go finds GOROOT from its own executable: <GOROOT>\bin\go.exe.
    return winpath.parent(winpath.parent(inv.exe))


def _go_version(inv: Invocation) -> str | None:
    data = inv.read_file(winpath.join(_goroot(inv), "VERSION"))
    if data:
        first = data.decode("utf-8", "replace").splitlines()[0].strip()
        if first:
            return first
    exe = inv.read_file(inv.exe) or b""
    found = _GO_MARKER.search(exe)
    return found.group(0).decode() if found else None


def _goenv_file(inv: Invocation) -> str | None:
    path = inv.env.get("GOENV")
    if path == "off":
        return None
    if path:
        return path
    appdata = inv.env.get("APPDATA")
    return winpath.join(appdata, "go", "env") if appdata else None


def _read_goenv(inv: Invocation) -> dict[str, str]:
    path = _goenv_file(inv)
    data = inv.read_file(path) if path else None
    out: dict[str, str] = {}
    for line in (data or b"").decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            out[name.strip()] = value
    return out


def _go_env(inv: Invocation) -> dict[str, str]:
    profile = inv.env.get("USERPROFILE") or ""
    local = inv.env.get("LOCALAPPDATA") or ""
    version = _go_version(inv) or ""
    defaults = {
        "GO111MODULE": "", "GOARCH": "amd64", "GOBIN": "",
        "GOCACHE": winpath.join(local, "go-build") if local else "",
        "GOENV": _goenv_file(inv) or "", "GOEXE": ".exe", "GOFLAGS": "",
        "GOHOSTARCH": "amd64", "GOHOSTOS": "windows", "GOINSECURE": "", "GONOPROXY": "",
        "GONOSUMDB": "", "GOOS": "windows",
        "GOPATH": winpath.join(profile, "go") if profile else "",
        "GOPRIVATE": "", "GOPROXY": "https://proxy.golang.org,direct", "GOROOT": _goroot(inv),
        "GOSUMDB": "sum.golang.org", "GOTMPDIR": "", "GOTOOLCHAIN": "auto",
        "GOVCS": "", "GOVERSION": version, "CGO_ENABLED": "0",
    }
    defaults["GOTOOLDIR"] = winpath.join(defaults["GOROOT"], "pkg", "tool", "windows_amd64")
    # Precedence: the process environment, then the per-user go env file, then defaults.
    values = dict(defaults)
    for name, value in _read_goenv(inv).items():
        if name in values and name not in ("GOROOT", "GOVERSION", "GOENV"):
            values[name] = value
    for name in list(values):
        if name in inv.env and name != "GOVERSION":
            values[name] = inv.env.get(name) or ""
    if not values.get("GOMODCACHE"):
        values["GOMODCACHE"] = winpath.join(values["GOPATH"].split(";")[0], "pkg", "mod") \
            if values["GOPATH"] else ""
    return dict(sorted(values.items()))


def _go_env_write(inv: Invocation, args: list[str], unset: bool) -> Outcome:
    path = _goenv_file(inv)
    if not path:
        return Outcome(1, stderr="go: GOENV=off\n")
    current = _read_goenv(inv)
    known = _go_env(inv)
    warnings = []
    for arg in args:
        name, sep, value = arg.partition("=")
        if unset:
            current.pop(name, None)
            continue
        if not sep:
            return Outcome(2, stderr=f"go: arguments must be KEY=VALUE: invalid argument: "
                                     f"{arg}\n")
        if name not in known or name in ("GOVERSION", "GOENV", "GOEXE", "GOHOSTOS",
                                         "GOHOSTARCH", "GOTOOLDIR"):
            return Outcome(1, stderr=f"go: unknown go command variable {name}\n")
        current[name] = value
        if name in inv.env:
            warnings.append(f"warning: go env -w {name}=... does not override conflicting "
                            f"OS environment variable\n")
    text = "".join(f"{k}={v}\n" for k, v in current.items())
    inv.write_file(path, text.encode())
    return Outcome(0, stderr="".join(warnings))


def go(inv: Invocation) -> Outcome:
    """``go version``, ``go env [-json] [NAME...]``, ``go env -w/-u``; else usage, rc 2."""
    args = inv.argv
    if not args:
        return Outcome(2, stderr=GO_USAGE)
    cmd, rest = args[0], args[1:]
    if cmd == "help":
        return Outcome(0, stdout=GO_USAGE)
    if cmd == "version":
        version = _go_version(inv)
        if version is None:
            return Outcome(1, stderr="go: cannot find GOROOT directory: "
                                     f"{_goroot(inv)}\n")
        return Outcome(0, stdout=f"go version {version} windows/amd64\n", seconds=0.05)
    if cmd == "env":
        if rest[:1] == ["-w"]:
            return _go_env_write(inv, rest[1:], unset=False)
        if rest[:1] == ["-u"]:
            return _go_env_write(inv, rest[1:], unset=True)
        as_json = rest[:1] == ["-json"]
        names = rest[1:] if as_json else rest
        bad = [n for n in names if n.startswith("-")]
        if bad:
            return Outcome(2, stderr=f"flag provided but not defined: {bad[0]}\n"
                                     "usage: go env [-json] [-changed] [-u] [-w] [var ...]\n")
        values = _go_env(inv)
        if as_json:
            chosen = {n: values.get(n, "") for n in names} if names else values
            return Outcome(0, stdout=json.dumps(chosen, indent="\t") + "\n", seconds=0.05)
        if names:
            return Outcome(0, stdout="".join(values.get(n, "") + "\n" for n in names),
                           seconds=0.05)
        # Without names, Windows builds print batch-file syntax.
        return Outcome(0, stdout="".join(f"set {k}={v}\n" for k, v in values.items()),
                       seconds=0.05)
    return Outcome(2, stderr=f"go {cmd}: unknown command\nRun 'go help' for usage.\n")


# -- cmd.exe ------------------------------------------------------------------------

_NOT_RECOGNIZED = ("'{0}' is not recognized as an internal or external command,\r\n"
                   "operable program or batch file.\r\n")


def _cmd_string(arguments: str) -> tuple[str | None, bool]:
    """The command after ``/c`` (or ``/k``), quote-stripped the way cmd does."""
    match = re.match(r"^\s*((?:/[A-Za-z]:?\w*\s*)*?)/[CcKk](?:\s+|$)(.*)$", arguments, re.S)
    if not match:
        return None, False
    text = match.group(2)
    # cmd /? "old behaviour": a leading quote is stripped together with the last quote.
    if text.startswith('"'):
        last = text.rfind('"')
        text = text[1:last] + text[last + 1:] if last > 0 else text[1:]
    return text, True


def _split_chain(text: str) -> list[tuple[str, str]]:
    """Split on ``&``, ``&&``, ``||`` outside quotes: [(operator before, command)]."""
    parts: list[tuple[str, str]] = []
    op, buf, quoted, i = "&", [], False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        if not quoted and ch in "&|":
            pair = text[i:i + 2]
            parts.append((op, "".join(buf)))
            buf = []
            if pair in ("&&", "||"):
                op, i = pair, i + 2
                continue
            op = ch
            i += 1
            continue
        buf.append(ch)
        i += 1
    parts.append((op, "".join(buf)))
    return parts


class _Cmd:
    def __init__(self, inv: Invocation) -> None:
        self.inv = inv
        self.env = inv.env.copy()
        self.cwd = inv.cwd
        self.out: list[str] = []
        self.err: list[str] = []
        self.seconds = 0.0
        self.exited = False

    def run(self, line: str) -> int:
        # Trailing blanks are kept: "echo a && echo b" prints "a " as cmd does.
        line = line.lstrip()
        if line.startswith("@"):
            line = line[1:].lstrip()
        if not line.strip():
            return 0
        word, _sep, rest = line.partition(" ")
        name = word.lower()
        if name == "echo" or name.startswith("echo."):
            if name.startswith("echo."):
                self.out.append(line[5:] + "\r\n")
            elif rest.strip() == "":
                self.out.append("ECHO is on.\r\n")
            else:
                self.out.append(rest + "\r\n")
            return 0
        if name == "exit":
            tokens = rest.split()
            if tokens[:1] and tokens[0].lower() == "/b":
                tokens = tokens[1:]
            self.exited = True
            try:
                return int(tokens[0]) if tokens else 0
            except ValueError:
                return 0
        if name in ("cd", "chdir"):
            return self._cd(rest.strip().strip('"'))
        if name == "type":
            return self._type(rest.strip().strip('"'))
        if name == "set":
            return self._set(rest)
        if name == "ver":
            self.out.append(f"\r\nMicrosoft Windows [Version {self.inv.os_version}]\r\n")
            return 0
        outcome = self.inv.run(word.strip('"'), rest, self.env, self.cwd)
        if outcome is None:
            self.err.append(_NOT_RECOGNIZED.format(word))
            return 9009
        self.out.append(outcome.stdout)
        self.err.append(outcome.stderr)
        self.seconds += outcome.seconds
        return outcome.rc

    def _abs(self, path: str) -> str:
        if re.match(r"^[A-Za-z]:\\", path) or path.startswith("\\\\"):
            return path
        return winpath.join(self.cwd, path)

    def _cd(self, arg: str) -> int:
        if not arg:
            self.out.append(self.cwd + "\r\n")
            return 0
        if arg.lower().startswith("/d "):
            arg = arg[3:].strip()
        target = self._abs(arg)
        if not self.inv.is_dir(target):
            self.err.append("The system cannot find the path specified.\r\n")
            return 1
        self.cwd = winpath.normalize(target)
        return 0

    def _type(self, arg: str) -> int:
        if not arg:
            self.err.append("The syntax of the command is incorrect.\r\n")
            return 1
        data = self.inv.read_file(self._abs(arg))
        if data is None:
            self.err.append("The system cannot find the file specified.\r\n")
            return 1
        self.out.append(data.decode("utf-8", "replace"))
        return 0

    def _set(self, rest: str) -> int:
        rest = rest.strip()
        if "=" in rest:
            name, _sep, value = rest.partition("=")
            if value:
                self.env.set(name, value)
            else:
                self.env.remove(name)
            return 0
        shown = [(n, v) for n, v in sorted(self.env.items(), key=lambda kv: fold(kv[0]))
                 if fold(n).startswith(fold(rest))]
        if not shown:
            self.err.append(f"Environment variable {rest} not defined\r\n")
            return 1
        self.out.append("".join(f"{n}={v}\r\n" for n, v in shown))
        return 0


def cmd(inv: Invocation) -> Outcome:
    """``cmd.exe /c``: echo, exit [/b] N, cd, type, set, ver, other programs; &, &&, ||."""
    text, ok = _cmd_string(inv.arguments)
    if not ok or text is None:
        # An interactive shell with no input exits at once after its banner.
        return Outcome(0, stdout=f"Microsoft Windows [Version {inv.os_version}]\r\n"
                                 "(c) Microsoft Corporation. All rights reserved.\r\n")
    shell = _Cmd(inv)
    rc = 0
    # cmd expands %VAR% when it reads the line, before splitting it into commands.
    for op, command in _split_chain(expand(text, inv.env)):
        if (op == "&&" and rc != 0) or (op == "||" and rc == 0):
            continue
        rc = shell.run(command)
        if shell.exited:
            break
    return Outcome(rc, "".join(shell.out), "".join(shell.err), shell.seconds)


# -- small system programs ----------------------------------------------------------


def whoami(inv: Invocation) -> Outcome:
    """``whoami`` prints ``computer\\user`` in lower case."""
    if inv.argv:
        return Outcome(1, stderr=f"ERROR: Invalid argument/option - '{inv.argv[0]}'.\r\n"
                                 'Type "WHOAMI /?" for usage.\r\n')
    return Outcome(0, stdout=f"{inv.hostname.lower()}\\{inv.user.lower()}\r\n")


def hostname(inv: Invocation) -> Outcome:
    """``hostname`` prints the computer name; it refuses to set one."""
    if inv.argv:
        return Outcome(1, stderr="sethostname: Use the Network Control Panel Applet to set "
                                 "hostname.\r\n")
    return Outcome(0, stdout=inv.hostname + "\r\n")


def ping(inv: Invocation) -> Outcome:
    """``ping [-n N] host``: loopback answers at once; each echo after the first waits 1 s."""
    count, target, args = 4, None, list(inv.argv)
    while args:
        arg = args.pop(0)
        if arg.lower() in ("-n", "/n") and args:
            try:
                count = max(1, int(args.pop(0)))
            except ValueError:
                return Outcome(1, stdout="Bad value for option -n, valid range is from 1 to "
                                         "4294967295.\r\n")
        elif arg.lower() in ("-w", "/w", "-l", "/l", "-i", "/i") and args:
            args.pop(0)
        elif not arg.startswith(("-", "/")):
            target = arg
    if target is None:
        return Outcome(1, stdout="IP address must be specified.\r\n")
    loopback = target.startswith("127.") or fold(target) in (
        "LOCALHOST", "::1", fold(inv.hostname))
    if not loopback:
        return Outcome(1, stdout=f"Ping request could not find host {target}. Please check "
                                 "the name and try again.\r\n")
    address = "::1" if target == "::1" else ("127.0.0.1" if not target.startswith("127.")
                                             else target)
    lines = ["", f"Pinging {target} [{address}] with 32 bytes of data:"
             if address != target else f"Pinging {target} with 32 bytes of data:"]
    lines += [f"Reply from {address}: bytes=32 time<1ms TTL=128"] * count
    lines += ["", f"Ping statistics for {address}:",
              f"    Packets: Sent = {count}, Received = {count}, Lost = 0 (0% loss),",
              "Approximate round trip times in milli-seconds:",
              "    Minimum = 0ms, Maximum = 0ms, Average = 0ms", ""]
    return Outcome(0, stdout="\r\n".join(lines), seconds=float(count - 1))


PROGRAMS: dict[str, Program] = {
    "go.exe": go,
    "cmd.exe": cmd,
    "whoami.exe": whoami,
    "hostname.exe": hostname,
    "ping.exe": ping,
}


def lookup(file_name: str) -> Program | None:
    """The fake program for an executable file name (case-insensitive)."""
    wanted = fold(file_name)
    for name, program in PROGRAMS.items():
        if fold(name) == wanted:
            return program
    return None
