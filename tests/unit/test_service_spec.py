"""win_go_service option validation: what ServiceSpec holds and every refusal's message."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import service_spec
from ansible_collections.winops.golang.plugins.module_utils.service_recovery import (
    FailureAction,
    Recovery,
)
from ansible_collections.winops.golang.plugins.module_utils.service_spec import (
    HealthCheck,
    LogSpec,
    ServiceSpecError,
    parse_health_check,
    parse_spec,
)

BASE = {"name": "api", "binary": "C:/build/api.exe", "root": "D:\\svc\\api\\"}
MODE_EXTRA = {"native": {}, "winsw": {"winsw_exe": "C:\\tools\\WinSW-x64.exe"},
              "nssm": {"nssm_exe": "C:\\tools\\nssm.exe"}}


def spec(**given: Any) -> service_spec.ServiceSpec:
    mode = given.get("mode", "native")
    return parse_spec({**BASE, **MODE_EXTRA.get(mode, {}), **given})


def error_of(**given: Any) -> str:
    with pytest.raises(ServiceSpecError) as err:
        spec(**given)
    return str(err.value)


def test_defaults() -> None:
    parsed = spec()
    assert parsed.name == "api" and parsed.display_name == "api"
    assert parsed.description == ""
    assert parsed.mode == "native" and parsed.state == "started"
    assert parsed.binary == "C:\\build\\api.exe" and parsed.root == "D:\\svc\\api"
    assert parsed.exe_name == "api.exe"
    assert parsed.program == "D:\\svc\\api\\current\\api.exe"
    assert parsed.working_directory == "D:\\svc\\api\\current"
    assert parsed.account.object_name == "NT SERVICE\\api"
    assert parsed.start_mode == "auto" and parsed.stop_timeout == 30
    assert parsed.recovery == Recovery()
    assert parsed.log is None and parsed.health_check is None
    assert (parsed.winsw_version, parsed.winsw_exe, parsed.nssm_exe) == (None, None, None)
    assert parsed.keep_releases == 3 and parsed.version is None


def test_normalises_lists_and_environment() -> None:
    parsed = spec(arguments=["-addr", ":8080", 3],
                  environment={"Path": "C:\\bin", "GOGC": 50, "app_env": "prod"},
                  dependencies=["Tcpip", "tcpip", "Dnscache"], start_mode="Delayed")
    assert parsed.arguments == ("-addr", ":8080", "3")
    assert parsed.environment == (("app_env", "prod"), ("GOGC", "50"), ("Path", "C:\\bin"))
    assert parsed.dependencies == ("Tcpip", "Dnscache")
    assert parsed.start_mode == "delayed"


def test_winsw_and_nssm_defaults() -> None:
    winsw = spec(mode="winsw")
    assert winsw.winsw_version == 2 and winsw.winsw_exe == "C:\\tools\\WinSW-x64.exe"
    assert winsw.log == LogSpec("D:\\svc\\api\\logs")
    sized = spec(mode="winsw", winsw_version=3, log={"rotation": "size"},
                 winsw_exe="https://example.org/WinSW-x64.exe", winsw_checksum="cd" * 32)
    assert sized.winsw_version == 3 and sized.winsw_exe == "https://example.org/WinSW-x64.exe"
    assert sized.log == LogSpec("D:\\svc\\api\\logs", "size", 10240, "daily", 8)
    nssm = spec(mode="nssm", recovery={"actions": [{"type": "restart", "delay_ms": 5000}]})
    assert nssm.nssm_exe == "C:\\tools\\nssm.exe"
    assert nssm.recovery == Recovery((FailureAction("restart", 5000),), 86400, None, None, True)


def test_none_means_default() -> None:
    """Argument specs pass every option; None must mean the default."""
    parsed = spec(mode="nssm", stop_timeout=None, keep_releases=None, description=None,
                  log={"rotation": "size", "max_size_kb": None, "keep": None},
                  recovery={"actions": [{"type": "restart", "delay_ms": None}],
                            "reset_period": None, "failure_actions_on_non_crash": None},
                  health_check={"tcp_port": 8080, "timeout": None, "expected_status": None})
    assert (parsed.stop_timeout, parsed.keep_releases, parsed.description) == (30, 3, "")
    assert parsed.log == LogSpec("D:\\svc\\api\\logs", "size", 10240, "daily", None)
    assert parsed.recovery == Recovery((FailureAction("restart", 0),), 86400, None, None, True)
    assert parsed.health_check == HealthCheck(tcp_port=8080)


def test_absent_needs_no_binary() -> None:
    parsed = parse_spec({"name": "api", "state": "absent", "mode": "winsw"})
    assert (parsed.binary, parsed.root, parsed.program, parsed.winsw_exe) == (
        None, None, None, None)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"name": None}, "name is required"),
        ({"name": "a/b"}, "name 'a/b' must not contain '/' or '\\' (the SCM refuses them)"),
        ({"name": "a\\b"}, "name 'a\\b' must not contain '/' or '\\' (the SCM refuses them)"),
        ({"name": "x" * 257}, "name is 257 characters; service names have at most 256"),
        ({"name": "a\tb"}, "name 'a\\tb' contains control characters"),
        ({"name": 5}, "name must be a string, not 5"),
        ({"colour": "red"}, "unknown options: colour"),
        ({"mode": "docker"}, "mode must be one of native, winsw, nssm, not 'docker'"),
        ({"state": "running"},
         "state must be one of started, stopped, restarted, absent, not 'running'"),
        ({"start_mode": "boot"},
         "start_mode must be one of auto, delayed, manual, disabled, not 'boot'"),
        ({"binary": None}, "binary is required (or src: a file on the controller)"),
        ({"src": "/srv/build/api.exe"}, "binary and src are mutually exclusive: binary is on "
         "the host (or a URL), src on the controller"),
        ({"binary": "https://ci.example.com/api.exe"},
         "binary 'https://ci.example.com/api.exe' is a URL: give its checksum (sha256) too"),
        ({"checksum": "abc"}, "checksum must be a SHA-256 (64 hex digits, optionally sha256:), "
         "not 'abc'"),
        ({"require_signature": True, "allowed_signers": ["12:34"]},
         "allowed_signers entry '12:34' is not a SHA-1 certificate thumbprint (40 hex digits)"),
        ({"allowed_signers": ["A" * 40]},
         "allowed_signers goes with require_signature: true"),
        ({"root": ""}, "root is required"),
        ({"binary": "api.exe"}, "binary 'api.exe' is not absolute: use a drive path (C:\\...) "
         "or a UNC path"),
        ({"binary": "C:\\build\\api"}, "binary 'C:\\build\\api' must name an .exe file"),
        ({"root": "D:\\"}, "root 'D:\\' is a drive root: use a directory such as "
         "C:\\Services\\api"),
        ({"display_name": "d" * 257}, "display_name is 257 characters; at most 256"),
        ({"winsw_version": 3}, "winsw_version is only used with mode winsw"),
        ({"nssm_exe": "C:\\nssm.exe"}, "nssm_exe is only used with mode nssm"),
        ({"mode": "winsw", "winsw_exe": None}, "mode winsw needs the WinSW exe: winsw_exe (a "
         "host path or a URL) or winsw_src (a file on the controller)"),
        ({"mode": "winsw", "winsw_exe": "https://example.org/WinSW-x64.exe"},
         "winsw_exe 'https://example.org/WinSW-x64.exe' is a URL: give winsw_checksum (sha256) "
         "too"),
        ({"mode": "winsw", "winsw_src": "/srv/WinSW-x64.exe"},
         "winsw_exe and winsw_src are mutually exclusive"),
        ({"mode": "winsw", "winsw_version": 4},
         "winsw_version must be between 2 and 3, not 4"),
        ({"mode": "winsw", "winsw_exe": "https://example.org/"},
         "winsw_exe 'https://example.org/' must be a URL of an .exe file"),
        ({"mode": "winsw", "name": "a:b"},
         "name 'a:b' cannot be a file name, and with winsw the WinSW exe and XML are named "
         "after the service: leave out <>:\"|?* and device names such as CON"),
        ({"mode": "winsw", "name": "aux"},
         "name 'aux' cannot be a file name, and with winsw the WinSW exe and XML are named "
         "after the service: leave out <>:\"|?* and device names such as CON"),
        ({"mode": "nssm", "nssm_exe": None}, "nssm_exe must be a non-empty absolute Windows "
         "path"),
        ({"arguments": "-addr :8080"},
         "arguments must be a list of strings (each one is quoted for Windows)"),
        ({"arguments": ["a", None]}, "arguments[1] must be a string, not None"),
        ({"environment": ["A=1"]}, "environment must be a dictionary of NAME: value"),
        ({"environment": {"A=B": "1"}},
         "environment name 'A=B' is not valid: no '=', no spaces around it"),
        ({"environment": {"PATH": "a", "Path": "b"}},
         "environment sets 'PATH' and 'Path': Windows environment names are "
         "case-insensitive, give one"),
        ({"environment": {"DEBUG": True}},
         "environment value of DEBUG must be a string, not True"),
        ({"dependencies": "Tcpip"}, "dependencies must be a list of service names"),
        ({"dependencies": ["API"]}, "dependencies[0]: service 'api' cannot depend on itself"),
        ({"dependencies": ["a/b"]},
         "dependencies[0] 'a/b' must not contain '/' or '\\' (the SCM refuses them)"),
        ({"stop_timeout": 0}, "stop_timeout must be between 1 and 600, not 0"),
        ({"stop_timeout": 1.5}, "stop_timeout must be an integer, not 1.5"),
        ({"account": "CORP\\svc"}, "account 'CORP\\svc' is a user account and needs a "
         "password (use a gMSA, DOMAIN\\name$, to run without one)"),
        ({"recovery": {"actions": [{"type": "restart"}] * 4}},
         "recovery.actions has 4 entries; give at most 3 (first, second and subsequent "
         "failures: the last one repeats)"),
        ({"version": "1 0"}, "version '1 0' cannot name a release directory: use letters, "
         "digits and '.', '_', '+', '-', starting with a letter or digit and not ending in "
         "'.'"),
        ({"keep_releases": 0}, "keep_releases must be between 1 and 100, not 0"),
        ({"event_log_source": "a\\b"},
         "event_log_source 'a\\b' must have no '\\' and at most 256 characters"),
    ],
)
def test_refusals(given: dict[str, Any], message: str) -> None:
    assert error_of(**given) == message


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"mode": "winsw", "recovery": {"actions": [{"type": "run_command"}],
                                        "command": "x.cmd"}},
         "recovery.actions: WinSW's <onfailure> knows restart, reboot and none, not "
         "run_command; use mode native or nssm for a command"),
        ({"mode": "winsw", "recovery": {"actions": [{"type": "reboot"}],
                                        "reboot_message": "bye"}},
         "recovery.reboot_message is not available with winsw: WinSW sets the failure "
         "actions without one"),
        ({"mode": "winsw", "recovery": {"reset_period": 2**31}},
         "recovery.reset_period must be at most 2147483647 with winsw"),
        ({"mode": "nssm", "recovery": {"actions": [{"type": "restart"}],
                                       "failure_actions_on_non_crash": False}},
         "recovery.failure_actions_on_non_crash must be true with nssm: NSSM stops the "
         "service when the program exits, which Windows does not count as a crash"),
    ],
)
def test_recovery_per_mode(given: dict[str, Any], message: str) -> None:
    assert error_of(**given) == message


@pytest.mark.parametrize(
    ("mode", "log", "message"),
    [
        ("native", {"rotation": "size"}, "log.rotation needs mode winsw or nssm: a native "
         "service writes its own logs, so rotate them in the program"),
        ("nssm", {"rotation": "time"}, "log.rotation 'time' is not available with nssm: "
         "NSSM rotates only by size (and when the service starts); use rotation 'size' or "
         "mode winsw"),
        ("nssm", {"rotation": "size", "keep": 5},
         "log.keep is not available with nssm: NSSM never deletes rotated files"),
        ("winsw", {"rotation": "time", "keep": 5}, "log.keep is not available with "
         "log.rotation 'time': WinSW deletes only size-rolled files; use rotation 'size' or "
         "drop keep"),
        ("winsw", {"keep": 5}, "log.keep needs a log.rotation (size or time)"),
        ("winsw", {"rotation": "weekly"},
         "log.rotation must be one of none, size, time, not 'weekly'"),
        ("winsw", {"rotation": "size", "max_size_kb": 4194304},
         "log.max_size_kb must be between 1 and 4194303, not 4194304"),
        ("winsw", {"interval": "weekly"},
         "log.interval must be one of daily, hourly, not 'weekly'"),
        ("winsw", {"path": "C:\\logs"}, "log has unknown keys: path"),
        ("winsw", "C:\\logs",
         "log must be a dictionary (directory, rotation, max_size_kb, interval, keep)"),
    ],
)
def test_log_per_mode(mode: str, log: Any, message: str) -> None:
    assert error_of(mode=mode, log=log) == message


def test_log_choices() -> None:
    assert spec(log={"directory": "E:/logs/api/"}).log == LogSpec("E:\\logs\\api")
    assert spec(mode="winsw", log={"rotation": "time", "interval": "hourly"}).log == LogSpec(
        "D:\\svc\\api\\logs", "time", 10240, "hourly", None)
    assert spec(mode="nssm", log={"rotation": "size", "max_size_kb": 1024}).log == LogSpec(
        "D:\\svc\\api\\logs", "size", 1024, "daily", None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ({"tcp_port": 8080}, HealthCheck(tcp_port=8080)),
        ({"http_url": "http://127.0.0.1:8080/healthz", "timeout": 60, "expected_status": 204},
         HealthCheck(None, "http://127.0.0.1:8080/healthz", 60, 204)),
        ({"http_url": "https://localhost/healthz"},
         HealthCheck(None, "https://localhost/healthz", 30, None)),  # None: any 2xx
    ],
)
def test_health_check(value: Any, expected: HealthCheck | None) -> None:
    assert parse_health_check(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({}, "health_check needs exactly one of tcp_port and http_url"),
        ({"tcp_port": 80, "http_url": "http://127.0.0.1/"},
         "health_check needs exactly one of tcp_port and http_url"),
        ({"tcp_port": 0}, "health_check.tcp_port must be between 1 and 65535, not 0"),
        ({"tcp_port": 70000}, "health_check.tcp_port must be between 1 and 65535, not 70000"),
        ({"tcp_port": 80, "expected_status": 200},
         "health_check.expected_status is only used with http_url"),
        ({"http_url": "ftp://127.0.0.1/x"}, "health_check.http_url 'ftp://127.0.0.1/x' must "
         "be an http:// or https:// URL with a host, e.g. http://127.0.0.1:8080/healthz"),
        ({"http_url": "http:///healthz"}, "health_check.http_url 'http:///healthz' must be an "
         "http:// or https:// URL with a host, e.g. http://127.0.0.1:8080/healthz"),
        ({"http_url": "http://127.0.0.1:99999/"},
         "health_check.http_url 'http://127.0.0.1:99999/' has an invalid port"),
        ({"http_url": "http://127.0.0.1/", "expected_status": 302},
         "health_check.expected_status must be between 200 and 299, not 302"),
        ({"tcp_port": 80, "timeout": 0},
         "health_check.timeout must be between 1 and 3600, not 0"),
        ({"port": 80}, "health_check has unknown keys: port"),
        ([80], "health_check must be a dictionary (tcp_port or http_url, timeout)"),
    ],
)
def test_health_check_refusals(value: Any, message: str) -> None:
    with pytest.raises(ServiceSpecError) as err:
        parse_health_check(value)
    assert str(err.value) == message


def test_expansion_warnings() -> None:
    assert service_spec.expansion_warnings(spec(arguments=["%TEMP%"])) == []
    wrapped = spec(mode="nssm", arguments=["--dir", "%TEMP%\\x", "50%"],
                   environment={"A": "100% sure", "B": "%USERPROFILE%"})
    assert service_spec.expansion_warnings(wrapped) == [
        "arguments contains %TEMP%, which nssm replaces with the variable's value when it "
        "is set",
        "environment.B contains %USERPROFILE%, which nssm replaces with the variable's value "
        "when it is set",
    ]


def test_describe_masks_the_password() -> None:
    parsed = spec(account="CORP\\svc", password="hunter2")
    described = service_spec.describe(parsed)
    assert "hunter2" not in repr(described)
    assert described["account"] == {"kind": "user", "object_name": "CORP\\svc",
                                    "password": "********", "needs_logon_right": True}
    assert described["name"] == "api" and described["recovery"]["actions"] == ()


def test_binary_sources_and_signature_options() -> None:
    pushed = spec(binary=None, src="/srv/build/api-v2.exe")
    assert (pushed.binary, pushed.src, pushed.exe_name) == (None, "/srv/build/api-v2.exe",
                                                            "api-v2.exe")
    assert pushed.program == "D:\\svc\\api\\current\\api-v2.exe"
    fetched = spec(binary="https://ci.example.com/builds/42/api.exe",
                   checksum="SHA256:" + "AB" * 32)
    assert fetched.exe_name == "api.exe" and fetched.checksum == "ab" * 32
    signed = spec(require_signature=True, allowed_signers=["aa bb" + "c" * 36, "AABB" + "C" * 36])
    assert signed.require_signature and signed.allowed_signers == ("AABB" + "C" * 36,)
    assert spec().rollback is True and spec(rollback=False).rollback is False
