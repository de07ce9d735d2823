"""Pure catalogue, validation, profiles and planning of ``win_tcp_tuning``.

Every setting the module manages is one entry of :data:`CATALOGUE`: where it
lives on the host (an op of ``net.get``/``net.set`` or a registry value read
with ``reg.get`` and written with ``reg.set``), the values it accepts and
whether Windows applies it only after a reboot. The action plugin:

1. :func:`resolve` merges the profile with the explicit options and checks
   everything that needs no host (types, ranges, refused settings), so bad
   input fails with zero round trips;
2. sends :func:`read_ops` in one batch and turns the results into the host's
   state with :func:`parse_reads`;
3. :func:`check_release` checks the values some releases lack (CUBIC before
   Server 2019, BBR2 before Server 2025, system-managed last-access updates
   before build 17134);
4. :func:`plan` compares, and :func:`write_ops` makes the compare-and-set batch.

Decoders of ``Win32PrioritySeparation`` and ``NtfsDisableLastAccessUpdate``
live in :mod:`tuning_decode`. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import tuning_decode

TCPIP_PARAMETERS = r"HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"
PRIORITY_CONTROL = r"HKLM:\SYSTEM\CurrentControlSet\Control\PriorityControl"
FILE_SYSTEM = r"HKLM:\SYSTEM\CurrentControlSet\Control\FileSystem"
NT_CURRENT_VERSION = r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion"

# Windows Server releases this collection supports, by build number.
RELEASES: dict[int, str] = {14393: "2016", 17763: "2019", 20348: "2022", 26100: "2025"}
MIN_BUILD = 14393
CUBIC_BUILD = 17763
BBR2_BUILD = 26100

PROTOCOLS = ("tcp", "udp")
FAMILIES = ("ipv4", "ipv6")
# KB 929851: the lowest start port netsh accepts, the smallest range, the highest port.
PORT_MIN_START = 1025
PORT_MIN_COUNT = 255
PORT_MAX = 65535
# Windows Server 2012 R2 and later accept 2-300 s; the module keeps the 30 s floor
# documented for earlier releases (twice a 15 s segment lifetime is already short).
TIME_WAIT_MIN = 30
TIME_WAIT_MAX = 300

ENABLED_DISABLED = ("enabled", "disabled")
AUTOTUNING_LEVELS = ("disabled", "highlyrestricted", "restricted", "normal", "experimental")
CONGESTION_PROVIDERS = ("ctcp", "dctcp", "cubic", "bbr2")


@dataclass(frozen=True)
class Setting:
    """One managed setting: where it lives, and whether it needs a reboot."""

    name: str
    kind: str  # "net" (net.get/net.set) or "reg" (reg.get/reg.set)
    key: str  # net: the net.set setting id; reg: the value name
    path: str = ""  # reg: the key
    reboot: bool = False
    summary: str = ""


def _port_settings() -> list[Setting]:
    return [
        Setting(
            f"dynamic_port_range.{proto}.{fam}",
            "net",
            f"dynamic_ports.{proto}.{fam}",
            summary=f"netsh int {fam} set dynamicport {proto}",
        )
        for proto in PROTOCOLS
        for fam in FAMILIES
    ]


CATALOGUE: dict[str, Setting] = {
    s.name: s
    for s in [
        *_port_settings(),
        Setting(
            "autotuning_level",
            "net",
            "tcp.autotuning_level",
            summary="Set-NetTCPSetting -AutoTuningLevelLocal",
        ),
        Setting(
            "congestion_provider",
            "net",
            "tcp.congestion_provider",
            summary="Set-NetTCPSetting -CongestionProvider",
        ),
        Setting(
            "ecn_capability",
            "net",
            "tcp.ecn_capability",
            summary="Set-NetTCPSetting -EcnCapability",
        ),
        Setting("timestamps", "net", "tcp.timestamps", summary="Set-NetTCPSetting -Timestamps"),
        Setting(
            "initial_congestion_window",
            "net",
            "tcp.initial_congestion_window",
            summary="Set-NetTCPSetting -InitialCongestionWindowMss",
        ),
        Setting(
            "receive_side_scaling",
            "net",
            "offload.receive_side_scaling",
            summary="Set-NetOffloadGlobalSetting -ReceiveSideScaling",
        ),
        Setting(
            "receive_segment_coalescing",
            "net",
            "offload.receive_segment_coalescing",
            summary="Set-NetOffloadGlobalSetting -ReceiveSegmentCoalescing",
        ),
        Setting(
            "tcp_timed_wait_delay",
            "reg",
            "TcpTimedWaitDelay",
            TCPIP_PARAMETERS,
            True,
            "Tcpip\\Parameters\\TcpTimedWaitDelay",
        ),
        Setting(
            "disable_task_offload",
            "reg",
            "DisableTaskOffload",
            TCPIP_PARAMETERS,
            True,
            "Tcpip\\Parameters\\DisableTaskOffload",
        ),
        Setting(
            "win32_priority_separation",
            "reg",
            "Win32PrioritySeparation",
            PRIORITY_CONTROL,
            True,
            "PriorityControl\\Win32PrioritySeparation",
        ),
        Setting(
            "ntfs_disable_last_access",
            "reg",
            "NtfsDisableLastAccessUpdate",
            FILE_SYSTEM,
            True,
            "FileSystem\\NtfsDisableLastAccessUpdate",
        ),
    ]
}

# Options whose setting does nothing, or does not exist, on Windows Server 2016 and
# later: always refused, with why and what to use instead.
REFUSED: dict[str, str] = {
    "max_user_port": (
        "max_user_port is refused: MaxUserPort set the top of the Windows Server 2003 "
        "ephemeral range (KB 196271). Since Windows Server 2008 the range is a start port "
        "and a count per protocol and IP version, set with netsh (KB 929851). Use "
        "dynamic_port_range instead."
    ),
    "tcp_num_connections": (
        "tcp_num_connections is refused: TcpNumConnections is documented only for the "
        "Windows XP/Server 2003 TCP/IP stack (KB 314053), where its default 0xFFFFFE is "
        "already the maximum, so it cannot raise a limit. Connection counts are bounded by "
        "the dynamic port range (use dynamic_port_range) and by memory."
    ),
    "io_page_lock_limit": (
        "io_page_lock_limit is refused: IoPageLockLimit is a Windows 2000 memory manager "
        "setting (Windows 2000 Registry Reference) that later memory managers ignore, and no "
        "Windows Server 2016+ documentation lists it. Windows sizes locked I/O pages itself: "
        "there is nothing to use instead."
    ),
    "large_page_minimum": (
        "large_page_minimum is refused: LargePageMinimum is not a documented setting of "
        "Windows Server 2016+. The large-page size comes from the processor "
        "(GetLargePageMinimum), and a program uses large pages by holding the 'Lock pages in "
        "memory' privilege and allocating with MEM_LARGE_PAGES."
    ),
    "enable_numa": (
        "enable_numa is refused: Windows has no EnableNuma setting. NUMA is enabled in the "
        "server firmware, and Windows schedules threads and memory NUMA-aware by itself "
        "(Microsoft: NUMA Support). The only documented NUMA registry value, "
        "Control\\NUMA\\SplitLargeNodes (build 20348+), restores legacy node splitting and "
        "is not a tuning knob."
    ),
}

PROFILES: dict[str, dict[str, Any]] = {
    "none": {},
    # Many short-lived connections: a wider ephemeral port pool and a shorter
    # TIME_WAIT, so closed connections give their ports back sooner; RSS and normal
    # receive-window auto-tuning are the Windows defaults, asserted so drift shows.
    "high_concurrency_server": {
        "dynamic_port_range": {
            "start": 16384,
            "count": 49152,
            "protocols": list(PROTOCOLS),
            "families": list(FAMILIES),
        },
        "tcp_timed_wait_delay": 30,
        "receive_side_scaling": "enabled",
        "autotuning_level": "normal",
    },
}

SIMPLE_OPTIONS = (
    "autotuning_level",
    "congestion_provider",
    "ecn_capability",
    "timestamps",
    "initial_congestion_window",
    "receive_side_scaling",
    "receive_segment_coalescing",
    "tcp_timed_wait_delay",
    "disable_task_offload",
    "win32_priority_separation",
    "ntfs_disable_last_access",
)

TASK_OFFLOAD_REFUSAL = (
    "disable_task_offload=true turns off the checksum, large-send and IPsec offloads of "
    "every adapter (Tcpip\\Parameters\\DisableTaskOffload, which Microsoft documents as a "
    "driver debugging aid) and costs CPU on a busy server. Set "
    "acknowledge_task_offload_risk=true to do it anyway."
)
TASK_OFFLOAD_WARNING = (
    "DisableTaskOffload=1 turns off TCP/IP task offloads on every adapter after the next "
    "reboot; the CPU does the checksum and segmentation work instead."
)
BBR2_WARNING = (
    "congestion_provider=bbr2: problems with loopback connections (for example local "
    "proxies) have been reported with BBR2 on build 26100; test it before a fleet rollout."
)


def release_name(build: int) -> str:
    """``Windows Server 2022 (build 20348)``, or just the build for an unknown one."""
    name = RELEASES.get(build)
    return f"Windows Server {name} (build {build})" if name else f"build {build}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _port_errors(spec: dict[str, Any]) -> list[str]:
    errors = []
    start, count = spec.get("start"), spec.get("count")
    if start < PORT_MIN_START:
        errors.append(
            f"dynamic_port_range.start must be {PORT_MIN_START} or more (the lowest "
            f"start port netsh accepts), not {start}"
        )
    if start > PORT_MAX:
        errors.append(f"dynamic_port_range.start must be {PORT_MAX} or less, not {start}")
    if count < PORT_MIN_COUNT:
        errors.append(
            f"dynamic_port_range.count must be at least {PORT_MIN_COUNT} (the "
            f"smallest range netsh accepts), not {count}"
        )
    elif start <= PORT_MAX and start + count - 1 > PORT_MAX:
        errors.append(
            f"dynamic_port_range ends at port {start + count - 1} (start {start} + "
            f"count {count} - 1), past {PORT_MAX}: use a count of at most "
            f"{PORT_MAX - start + 1}"
        )
    for field, allowed in (("protocols", PROTOCOLS), ("families", FAMILIES)):
        if not spec.get(field):
            errors.append(
                f"dynamic_port_range.{field} must name at least one of {', '.join(allowed)}"
            )
    return errors


def _value_errors(desired: dict[str, Any]) -> list[str]:
    errors = []
    delay = desired.get("tcp_timed_wait_delay")
    if delay is not None and not TIME_WAIT_MIN <= delay <= TIME_WAIT_MAX:
        errors.append(
            f"tcp_timed_wait_delay must be {TIME_WAIT_MIN} to {TIME_WAIT_MAX} seconds, not {delay}"
        )
    icw = desired.get("initial_congestion_window")
    if icw is not None and (icw < 2 or icw > 64 or icw % 2):
        errors.append(
            "initial_congestion_window must be an even number of segments from 2 to "
            f"64 (Set-NetTCPSetting -InitialCongestionWindowMss), not {icw}"
        )
    sep = desired.get("win32_priority_separation")
    if sep is not None and not 0 <= sep <= 0x3F:
        errors.append(
            f"win32_priority_separation must be 0 to 63 (0x3F: a 6-bit AABBCC mask), not {sep}"
        )
    ntfs = desired.get("ntfs_disable_last_access")
    if ntfs is not None and not 0 <= ntfs <= 3:
        errors.append(
            "ntfs_disable_last_access must be 0, 1, 2 or 3 (as fsutil behavior set "
            f"disablelastaccess), not {ntfs}"
        )
    return errors


def resolve(args: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Merge the profile and the explicit options; check what needs no host.

    Returns ``(desired, warnings)``: ``desired`` maps catalogue setting names to
    the value wanted on the host (option vocabulary; registry values are turned
    into stored data by :func:`stored_value`). Raises ``ValueError`` naming every
    problem at once.
    """
    errors = [REFUSED[name] for name in REFUSED if args.get(name) is not None]
    profile = PROFILES[args.get("profile") or "none"]
    merged: dict[str, Any] = dict(profile)
    for name in ("dynamic_port_range", *SIMPLE_OPTIONS):
        if args.get(name) is not None:
            merged[name] = args[name]

    desired: dict[str, Any] = {}
    ports = merged.pop("dynamic_port_range", None)
    if ports is not None:
        ports = {"protocols": list(PROTOCOLS), "families": list(FAMILIES), **ports}
        port_errors = _port_errors(ports)
        errors += port_errors
        if not port_errors:
            for proto in ports["protocols"]:
                for fam in ports["families"]:
                    desired[f"dynamic_port_range.{proto}.{fam}"] = {
                        "start": ports["start"],
                        "count": ports["count"],
                    }
    desired.update(merged)
    errors += _value_errors(desired)

    warnings = []
    if desired.get("disable_task_offload"):
        if not args.get("acknowledge_task_offload_risk"):
            errors.append(TASK_OFFLOAD_REFUSAL)
        else:
            warnings.append(TASK_OFFLOAD_WARNING)
    if desired.get("congestion_provider") == "bbr2":
        warnings.append(BBR2_WARNING)
    if errors:
        raise ValueError("; ".join(errors))
    return desired, warnings


