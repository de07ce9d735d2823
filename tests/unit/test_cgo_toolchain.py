"""Pure helpers behind win_go_cgo_info: compiler output parsing and the vcvars diff."""

from __future__ import annotations

import pytest

from ansible_collections.winops.golang.plugins.module_utils import cgo_toolchain as cgo
from ansible_collections.winops.golang.plugins.module_utils.cgo_toolchain import (
    CgoToolchainError,
)


@pytest.mark.parametrize(("output", "version"), [
    ("gcc.exe (x86_64-posix-seh-rev0, Built by MinGW-W64 project) 8.1.0\r\nCopyright", "8.1.0"),
    ("gcc.exe (Rev3, Built by MSYS2 project) 13.2.0\n", "13.2.0"),
    ("g++.exe (MinGW-W64 x86_64-ucrt-posix-seh, built by Brecht Sanders, r8) 13.2.0\r\n",
     "13.2.0"),
    # A version-like word inside the package text is not the version.
    ("gcc.exe (GCC 4.9 compatible build) 14.1.0\r\n", "14.1.0"),
    # A date after the version (distribution builds) is not a version.
    ("\r\ngcc (GCC) 8.5.0 20210514 (Red Hat 8.5.0-4)\r\n", "8.5.0"),
])
def test_gcc_version(output: str, version: str) -> None:
    assert cgo.parse_gcc_version(output) == version


@pytest.mark.parametrize("output", ["", "gcc.exe (build) unknown\r\n", "\r\n\r\n"])
def test_gcc_version_unreadable(output: str) -> None:
    with pytest.raises(CgoToolchainError, match="cannot read a version from"):
        cgo.parse_gcc_version(output)


def test_clang_version() -> None:
    out = ("clang version 18.1.8 (https://github.com/llvm/llvm-project.git 3b5b5c1e)\n"
           "Target: x86_64-w64-windows-gnu\nThread model: posix\n")
    assert cgo.parse_clang_version(out) == "18.1.8"
    assert cgo.parse_version("llvm_mingw", out) == "18.1.8"
    with pytest.raises(CgoToolchainError):
        cgo.parse_clang_version("gcc.exe (x) 13.2.0\n")


def test_target_parsing() -> None:
    assert cgo.parse_target("x86_64-w64-mingw32\r\n") == "x86_64-w64-mingw32"
    with pytest.raises(CgoToolchainError, match="printed nothing"):
        cgo.parse_target("\r\n")
    with pytest.raises(CgoToolchainError, match="not a target triple"):
        cgo.parse_target("gcc.exe: fatal error\r\n")


@pytest.mark.parametrize(("kind", "target", "host"), [
    ("mingw", "x86_64-w64-mingw32", "AMD64"),
    ("mingw", "i686-w64-mingw32", "x86"),
    ("mingw", "aarch64-w64-mingw32", "ARM64"),
    ("llvm_mingw", "x86_64-w64-windows-gnu", "AMD64"),
    ("llvm_mingw", "aarch64-w64-mingw32", "ARM64"),
])
def test_targets_that_fit_the_host(kind: str, target: str, host: str) -> None:
    cgo.check_target(kind, "cc.exe", target, host)


@pytest.mark.parametrize(("kind", "target", "host", "message"), [
    ("mingw", "i686-w64-mingw32", "AMD64", "but the host is AMD64"),
    ("mingw", "x86_64-w64-mingw32", "ARM64", "need a aarch64 compiler"),
    ("mingw", "x86_64-pc-cygwin", "AMD64", "cgo needs a MinGW-w64 target"),
    ("mingw", "x86_64-w64-windows-gnu", "AMD64", "cgo needs a MinGW-w64 target"),
    ("llvm_mingw", "x86_64-pc-windows-msvc", "AMD64", "this clang targets MSVC"),
    ("mingw", "x86_64-w64-mingw32", "MIPS", "unknown host architecture"),
])
def test_targets_refused(kind: str, target: str, host: str, message: str) -> None:
    with pytest.raises(CgoToolchainError, match=message):
        cgo.check_target(kind, "cc.exe", target, host)


def test_set_output_and_diff() -> None:
    before = cgo.parse_set_output(
        "ALLUSERSPROFILE=C:\\ProgramData\r\nPath=C:\\Windows\\system32;C:\\Windows\r\n"
        "INCLUDE=\r\nPROMPT=$P$G\r\n")
    after = cgo.parse_set_output(
        "ALLUSERSPROFILE=C:\\ProgramData\r\n"
        "INCLUDE=C:\\VC\\include;\r\n"
        "LIB=C:\\VC\\lib\\x64\r\n"
        "Path=C:\\VC\\bin\\Hostx64\\x64\\;C:\\Kits\\bin;C:\\Windows\\system32;C:\\Windows;"
        "c:\\windows\\system32\\\r\n"
        "PROMPT=$P$G\r\n"
        "VCToolsInstallDir=C:\\VC\\\r\n"
        "__VSCMD_PREINIT_PATH=C:\\Windows\\system32;C:\\Windows\r\n"
        "usage: cl [ option... ] filename... [ /link linkoption... ]\r\n")
    variables, path = cgo.env_diff(before, after)
    assert variables == {"INCLUDE": "C:\\VC\\include;", "LIB": "C:\\VC\\lib\\x64",
                         "VCToolsInstallDir": "C:\\VC\\"}
    assert path == ["C:\\VC\\bin\\Hostx64\\x64", "C:\\Kits\\bin"]


