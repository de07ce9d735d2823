"""Conformance: facts.get, exec, path.which."""

from __future__ import annotations

import base64

import pytest

from .targets import Target

pytestmark = pytest.mark.conformance


def test_facts_shape(target: Target) -> None:
    facts = target.one("facts.get")
    assert facts["changed"] is False
    assert facts["os"]["caption"].startswith("Microsoft Windows Server")
    assert int(facts["os"]["build"]) >= 14393
    assert facts["os"]["version"].startswith("10.0.")
    assert facts["powershell_version"].startswith("5.1.")
    assert facts["architecture"] in ("AMD64", "ARM64", "x86")
    assert isinstance(facts["reboot_pending"]["pending"], bool)
    assert isinstance(facts["reboot_pending"]["reasons"], list)
    assert facts["hostname"]
    assert facts["user"]["profile"].lower().startswith("c:\\users\\")
    assert facts["user"]["appdata"].lower().endswith("\\appdata\\roaming")
    assert facts["dirs"]["program_files"].lower() == r"c:\program files"


def test_facts_follow_the_registry(target: Target) -> None:
    """Pending reboot comes from the documented registry signals."""
    if target.sim is None:
        pytest.skip("changing reboot signals on a real host is not safe")
    key = r"HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager"
    before = target.one("facts.get")["reboot_pending"]
    assert before == {"pending": False, "reasons": []}
    target.one("reg.set", path=key, name="PendingFileRenameOperations", type="REG_MULTI_SZ",
               value=[r"\??\C:\old.dll", r"\??\C:\new.dll"])
    after = target.one("facts.get")["reboot_pending"]
    assert after["pending"] is True
    assert after["reasons"] == ["PendingFileRenameOperations"]


def test_exec_exit_code_stdout_env_and_cwd(target: Target) -> None:
    res = target.one("exec", executable="cmd.exe", arguments="/c exit 3", read_only=True)
    assert res["rc"] == 3 and res["changed"] is False
    res = target.one("exec", executable="cmd.exe", arguments="/c echo %WINOPS_CONF_VALUE%",
                     env={"WINOPS_CONF_VALUE": "hello there"}, read_only=True)
    assert res["rc"] == 0 and res["stdout"].strip() == "hello there"
    res = target.one("exec", executable="cmd.exe", arguments="/c cd", cwd=target.scratch,
                     read_only=True)
    assert res["stdout"].strip().lower() == target.scratch.lower()


def test_exec_in_check_mode_runs_only_read_only_commands(target: Target) -> None:
    res = target.one("exec", check_mode=True, executable="cmd.exe", arguments="/c exit 4")
    assert res["changed"] is True and res["rc"] is None
    res = target.one("exec", check_mode=True, executable="cmd.exe", arguments="/c exit 4",
                     read_only=True)
    assert res["changed"] is False and res["rc"] == 4


def test_exec_not_read_only_reports_changed(target: Target) -> None:
    res = target.one("exec", executable="cmd.exe", arguments="/c exit 0")
    assert res["changed"] is True and res["rc"] == 0


def test_exec_expect_rc_fails_the_batch_on_another_exit_code(target: Target) -> None:
    res = target.one("exec", executable="cmd.exe", arguments="/c exit 5", expect_rc=5)
    assert res["rc"] == 5 and res["changed"] is True
    batch = target.run([
        {"op": "exec", "args": {"executable": "cmd.exe", "arguments": "/c echo almost & exit 5",
                                "expect_rc": 0}},
        {"op": "exec", "args": {"executable": "cmd.exe", "arguments": "/c exit 0",
                                "read_only": True}},
    ])
    failed = batch["failed_op"]
    assert failed["index"] == 0 and failed["code"] == "error"
    assert "exited with code 5, not 0: almost" in failed["message"]
    assert batch["results"] == []


def test_exec_timeout_kills(target: Target) -> None:
    res = target.one("exec", executable="ping.exe", arguments="-n 30 127.0.0.1", timeout=2,
                     read_only=True)
    assert res["failed"] is True and res["code"] == "timeout"


def test_exec_missing_program(target: Target) -> None:
    res = target.one("exec", executable=target.scratch + r"\nope.exe", arguments="",
                     read_only=True)
    assert res["failed"] is True and res["code"] == "not_found"


def test_path_which_reads_files_beside_the_match(target: Target) -> None:
    goroot = target.scratch + r"\go"
    target.run([
        {"op": "file.mkdir", "args": {"path": goroot + r"\bin"}},
        {"op": "file.write", "args": {"path": goroot + r"\bin\go.exe",
                                      "content_b64": base64.b64encode(b"MZ").decode()}},
        {"op": "file.write", "args": {"path": goroot + r"\VERSION",
                                      "content_b64": base64.b64encode(
                                          b"go1.22.5\ntime 2024-06-04T20:55:00Z\n").decode()}},
    ])
    user_path = target.one("env.get", scope="user", names=["Path"])["vars"].get("Path")
    new_value = goroot + r"\bin;" + (user_path["value"] if user_path else "")
    target.one("env.set", scope="user", name="Path", value=new_value)
    try:
        res = target.one("path.which", name="go.exe", read=["..\\VERSION", "..\\missing"])
        mine = [m for m in res["matches"] if m["dir"].lower() == (goroot + r"\bin").lower()]
        assert len(mine) == 1
        assert mine[0]["scope"] == "user"
        assert mine[0]["path"].lower() == (goroot + r"\bin\go.exe").lower()
        assert mine[0]["files"]["..\\VERSION"].startswith("go1.22.5")
        assert mine[0]["files"]["..\\missing"] is None
    finally:
        if user_path:
            target.one("env.set", scope="user", name="Path", value=user_path["value"],
                       type=user_path["type"])
        else:
            target.one("env.remove", scope="user", name="Path")


def test_path_which_expands_entries(target: Target) -> None:
    if target.sim is None:
        pytest.skip("needs a go.exe under a known %VAR% directory")
    sim = target.sim
    sim.write_file(r"C:\Users\Administrator\gobin\go.exe", b"MZ")
    target.one("env.set", scope="user", name="Path", value=r"%USERPROFILE%\gobin")
    res = target.one("path.which", name="GO.EXE")
    assert [(m["entry"], m["dir"]) for m in res["matches"]] == [
        (r"%USERPROFILE%\gobin", r"C:\Users\Administrator\gobin")]
