"""The fake C toolchain programs (gcc, clang, cl, vswhere) and cmd.exe running batch files."""

from __future__ import annotations

import json

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .helpers import run

MINGW = r"C:\mingw64\bin"
VS = r"C:\Program Files (x86)\Microsoft Visual Studio\2022\BuildTools"
BUILD = VS + r"\VC\Auxiliary\Build"
TOOLS = VS + r"\VC\Tools\MSVC\14.38.33130"
INSTANCES = r"C:\ProgramData\Microsoft\VisualStudio\Packages\_Instances"
VSWHERE = r"C:\Program Files (x86)\Microsoft Visual Studio\Installer\vswhere.exe"


def ex(host: SimHost, exe: str, arguments: str = "", **kw: object) -> dict:
    return run(host, "exec", executable=exe, arguments=arguments, read_only=True, **kw)


def cmd(host: SimHost, line: str, **kw: object) -> dict:
    return ex(host, "cmd.exe", f'/d /s /c "{line}"', **kw)


def test_gcc_reports_version_and_target_from_its_file(host: SimHost) -> None:
    host.write_file(MINGW + r"\gcc.exe", b"MZ\nversion=8.1.0\n"
                    b"pkgversion=x86_64-posix-seh-rev0, Built by MinGW-W64 project\n")
    res = ex(host, MINGW + r"\gcc.exe", "--version")
    assert res["rc"] == 0
    assert res["stdout"].split("\r\n")[0] == (
        "gcc.exe (x86_64-posix-seh-rev0, Built by MinGW-W64 project) 8.1.0")
    assert ex(host, MINGW + r"\gcc.exe", "-dumpmachine")["stdout"] == "x86_64-w64-mingw32\r\n"
    host.write_file(MINGW + r"\g++.exe", b"MZ\ntarget=i686-w64-mingw32\n")
    res = ex(host, MINGW + r"\g++.exe", "-dumpmachine")
    assert res["stdout"] == "i686-w64-mingw32\r\n"
    res = ex(host, MINGW + r"\g++.exe", "")
    assert res["rc"] == 1 and "g++.exe: fatal error: no input files" in res["stderr"]


def test_missing_compiler_is_not_found(host: SimHost) -> None:
    res = ex(host, MINGW + r"\gcc.exe", "--version")
    assert res["failed"] and res["code"] == "not_found"


def test_clang_version_and_target(host: SimHost) -> None:
    host.write_file(r"C:\llvm-mingw\bin\clang.exe", b"MZ\nversion=17.0.6\n")
    res = ex(host, r"C:\llvm-mingw\bin\clang.exe", "--version")
    assert res["stdout"].startswith("clang version 17.0.6 (")
    assert "InstalledDir: C:\\llvm-mingw\\bin\n" in res["stdout"]
    assert ex(host, r"C:\llvm-mingw\bin\clang.exe", "-dumpmachine")["stdout"] == (
        "x86_64-w64-windows-gnu\n")


def test_cl_banner_on_stderr_usage_on_stdout(host: SimHost) -> None:
    host.write_file(TOOLS + r"\bin\Hostx64\x64\cl.exe", b"MZ\nversion=19.38.33133\n")
    res = ex(host, TOOLS + r"\bin\Hostx64\x64\cl.exe")
    assert res["rc"] == 0
    assert res["stderr"].startswith(
        "Microsoft (R) C/C++ Optimizing Compiler Version 19.38.33133 for x64\r\n")
    assert res["stdout"] == "usage: cl [ option... ] filename... [ /link linkoption... ]\r\n"
    host.write_file(TOOLS + r"\bin\Hostx64\arm64\cl.exe", b"MZ")
    assert " for ARM64\r\n" in ex(host, TOOLS + r"\bin\Hostx64\arm64\cl.exe")["stderr"]


