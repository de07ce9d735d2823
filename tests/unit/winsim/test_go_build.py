"""The fake go.exe's ``go build`` and ``go run``, and the programs it builds."""

from __future__ import annotations

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .helpers import run

GOROOT = r"C:\Go122"
GO = GOROOT + r"\bin\go.exe"
WORK = r"C:\work\hello"
HELLO = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello, world")\n}\n'


@pytest.fixture
def go_host(host: SimHost) -> SimHost:
    host.write_file(GO, b"MZ go")
    host.write_file(GOROOT + r"\VERSION", b"go1.22.5\ntime 2024-06-04T20:55:00Z\n")
    host.write_file(WORK + r"\go.mod", b"module example.com/hello\n\ngo 1.22\n")
    host.write_file(WORK + r"\main.go", HELLO.encode())
    return host


def go(host: SimHost, arguments: str, **kw: object) -> dict:
    kw.setdefault("cwd", WORK)
    return run(host, "exec", executable=GO, arguments=arguments, **kw)


def test_build_writes_a_program_that_prints_hello(go_host: SimHost) -> None:
    before = go_host.op_log()
    res = go(go_host, r"build -o C:\work\out\hello.exe .")
    assert res["rc"] == 0 and res["stdout"] == "" and res["stderr"] == ""
    assert res["changed"] is True
    # -o into a directory that does not exist yet: Go creates it.
    assert go_host.read_file(r"C:\work\out\hello.exe").startswith(b"MZ")
    ran = run(go_host, "exec", executable=r"C:\work\out\hello.exe", read_only=True)
    assert ran["rc"] == 0 and ran["stdout"] == "hello, world\n"
    assert len(go_host.op_log()) == len(before) + 2


def test_build_without_o_names_the_program_after_the_module(go_host: SimHost) -> None:
    assert go(go_host, "build")["rc"] == 0
    assert go_host.read_file(WORK + r"\hello.exe") is not None


def test_go_run_builds_and_runs(go_host: SimHost) -> None:
    res = go(go_host, "run .", read_only=True)
    assert res == {"op": "exec", "changed": False, "rc": 0, "stdout": "hello, world\n",
                   "stderr": ""}
    files = go(go_host, r"run C:\work\hello\main.go", read_only=True)
    assert files["stdout"] == "hello, world\n"


def test_build_outside_a_module_fails(go_host: SimHost) -> None:
    go_host.write_file(r"C:\loose\main.go", HELLO.encode())
    res = go(go_host, "build .", cwd=r"C:\loose")
    assert res["rc"] == 1 and "go.mod file not found" in res["stderr"]
    assert go(go_host, "build .", cwd=r"C:\loose", env={"GO111MODULE": "off"})["rc"] == 0


def test_newer_go_line_needs_a_toolchain(go_host: SimHost) -> None:
    go_host.write_file(WORK + r"\go.mod", b"module example.com/hello\n\ngo 1.23.0\n")
    local = go(go_host, "build .", env={"GOTOOLCHAIN": "local"})
    assert local["rc"] == 1
    assert "go.mod requires go >= 1.23.0 (running go 1.22.5; GOTOOLCHAIN=local)" \
        in local["stderr"]
    auto = go(go_host, "build .")
    assert auto["rc"] == 1 and "toolchain not available" in auto["stderr"]


def test_broken_sources(go_host: SimHost) -> None:
    go_host.write_file(WORK + r"\main.go", b"package main\n\nfunc main() {\n")
    assert "syntax error" in go(go_host, "build .")["stderr"]
    go_host.write_file(WORK + r"\main.go", b"package main\n\nfunc helper() {}\n")
    assert "function main is undeclared" in go(go_host, "build .")["stderr"]
    go_host.write_file(WORK + r"\main.go", b"package lib\n")
    assert go(go_host, "build .")["rc"] == 0  # a library builds, and writes nothing
    assert go_host.read_file(WORK + r"\hello.exe") is None
    assert "is not a main package" in go(go_host, "run .", read_only=True)["stderr"]
    assert "flag provided but not defined: -bogus" in go(go_host, "build -bogus .")["stderr"]


def test_build_time_is_virtual_and_bounded_by_the_timeout(go_host: SimHost) -> None:
    res = go(go_host, "build .", timeout=0.5)
    assert res["failed"] is True and res["code"] == "timeout"


def test_build_in_check_mode_runs_nothing(go_host: SimHost) -> None:
    res = go(go_host, "build .", check_mode=True)
    assert res["rc"] is None and res["changed"] is True
    assert go_host.read_file(WORK + r"\hello.exe") is None


def test_a_plain_file_is_not_a_program(go_host: SimHost) -> None:
    go_host.write_file(r"C:\work\fake.exe", b"MZ not built by go")
    res = run(go_host, "exec", executable=r"C:\work\fake.exe", read_only=True)
    assert res["failed"] is True and res["code"] == "error"