def check_release(desired: dict[str, Any], build: int) -> None:
    """Refuse values the host's release lacks (``ValueError``)."""
    if build < MIN_BUILD:
        raise ValueError(
            f"win_tcp_tuning supports Windows Server 2016 (build {MIN_BUILD}) and "
            f"later. This host is {release_name(build)}"
        )
    errors = []
    provider = desired.get("congestion_provider")
    offered = congestion_providers(build)
    if provider is not None and provider not in offered:
        if provider == "cubic":
            why = (
                "needs Windows Server 2019 (build 17763) or later: CUBIC came with Windows "
                "10 1703 and is the default from Server 2019"
            )
        else:
            why = "needs Windows Server 2025 (build 26100) or later"
        errors.append(
            f"congestion_provider={provider} {why}. This host is "
            f"{release_name(build)}, which offers {_join(list(offered))}"
        )
    ntfs = desired.get("ntfs_disable_last_access")
    if ntfs in (2, 3) and build < tuning_decode.NTFS_NEW_SEMANTICS_BUILD:
        errors.append(
            f"ntfs_disable_last_access={ntfs} (system managed) needs build "
            f"{tuning_decode.NTFS_NEW_SEMANTICS_BUILD} (Windows 10 1803) or later: "
            f"{release_name(build)} knows only 0 (updates on) and 1 (updates off)"
        )
    if errors:
        raise ValueError("; ".join(errors))