def test_vswhere_reads_the_installer_records(host: SimHost) -> None:
    host.write_file(VSWHERE, b"MZ")
    args = ("-latest -products * -requires Microsoft.VisualStudio.Component.VC.Tools.x86.x64 "
            "-property installationPath -utf8")
    assert ex(host, VSWHERE, args) == {"op": "exec", "changed": False, "rc": 0,
                                       "stdout": "", "stderr": ""}
    host.write_file(INSTANCES + r"\1a2b3c4d\state.json", json.dumps({
        "installationPath": VS, "installationVersion": "17.8.34330.188",
        "product": {"id": "Microsoft.VisualStudio.Product.BuildTools"},
        "packages": [{"id": "Microsoft.VisualStudio.Component.VC.Tools.x86.x64"}],
    }).encode())
    assert ex(host, VSWHERE, args)["stdout"] == VS + "\r\n"
    # Build Tools are not among the default products; a missing component finds nothing.
    assert ex(host, VSWHERE, "-latest -property installationPath")["stdout"] == ""
    assert ex(host, VSWHERE, "-products * -requires Microsoft.VisualStudio.Component.VC."
                             "Tools.ARM64 -property installationPath")["stdout"] == ""
    assert ex(host, VSWHERE, "-frobnicate")["rc"] == 87


def test_cmd_runs_a_batch_file_and_keeps_its_variables(host: SimHost) -> None:
    host.write_file(BUILD + r"\vcvars64.bat", (
        b"@echo off\r\n"
        b"rem a tiny vcvars\r\n"
        b":: another comment\r\n"
        b"echo ********** Visual Studio 2022 Developer Command Prompt\r\n"
        b'set "VCToolsInstallDir=%~dp0..\\..\\Tools\\MSVC\\14.38.33130\\"\r\n'
        b"set INCLUDE=%VCToolsInstallDir%include;%INCLUDE%\r\n"
        b'set "PATH=C:\\VS\\bin;%PATH%"\r\n'
        b"set ARCH_ARG=%1\r\n"
        b"exit /b 0\r\n"
        b"set NEVER=reached\r\n"
    ))
    res = cmd(host, f'"{BUILD}\\vcvars64.bat" x64 >nul && set')
    assert res["rc"] == 0 and "Developer Command Prompt" not in res["stdout"]
    values = dict(line.split("=", 1) for line in res["stdout"].split("\r\n") if "=" in line)
    assert values["VCToolsInstallDir"] == BUILD + "\\..\\..\\Tools\\MSVC\\14.38.33130\\"
    # An undefined variable expands to nothing inside a batch file.
    assert values["INCLUDE"] == values["VCToolsInstallDir"] + "include;"
    assert values["Path"].startswith("C:\\VS\\bin;C:\\Windows\\system32;")
    assert values["ARCH_ARG"] == "x64" and "NEVER" not in values
    # Without >nul the batch file's output shows; call works too.
    res = cmd(host, f'call "{BUILD}\\vcvars64.bat" && set ARCH_ARG')
    assert res["stdout"].startswith("********** Visual Studio 2022")
    # No %1 this time: "set ARCH_ARG=" removed the variable.
    assert res["rc"] == 1 and res["stderr"] == "Environment variable ARCH_ARG not defined\r\n"
    # A process started afterwards sees the new PATH.
    host.write_file(r"C:\VS\bin\cl.exe", b"MZ")
    res = cmd(host, f'"{BUILD}\\vcvars64.bat" >nul && cl.exe')
    assert "C/C++ Optimizing Compiler" in res["stderr"] and res["rc"] == 0
    assert cmd(host, "cl.exe")["rc"] == 9009


def test_cmd_missing_batch_file(host: SimHost) -> None:
    res = cmd(host, r'"C:\nope\vcvars64.bat" >nul && set')
    assert res["rc"] == 1 and res["stderr"] == "The system cannot find the path specified.\r\n"
    res = cmd(host, r'"C:\Windows\vcvars64.bat" >nul && set')
    assert res["rc"] == 9009 and "is not recognized" in res["stderr"]
    assert res["stdout"] == ""


def test_cmd_nul_redirections(host: SimHost) -> None:
    res = cmd(host, "echo shown && echo hidden >nul && nosuch 2>nul")
    assert res["stdout"] == "shown \r\n" and res["stderr"] == "" and res["rc"] == 9009
    assert cmd(host, 'echo ">nul"')["stdout"] == '">nul"\r\n'
