"""exec and the fake programs table: go.exe, cmd.exe, whoami, hostname, ping."""

from __future__ import annotations

import time

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .helpers import run

GOROOT = r"C:\Program Files\Go"


@pytest.fixture
def go_host(host: SimHost) -> SimHost:
    """A host with Go 1.22.5 unpacked in C:\\Program Files\\Go and on the machine Path."""
    host.write_file(GOROOT + r"\bin\go.exe", b"MZ go")
    host.write_file(GOROOT + r"\VERSION", b"go1.22.5\ntime 2024-06-04T20:55:00Z\n")
    path = host.env("machine", "Path")
    assert path is not None
    host.set_env("machine", "Path", path["value"] + r";C:\Program Files\Go\bin")
    return host


def go(host: SimHost, arguments: str, **kw: object) -> dict:
    return run(host, "exec", executable="go", arguments=arguments, read_only=True, **kw)


def test_go_version_reads_the_version_file_beside_bin(go_host: SimHost) -> None:
    res = go(go_host, "version")
    assert res == {"op": "exec", "changed": False, "rc": 0,
                   "stdout": "go version go1.22.5 windows/amd64\n", "stderr": ""}
    go_host.write_file(GOROOT + r"\VERSION", b"go1.23.0\n")
    assert go(go_host, "version")["stdout"] == "go version go1.23.0 windows/amd64\n"


def test_go_env_values(go_host: SimHost) -> None:
    res = go(go_host, "env GOROOT GOVERSION GOOS GOARCH GOPATH")
    assert res["stdout"].split("\n") == [GOROOT, "go1.22.5", "windows", "amd64",
                                         r"C:\Users\Administrator\go", ""]
    # The process environment wins over Go's defaults.
    res = go(go_host, "env GOARCH", env={"GOARCH": "arm64"})
    assert res["stdout"] == "arm64\n"
    assert go(go_host, "env")["stdout"].startswith("set CGO_ENABLED=0\nset GO111MODULE=\n")


def test_go_env_w_writes_the_per_user_file(go_host: SimHost) -> None:
    res = run(go_host, "exec", executable=GOROOT + r"\bin\go.exe",
              arguments="env -w GOPROXY=https://mirror.local,direct")
    assert res["rc"] == 0 and res["changed"] is True
    text = go_host.read_file(r"C:\Users\Administrator\AppData\Roaming\go\env")
    assert text == b"GOPROXY=https://mirror.local,direct\n"
    assert go(go_host, "env GOPROXY")["stdout"] == "https://mirror.local,direct\n"
    # The machine environment knows nothing about it (services never read this file).
    assert go_host.env("machine", "GOPROXY") is None


def test_go_unknown_subcommand_is_usage_error(go_host: SimHost) -> None:
    res = go(go_host, "frobnicate")
    assert res["rc"] == 2 and res["stdout"] == ""
    assert "go frobnicate: unknown command" in res["stderr"]
    assert go(go_host, "")["rc"] == 2


def test_bare_name_is_searched_with_pathext_in_path_order(go_host: SimHost) -> None:
    go_host.write_file(r"C:\old\bin\go.exe", b"MZ go1.20.14 marker")
    path = go_host.env("machine", "Path")["value"]
    go_host.set_env("machine", "Path", r"C:\old\bin;" + path)
    # No VERSION file next to C:\old: the version comes from the binary itself.
    assert go(go_host, "version")["stdout"] == "go version go1.20.14 windows/amd64\n"


