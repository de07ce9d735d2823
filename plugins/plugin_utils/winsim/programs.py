"""The fake programs the simulated host can run, keyed by executable file name.

Each program gets an :class:`Invocation` (its own path, the raw argument string
and its ``CommandLineToArgvW`` split, environment, working directory, and file
access) and returns an :class:`Outcome`. Time is virtual: ``seconds`` is how
long the program would have run; the exec op compares it with the timeout
instead of sleeping.

Output follows the real programs: ``cmd.exe``, ``whoami.exe``, ``hostname.exe``,
``ping.exe``, MinGW-w64 ``gcc.exe`` and MSVC ``cl.exe`` end lines with CRLF; Go and
``clang.exe`` write bare LF. The C compilers report versions and targets; they
compile nothing.
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
    # Delete a file (nothing when it is absent); the runner's `remove` deletes its settings.
    remove_file: Callable[[str], None] | None = field(default=None, repr=False)


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
        line, quiet_out, quiet_err = _nul_redirections(line)
        out_mark, err_mark = len(self.out), len(self.err)
        rc = self._command(line)
        if quiet_out:
            del self.out[out_mark:]
        if quiet_err:
            del self.err[err_mark:]
        return rc

    def _command(self, line: str) -> int:
        word, rest = _first_word(line)
        name = word.lower()
        if name == "echo" or name.startswith("echo."):
            if name.startswith("echo."):
                self.out.append(line[5:] + "\r\n")
            elif rest.strip().lower() in ("on", "off"):
                pass  # the echo state: this shell never echoes commands
            elif rest.strip() == "":
                self.out.append("ECHO is on.\r\n")
            else:
                self.out.append(rest + "\r\n")
            return 0
        if name == "rem":
            return 0
        if name == "call":
            return self._command(rest.lstrip()) if rest.strip() else 0
        if word.strip('"').lower().endswith((".bat", ".cmd")):
            return self._batch_file(word, rest)
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
        if rest.startswith('"'):
            # set "NAME=value" trailing: the value ends at the last quote.
            last = rest.rfind('"')
            rest = rest[1:last] if last > 0 else rest[1:]
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

    def _find_batch(self, name: str) -> str | None:
        if re.match(r"^[A-Za-z]:[\\/]", name) or name.startswith(("\\\\", "//")):
            candidates = [name]
        elif "\\" in name or "/" in name:
            candidates = [winpath.join(self.cwd, name)]
        else:
            dirs = [d.strip().strip('"') for d in (self.env.get("Path") or "").split(";")]
            candidates = [winpath.join(self.cwd, name)] + [
                winpath.join(d, name) for d in dirs if d]
        for candidate in candidates:
            if self.inv.read_file(candidate) is not None:
                return candidate
        return None

    def _batch_file(self, word: str, rest: str) -> int:
        """Run a batch file in this shell: its ``set`` lines change this environment."""
        path = self._find_batch(word.strip('"'))
        if path is None:
            target = word.strip('"')
            folder = winpath.parent(self._abs(target)) if ("\\" in target) else self.cwd
            if not self.inv.is_dir(folder):
                self.err.append("The system cannot find the path specified.\r\n")
                return 1
            self.err.append(_NOT_RECOGNIZED.format(word))
            return 9009
        data = self.inv.read_file(path) or b""
        args = _batch_args(rest)
        rc = 0
        for raw in data.decode("utf-8", "replace").splitlines():
            line = raw.strip()
            bare = line.lstrip("@").lstrip()
            if not bare or bare.startswith(":") or re.match(r"(?i)^rem(\s|$)", bare):
                continue  # blank lines, labels, :: and rem comments
            # Each line is expanded when it is read, with the variables set so far.
            for op, command in _split_chain(_expand_batch(line, self.env, path, args)):
                if (op == "&&" and rc != 0) or (op == "||" and rc == 0):
                    continue
                words = command.strip().lstrip("@").lower().split()
                if words[:2] == ["exit", "/b"]:
                    rc = int(words[2]) if len(words) > 2 and words[2].isdigit() else rc
                    return rc
                if words[:2] in (["goto", ":eof"], ["goto", "eof"]):
                    return rc
                rc = self.run(command)
                if self.exited:
                    return rc
        return rc


def _first_word(line: str) -> tuple[str, str]:
    """The command word (a quoted one whole, quotes kept) and the text after one blank."""
    if line.startswith('"'):
        close = line.find('"', 1)
        end = len(line) if close < 0 else close + 1
        while end < len(line) and line[end] not in " \t":
            end += 1
    else:
        end = len(line)
        for i, ch in enumerate(line):
            if ch in " \t":
                end = i
                break
    return line[:end], line[end + 1:]


def _nul_redirections(line: str) -> tuple[str, bool, bool]:
    """``line`` without its ``>nul`` / ``1>nul`` / ``2>nul`` (outside quotes), and which
    streams they discard. Other redirections are left as written."""
    out, quiet_out, quiet_err = [], False, False
    quoted, i = False, 0
    while i < len(line):
        ch = line[i]
        if ch == '"':
            quoted = not quoted
        elif ch == ">" and not quoted:
            match = re.match(r">\s*nul(?=\s|$)", line[i:], re.I)
            if match:
                stream = out[-1] if out and out[-1] in "12" and (
                    len(out) == 1 or out[-2] in " \t") else ""
                if stream:
                    out.pop()
                if stream == "2":
                    quiet_err = True
                else:
                    quiet_out = True
                i += match.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out), quiet_out, quiet_err


def _batch_args(text: str) -> list[str]:
    """A batch file's ``%1``...: blank-separated, quotes kept."""
    args, buf, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch in " \t" and not quoted:
            if buf:
                args.append("".join(buf))
                buf = []
            continue
        buf.append(ch)
    if buf:
        args.append("".join(buf))
    return args


