"""What a fresh simulated Windows Server looks like, per release."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .helpers import run

NT = r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
ENV = r"HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Environment"

RELEASES = {
    # release: (build, display_version, caption, has OpenSSH and WindowsApps)
    "2016": (14393, "1607", "Microsoft Windows Server 2016 Datacenter", False),
    "2019": (17763, "1809", "Microsoft Windows Server 2019 Datacenter", True),
    "2022": (20348, "21H2", "Microsoft Windows Server 2022 Datacenter", True),
    "2025": (26100, "24H2", "Microsoft Windows Server 2025 Datacenter", True),
}


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_each_release_reports_its_own_facts(tmp_path: Path, release: str) -> None:
    build, display, caption, modern = RELEASES[release]
    host = SimHost(str(tmp_path / release), os_release=release, hostname="SEED")
    facts = run(host, "facts.get")
    assert facts["os"]["build"] == build
    assert facts["os"]["version"] == f"10.0.{build}"
    assert facts["os"]["display_version"] == display
    assert facts["os"]["caption"] == caption
    assert facts["os"]["edition"] == "ServerDatacenter"
    assert facts["os"]["installation_type"] == "Server"
    assert facts["os"]["ubr"] > 0
    assert facts["powershell_version"] == f"5.1.{build}." + ("0" if release == "2016" else "1")
    assert facts["architecture"] == "AMD64"
    assert facts["reboot_pending"] == {"pending": False, "reasons": []}
    assert facts["hostname"] == "SEED" and facts["domain"] == "WORKGROUP"
    assert facts["domain_joined"] is False
    # 2016/2019 only have ReleaseId; DisplayVersion came with 20H2.
    assert (host.reg(NT, "DisplayVersion") is None) == (release in ("2016", "2019"))
    path = host.env("machine", "Path")
    assert path is not None and path["type"] == "REG_EXPAND_SZ"
    assert path["value"].startswith(r"%SystemRoot%\system32;%SystemRoot%;")
    assert ("OpenSSH" in path["value"]) == modern
    user_path = host.env("user", "Path")
    assert (user_path is not None) == modern
    if modern:
        assert user_path == {"value": r"%USERPROFILE%\AppData\Local\Microsoft\WindowsApps;",
                             "type": "REG_EXPAND_SZ"}


def test_2022_machine_environment_is_the_real_default(host: SimHost) -> None:
    got = run(host, "env.get", scope="machine")["vars"]
    assert got["Path"]["value"] == (
        r"%SystemRoot%\system32;%SystemRoot%;%SystemRoot%\System32\Wbem;"
        r"%SYSTEMROOT%\System32\WindowsPowerShell\v1.0\;%SYSTEMROOT%\System32\OpenSSH" "\\")
    assert got["ComSpec"] == {"value": r"%SystemRoot%\system32\cmd.exe",
                              "type": "REG_EXPAND_SZ"}
    assert got["TEMP"] == got["TMP"] == {"value": r"%SystemRoot%\TEMP", "type": "REG_EXPAND_SZ"}
    assert got["USERNAME"]["value"] == "SYSTEM"
    assert got["windir"]["value"] == "%SystemRoot%"
    assert got["PROCESSOR_ARCHITECTURE"]["value"] == "AMD64"
    assert got["PATHEXT"]["value"].startswith(".COM;.EXE;.BAT;.CMD")
    for name in ("DriverData", "NUMBER_OF_PROCESSORS", "OS", "PROCESSOR_IDENTIFIER",
                 "PROCESSOR_LEVEL", "PROCESSOR_REVISION", "PSModulePath"):
        assert name in got
    user = run(host, "env.get", scope="user")["vars"]
    assert user["TEMP"]["value"] == r"%USERPROFILE%\AppData\Local\Temp"


def test_seeded_files_and_directories(host: SimHost) -> None:
    for path in (r"C:\Windows\System32\cmd.exe", r"C:\Windows\System32\whoami.exe",
                 r"C:\Windows\System32\hostname.exe", r"C:\Windows\System32\ping.exe",
                 r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"):
        assert run(host, "file.stat", path=path)["type"] == "file", path
    for path in (r"C:\Program Files", r"C:\Program Files (x86)", r"C:\ProgramData",
                 r"C:\Users\Administrator\AppData\Roaming",
                 r"C:\Users\Administrator\AppData\Local\Temp", r"C:\Windows\Temp"):
        assert run(host, "file.stat", path=path)["type"] == "directory", path
    assert host.read_file(r"C:\Windows\System32\cmd.exe").startswith(b"MZ")


def test_model_seeds_for_later_ops(host: SimHost) -> None:
    import json

    data = json.loads(Path(host.root, "model.json").read_text())
    acl = data["acls"]["C:\\PROGRAM FILES"]
    assert acl["owner"] == r"NT SERVICE\TrustedInstaller" and acl["protected"] is True
    identities = {ace["identity"] for ace in acl["aces"]}
    assert {"CREATOR OWNER", r"BUILTIN\Users",
            r"APPLICATION PACKAGE AUTHORITY\ALL APPLICATION PACKAGES"} <= identities
    users = [a for a in acl["aces"] if a["identity"] == r"BUILTIN\Users"]
    assert users[0]["rights"] == "ReadAndExecute, Synchronize"
    ports = data["tcp"]["dynamic_ports"]
    for proto in ("tcp", "udp"):
        for fam in ("ipv4", "ipv6"):
            assert ports[proto][fam] == {"start": 49152, "count": 16384}
    assert data["tcp"]["global"]["congestion_provider"] == "cubic"
    # Only what every release runs from the start: IP Helper (portproxy needs it).
    assert list(data["services"]) == ["IPHLPSVC"]
    assert data["services"]["IPHLPSVC"]["state"] == "running"
    policy = host.reg(r"HKLM:\SOFTWARE\Microsoft\PowerShell\1\ShellIds\Microsoft.PowerShell",
                      "ExecutionPolicy")
    assert policy == {"type": "REG_SZ", "value": "RemoteSigned"}
    assert data["boot_env"] == run(host, "env.get", scope="machine")["vars"]


def test_default_hostname_is_stable_and_setup_like(tmp_path: Path) -> None:
    root = str(tmp_path / "h")
    name = run(SimHost(root), "facts.get")["hostname"]
    assert name.startswith("WIN-") and len(name) == 15
    assert run(SimHost(root), "facts.get")["hostname"] == name


def test_profile_tree_of_the_connecting_user(host: SimHost) -> None:
    facts = run(host, "facts.get")
    assert facts["user"] == {
        "name": "Administrator", "domain": "WIN1", "profile": r"C:\Users\Administrator",
        "appdata": r"C:\Users\Administrator\AppData\Roaming",
        "localappdata": r"C:\Users\Administrator\AppData\Local",
    }
    assert facts["dirs"] == {
        "program_files": r"C:\Program Files", "program_data": r"C:\ProgramData",
        "system_root": r"C:\Windows", "temp": r"C:\Users\Administrator\AppData\Local\Temp",
    }
    assert os.path.isdir(host.host_path(r"C:\Users\Administrator\AppData\Local\Microsoft"
                                        r"\WindowsApps"))