def test_set_output_names_are_case_insensitive() -> None:
    assert cgo.parse_set_output("PATH=a\r\nPath=b\r\n=C:=C:\\\r\n") == {"Path": "b"}
    variables, path = cgo.env_diff({"PATH": "C:\\a"}, {"Path": "C:\\b;C:\\A\\"})
    assert variables == {} and path == ["C:\\b"]


def test_vcvars_argument_and_arch() -> None:
    vcvarsall = r"C:\VS\VC\Auxiliary\Build\vcvarsall.bat"
    assert cgo.vcvars_argument(vcvarsall, None) == "x64"
    assert cgo.vcvars_argument(vcvarsall, "x64_arm64") == "x64_arm64"
    assert cgo.vcvars_argument(r"C:\VS\VCVARS64.BAT", None) is None
    assert cgo.vcvars_argument(r"C:\VS\vcvars64.bat", "amd64") is None
    with pytest.raises(CgoToolchainError, match="sets up x64, not x86"):
        cgo.vcvars_argument(r"C:\VS\vcvars64.bat", "x86")
    with pytest.raises(CgoToolchainError, match="must be vcvarsall.bat"):
        cgo.vcvars_argument(r"C:\VS\Common7\Tools\VsDevCmd.bat", None)
    assert cgo.vcvars_arch(r"C:\VS\vcvars32.bat", None) == "x86"
    assert cgo.vcvars_arch(vcvarsall, "amd64_arm64") == "amd64_arm64"
    assert cgo.cl_arch("amd64_arm64") == "ARM64" and cgo.cl_arch("amd64") == "x64"
    assert cgo.vc_component("x64_arm64").endswith("VC.Tools.ARM64")
    assert cgo.vc_component("x86").endswith("VC.Tools.x86.x64")


def test_cmd_lines_keep_quoted_paths_whole() -> None:
    vcvars = r"C:\Program Files (x86)\Microsoft Visual Studio\2019\BuildTools\VC\vcvarsall.bat"
    line = cgo.cmd_arguments(cgo.vcvars_command(vcvars, "x64", "set"))
    assert line == f'/d /s /c ""{vcvars}" x64 >nul && set"'
    assert cgo.cmd_arguments(cgo.vcvars_command(vcvars, None, "cl.exe")).endswith(
        '.bat" >nul && cl.exe"')
    with pytest.raises(CgoToolchainError, match="cmd.exe would expand"):
        cgo.check_cmd_path(r"C:\100%\vcvars64.bat", "vcvars")


@pytest.mark.parametrize(("stderr", "expected"), [
    ("Microsoft (R) C/C++ Optimizing Compiler Version 19.38.33133 for x64\r\n"
     "Copyright (C) Microsoft Corporation.  All rights reserved.\r\n", ("19.38.33133", "x64")),
    ("Microsoft (R) C/C++-Optimierungscompiler Version 19.40.33811 für ARM64\r\n",
     ("19.40.33811", "ARM64")),
    ("Microsoft (R) C/C++ Optimizing Compiler Version 19.16.27051 for x86\r\n",
     ("19.16.27051", "x86")),
])
def test_cl_banner(stderr: str, expected: tuple[str, str]) -> None:
    assert cgo.parse_cl_banner(stderr) == expected


def test_cl_banner_missing() -> None:
    with pytest.raises(CgoToolchainError, match="no compiler banner"):
        cgo.parse_cl_banner("'cl.exe' is not recognized as an internal or external command,")


def test_cl_path_prefers_the_tools_directory() -> None:
    tools = "C:\\VS\\VC\\Tools\\MSVC\\14.38.33130\\"
    path = ["C:\\VS\\Common7\\IDE\\VC\\VCPackages", "C:\\Kits\\bin\\10.0\\x64",
            "C:\\Other\\bin\\Hostx86\\x86", tools + "bin\\HostX64\\x64"]
    assert cgo.cl_path({"VCToolsInstallDir": tools}, path) == tools + "bin\\HostX64\\x64\\cl.exe"
    assert cgo.cl_path({}, path) == "C:\\Other\\bin\\Hostx86\\x86\\cl.exe"
    assert cgo.cl_path({}, ["C:\\Kits\\bin"]) is None


def test_gcc_environment() -> None:
    assert cgo.gcc_environment("C:\\m\\bin\\gcc.exe", "C:\\m\\bin\\g++.exe") == {
        "CGO_ENABLED": "1", "CC": "C:\\m\\bin\\gcc.exe", "CXX": "C:\\m\\bin\\g++.exe"}


def test_a_failing_probe_shows_the_first_line_of_stderr() -> None:
    from ansible_collections.winops.golang.plugins.action.win_go_cgo_info import ActionModule

    res = {"rc": 1, "stdout": "",
           "stderr": "\r\ngcc.exe: fatal error: cannot execute 'as'\r\ncompilation terminated."}
    with pytest.raises(ValueError) as err:
        ActionModule._output(res, "gcc.exe", "--version")
    assert str(err.value) == ("gcc.exe --version failed with exit code 1: gcc.exe: fatal "
                              "error: cannot execute 'as'")
    assert ActionModule._output({"rc": 0, "stdout": "x\r\n", "stderr": ""}, "gcc.exe",
                                "-dumpmachine") == "x\r\n"