def congestion_providers(build: int) -> tuple[str, ...]:
    """The congestion providers this module offers on ``build``."""
    offered = ["ctcp", "dctcp"]
    if build >= CUBIC_BUILD:
        offered.append("cubic")
    if build >= BBR2_BUILD:
        offered.append("bbr2")
    return tuple(offered)


def stored_value(name: str, value: Any, build: int) -> Any:
    """The registry data (REG_DWORD) that stands for option value ``value``."""
    if name == "disable_task_offload":
        return 1 if value else 0
    if name == "ntfs_disable_last_access":
        return tuning_decode.encode_ntfs_last_access(value, build)
    return value


# -- host reads -------------------------------------------------------------------------


READ_BUILD = "build"
READ_INSTALLATION = "installation_type"
READ_NET = "net"


def read_ops() -> list[tuple[str, str, dict[str, Any]]]:
    """``(label, op, args)`` of the one read batch: the build, every registry value, net.get."""
    ops: list[tuple[str, str, dict[str, Any]]] = [
        (READ_BUILD, "reg.get", {"path": NT_CURRENT_VERSION, "name": "CurrentBuildNumber"}),
        (READ_INSTALLATION, "reg.get", {"path": NT_CURRENT_VERSION, "name": "InstallationType"}),
    ]
    for setting in CATALOGUE.values():
        if setting.kind == "reg":
            ops.append((setting.name, "reg.get", {"path": setting.path, "name": setting.key}))
    ops.append((READ_NET, "net.get", {}))
    return ops


