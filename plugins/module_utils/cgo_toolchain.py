"""Pure helpers of win_go_cgo_info: C toolchains for cgo, and the MSVC environment.

cgo on Windows needs a GCC-compatible C compiler: MinGW-w64 ``gcc`` or the
``clang`` of llvm-mingw. MSVC's ``cl.exe`` cannot be cgo's ``CC``; its
environment (what ``vcvarsall.bat`` sets) still serves builds that run ``cl``,
``link`` or ``rc`` themselves. These functions parse what the compilers and
``cmd.exe`` print and decide what to return; they take text and return data.
"""

from __future__ import annotations

import re

from ansible_collections.winops.golang.plugins.module_utils import winpath

# The compiler kinds this module knows, and the executables of each.
GCC_KINDS = {
    "mingw": {"cc": "gcc.exe", "cxx": "g++.exe", "label": "MinGW-w64"},
    "llvm_mingw": {"cc": "clang.exe", "cxx": "clang++.exe", "label": "llvm-mingw"},
}

# The target triple's CPU part a GCC-compatible compiler must have on each host
# architecture (facts.get's ``architecture``).
HOST_CPUS = {
    "AMD64": ("x86_64",),
    "ARM64": ("aarch64",),
    "x86": ("i686", "i586", "i486", "i386"),
}

# Where vswhere.exe always lives (installed with Visual Studio 2017 and later).
VSWHERE = r"C:\Program Files (x86)\Microsoft Visual Studio\Installer\vswhere.exe"
VCVARSALL_REL = r"VC\Auxiliary\Build\vcvarsall.bat"

# The platform arguments vcvarsall.bat accepts: host_target, or one target for a
# native build.
VCVARS_ARCHES = (
    "x86", "x64", "amd64", "arm", "arm64",
    "x86_x64", "x86_amd64", "x86_arm", "x86_arm64",
    "x64_x86", "amd64_x86", "x64_arm", "amd64_arm", "x64_arm64", "amd64_arm64",
    "arm64_x86", "arm64_x64", "arm64_amd64", "arm64_arm",
)

# The architecture each vcvars<...>.bat shortcut passes to vcvarsall.bat.
_VCVARS_SHORTCUTS = {
    "vcvars32.bat": "x86",
    "vcvars64.bat": "x64",
    "vcvarsx86_amd64.bat": "x86_x64",
    "vcvarsx86_arm.bat": "x86_arm",
    "vcvarsx86_arm64.bat": "x86_arm64",
    "vcvarsamd64_x86.bat": "x64_x86",
    "vcvarsamd64_arm.bat": "x64_arm",
    "vcvarsamd64_arm64.bat": "x64_arm64",
    "vcvarsarm64.bat": "arm64",
    "vcvarsarm64_x86.bat": "arm64_x86",
    "vcvarsarm64_amd64.bat": "arm64_x64",
    "vcvarsarm64_arm.bat": "arm64_arm",
}

# The architecture cl.exe names in its banner, per vcvars target.
_CL_ARCH = {"x86": "x86", "x64": "x64", "amd64": "x64", "arm": "ARM", "arm64": "ARM64"}

# The Visual Studio component that holds the MSVC compilers of a target.
_VC_COMPONENT = {
    "arm": "Microsoft.VisualStudio.Component.VC.Tools.ARM",
    "arm64": "Microsoft.VisualStudio.Component.VC.Tools.ARM64",
}
VC_COMPONENT_X86_X64 = "Microsoft.VisualStudio.Component.VC.Tools.x86.x64"

# Variables vcvars sets for its own bookkeeping (the PATH it started from...):
# never returned.
_INTERNAL_PREFIX = "__"
PATH_NAME = "Path"

_VERSION = re.compile(r"(?<![\w.])(\d+\.\d+(?:\.\d+){0,2})(?![\w.])")
_CLANG_VERSION = re.compile(r"\bclang version (\d+\.\d+(?:\.\d+)?)")
_CL_BANNER = re.compile(
    r"\bVersion\s+(\d+\.\d+\.\d+(?:\.\d+)?)\s+\S+\s+(x86|x64|ARM64|ARM|AMD64)\b", re.I
)
_TRIPLE = re.compile(r"^[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+){1,3}$")


class CgoToolchainError(ValueError):
    """A compiler that is missing, unreadable, or unusable for what was asked."""


