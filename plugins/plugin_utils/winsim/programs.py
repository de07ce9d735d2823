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
    # File names in a directory (None when it is not one); go build lists its sources.
    list_dir: Callable[[str], list[str] | None] | None = field(default=None, repr=False)


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


# -- go build / go run: small main packages, compiled into fake programs ------------

# A program "built" by the fake go.exe: the PE magic, this marker, then JSON saying
# what the program does when run (see built_program).
PE_MAGIC = b"MZ"
BUILT_MARKER = b"\x90\x00 winops simulated Go program\n"
_BUILD_VALUE_FLAGS = frozenset("-o -ldflags -tags -gcflags -asmflags -mod -modfile -p -pkgdir "
                               "-overlay -pgo -buildmode -buildvcs -compiler -installsuffix "
                               "-toolexec".split())
_BUILD_BOOL_FLAGS = frozenset("-v -x -a -n -race -msan -asan -trimpath -work -linkshared "
                              "-cover".split())
_PRINT_CALL = re.compile(r'fmt\.(Println|Print)\(\s*"((?:[^"\\\n]|\\.)*)"\s*\)')
_PACKAGE = re.compile(r"^\s*package\s+(\w+)", re.M)
_GO_LINE = re.compile(r"^\s*go\s+(\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)\s*$", re.M)
_MODULE_LINE = re.compile(r"^\s*module\s+(\S+)", re.M)