def _net_value(net: dict[str, Any], key: str) -> Any:
    node: Any = net
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def parse_reads(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The host's state from the read results (by label).

    ``values`` maps every catalogue setting to what is on the host: net values
    as ``net.get`` reports them, registry values as ``{"type", "value"}`` or
    ``None`` when absent.
    """
    build_raw = results[READ_BUILD].get("value")
    try:
        build = int(build_raw)
    except (TypeError, ValueError):
        build = 0
    installation = results[READ_INSTALLATION].get("value") or "Server"
    values: dict[str, Any] = {}
    for setting in CATALOGUE.values():
        if setting.kind == "net":
            values[setting.name] = _net_value(results[READ_NET], setting.key)
        else:
            res = results[setting.name]
            values[setting.name] = (
                {"type": res["type"], "value": res["value"]} if res.get("exists") else None
            )
    return {"build": build, "installation_type": installation, "values": values}


# -- planning ----------------------------------------------------------------------------


@dataclass
class Change:
    """One setting to write: the value seen by the read, and the one wanted."""

    setting: Setting
    before: Any
    after: Any


def plan(desired: dict[str, Any], state: dict[str, Any]) -> tuple[dict[str, Any], list[Change]]:
    """Compare; return ``(targets, changes)``.

    ``targets`` maps each managed setting to the value it should have on the
    host (registry values as ``{"type": "REG_DWORD", "value": N}``).
    """
    targets: dict[str, Any] = {}
    changes: list[Change] = []
    for name in CATALOGUE:
        if name not in desired:
            continue
        setting = CATALOGUE[name]
        current = state["values"][name]
        if setting.kind == "reg":
            want: Any = {
                "type": "REG_DWORD",
                "value": stored_value(name, desired[name], state["build"]),
            }
        else:
            want = desired[name]
        targets[name] = want
        if current != want:
            changes.append(Change(setting, current, want))
    return targets, changes


def write_ops(changes: list[Change]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(setting name, op, args)`` of the compare-and-set batch."""
    ops = []
    for change in changes:
        s = change.setting
        if s.kind == "net":
            ops.append(
                (
                    s.name,
                    "net.set",
                    {"setting": s.key, "value": change.after, "expected": change.before},
                )
            )
        else:
            ops.append(
                (
                    s.name,
                    "reg.set",
                    {
                        "path": s.path,
                        "name": s.key,
                        "type": change.after["type"],
                        "value": change.after["value"],
                        "expected": change.before,
                    },
                )
            )
    return ops


def plain(value: Any) -> Any:
    """A value for the diff: registry data as its bare number (``None`` when absent)."""
    if isinstance(value, dict) and set(value) == {"type", "value"}:
        return value["value"]
    return value


def describe(name: str, value: Any, build: int, installation_type: str) -> Any:
    """A setting's value as reported to the user (registry values decoded)."""
    if CATALOGUE[name].kind == "net":
        return value
    raw = value["value"] if isinstance(value, dict) else None
    if name == "win32_priority_separation":
        return tuning_decode.decode_priority_separation(raw, server=installation_type != "Client")
    if name == "ntfs_disable_last_access":
        return tuning_decode.decode_ntfs_last_access(raw, build)
    if name == "tcp_timed_wait_delay":
        return {
            "value": raw,
            "seconds": raw if raw is not None else tuning_decode.TIME_WAIT_DEFAULT,
            "set": raw is not None,
        }
    if name == "disable_task_offload":
        return {
            "value": raw,
            "task_offload": "disabled" if raw else "enabled",
            "set": raw is not None,
        }
    return raw