def first_line(text: str | None) -> str:
    """The first non-blank line of ``text``, stripped ('' when there is none)."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def parse_gcc_version(output: str) -> str:
    """The version of ``gcc --version`` / ``g++ --version``: the last version on line one.

    ``gcc.exe (x86_64-posix-seh-rev0, Built by MinGW-W64 project) 8.1.0`` gives
    ``8.1.0``; the package text in parentheses is skipped, so a version-looking
    word in it is never taken.
    """
    line = first_line(output)
    outside = re.sub(r"\([^()]*\)", " ", line)
    found = _VERSION.findall(outside)
    if not found:
        raise CgoToolchainError(f"cannot read a version from {_shown(line)}")
    return found[-1]


def _shown(line: str) -> str:
    return repr(line) if line else "empty output"


def parse_clang_version(output: str) -> str:
    """The version of ``clang --version`` (``clang version 18.1.8 (...)`` gives 18.1.8)."""
    line = first_line(output)
    match = _CLANG_VERSION.search(line)
    if not match:
        raise CgoToolchainError(f"cannot read a version from {_shown(line)}")
    return match.group(1)


def parse_version(kind: str, output: str) -> str:
    """The compiler version from its ``--version`` output, per compiler kind."""
    return parse_clang_version(output) if kind == "llvm_mingw" else parse_gcc_version(output)


def parse_target(output: str) -> str:
    """The target triple ``-dumpmachine`` printed (e.g. ``x86_64-w64-mingw32``)."""
    line = first_line(output)
    if not _TRIPLE.match(line):
        shown = repr(line) if line else "nothing"
        raise CgoToolchainError(f"-dumpmachine printed {shown}, not a target triple")
    return line


def check_target(kind: str, exe: str, target: str, host_arch: str) -> None:
    """Refuse a target that does not produce Windows programs cgo can link for this host.

    A GCC-compatible Windows compiler targets ``<cpu>-w64-mingw32`` (gcc) or
    ``<cpu>-w64-windows-gnu`` / ``<cpu>-pc-windows-gnu`` (clang); the CPU must be
    the host's (``x86_64`` on AMD64, ``aarch64`` on ARM64, ``i686`` on x86).
    """
    lower = target.lower()
    cpu = lower.split("-", 1)[0]
    if kind == "llvm_mingw":
        mingw = lower.endswith("-w64-mingw32") or lower.endswith("-windows-gnu")
    else:
        mingw = lower.endswith("-w64-mingw32")
    if not mingw:
        if kind == "llvm_mingw" and lower.endswith("-windows-msvc"):
            hint = ("this clang targets MSVC (the LLVM installer's clang); cgo needs "
                    "llvm-mingw, whose clang targets *-w64-windows-gnu")
        else:
            hint = "cgo needs a MinGW-w64 target (*-w64-mingw32)"
        raise CgoToolchainError(f"{exe} targets {target}: {hint}")
    wanted = HOST_CPUS.get(host_arch)
    if wanted is None:
        raise CgoToolchainError(f"unknown host architecture {host_arch!r}")
    if cpu not in wanted:
        raise CgoToolchainError(
            f"{exe} targets {target} but the host is {host_arch}: cgo builds for the "
            f"host need a {wanted[0]} compiler ({wanted[0]}-w64-mingw32); install the "
            f"{wanted[0]} build of {GCC_KINDS[kind]['label']}"
        )


def gcc_environment(cc: str, cxx: str) -> dict[str, str]:
    """The variables that point cgo at a GCC-compatible compiler."""
    return {"CGO_ENABLED": "1", "CC": cc, "CXX": cxx}


# -- cmd.exe and vcvars --------------------------------------------------------------


def parse_set_output(text: str) -> dict[str, str]:
    """The variables ``set`` printed (``NAME=value`` lines; the first ``=`` splits).

    Lines without ``=`` (a program's own output) are skipped; a later duplicate
    wins, compared case-insensitively and keeping the last spelling.
    """
    out: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if not sep or not name or name != name.strip() or " " in name:
            continue
        for key in [k for k in out if k.casefold() == name.casefold()]:
            del out[key]
        out[name] = value
    return out


def split_path(value: str | None) -> list[str]:
    """The entries of a PATH value, without empty ones or surrounding quotes."""
    out = []
    for entry in (value or "").split(";"):
        entry = entry.strip().strip('"').strip()
        if entry:
            out.append(entry)
    return out


def _path_key(entry: str) -> str:
    return winpath.normalize(entry).rstrip("\\").casefold()


def _get(env: dict[str, str], name: str) -> str | None:
    for key, value in env.items():
        if key.casefold() == name.casefold():
            return value
    return None


def env_diff(before: dict[str, str], after: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """What vcvars added: (variables added or changed, PATH entries added in order).

    PATH is never among the variables: its new entries are returned on their
    own so the caller places them. vcvars' bookkeeping (``__VSCMD_*``...) is left out.
    """
    variables: dict[str, str] = {}
    for name, value in after.items():
        if name.casefold() == PATH_NAME.casefold() or name.startswith(_INTERNAL_PREFIX):
            continue
        if _get(before, name) != value:
            variables[name] = value
    old = {_path_key(e) for e in split_path(_get(before, PATH_NAME))}
    added: list[str] = []
    seen: set[str] = set()
    for entry in split_path(_get(after, PATH_NAME)):
        key = _path_key(entry)
        if key not in old and key not in seen:
            seen.add(key)
            added.append(entry.rstrip("\\") if len(entry) > 3 else entry)
    return variables, added


def vcvars_argument(vcvars: str, arch: str | None) -> str | None:
    """The argument to pass to ``vcvars`` (None: none), or an error for a mismatch.

    ``vcvarsall.bat`` takes the architecture (``x64`` when ``arch`` is omitted);
    the ``vcvars64.bat``-style shortcuts pass their own and take none.
    """
    name = winpath.normalize(vcvars).rsplit("\\", 1)[-1].lower()
    if name == "vcvarsall.bat":
        return arch or "x64"
    implied = _VCVARS_SHORTCUTS.get(name)
    if implied is None:
        raise CgoToolchainError(
            f"vcvars {vcvars!r} must be vcvarsall.bat or one of its shortcuts "
            f"({', '.join(sorted(_VCVARS_SHORTCUTS))})"
        )
    if arch and target_arch(arch) != target_arch(implied):
        raise CgoToolchainError(
            f"{name} sets up {implied}, not {arch}; point vcvars at vcvarsall.bat to "
            "choose the architecture"
        )
    return None


def vcvars_arch(vcvars: str, arch: str | None) -> str:
    """The vcvarsall architecture a vcvars file and ``arch`` stand for."""
    name = winpath.normalize(vcvars).rsplit("\\", 1)[-1].lower()
    return _VCVARS_SHORTCUTS.get(name) or arch or "x64"


def target_arch(arch: str) -> str:
    """The target of a vcvarsall architecture (``x64_arm64`` targets ``arm64``)."""
    target = arch.lower().rsplit("_", 1)[-1]
    return "x64" if target == "amd64" else target


def cl_arch(arch: str) -> str:
    """How cl.exe's banner names the target of a vcvarsall architecture."""
    return _CL_ARCH[target_arch(arch)]


def vc_component(arch: str) -> str:
    """The Visual Studio component vswhere must find for ``arch``'s compilers."""
    return _VC_COMPONENT.get(target_arch(arch), VC_COMPONENT_X86_X64)


def check_cmd_path(path: str, what: str) -> str:
    """A path that can stand inside quotes on a cmd.exe line (``%`` would be expanded)."""
    if "%" in path:
        raise CgoToolchainError(f"{what} {path!r} contains %, which cmd.exe would expand; "
                                "use a path without it")
    return path


def cmd_arguments(command: str) -> str:
    """cmd.exe's arguments that run ``command`` as written: ``/d /s /c "<command>"``.

    ``/d`` skips AutoRun commands, ``/s`` makes cmd strip exactly the outer quotes,
    so quoted paths with spaces and parentheses inside ``command`` stay intact.
    """
    return f'/d /s /c "{command}"'


def vcvars_command(vcvars: str, argument: str | None, then: str) -> str:
    """``"<vcvars>" [arg] >nul && <then>``: run vcvars quietly, then ``then`` in its env."""
    arg = f" {argument}" if argument else ""
    return f'"{vcvars}"{arg} >nul && {then}'


def parse_cl_banner(stderr: str) -> tuple[str, str]:
    """(version, target) of cl.exe's banner, e.g. ``19.38.33133`` and ``x64``.

    The banner is localized (``für x64``), so only the version and the
    architecture word are read.
    """
    names = {"x86": "x86", "x64": "x64", "amd64": "x64", "arm": "ARM", "arm64": "ARM64"}
    for line in stderr.splitlines():
        match = _CL_BANNER.search(line)
        if match and "C/C++" in line:
            return match.group(1), names[match.group(2).lower()]
    raise CgoToolchainError(f"cl.exe printed no compiler banner (stderr: "
                            f"{_shown(first_line(stderr))})")


def cl_path(variables: dict[str, str], path: list[str]) -> str | None:
    """The cl.exe the vcvars PATH runs: the first added ``...\\bin\\Host<h>\\<t>`` entry."""
    tools = (_get(variables, "VCToolsInstallDir") or "").rstrip("\\")
    candidates = [e for e in path if re.search(r"\\bin\\Host[^\\]+\\[^\\]+$", e, re.I)]
    for entry in candidates:
        if tools and winpath.normalize(entry).casefold().startswith(
                winpath.normalize(tools).casefold() + "\\"):
            return winpath.join(entry, "cl.exe")
    return winpath.join(candidates[0], "cl.exe") if candidates else None


MSVC_WARNING = (
    "MSVC cannot be cgo's C compiler: the go command drives only GCC-compatible "
    "compilers (MinGW-w64 gcc, llvm-mingw clang), so CC, CXX and CGO_ENABLED are not "
    "set. The environment returned is what vcvars sets (INCLUDE, LIB, the compiler "
    "PATH...): it serves builds that run cl, link or rc themselves (resources, C "
    "libraries linked through DLLs). For cgo use compiler: mingw or llvm_mingw."
)