def _version_tuple(text: str) -> tuple[int, ...]:
    match = re.match(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not match:
        return (0,)
    return tuple(int(part or 0) for part in match.groups())


def _abs(inv: Invocation, path: str) -> str:
    """``path`` made absolute against the working directory, ``.`` and ``..`` resolved."""
    absolute = re.match(r"^[A-Za-z]:[\\/]", path) or path.startswith(("\\\\", "//"))
    comps = winpath.components(path if absolute else inv.cwd)
    for part in ([] if absolute else path.replace("/", "\\").split("\\")):
        if part == "..":
            if len(comps) > 1:
                comps.pop()
        elif part not in ("", "."):
            comps.append(part)
    if absolute:
        kept: list[str] = comps[:1]
        for part in comps[1:]:
            if part == "..":
                if len(kept) > 1:
                    kept.pop()
            elif part != ".":
                kept.append(part)
        comps = kept
    root = comps[0] if comps[0].startswith("\\\\") else comps[0] + "\\"
    return winpath.join(root, *comps[1:])


def _find_go_mod(inv: Invocation, directory: str) -> tuple[str, str] | None:
    """(directory, text) of the go.mod governing ``directory``, searching upwards."""
    current = winpath.normalize(directory)
    while True:
        data = inv.read_file(winpath.join(current, "go.mod"))
        if data is not None:
            return current, data.decode("utf-8", "replace")
        parent = winpath.parent(current)
        if parent == current:
            return None
        current = parent


def _parse_build_args(args: list[str], stop_at_package: bool
                      ) -> tuple[dict[str, str], list[str], list[str]] | Outcome:
    """(flags, packages or files, program arguments) of ``go build``/``go run``."""
    flags: dict[str, str] = {}
    rest = list(args)
    while rest and rest[0].startswith("-") and rest[0] != "-":
        arg = rest.pop(0)
        if arg == "--":
            break
        name, sep, value = arg.partition("=")
        name = "-" + name.lstrip("-")
        if name in _BUILD_VALUE_FLAGS:
            if not sep:
                if not rest:
                    return Outcome(2, stderr=f"flag needs an argument: {name}\n")
                value = rest.pop(0)
            flags[name] = value
        elif name in _BUILD_BOOL_FLAGS:
            flags[name] = "true"
        else:
            return Outcome(2, stderr=f"flag provided but not defined: {name}\n"
                                     "usage: go build [-o output] [build flags] [packages]\n")
    if not stop_at_package:
        return flags, rest, []
    if rest and rest[0].endswith(".go"):
        files = [a for a in rest if a.endswith(".go")]
        return flags, files, rest[len(files):]
    return flags, rest[:1], rest[1:]


def _compile(inv: Invocation, targets: list[str], version: str
             ) -> tuple[dict[str, object], str, float] | Outcome:
    """Check and "compile" one main package: (program spec, default name, seconds)."""
    env_module = (inv.env.get("GO111MODULE") or "").lower()
    if not targets:
        targets = ["."]
    if targets[0].endswith(".go"):
        files = [_abs(inv, t) for t in targets]
        directory = winpath.parent(files[0])
        default_name = files[0].rsplit("\\", 1)[-1][:-3]
        module = None
    else:
        target = targets[0]
        if not (target.startswith((".", "\\", "/")) or re.match(r"^[A-Za-z]:", target)):
            return Outcome(1, stderr=f"package {target} is not in std "
                                     f"({winpath.join(_goroot(inv), 'src', target)})\n")
        directory = _abs(inv, target)
        if not inv.is_dir(directory):
            return Outcome(1, stderr=f"stat {directory}: directory not found\n")
        names = inv.list_dir(directory) if inv.list_dir else None
        files = [winpath.join(directory, n) for n in names or []
                 if n.lower().endswith(".go") and not n.lower().endswith("_test.go")]
        module = None if env_module == "off" else _find_go_mod(inv, directory)
        if module is None and env_module != "off":
            return Outcome(1, stderr="go: go.mod file not found in current directory or any "
                                     "parent directory; see 'go help modules'\n")
        default_name = directory.rsplit("\\", 1)[-1]
        if module is not None:
            found = _MODULE_LINE.search(module[1])
            if found and winpath.same_path(module[0], directory):
                default_name = found.group(1).rsplit("/", 1)[-1]
    if module is None and env_module != "off":
        module = _find_go_mod(inv, directory)
    if module is not None:
        wanted = _GO_LINE.search(module[1])
        if wanted and _version_tuple(wanted.group(1)) > _version_tuple(version):
            need = wanted.group(1)
            if (inv.env.get("GOTOOLCHAIN") or "auto").split("+")[0] == "local":
                return Outcome(1, stderr=f"go: go.mod requires go >= {need} (running go "
                                         f"{version[2:]}; GOTOOLCHAIN=local)\n")
            return Outcome(1, stderr=f"go: downloading go{need} (windows/amd64)\n"
                                     f"go: download go{need} for windows/amd64: toolchain "
                                     "not available\n")
    sources = []
    for path in files:
        data = inv.read_file(path)
        if data is None:
            return Outcome(1, stderr=f"open {path}: The system cannot find the file "
                                     "specified.\n")
        sources.append((path, data.decode("utf-8", "replace")))
    if not sources:
        return Outcome(1, stderr=f"no Go files in {directory}\n")
    packages = set()
    printed: list[str] = []
    has_main = False
    for path, text in sources:
        found = _PACKAGE.search(text)
        if not found:
            return Outcome(1, stderr=f"{path}:1:1: expected 'package', found 'EOF'\n")
        packages.add(found.group(1))
        if text.count("{") != text.count("}"):
            return Outcome(1, stderr=f"# {default_name}\n{path}: syntax error: unexpected "
                                     "EOF, expected }\n")
        if re.search(r"^func\s+main\s*\(\s*\)", text, re.M):
            has_main = True
        for kind, literal in _PRINT_CALL.findall(text):
            value = json.loads('"' + literal + '"')
            printed.append(value + ("\n" if kind == "Println" else ""))
    if len(packages) > 1:
        return Outcome(1, stderr=f"found packages {' and '.join(sorted(packages))} in "
                                 f"{directory}\n")
    if packages != {"main"}:
        return {"main": False}, default_name, 0.3
    if not has_main:
        return Outcome(1, stderr=f"# {default_name}\nruntime.main_main·f: function main is "
                                 "undeclared in the main package\n")
    spec: dict[str, object] = {"main": True, "stdout": "".join(printed), "rc": 0,
                               "built_with": version}
    return spec, default_name, 0.8 + 0.1 * len(sources)


def _go_build(inv: Invocation, args: list[str], run: bool) -> Outcome:
    version = _go_version(inv)
    if version is None:
        return Outcome(1, stderr=f"go: cannot find GOROOT directory: {_goroot(inv)}\n")
    parsed = _parse_build_args(args, stop_at_package=run)
    if isinstance(parsed, Outcome):
        return parsed
    flags, targets, _program_args = parsed  # a built program ignores its arguments
    if run and not targets:
        return Outcome(1, stderr="go: no go files listed\n")
    compiled = _compile(inv, targets, version)
    if isinstance(compiled, Outcome):
        return compiled
    spec, name, seconds = compiled
    if not spec["main"]:
        if run:
            return Outcome(1, stderr=f"package {targets[0]} is not a main package\n")
        return Outcome(0, seconds=seconds)
    image = PE_MAGIC + BUILT_MARKER + json.dumps(spec, sort_keys=True).encode()
    if run:
        ran = _built(spec)(inv)
        if ran.rc != 0:
            return Outcome(1, ran.stdout, ran.stderr + f"exit status {ran.rc}\n",
                           seconds + ran.seconds)
        return Outcome(0, ran.stdout, ran.stderr, seconds + ran.seconds)
    out = flags.get("-o")
    target = _abs(inv, out) if out else winpath.join(inv.cwd, name + ".exe")
    if out and (out.endswith(("\\", "/")) or inv.is_dir(target)):
        target = winpath.join(target, name + ".exe")
    inv.write_file(target, image)
    return Outcome(0, seconds=seconds)


def _built(spec: dict[str, object]) -> Program:
    def program(inv: Invocation) -> Outcome:
        return Outcome(int(spec.get("rc") or 0), str(spec.get("stdout") or ""), "",
                       seconds=0.01)
    return program


def built_program(data: bytes | None) -> Program | None:
    """The program a fake ``go build`` wrote (its file content), or None for any other file."""
    if not data or not data.startswith(PE_MAGIC + BUILT_MARKER):
        return None
    try:
        spec = json.loads(data[len(PE_MAGIC + BUILT_MARKER):].decode("utf-8"))
    except ValueError:
        return None
    return _built(spec) if isinstance(spec, dict) else None


def go(inv: Invocation) -> Outcome:
    """``go version``, ``go env [-json] [NAME...]``, ``go env -w/-u``, ``go build``,
    ``go run``; else usage, rc 2."""
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
    if cmd in ("build", "run"):
        return _go_build(inv, rest, run=cmd == "run")
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
