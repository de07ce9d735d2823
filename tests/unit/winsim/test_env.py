"""Environment: expansion, the process block, services and reboots, broadcasts."""

from __future__ import annotations

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.environment import (
    EnvBlock,
    choose_type,
    expand,
    has_reference,
    service_env,
)
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.model import Model

from .helpers import run

SESSION = r"HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager"


def test_expand_once_and_leave_unknown_references() -> None:
    env = EnvBlock([("A", "%B%"), ("B", "b"), ("SystemRoot", r"C:\Windows")])
    assert expand(r"%systemroot%\x", env) == r"C:\Windows\x"
    assert expand("%A%", env) == "%B%"  # not expanded twice
    assert expand("%NOPE%;%B%", env) == "%NOPE%;b"
    assert expand("%NOPE%B%", env) == "%NOPEb"  # the closing % opens the next reference
    assert expand("100%", env) == "100%"
    assert expand("%%", env) == "%%"


def test_type_rule() -> None:
    assert has_reference(r"%USERPROFILE%\go") and not has_reference("50% off, 20% on")
    assert choose_type("x", "REG_SZ", "REG_EXPAND_SZ") == "REG_SZ"
    assert choose_type("%X%", None, "REG_SZ") == "REG_EXPAND_SZ"
    assert choose_type("plain", None, "REG_EXPAND_SZ") == "REG_EXPAND_SZ"
    assert choose_type("plain", None, None) == "REG_SZ"


def echo(host: SimHost, text: str, **env: str) -> str:
    res = run(host, "exec", executable=r"C:\Windows\System32\cmd.exe",
              arguments=f"/c echo {text}", env=env, read_only=True)
    return res["stdout"].rstrip("\r\n")


def test_process_path_is_machine_then_user(host: SimHost) -> None:
    path = echo(host, "%PATH%")
    assert path.startswith(r"C:\Windows\system32;C:\Windows;C:\Windows\System32\Wbem;")
    assert path.endswith(r";C:\Users\Administrator\AppData\Local\Microsoft\WindowsApps;")
    assert echo(host, "%TEMP%") == r"C:\Users\Administrator\AppData\Local\Temp"
    assert echo(host, "%USERNAME%") == "Administrator"  # the logon overrides SYSTEM
    assert echo(host, "%ProgramFiles(x86)%") == r"C:\Program Files (x86)"
    assert echo(host, "%COMPUTERNAME%") == "WIN1"


def test_user_variables_cannot_see_volatile_ones(host: SimHost) -> None:
    # HKCU\Volatile Environment is applied after HKCU\Environment, as on Windows.
    host.set_env("user", "GOCACHE_DIR", r"%LOCALAPPDATA%\go-build")
    assert echo(host, "%GOCACHE_DIR%") == r"%LOCALAPPDATA%\go-build"
    host.set_env("user", "GOPATH", r"%USERPROFILE%\go")
    assert echo(host, "%GOPATH%") == r"C:\Users\Administrator\go"


def test_op_env_overrides_the_process_environment(host: SimHost) -> None:
    assert echo(host, "%GOFLAGS%", GOFLAGS="-mod=mod") == "-mod=mod"
    assert echo(host, "%path%", Path=r"C:\only") == r"C:\only"
    # A bare program name is searched on the op's PATH, which no longer has System32.
    res = run(host, "exec", executable="cmd.exe", arguments="/c exit 0", env={"PATH": "C:\\"},
              read_only=True)
    assert res["failed"] is True and res["code"] == "not_found"


def test_services_see_the_machine_environment_of_the_last_boot(host: SimHost) -> None:
    run(host, "env.set", scope="machine", name="GOPROXY", value="https://mirror.local")
    model = Model.load(host.root + "/model.json")
    before = service_env(model.registry, model.boot_env, "WIN1")
    assert before.get("GOPROXY") is None
    assert before.get("USERPROFILE") == r"C:\Windows\system32\config\systemprofile"
    assert before.get("TEMP") == r"C:\Windows\system32\config\systemprofile\AppData\Local\Temp"
    host.reboot()
    model = Model.load(host.root + "/model.json")
    after = service_env(model.registry, model.boot_env, "WIN1")
    assert after.get("GOPROXY") == "https://mirror.local"


