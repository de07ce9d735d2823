"""What a freshly installed Windows Server looks like, per release.

:func:`new_model` builds the registry, environment, ACL, TCP and services
seeds of a clean Datacenter install; :func:`seed_files` lays out the real
directories; :func:`ensure_user` creates a user's profile on first logon
(``HKU\\<SID>``, ``C:\\Users\\<name>``), as Windows does when an account
first connects.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from .environment import MACHINE_ENV, SYSTEM_SID, read_env_key, user_env_path, volatile_env_path
from .model import FORMAT, Model
from .names import fold
from .registry import RegistryTree, RegPath, new_key


@dataclass(frozen=True)
class Release:
    """The facts of one Windows Server release as its registry reports them."""

    name: str
    build: int
    ubr: int
    release_id: str
    display_version: str | None
    build_lab: str
    powershell: str
    dotnet_release: int
    openssh: bool
    windows_apps: bool
    congestion: str
    syn_retransmissions: int


RELEASES: dict[str, Release] = {
    # 2016 and 2019 have no DisplayVersion value: only ReleaseId.
    "2016": Release("2016", 14393, 7428, "1607", None, "14393.rs1_release.240926-1524",
                    "5.1.14393.0", 394802, False, False, "ctcp", 2),
    "2019": Release("2019", 17763, 6414, "1809", None, "17763.rs5_release.180914-1434",
                    "5.1.17763.1", 461814, True, True, "cubic", 2),
    # 2022 and later keep ReleaseId at 2009 and report the real version in DisplayVersion.
    "2022": Release("2022", 20348, 2849, "2009", "21H2", "20348.fe_release.210507-1500",
                    "5.1.20348.1", 528449, True, True, "cubic", 4),
    "2025": Release("2025", 26100, 2894, "2009", "24H2", "26100.ge_release.240331-1435",
                    "5.1.26100.1", 533320, True, True, "cubic", 4),
}

SYSTEM32_PROGRAMS = ("cmd.exe", "whoami.exe", "hostname.exe", "ping.exe")
POWERSHELL_EXE = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"

# icacls "C:\Program Files" on a clean install (Get-Acl shows the generic rights
# of the inherit-only entries as numbers, as here).
PROGRAM_FILES_ACL: dict[str, Any] = {
    "owner": r"NT SERVICE\TrustedInstaller",
    "group": r"NT SERVICE\TrustedInstaller",
    "protected": True,
    "aces": [
        {"identity": r"NT SERVICE\TrustedInstaller", "rights": "FullControl",
         "inheritance": "None", "propagation": "None"},
        {"identity": r"NT SERVICE\TrustedInstaller", "rights": "268435456",
         "inheritance": "ContainerInherit", "propagation": "InheritOnly"},
        {"identity": r"NT AUTHORITY\SYSTEM", "rights": "Modify, Synchronize",
         "inheritance": "None", "propagation": "None"},
        {"identity": r"NT AUTHORITY\SYSTEM", "rights": "268435456",
         "inheritance": "ContainerInherit, ObjectInherit", "propagation": "InheritOnly"},
        {"identity": r"BUILTIN\Administrators", "rights": "Modify, Synchronize",
         "inheritance": "None", "propagation": "None"},
        {"identity": r"BUILTIN\Administrators", "rights": "268435456",
         "inheritance": "ContainerInherit, ObjectInherit", "propagation": "InheritOnly"},
        {"identity": r"BUILTIN\Users", "rights": "ReadAndExecute, Synchronize",
         "inheritance": "None", "propagation": "None"},
        {"identity": r"BUILTIN\Users", "rights": "-1610612736",
         "inheritance": "ContainerInherit, ObjectInherit", "propagation": "InheritOnly"},
        {"identity": "CREATOR OWNER", "rights": "268435456",
         "inheritance": "ContainerInherit, ObjectInherit", "propagation": "InheritOnly"},
        {"identity": r"APPLICATION PACKAGE AUTHORITY\ALL APPLICATION PACKAGES",
         "rights": "ReadAndExecute, Synchronize", "inheritance": "None", "propagation": "None"},
        {"identity": r"APPLICATION PACKAGE AUTHORITY\ALL APPLICATION PACKAGES",
         "rights": "-1610612736", "inheritance": "ContainerInherit, ObjectInherit",
         "propagation": "InheritOnly"},
        {"identity": r"APPLICATION PACKAGE AUTHORITY\ALL RESTRICTED APPLICATION PACKAGES",
         "rights": "ReadAndExecute, Synchronize", "inheritance": "None", "propagation": "None"},
        {"identity": r"APPLICATION PACKAGE AUTHORITY\ALL RESTRICTED APPLICATION PACKAGES",
         "rights": "-1610612736", "inheritance": "ContainerInherit, ObjectInherit",
         "propagation": "InheritOnly"},
    ],
}

PROTECTED_DIRS = (
    "C:\\",
    r"C:\Windows",
    r"C:\Windows\System32",
    r"C:\Windows\System32\WindowsPowerShell",
    r"C:\Windows\System32\WindowsPowerShell\v1.0",
    r"C:\Program Files",
    r"C:\Program Files (x86)",
    r"C:\ProgramData",
    r"C:\Users",
    r"C:\Users\Public",
    r"C:\Users\Default",
)

SEED_DIRS = (
    r"C:\Windows\System32\Wbem",
    r"C:\Windows\System32\WindowsPowerShell\v1.0\Modules",
    r"C:\Windows\System32\config\systemprofile\AppData\Local\Temp",
    r"C:\Windows\System32\config\systemprofile\AppData\Roaming",
    r"C:\Windows\Temp",
    r"C:\Program Files\Common Files",
    r"C:\Program Files\WindowsPowerShell\Modules",
    r"C:\Program Files (x86)\Common Files",
    r"C:\ProgramData",
    r"C:\Users\Public",
    r"C:\Users\Default\AppData\Local\Temp",
)


def _set(reg: RegistryTree, path: RegPath, values: dict[str, tuple[str, Any]]) -> None:
    node = reg.create(path)
    for name, (kind, data) in values.items():
        reg.set_value(node, name, kind, data)


def _hklm(*parts: str) -> RegPath:
    return RegPath("HKLM", parts)


def machine_sid(seed: str) -> str:
    """A stable machine SID prefix (``S-1-5-21-a-b-c``) derived from ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    subs = [int.from_bytes(digest[i:i + 4], "little") for i in (0, 4, 8)]
    return "S-1-5-21-" + "-".join(str(s) for s in subs)