def test_cmd_builtins(host: SimHost) -> None:
    def cmd(args: str, **kw: object) -> dict:
        return run(host, "exec", executable="cmd.exe", arguments=args, read_only=True, **kw)

    assert cmd("/c exit 7")["rc"] == 7
    assert cmd("/c exit /b 3")["rc"] == 3
    assert cmd("/c echo %UNDEFINED_VAR%")["stdout"] == "%UNDEFINED_VAR%\r\n"
    assert cmd("/c echo")["stdout"] == "ECHO is on.\r\n"
    assert cmd('/c "echo a && echo b"')["stdout"] == "a \r\nb\r\n"
    assert cmd("/c exit 1 || echo fallback")["rc"] == 1
    # The working directory is reported as the caller spelled it, like GetCurrentDirectory.
    assert cmd("/c cd", cwd=r"c:\windows")["stdout"] == "c:\\windows\r\n"
    host.write_file(r"C:\data\note.txt", b"hello\r\n")
    assert cmd(r"/c type note.txt", cwd=r"C:\data")["stdout"] == "hello\r\n"
    res = cmd(r"/c type C:\data\missing.txt")
    assert res["rc"] == 1 and "cannot find the file" in res["stderr"]
    res = cmd("/c nosuchprogram")
    assert res["rc"] == 9009 and "is not recognized" in res["stderr"]
    assert cmd("/c whoami")["stdout"] == "win1\\administrator\r\n"


def test_small_programs(host: SimHost) -> None:
    def prog(name: str, args: str = "") -> dict:
        return run(host, "exec", executable=name, arguments=args, read_only=True)

    assert prog("whoami")["stdout"] == "win1\\administrator\r\n"
    assert prog("hostname.exe")["stdout"] == "WIN1\r\n"
    assert prog("hostname", "newname")["rc"] == 1
    res = prog("ping", "-n 3 127.0.0.1")
    assert res["rc"] == 0 and res["stdout"].count("Reply from 127.0.0.1") == 3
    assert prog("ping", "-n 1 example.com")["rc"] == 1


def test_time_is_virtual(host: SimHost) -> None:
    start = time.monotonic()
    res = run(host, "exec", executable="ping.exe", arguments="-n 100 127.0.0.1", timeout=200,
              read_only=True)
    assert res["rc"] == 0
    res = run(host, "exec", executable="ping.exe", arguments="-n 100 127.0.0.1", timeout=50,
              read_only=True)
    assert res["failed"] is True and res["code"] == "timeout"
    assert time.monotonic() - start < 5


def test_exec_checks_the_program_and_cwd_even_in_check_mode(host: SimHost) -> None:
    res = run(host, "exec", check_mode=True, executable=r"C:\nope\tool.exe")
    assert res["failed"] is True and res["code"] == "not_found"
    res = run(host, "exec", executable="cmd.exe", arguments="/c cd", cwd=r"C:\nope",
              read_only=True)
    assert res["failed"] is True and res["code"] == "not_found"


def test_programs_not_in_the_table_are_reported(host: SimHost) -> None:
    host.write_file(r"C:\tools\unknown.exe", b"MZ")
    res = run(host, "exec", executable=r"C:\tools\unknown.exe", read_only=True)
    assert res["failed"] is True and res["code"] == "error"
    assert "programs.py" in res["message"]


def test_exec_arguments_are_split_like_commandlinetoargvw(go_host: SimHost) -> None:
    res = go(go_host, 'env "GOOS" GOARCH')
    assert res["stdout"] == "windows\namd64\n"


def test_path_which_reports_every_match_in_search_order(go_host: SimHost) -> None:
    go_host.write_file(r"C:\Users\Administrator\sdk\go\bin\go.exe", b"MZ")
    go_host.set_env("user", "Path", r"%USERPROFILE%\sdk\go\bin\;C:\Program Files\Go\bin")
    res = run(go_host, "path.which", name="go.exe", read=["..\\VERSION"])
    assert [(m["scope"], m["dir"]) for m in res["matches"]] == [
        ("machine", GOROOT + r"\bin"),
        ("user", r"C:\Users\Administrator\sdk\go\bin"),
        ("user", GOROOT + r"\bin"),
    ]
    assert res["matches"][1]["entry"] == r"%USERPROFILE%\sdk\go\bin" "\\"
    assert res["matches"][0]["files"] == {"..\\VERSION": "go1.22.5\ntime 2024-06-04T20:55:00Z\n"}
    assert res["matches"][1]["files"] == {"..\\VERSION": None}