def test_broadcast_once_per_changing_batch_even_after_a_failure(host: SimHost) -> None:
    res = host.run_batch({"ops": [
        {"op": "env.set", "args": {"scope": "machine", "name": "A1", "value": "1"}},
        {"op": "env.remove", "args": {"scope": "user", "name": "TEMP"}},
        {"op": "file.move", "args": {"src": r"C:\none", "dest": r"C:\x"}},
        {"op": "env.set", "args": {"scope": "user", "name": "A2", "value": "2"}},
    ]})
    assert res["failed_op"]["index"] == 2 and res["broadcast"] is True
    assert host.env("user", "A2") is None
    log = host.op_log()
    assert [e["op"] for e in log][-4:] == ["env.set", "env.remove", "file.move", "broadcast"]
    assert log[-2]["error"] == "not_found"
    unchanged = host.run_batch({"ops": [
        {"op": "env.set", "args": {"scope": "machine", "name": "A1", "value": "1"}}]})
    assert unchanged["broadcast"] is False
    assert sum(1 for e in host.op_log() if e["op"] == "broadcast") == 1


def test_env_names_are_validated(host: SimHost) -> None:
    for name in ("", "A=B"):
        res = run(host, "env.set", scope="user", name=name, value="x")
        assert res["failed"] is True and res["code"] == "invalid_argument"
    res = run(host, "env.set", scope="system", name="X", value="x")
    assert res["code"] == "invalid_argument"


def test_largest_value_windows_takes(host: SimHost) -> None:
    assert run(host, "env.set", scope="user", name="BIG", value="x" * 32767)["changed"] is True


def test_reboot_clears_the_three_signals_and_runs_pending_renames(host: SimHost) -> None:
    host.write_file(r"C:\stage\new.dll", b"new")
    host.write_file(r"C:\app\old.dll", b"old")
    host.write_file(r"C:\app\gone.tmp", b"x")
    host.set_reg(SESSION, "PendingFileRenameOperations", "REG_MULTI_SZ",
                 [r"\??\C:\stage\new.dll", r"\??\C:\app\old.dll", r"\??\C:\app\gone.tmp", ""])
    cv = r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion"
    host.set_reg(cv + r"\Component Based Servicing\RebootPending", "", "REG_SZ", "")
    host.set_reg(cv + r"\WindowsUpdate\Auto Update\RebootRequired", "x", "REG_DWORD", 1)
    pending = run(host, "facts.get")["reboot_pending"]
    assert pending == {"pending": True, "reasons": [
        "ComponentBasedServicing", "WindowsUpdate", "PendingFileRenameOperations"]}
    host.reboot()
    assert run(host, "facts.get")["reboot_pending"] == {"pending": False, "reasons": []}
    assert host.read_file(r"C:\app\old.dll") == b"new"
    assert host.read_file(r"C:\app\gone.tmp") is None
    assert host.read_file(r"C:\stage\new.dll") is None
    assert [e["op"] for e in host.op_log()][-2:] == ["reboot", "facts.get"]


def test_facts_follow_registry_edits(host: SimHost) -> None:
    nt = r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
    host.set_reg(nt, "UBR", "REG_DWORD", 3000)
    host.set_reg(nt, "CurrentBuildNumber", "REG_SZ", "20349")
    host.set_reg(r"HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters", "Domain",
                 "REG_SZ", "corp.example")
    facts = run(host, "facts.get")
    assert facts["os"]["ubr"] == 3000 and facts["os"]["build"] == 20349
    assert facts["domain"] == "corp.example" and facts["domain_joined"] is True