def default_hostname(seed: str) -> str:
    """Setup's random ``WIN-XXXXXXXXXXX`` name, made deterministic from ``seed``."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    num = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    chars = []
    for _digit in range(11):
        num, rem = divmod(num, len(alphabet))
        chars.append(alphabet[rem])
    return "WIN-" + "".join(chars)


def machine_path(release: Release) -> str:
    """The machine ``Path`` of a clean install (OpenSSH is there from 2019 on)."""
    entries = [r"%SystemRoot%\system32", "%SystemRoot%", r"%SystemRoot%\System32\Wbem",
               r"%SYSTEMROOT%\System32\WindowsPowerShell\v1.0" + "\\"]
    if release.openssh:
        entries.append(r"%SYSTEMROOT%\System32\OpenSSH" + "\\")
    return ";".join(entries)


def _machine_env(release: Release) -> dict[str, tuple[str, Any]]:
    sz, ex = "REG_SZ", "REG_EXPAND_SZ"
    return {
        "ComSpec": (ex, r"%SystemRoot%\system32\cmd.exe"),
        "DriverData": (sz, r"C:\Windows\System32\Drivers\DriverData"),
        "NUMBER_OF_PROCESSORS": (sz, "2"),
        "OS": (sz, "Windows_NT"),
        "Path": (ex, machine_path(release)),
        "PATHEXT": (sz, ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC"),
        "PROCESSOR_ARCHITECTURE": (sz, "AMD64"),
        "PROCESSOR_IDENTIFIER": (sz, "Intel64 Family 6 Model 85 Stepping 7, GenuineIntel"),
        "PROCESSOR_LEVEL": (sz, "6"),
        "PROCESSOR_REVISION": (sz, "5507"),
        "PSModulePath": (ex, r"%ProgramFiles%\WindowsPowerShell\Modules;"
                             r"%SystemRoot%\system32\WindowsPowerShell\v1.0\Modules"),
        "TEMP": (ex, r"%SystemRoot%\TEMP"),
        "TMP": (ex, r"%SystemRoot%\TEMP"),
        "USERNAME": (sz, "SYSTEM"),
        "windir": (ex, "%SystemRoot%"),
    }


def _seed_registry(reg: RegistryTree, release: Release, hostname: str) -> None:
    sz, ex, dw = "REG_SZ", "REG_EXPAND_SZ", "REG_DWORD"
    product = f"Windows Server {release.name} Datacenter"
    nt = _hklm("SOFTWARE", "Microsoft", "Windows NT", "CurrentVersion")
    current = {
        "ProductName": (sz, product),
        "EditionID": (sz, "ServerDatacenter"),
        "CompositionEditionID": (sz, "ServerDatacenter"),
        "InstallationType": (sz, "Server"),
        "CurrentBuild": (sz, str(release.build)),
        "CurrentBuildNumber": (sz, str(release.build)),
        "CurrentVersion": (sz, "6.3"),
        "CurrentMajorVersionNumber": (dw, 10),
        "CurrentMinorVersionNumber": (dw, 0),
        "CurrentType": (sz, "Multiprocessor Free"),
        "UBR": (dw, release.ubr),
        "ReleaseId": (sz, release.release_id),
        "BuildLab": (sz, release.build_lab),
        "BuildBranch": (sz, release.build_lab.split(".")[1]),
        "SystemRoot": (sz, r"C:\Windows"),
        "PathName": (sz, r"C:\Windows"),
        "RegisteredOwner": (sz, "Windows User"),
        "RegisteredOrganization": (sz, ""),
        "SoftwareType": (sz, "System"),
    }
    if release.display_version:
        current["DisplayVersion"] = (sz, release.display_version)
    _set(reg, nt, current)
    _set(reg, nt.child("ProfileList"), {
        "ProfilesDirectory": (ex, r"%SystemDrive%\Users"),
        "ProgramData": (ex, r"%SystemDrive%\ProgramData"),
        "Public": (ex, r"%SystemDrive%\Users\Public"),
        "Default": (ex, r"%SystemDrive%\Users\Default"),
    })
    for sid, image in ((SYSTEM_SID, r"%systemroot%\system32\config\systemprofile"),
                       ("S-1-5-19", r"%systemroot%\ServiceProfiles\LocalService"),
                       ("S-1-5-20", r"%systemroot%\ServiceProfiles\NetworkService")):
        _set(reg, nt.child("ProfileList").child(sid), {"ProfileImagePath": (ex, image)})
    cv = _hklm("SOFTWARE", "Microsoft", "Windows", "CurrentVersion")
    _set(reg, cv, {
        "ProgramFilesDir": (sz, r"C:\Program Files"),
        "ProgramFilesDir (x86)": (sz, r"C:\Program Files (x86)"),
        "ProgramW6432Dir": (sz, r"C:\Program Files"),
        "CommonFilesDir": (sz, r"C:\Program Files\Common Files"),
        "CommonFilesDir (x86)": (sz, r"C:\Program Files (x86)\Common Files"),
        "CommonW6432Dir": (sz, r"C:\Program Files\Common Files"),
        "ProgramFilesPath": (ex, "%ProgramFiles%"),
        "DevicePath": (ex, r"%SystemRoot%\inf"),
    })
    # The three pending-reboot signals live under these keys; a clean host has none.
    reg.create(cv.child("Component Based Servicing"))
    reg.create(cv.child("WindowsUpdate").child("Auto Update"))
    ps = _hklm("SOFTWARE", "Microsoft", "PowerShell")
    _set(reg, RegPath("HKLM", (*ps.parts, "1", "ShellIds", "Microsoft.PowerShell")), {
        "ExecutionPolicy": (sz, "RemoteSigned"),
        "Path": (sz, POWERSHELL_EXE),
    })
    _set(reg, RegPath("HKLM", (*ps.parts, "1", "PowerShellEngine")), {
        "ApplicationBase": (sz, r"C:\Windows\System32\WindowsPowerShell\v1.0"),
        "PowerShellVersion": (sz, "2.0"),
        "RuntimeVersion": (sz, "v2.0.50727"),
    })
    _set(reg, RegPath("HKLM", (*ps.parts, "3", "PowerShellEngine")), {
        "ApplicationBase": (sz, r"C:\Windows\System32\WindowsPowerShell\v1.0"),
        "PowerShellVersion": (sz, release.powershell),
        "PSCompatibleVersion": (sz, "1.0, 2.0, 3.0, 4.0, 5.0, 5.1"),
        "RuntimeVersion": (sz, "v4.0.30319"),
    })
    _set(reg, _hklm("SOFTWARE", "Microsoft", "NET Framework Setup", "NDP", "v4", "Full"), {
        "Release": (dw, release.dotnet_release),
        "Install": (dw, 1),
    })
    reg.create(_hklm("SOFTWARE", "Policies", "Microsoft", "Windows"))
    reg.create(_hklm("SOFTWARE", "Classes"))
    reg.create(_hklm("SYSTEM", "CurrentControlSet", "Hardware Profiles", "Current"))
    reg.create(_hklm("SYSTEM", "CurrentControlSet", "Services"))
    reg.create(_hklm("SYSTEM", "CurrentControlSet", "Control", "SecurityProviders", "SCHANNEL",
                     "Protocols"))
    _set(reg, _hklm("SYSTEM", "CurrentControlSet", "Control", "FileSystem"),
         {"LongPathsEnabled": (dw, 0)})
    session = _hklm("SYSTEM", "CurrentControlSet", "Control", "Session Manager")
    _set(reg, session, {"BootExecute": ("REG_MULTI_SZ", ["autocheck autochk *"])})
    _set(reg, MACHINE_ENV, _machine_env(release))
    names = _hklm("SYSTEM", "CurrentControlSet", "Control", "ComputerName")
    _set(reg, names.child("ComputerName"), {"ComputerName": (sz, hostname)})
    _set(reg, names.child("ActiveComputerName"), {"ComputerName": (sz, hostname)})
    _set(reg, _hklm("SYSTEM", "CurrentControlSet", "Services", "Tcpip", "Parameters"), {
        "Hostname": (sz, hostname),
        "NV Hostname": (sz, hostname),
        "Domain": (sz, ""),
        "NV Domain": (sz, ""),
    })
    _set(reg, _hklm("HARDWARE", "DESCRIPTION", "System", "CentralProcessor", "0"), {
        "ProcessorNameString": (sz, "Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz"),
        "Identifier": (sz, "Intel64 Family 6 Model 85 Stepping 7"),
    })
    reg.create(RegPath("HKU", (".DEFAULT", "Environment")))
    _set(reg, user_env_path(SYSTEM_SID), {
        "TEMP": (ex, r"%USERPROFILE%\AppData\Local\Temp"),
        "TMP": (ex, r"%USERPROFILE%\AppData\Local\Temp"),
    })


def _tcp(release: Release) -> dict[str, Any]:
    ports = {proto: {fam: {"start": 49152, "count": 16384} for fam in ("ipv4", "ipv6")}
             for proto in ("tcp", "udp")}
    settings = {
        "receive_side_scaling": "enabled",
        "autotuning_level": "normal",
        "congestion_provider": release.congestion,
        "ecn_capability": "disabled",
        "timestamps": "disabled",
        "initial_rto_ms": 1000,
        "receive_segment_coalescing": "enabled",
        "non_sack_rtt_resiliency": "disabled",
        "max_syn_retransmissions": release.syn_retransmissions,
        "fast_open": "enabled" if release.build >= 17763 else "disabled",
        "fast_open_fallback": "enabled" if release.build >= 17763 else "disabled",
        "hystart": "enabled" if release.build >= 17763 else "disabled",
        "proportional_rate_reduction": "enabled" if release.build >= 17763 else "disabled",
        "pacing_profile": "off",
    }
    return {"dynamic_ports": ports, "global": settings}


def new_model(os_release: str, hostname: str, seed: str) -> Model:
    """A clean Windows Server ``os_release`` host named ``hostname`` (no users yet)."""
    release = RELEASES[os_release]
    data: dict[str, Any] = {
        "format": FORMAT,
        "os_release": os_release,
        "machine_sid": machine_sid(seed + hostname),
        "registry": {"HKLM": new_key("HKLM"), "HKU": new_key("HKU")},
        "junctions": {},
        "users": {},
        "services": {},
        "boot_env": {},
        "acls": {fold(r"C:\Program Files"): PROGRAM_FILES_ACL},
        "tcp": _tcp(release),
        "protected": [fold(p) for p in PROTECTED_DIRS],
        "shares": {},
        "clock": 0.0,
        "boot_count": 1,
        "trusted_roots": [],
    }
    model = Model(data)
    _seed_registry(model.registry, release, hostname)
    model.data["protected"] += [fold(rf"C:\Windows\System32\{n}") for n in SYSTEM32_PROGRAMS]
    model.data["protected"].append(fold(POWERSHELL_EXE))
    # Services every release runs from the start (IP Helper: portproxy needs it).
    from .ops_portproxy import ensure_iphlpsvc  # it builds on ops_services, which uses seed

    ensure_iphlpsvc(model)
    snapshot_boot_env(model)
    return model


def snapshot_boot_env(model: Model) -> None:
    """What services.exe reads at boot: the machine environment key as it is now."""
    model.data["boot_env"] = read_env_key(model.registry, MACHINE_ENV)


def placeholder_exe(name: str) -> bytes:
    """Content of a seeded program file: a PE-looking stub that names itself."""
    return b"MZ\x90\x00winsim placeholder for " + name.encode() + b"\r\n"


def seed_files(fs_root: str, os_release: str) -> None:
    """Create the real directories and placeholder programs of a clean install."""
    release = RELEASES[os_release]
    c = os.path.join(fs_root, "C")

    def real(win: str) -> str:
        return os.path.join(c, *win[3:].split("\\"))

    for win in SEED_DIRS:
        os.makedirs(real(win), exist_ok=True)
    if release.openssh:
        os.makedirs(real(r"C:\Windows\System32\OpenSSH"), exist_ok=True)
    files = [rf"C:\Windows\System32\{n}" for n in SYSTEM32_PROGRAMS] + [POWERSHELL_EXE]
    if release.openssh:
        files.append(r"C:\Windows\System32\OpenSSH\ssh.exe")
    for win in files:
        os.makedirs(os.path.dirname(real(win)), exist_ok=True)
        with open(real(win), "wb") as fh:
            fh.write(placeholder_exe(win.rsplit("\\", 1)[1]))


def ensure_user(model: Model, fs_root: str, name: str, hostname: str) -> dict[str, Any]:
    """The user record of ``name``, creating the profile on first logon."""
    found = model.user(name)
    if found:
        return found
    users = model.data["users"]
    rid = 500 if fold(name) == "ADMINISTRATOR" else 1000 + len(
        [u for u in users.values() if not u["sid"].endswith("-500")])
    sid = f"{model.data['machine_sid']}-{rid}"
    users_dir = os.path.join(fs_root, "C", "Users")
    taken = {fold(n) for n in os.listdir(users_dir)} if os.path.isdir(users_dir) else set()
    # Windows names a second profile folder for the same name NAME.COMPUTERNAME.
    folder = name if fold(name) not in taken else f"{name}.{hostname}"
    profile = rf"C:\Users\{folder}"
    record = {"name": name, "sid": sid, "profile": profile}
    users[fold(name)] = record
    release = RELEASES[model.os_release]
    reg = model.registry
    ex, sz = "REG_EXPAND_SZ", "REG_SZ"
    plist = _hklm("SOFTWARE", "Microsoft", "Windows NT", "CurrentVersion", "ProfileList")
    _set(reg, plist.child(sid), {"ProfileImagePath": (ex, profile)})
    env: dict[str, tuple[str, Any]] = {
        "TEMP": (ex, r"%USERPROFILE%\AppData\Local\Temp"),
        "TMP": (ex, r"%USERPROFILE%\AppData\Local\Temp"),
    }
    if release.windows_apps:
        env = {"Path": (ex, r"%USERPROFILE%\AppData\Local\Microsoft\WindowsApps;"), **env}
    _set(reg, user_env_path(sid), env)
    _set(reg, volatile_env_path(sid), {
        "LOGONSERVER": (sz, "\\\\" + hostname),
        "USERDOMAIN": (sz, hostname),
        "USERNAME": (sz, name),
        "USERPROFILE": (sz, profile),
        "HOMEPATH": (sz, profile[2:]),
        "HOMEDRIVE": (sz, "C:"),
        "APPDATA": (sz, profile + r"\AppData\Roaming"),
        "LOCALAPPDATA": (sz, profile + r"\AppData\Local"),
        "USERDOMAIN_ROAMINGPROFILE": (sz, hostname),
    })
    sw = RegPath("HKU", (sid, "Software", "Microsoft", "Windows", "CurrentVersion"))
    _set(reg, sw.child("Internet Settings"), {"ProxyEnable": ("REG_DWORD", 0)})
    _set(reg, sw.child("Explorer").child("User Shell Folders"), {
        "AppData": (ex, r"%USERPROFILE%\AppData\Roaming"),
        "Local AppData": (ex, r"%USERPROFILE%\AppData\Local"),
    })
    base = os.path.join(fs_root, "C", "Users", folder)
    subdirs = [("AppData", "Roaming"), ("AppData", "Local", "Temp"), ("Desktop",),
               ("Documents",), ("Downloads",)]
    if release.windows_apps:
        subdirs.append(("AppData", "Local", "Microsoft", "WindowsApps"))
    for parts in subdirs:
        os.makedirs(os.path.join(base, *parts), exist_ok=True)
    return record
