"""win_go_cgo_info end to end: the real ansible-playbook against simulated hosts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

TASK = "Probe C toolchain"
MINGW = r"C:\mingw64"
LLVM = r"C:\llvm-mingw"
VS = r"C:\Program Files\Microsoft Visual Studio\2022\BuildTools"
BUILD = VS + r"\VC\Auxiliary\Build"
TOOLS = VS + r"\VC\Tools\MSVC\14.38.33130"
SDK = r"C:\Program Files (x86)\Windows Kits\10"
VSWHERE = r"C:\Program Files (x86)\Microsoft Visual Studio\Installer\vswhere.exe"
INSTANCES = r"C:\ProgramData\Microsoft\VisualStudio\Packages\_Instances"
SVC_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Services\gobuild"

# A small vcvars: what vcvarsall.bat leaves in the environment, for x64 or x86.
VCVARSALL = r"""@echo off
set "VSCMD_ARG_TGT_ARCH=%1"
set "VSINSTALLDIR=C:\Program Files\Microsoft Visual Studio\2022\BuildTools\"
set "VCINSTALLDIR=%VSINSTALLDIR%VC\"
set "VCToolsVersion=14.38.33130"
set "VCToolsInstallDir=%VCINSTALLDIR%Tools\MSVC\14.38.33130\"
set "WindowsSdkDir=C:\Program Files (x86)\Windows Kits\10\"
set "UCRTVersion=10.0.22621.0"
set INCLUDE=%VCToolsInstallDir%include;%WindowsSdkDir%include\10.0.22621.0\ucrt;%INCLUDE%
set LIB=%VCToolsInstallDir%lib\%1;%WindowsSdkDir%lib\10.0.22621.0\ucrt\%1;%LIB%
set "LIBPATH=%VCToolsInstallDir%lib\%1"
set "__VSCMD_PREINIT_PATH=%PATH%"
set "PATH=%VCToolsInstallDir%bin\Hostx64\%1;%WindowsSdkDir%bin\10.0.22621.0\%1;%PATH%"
"""


def sim(inv: Any, host: str = "win-01") -> SimHost:
    return SimHost(str(inv.root(host)))


def trips(host: SimHost) -> int:
    return int(host.stats()["round_trips"])


def play(params: dict[str, Any] | None, extra: list[dict[str, Any]] | None = None) -> str:
    tasks: list[dict[str, Any]] = [{"name": TASK, "winops.golang.win_go_cgo_info": params,
                                    "register": "cgo"}]
    return yaml.safe_dump([{"name": "cgo", "hosts": "all", "gather_facts": False,
                            "tasks": tasks + (extra or [])}], sort_keys=False)


@pytest.fixture
def probe(run_playbook: Callable) -> Callable[..., Any]:
    def run(inv: Any, ok: bool = True, check: bool = False, **params: Any) -> Any:
        res = run_playbook(play(params or None), inv, check=check)
        if ok:
            res.assert_ok()
        return res.task("win-01", TASK)

    return run


def mingw(host: SimHost, root: str = MINGW, version: str = "13.2.0",
          target: str = "x86_64-w64-mingw32", gxx: bool = True) -> None:
    """Unpack a fake MinGW-w64 build: the version and target live in the exe files."""
    text = f"MZ\nversion={version}\ntarget={target}\n".encode()
    host.write_file(root + r"\bin\gcc.exe", text)
    if gxx:
        host.write_file(root + r"\bin\g++.exe", text)


def add_to_path(host: SimHost, entry: str, scope: str = "machine") -> None:
    current = host.env(scope, "Path")
    host.set_env(scope, "Path", (current["value"] + ";" if current else "") + entry)


def visual_studio(host: SimHost, version: str = "19.38.33133") -> None:
    """Build Tools 2022: vcvarsall.bat, vcvars64.bat, cl.exe for x64 and x86, the record."""
    host.write_file(BUILD + r"\vcvarsall.bat", VCVARSALL.replace("\n", "\r\n").encode())
    host.write_file(BUILD + r"\vcvars64.bat", b'@call "%~dp0vcvarsall.bat" x64 %*\r\n')
    for arch in ("x64", "x86"):
        host.write_file(TOOLS + rf"\bin\Hostx64\{arch}\cl.exe",
                        f"MZ\nversion={version}\n".encode())


def vs_record(host: SimHost) -> None:
    host.write_file(VSWHERE, b"MZ")
    host.write_file(INSTANCES + r"\5f8a1c2e\state.json", json.dumps({
        "installationPath": VS,
        "installationVersion": "17.8.34330.188",
        "product": {"id": "Microsoft.VisualStudio.Product.BuildTools"},
        "packages": [{"id": "Microsoft.VisualStudio.Component.VC.Tools.x86.x64"},
                     {"id": "Microsoft.VisualStudio.Workload.VCTools"}],
    }).encode())


# -- MinGW-w64 -------------------------------------------------------------------------


def test_mingw_by_root_in_one_round_trip(sim_inventory: Callable, probe: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    mingw(host, version="13.2.0")
    res = probe(inv, compiler="mingw", root=MINGW)
    assert res.changed is False
    assert res["environment"] == {"CGO_ENABLED": "1", "CC": MINGW + r"\bin\gcc.exe",
                                  "CXX": MINGW + r"\bin\g++.exe"}
    assert res["path"] == [MINGW + r"\bin"]
    compiler = res["compiler"]
    assert (compiler["kind"], compiler["version"], compiler["target"]) == (
        "mingw", "13.2.0", "x86_64-w64-mingw32")
    assert compiler["path"] == MINGW + r"\bin\gcc.exe"
    assert compiler["cxx_path"] == MINGW + r"\bin\g++.exe"
    assert compiler["root"] == MINGW and compiler["host_architecture"] == "AMD64"
    assert res["round_trips"] == 1 and trips(host) == 1

    # The version comes from the compiler on the host, not from anything cached.
    mingw(host, version="14.1.0")
    again = probe(inv, root="C:/mingw64/")
    assert again["compiler"]["version"] == "14.1.0" and trips(host) == 2


def test_mingw_found_on_path_and_in_check_mode(sim_inventory: Callable, probe: Callable
                                               ) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    mingw(host, r"C:\tools\mingw64", version="12.2.0")
    mingw(host, r"C:\other\mingw64", version="8.1.0")
    add_to_path(host, r"C:\tools\mingw64\bin")
    add_to_path(host, r"C:\other\mingw64\bin", scope="user")
    res = probe(inv, check=True)
    assert res.changed is False
    assert res["compiler"]["version"] == "12.2.0"
    assert res["compiler"]["path"] == r"C:\tools\mingw64\bin\gcc.exe"
    assert res["compiler"]["root"] == r"C:\tools\mingw64"
    assert res["environment"]["CXX"] == r"C:\tools\mingw64\bin\g++.exe"
    assert res["path"] == [r"C:\tools\mingw64\bin"]
    assert trips(host) == 1


def test_missing_gcc_says_where_it_looked(sim_inventory: Callable, probe: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    res = probe(inv, ok=False, root=MINGW)
    assert res.failed
    assert res["msg"] == (r"gcc.exe not found in C:\mingw64\bin; install MinGW-w64 there or "
                          r"set root to the directory that holds bin\gcc.exe")
    assert trips(host) == 1
    res = probe(inv, ok=False)
    assert res["msg"] == ("gcc.exe not found on the machine or user PATH; install MinGW-w64 "
                          "and add its bin directory to PATH, or set root")
    mingw(host, gxx=False)
    res = probe(inv, ok=False, root=MINGW)
    assert res["msg"] == (r"g++.exe not found in C:\mingw64\bin (gcc.exe is there); install "
                          "the C++ compiler of MinGW-w64 there")
    add_to_path(host, MINGW + r"\bin")
    res = probe(inv, ok=False)
    assert res["msg"].startswith(r"g++.exe not found beside C:\mingw64\bin\gcc.exe")
    assert trips(host) == 4


def test_wrong_architecture_is_refused(sim_inventory: Callable, probe: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    mingw(host, target="i686-w64-mingw32")
    res = probe(inv, ok=False, root=MINGW)
    assert res.failed
    assert res["msg"] == (
        "gcc.exe targets i686-w64-mingw32 but the host is AMD64: cgo builds for the host need "
        "a x86_64 compiler (x86_64-w64-mingw32); install the x86_64 build of MinGW-w64")
    # The same compiler suits an x86 host; an x86_64 one suits neither x86 nor ARM64.
    host.set_env("machine", "PROCESSOR_ARCHITECTURE", "x86")
    assert probe(inv, root=MINGW)["compiler"]["host_architecture"] == "x86"
    mingw(host, target="x86_64-pc-cygwin")
    res = probe(inv, ok=False, root=MINGW)
    assert "cgo needs a MinGW-w64 target (*-w64-mingw32)" in res["msg"]


def test_unreadable_version_and_failing_compiler(sim_inventory: Callable, probe: Callable
                                                 ) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    mingw(host, version="unknown")
    res = probe(inv, ok=False, root=MINGW)
    assert res["msg"].startswith("cannot read a version from 'gcc.exe (")
    mingw(host, target="")
    res = probe(inv, ok=False, root=MINGW)
    assert res["msg"] == "-dumpmachine printed nothing, not a target triple"


def test_options_are_checked_before_anything_is_sent(sim_inventory: Callable, probe: Callable
                                                     ) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    res = probe(inv, ok=False, root="mingw64")
    assert "root 'mingw64' is not absolute" in res["msg"]
    res = probe(inv, ok=False, compiler="mingw", vcvars=BUILD + r"\vcvars64.bat")
    assert res["msg"] == "vcvars and arch go with compiler: msvc, not mingw"
    res = probe(inv, ok=False, compiler="msvc", root=MINGW)
    assert res["msg"].startswith("root goes with compiler: mingw or llvm_mingw")
    res = probe(inv, ok=False, compiler="msvc", vcvars=BUILD + r"\VsDevCmd.bat")
    assert "must be vcvarsall.bat or one of its shortcuts" in res["msg"]
    res = probe(inv, ok=False, compiler="msvc", vcvars=BUILD + r"\vcvars64.bat", arch="x86")
    assert res["msg"] == ("vcvars64.bat sets up x64, not x86; point vcvars at vcvarsall.bat "
                          "to choose the architecture")
    res = probe(inv, ok=False, compiler="gcc")
    assert "compiler" in res["msg"] and "mingw" in res["msg"]
    assert trips(host) == 0


# -- llvm-mingw ------------------------------------------------------------------------


def test_llvm_mingw(sim_inventory: Callable, probe: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    host.write_file(LLVM + r"\bin\clang.exe", b"MZ\nversion=18.1.8\n")
    host.write_file(LLVM + r"\bin\clang++.exe", b"MZ\nversion=18.1.8\n")
    res = probe(inv, compiler="llvm_mingw", root=LLVM)
    assert res["environment"] == {"CGO_ENABLED": "1", "CC": LLVM + r"\bin\clang.exe",
                                  "CXX": LLVM + r"\bin\clang++.exe"}
    assert (res["compiler"]["version"], res["compiler"]["target"]) == (
        "18.1.8", "x86_64-w64-windows-gnu")
    assert res["path"] == [LLVM + r"\bin"] and trips(host) == 1
    # The LLVM installer's clang targets MSVC: not usable by cgo.
    host.write_file(LLVM + r"\bin\clang.exe", b"MZ\ntarget=x86_64-pc-windows-msvc\n")
    res = probe(inv, ok=False, compiler="llvm_mingw", root=LLVM)
    assert res["msg"].startswith("clang.exe targets x86_64-pc-windows-msvc: this clang "
                                 "targets MSVC")
    res = probe(inv, ok=False, compiler="llvm_mingw", root=MINGW)
    assert res["msg"].startswith(r"clang.exe not found in C:\mingw64\bin; install llvm-mingw")


# -- MSVC ------------------------------------------------------------------------------


def test_msvc_with_vcvars_option(sim_inventory: Callable, probe: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    visual_studio(host)
    res = probe(inv, compiler="msvc", vcvars=BUILD + r"\vcvars64.bat")
    assert res.changed is False
    env = res["environment"]
    assert "CC" not in env and "CXX" not in env and "CGO_ENABLED" not in env
    assert not any(name.upper() == "PATH" or name.startswith("__") for name in env)
    assert env["VCToolsInstallDir"] == TOOLS + "\\"
    assert env["INCLUDE"] == (TOOLS + r"\include;" + SDK + r"\include\10.0.22621.0\ucrt;")
    assert env["LIBPATH"] == TOOLS + r"\lib\x64"
    assert env["UCRTVersion"] == "10.0.22621.0" and env["VSCMD_ARG_TGT_ARCH"] == "x64"
    assert res["path"] == [TOOLS + r"\bin\Hostx64\x64", SDK + r"\bin\10.0.22621.0\x64"]
    compiler = res["compiler"]
    assert (compiler["kind"], compiler["version"], compiler["target"], compiler["arch"]) == (
        "msvc", "19.38.33133", "x64", "x64")
    assert compiler["path"] == TOOLS + r"\bin\Hostx64\x64\cl.exe"
    assert compiler["found_by"] == "vcvars" and compiler["installation_path"] is None
    warnings = " ".join(res.get("warnings") or [])
    assert "MSVC cannot be cgo's C compiler" in warnings
    assert "CC, CXX and CGO_ENABLED are not set" in warnings
    assert "run cl, link or rc themselves" in warnings
    assert res["round_trips"] == 1 and trips(host) == 1

    # vcvarsall.bat takes the architecture.
    res = probe(inv, compiler="msvc", vcvars=BUILD + r"\vcvarsall.bat", arch="x86")
    assert res["compiler"]["target"] == "x86"
    assert res["path"][0] == TOOLS + r"\bin\Hostx64\x86"


def test_msvc_found_with_vswhere_in_two_round_trips(sim_inventory: Callable, probe: Callable
                                                    ) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    visual_studio(host, version="19.40.33811")
    res = probe(inv, ok=False, compiler="msvc")
    assert res["msg"].startswith(r"vswhere.exe not found at C:\Program Files (x86)\Microsoft "
                                 r"Visual Studio\Installer\vswhere.exe: Visual Studio 2017")
    host.write_file(VSWHERE, b"MZ")
    res = probe(inv, ok=False, compiler="msvc")
    assert res["msg"].startswith("vswhere found no Visual Studio installation with "
                                 "Microsoft.VisualStudio.Component.VC.Tools.x86.x64")
    vs_record(host)
    before = trips(host)
    res = probe(inv, compiler="msvc", check=True)
    assert res["compiler"]["found_by"] == "vswhere"
    assert res["compiler"]["installation_path"] == VS
    assert res["compiler"]["vcvars"] == BUILD + r"\vcvarsall.bat"
    assert res["compiler"]["version"] == "19.40.33811"
    assert res["environment"]["LIBPATH"] == TOOLS + r"\lib\x64"
    assert res["round_trips"] == 2 and trips(host) - before == 2
    assert "MSVC cannot be cgo's C compiler" in " ".join(res["warnings"])


def test_msvc_errors(sim_inventory: Callable, probe: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    res = probe(inv, ok=False, compiler="msvc", vcvars=BUILD + r"\vcvars64.bat")
    assert res["msg"].startswith(r"vcvars not found: " + BUILD + r"\vcvars64.bat")
    visual_studio(host)
    res = probe(inv, ok=False, compiler="msvc", vcvars=BUILD + r"\vcvarsall.bat",
                arch="arm64")
    assert res["msg"] == (f'cl.exe is not on the PATH "{BUILD}\\vcvarsall.bat" arm64 sets; '
                          "install the MSVC build tools "
                          "(Microsoft.VisualStudio.Component.VC.Tools.ARM64) in that Visual "
                          "Studio")
    host.write_file(BUILD + r"\vcvarsall.bat", b"@echo off\r\nexit /b 1\r\n")
    res = probe(inv, ok=False, compiler="msvc", vcvars=BUILD + r"\vcvarsall.bat")
    assert res["msg"].startswith(f'"{BUILD}\\vcvarsall.bat" x64 failed with exit code 1')


# -- end to end: the result feeds win_go_env -------------------------------------------


def test_result_feeds_the_service_environment(sim_inventory: Callable, run_playbook: Callable
                                              ) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    mingw(host)
    host.add_service("gobuild", r"C:\svc\gobuild.exe")
    extra = [{"name": "Service environment", "winops.golang.win_go_env": {
        "scope": "service", "service": "gobuild",
        "variables": "{{ cgo.environment }}", "path": "{{ cgo.path }}",
        "path_placement": "prepend"}}]
    run = run_playbook(play({"compiler": "mingw", "root": MINGW}, extra), inv).assert_ok()
    assert run.task("win-01", "Service environment").changed is True
    value = host.reg(SVC_KEY, "Environment")
    assert value is not None and value["type"] == "REG_MULTI_SZ"
    entries = dict(item.split("=", 1) for item in value["value"])
    assert entries["CGO_ENABLED"] == "1"
    assert entries["CC"] == MINGW + r"\bin\gcc.exe"
    assert entries["CXX"] == MINGW + r"\bin\g++.exe"
    assert entries["Path"].split(";")[0] == MINGW + r"\bin"
    again = run_playbook(play({"root": MINGW}, extra), inv).assert_ok()
    assert again.task("win-01", "Service environment").changed is False