def _path_parts(path: str, modifiers: str) -> str:
    """``%~dp0``-style modifiers of a path: d drive, p folder, n name, x extension, f all."""
    if not modifiers:
        return path
    if "f" in modifiers:
        return path
    folder, _sep, name = path.rpartition("\\")
    drive, _colon, rest = folder.partition(":") if ":" in folder[:2] else ("", "", folder)
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    parts = {"d": f"{drive}:" if drive else "", "p": rest + "\\", "n": stem,
             "x": dot + ext}
    return "".join(parts[m] for m in "dpnx" if m in modifiers)


def _expand_batch(text: str, env: EnvBlock, script: str, args: list[str]) -> str:
    """A batch line's ``%NAME%`` (undefined: empty), ``%0``-``%9``, ``%~dp0``, ``%*``, ``%%``."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        rest = text[i + 1:]
        arg = re.match(r"(~[fdpnx]*)?(\d)", rest)
        if rest.startswith("%"):
            out.append("%")
            i += 2
        elif rest.startswith("*"):
            out.append(" ".join(args))
            i += 2
        elif arg:
            number = int(arg.group(2))
            value = script if number == 0 else (args[number - 1] if number <= len(args)
                                                else "")
            if arg.group(1):
                value = _path_parts(value.strip('"'), arg.group(1)[1:])
            out.append(value)
            i += 1 + arg.end()
        else:
            end = text.find("%", i + 1)
            if end < 0:
                i += 1  # a lone % is dropped
                continue
            out.append(env.get(text[i + 1:end]) or "")
            i = end + 1
    return "".join(out)


def cmd(inv: Invocation) -> Outcome:
    """``cmd.exe /c``: echo, exit [/b] N, cd, type, set, ver, batch files (``set`` lines,
    ``call``), other programs; &, &&, ||; ``>nul`` and ``2>nul``."""
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


# -- C compilers: MinGW-w64 gcc, llvm-mingw clang, MSVC cl, and vswhere ------------------

# A fake compiler's version and target come from its own file, so a test controls
# them: lines "version=13.2.0", "target=x86_64-w64-mingw32", "pkgversion=..." (the
# text gcc prints in parentheses). A file without them is the default build below.
_MARKER = re.compile(rb"^\s*(version|target|pkgversion)=([^\r\n]*)$", re.M)
_GCC_DEFAULTS = {"version": "13.2.0", "target": "x86_64-w64-mingw32",
                 "pkgversion": "x86_64-posix-seh-rev1, Built by MinGW-Builds project"}
_CLANG_DEFAULTS = {"version": "18.1.8", "target": "x86_64-w64-windows-gnu",
                   "pkgversion": "https://github.com/llvm/llvm-project.git "
                                 "3b5b5c1ec4a3095ab096dd780e84d7ab81f3d7ff"}
_CL_DEFAULTS = {"version": "19.38.33133", "target": "", "pkgversion": ""}


def _markers(inv: Invocation, defaults: dict[str, str]) -> dict[str, str]:
    values = dict(defaults)
    for key, value in _MARKER.findall(inv.read_file(inv.exe) or b""):
        values[key.decode()] = value.decode("utf-8", "replace").strip()
    return values


def _exe_name(inv: Invocation) -> str:
    return inv.exe.rsplit("\\", 1)[-1]


def gcc(inv: Invocation) -> Outcome:
    """MinGW-w64 ``gcc``/``g++``: ``--version``, ``-dumpmachine``, ``-dumpversion``,
    ``-dumpfullversion``; it compiles nothing. Output ends lines with CRLF (msvcrt)."""
    info = _markers(inv, _GCC_DEFAULTS)
    name = _exe_name(inv)
    args = inv.argv
    if not args:
        return Outcome(1, stderr=f"{name}: fatal error: no input files\r\n"
                                 "compilation terminated.\r\n", seconds=0.05)
    if args[0] == "--version":
        year = "2023"
        return Outcome(0, stdout=(
            f"{name} ({info['pkgversion']}) {info['version']}\r\n"
            f"Copyright (C) {year} Free Software Foundation, Inc.\r\n"
            "This is free software; see the source for copying conditions.  There is NO\r\n"
            "warranty; not even for MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE."
            "\r\n\r\n"), seconds=0.05)
    if args[0] == "-dumpmachine":
        return Outcome(0, stdout=info["target"] + "\r\n", seconds=0.02)
    if args[0] == "-dumpversion":
        return Outcome(0, stdout=info["version"].split(".", maxsplit=1)[0] + "\r\n", seconds=0.02)
    if args[0] == "-dumpfullversion":
        return Outcome(0, stdout=info["version"] + "\r\n", seconds=0.02)
    bad = next((a for a in args if a.startswith("-")), None)
    if bad is not None:
        return Outcome(1, stderr=f"{name}: error: unrecognized command-line option '{bad}'"
                                 f"\r\n{name}: fatal error: no input files\r\n"
                                 "compilation terminated.\r\n", seconds=0.05)
    return Outcome(1, stderr=f"{name}: fatal error: the simulated host does not compile "
                             "C\r\ncompilation terminated.\r\n", seconds=0.05)


def clang(inv: Invocation) -> Outcome:
    """llvm-mingw ``clang``/``clang++``: ``--version``, ``-dumpmachine``; compiles nothing."""
    info = _markers(inv, _CLANG_DEFAULTS)
    name = _exe_name(inv).rsplit(".", 1)[0]
    args = inv.argv
    if not args:
        return Outcome(1, stderr=f"{name}: error: no input files\n", seconds=0.05)
    if args[0] == "--version":
        return Outcome(0, stdout=(
            f"clang version {info['version']} ({info['pkgversion']})\n"
            f"Target: {info['target']}\nThread model: posix\n"
            f"InstalledDir: {winpath.parent(inv.exe)}\n"), seconds=0.05)
    if args[0] == "-dumpmachine":
        return Outcome(0, stdout=info["target"] + "\n", seconds=0.02)
    if args[0] in ("-dumpversion", "-dumpfullversion"):
        return Outcome(0, stdout=info["version"] + "\n", seconds=0.02)
    bad = next((a for a in args if a.startswith("-")), None)
    if bad is not None:
        return Outcome(1, stderr=f"{name}: error: unknown argument: '{bad}'\n"
                                 f"{name}: error: no input files\n", seconds=0.05)
    return Outcome(1, stderr=f"{name}: error: the simulated host does not compile C\n",
                   seconds=0.05)


_CL_TARGETS = {"x64": "x64", "x86": "x86", "arm64": "ARM64", "arm": "ARM"}


def cl(inv: Invocation) -> Outcome:
    """MSVC ``cl.exe``: the banner on stderr; without arguments the usage line on stdout
    and exit code 0. The target is the folder it sits in (``bin\\Hostx64\\x64``)."""
    info = _markers(inv, _CL_DEFAULTS)
    folder = winpath.parent(inv.exe).rsplit("\\", 1)[-1].lower()
    target = info["target"] or _CL_TARGETS.get(folder, "x64")
    args = inv.argv
    banner = "" if any(a.lower() in ("/nologo", "-nologo") for a in args) else (
        f"Microsoft (R) C/C++ Optimizing Compiler Version {info['version']} for {target}"
        "\r\nCopyright (C) Microsoft Corporation.  All rights reserved.\r\n\r\n")
    if not args:
        return Outcome(0, stdout="usage: cl [ option... ] filename... [ /link linkoption... ]"
                                 "\r\n", stderr=banner, seconds=0.05)
    sources = [a for a in args if not a.startswith(("/", "-"))]
    if not sources:
        return Outcome(2, stderr=banner + "cl : Command line error D8003 : missing source "
                                          "filename\r\n", seconds=0.05)
    return Outcome(2, stderr=banner + f"{sources[0]}\r\nc1: fatal error C1083: the "
                                      "simulated host does not compile C\r\n", seconds=0.1)


# Where the Visual Studio Installer records each installation (state.json per instance).
VS_INSTANCES = r"C:\ProgramData\Microsoft\VisualStudio\Packages\_Instances"
_VS_DEFAULT_PRODUCTS = ("Microsoft.VisualStudio.Product.Community",
                        "Microsoft.VisualStudio.Product.Professional",
                        "Microsoft.VisualStudio.Product.Enterprise")
_VSWHERE_VALUE_FLAGS = frozenset({"-products", "-requires", "-property", "-version",
                                  "-format"})
_VSWHERE_SWITCHES = frozenset({"-latest", "-utf8", "-nologo", "-all", "-prerelease",
                               "-legacy", "-sort"})


def _vs_instances(inv: Invocation) -> list[dict[str, object]]:
    out = []
    for name in sorted(inv.list_dir(VS_INSTANCES) or [] if inv.list_dir else []):
        data = inv.read_file(winpath.join(VS_INSTANCES, name, "state.json"))
        try:
            state = json.loads((data or b"").decode("utf-8-sig"))
        except ValueError:
            continue
        if not isinstance(state, dict) or not state.get("installationPath"):
            continue
        packages = {str(p.get("id") if isinstance(p, dict) else p).lower()
                    for p in state.get("packages") or []}
        product = state.get("product") or {}
        out.append({
            "instanceId": name,
            "installationPath": str(state["installationPath"]),
            "installationVersion": str(state.get("installationVersion") or "0.0"),
            "productId": str(product.get("id") if isinstance(product, dict) else product),
            "packages": packages,
        })
    return out


def _packages(instance: dict[str, object]) -> set[str]:
    packages = instance.get("packages")
    return packages if isinstance(packages, set) else set()


def vswhere(inv: Invocation) -> Outcome:
    """``vswhere.exe``: finds installations from the installer's ``state.json`` records;
    ``-latest``, ``-products``, ``-requires``, ``-property``; nothing found prints nothing."""
    args = list(inv.argv)
    values: dict[str, list[str]] = {}
    switches: set[str] = set()
    while args:
        arg = args.pop(0)
        flag = "-" + arg.lstrip("-/").lower()
        if flag in _VSWHERE_SWITCHES:
            switches.add(flag)
        elif flag in _VSWHERE_VALUE_FLAGS:
            taken = []
            while args and not args[0].startswith(("-", "/")):
                taken.append(args.pop(0))
            if not taken:
                return Outcome(87, stdout=f"Error 0x57: Expected argument for parameter: "
                                          f"{arg}\r\n")
            values.setdefault(flag, []).extend(taken)
        else:
            return Outcome(87, stdout=f"Error 0x57: Unknown parameter: {arg}\r\n")
    found = _vs_instances(inv)
    products = [p.lower() for p in values.get("-products", [])]
    if "*" not in products:
        wanted = products or [p.lower() for p in _VS_DEFAULT_PRODUCTS]
        found = [i for i in found if str(i["productId"]).lower() in wanted]
    for component in values.get("-requires", []):
        found = [i for i in found if component.lower() in _packages(i)]
    if "-latest" in switches and found:
        found = [max(found, key=lambda i: _version_tuple(str(i["installationVersion"])))]
    prop = (values.get("-property") or [None])[0]
    if prop is not None:
        lines = [str(i[key]) for i in found for key in i
                 if key.lower() == prop.lower() and key != "packages"]
        return Outcome(0, stdout="".join(f"{line}\r\n" for line in lines), seconds=0.2)
    logo = "" if "-nologo" in switches else (
        "Visual Studio Locator version 3.1.7+f39851e70f [query version 3.8.2112.61926]\r\n"
        "Copyright (C) Microsoft Corporation. All rights reserved.\r\n\r\n")
    body = "\r\n".join("".join(f"{k}: {v}\r\n" for k, v in i.items() if k != "packages")
                       for i in found)
    return Outcome(0, stdout=logo + body, seconds=0.2)


PROGRAMS: dict[str, Program] = {
    "go.exe": go,
    "cmd.exe": cmd,
    "whoami.exe": whoami,
    "hostname.exe": hostname,
    "ping.exe": ping,
    "gcc.exe": gcc,
    "g++.exe": gcc,
    "clang.exe": clang,
    "clang++.exe": clang,
    "cl.exe": cl,
    "vswhere.exe": vswhere,
}


def lookup(file_name: str) -> Program | None:
    """The fake program for an executable file name (case-insensitive)."""
    wanted = fold(file_name)
    for name, program in PROGRAMS.items():
        if fold(name) == wanted:
            return program
    return None


# -- GitHub Actions runner ------------------------------------------------------------
# The fake bin\Runner.Listener.exe of a runner package lives in fake_runner.py
# (imported when it runs: that module imports this one).


def runner_listener(inv: Invocation) -> Outcome:
    """GitHub Actions ``bin\\Runner.Listener.exe`` (see ``fake_runner.py``)."""
    from .fake_runner import listener

    return listener(inv)


PROGRAMS["Runner.Listener.exe"] = runner_listener
