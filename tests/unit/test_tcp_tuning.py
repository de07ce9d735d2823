"""win_tcp_tuning's pure parts: validation tables per release, profiles, planning, decoders."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import tcp_tuning, tuning_decode
from ansible_collections.winops.golang.plugins.module_utils.tcp_tuning import (
    check_release,
    resolve,
)

BUILDS = {"2016": 14393, "2019": 17763, "2022": 20348, "2025": 26100}
ALL_PORTS = [f"dynamic_port_range.{p}.{f}" for p in ("tcp", "udp") for f in ("ipv4", "ipv6")]


def args(**given: Any) -> dict[str, Any]:
    """Task arguments as the argument spec leaves them (defaults filled in)."""
    base: dict[str, Any] = dict.fromkeys(tcp_tuning.SIMPLE_OPTIONS)
    base.update(dict.fromkeys(tcp_tuning.REFUSED))
    base.update(profile="none", dynamic_port_range=None, acknowledge_task_offload_risk=False)
    ports = given.get("dynamic_port_range")
    if ports is not None:
        given["dynamic_port_range"] = {"protocols": ["tcp", "udp"],
                                       "families": ["ipv4", "ipv6"], **ports}
    base.update(given)
    return base


def error_of(**given: Any) -> str:
    with pytest.raises(ValueError) as err:
        resolve(args(**given))
    return str(err.value)


# -- profiles and merging -----------------------------------------------------------


def test_profile_none_manages_nothing() -> None:
    assert resolve(args()) == ({}, [])


def test_high_concurrency_profile() -> None:
    desired, warnings = resolve(args(profile="high_concurrency_server"))
    assert warnings == []
    assert desired == {
        **{name: {"start": 16384, "count": 49152} for name in ALL_PORTS},
        "tcp_timed_wait_delay": 30,
        "receive_side_scaling": "enabled",
        "autotuning_level": "normal",
    }


def test_explicit_options_override_the_profile() -> None:
    desired, _w = resolve(args(profile="high_concurrency_server", tcp_timed_wait_delay=60,
                               dynamic_port_range={"start": 32768, "count": 32768,
                                                   "protocols": ["tcp"]},
                               congestion_provider="cubic"))
    ports = {k: v for k, v in desired.items() if k.startswith("dynamic_port_range")}
    # The explicit range replaces the profile's as a whole: UDP is no longer managed.
    assert ports == {
        "dynamic_port_range.tcp.ipv4": {"start": 32768, "count": 32768},
        "dynamic_port_range.tcp.ipv6": {"start": 32768, "count": 32768},
    }
    assert desired["tcp_timed_wait_delay"] == 60
    assert desired["congestion_provider"] == "cubic"
    assert desired["receive_side_scaling"] == "enabled"


def test_profiles_only_use_valid_values() -> None:
    for name in tcp_tuning.PROFILES:
        desired, _w = resolve(args(profile=name))
        for build in BUILDS.values():
            check_release(desired, build)


# -- static validation (no host needed) -------------------------------------------------


@pytest.mark.parametrize(("ports", "message"), [
    ({"start": 1000, "count": 1000},
     "dynamic_port_range.start must be 1025 or more (the lowest start port netsh accepts), "
     "not 1000"),
    ({"start": 10000, "count": 100},
     "dynamic_port_range.count must be at least 255 (the smallest range netsh accepts), "
     "not 100"),
    ({"start": 60000, "count": 10000},
     "dynamic_port_range ends at port 69999 (start 60000 + count 10000 - 1), past 65535: "
     "use a count of at most 5536"),
    ({"start": 70000, "count": 300},
     "dynamic_port_range.start must be 65535 or less, not 70000"),
    ({"start": 10000, "count": 1000, "protocols": []},
     "dynamic_port_range.protocols must name at least one of tcp, udp"),
])
def test_port_range_limits(ports: dict[str, Any], message: str) -> None:
    assert error_of(dynamic_port_range=ports) == message


def test_port_range_edges_are_accepted() -> None:
    desired, _w = resolve(args(dynamic_port_range={"start": 1025, "count": 64511}))
    assert desired["dynamic_port_range.udp.ipv6"] == {"start": 1025, "count": 64511}
    desired, _w = resolve(args(dynamic_port_range={"start": 65281, "count": 255}))
    assert desired["dynamic_port_range.tcp.ipv4"] == {"start": 65281, "count": 255}


@pytest.mark.parametrize(("option", "value", "message"), [
    ("tcp_timed_wait_delay", 29, "tcp_timed_wait_delay must be 30 to 300 seconds, not 29"),
    ("tcp_timed_wait_delay", 301, "tcp_timed_wait_delay must be 30 to 300 seconds, not 301"),
    ("initial_congestion_window", 3,
     "initial_congestion_window must be an even number of segments from 2 to 64 "
     "(Set-NetTCPSetting -InitialCongestionWindowMss), not 3"),
    ("initial_congestion_window", 66,
     "initial_congestion_window must be an even number of segments from 2 to 64 "
     "(Set-NetTCPSetting -InitialCongestionWindowMss), not 66"),
    ("initial_congestion_window", 0,
     "initial_congestion_window must be an even number of segments from 2 to 64 "
     "(Set-NetTCPSetting -InitialCongestionWindowMss), not 0"),
    ("win32_priority_separation", 64,
     "win32_priority_separation must be 0 to 63 (0x3F: a 6-bit AABBCC mask), not 64"),
    ("win32_priority_separation", -1,
     "win32_priority_separation must be 0 to 63 (0x3F: a 6-bit AABBCC mask), not -1"),
    ("ntfs_disable_last_access", 4,
     "ntfs_disable_last_access must be 0, 1, 2 or 3 (as fsutil behavior set "
     "disablelastaccess), not 4"),
])
def test_value_ranges(option: str, value: int, message: str) -> None:
    assert error_of(**{option: value}) == message


@pytest.mark.parametrize(("option", "value"), [
    ("tcp_timed_wait_delay", 30), ("tcp_timed_wait_delay", 300),
    ("initial_congestion_window", 2), ("initial_congestion_window", 64),
    ("win32_priority_separation", 0), ("win32_priority_separation", 0x3F),
    ("ntfs_disable_last_access", 0), ("ntfs_disable_last_access", 3),
])
def test_range_edges(option: str, value: int) -> None:
    assert resolve(args(**{option: value}))[0] == {option: value}


def test_profile_values_are_validated_too() -> None:
    # An explicit bad value is reported even when a profile sets the same option.
    assert error_of(profile="high_concurrency_server", tcp_timed_wait_delay=10) == (
        "tcp_timed_wait_delay must be 30 to 300 seconds, not 10")


@pytest.mark.parametrize("option", sorted(tcp_tuning.REFUSED))
def test_refused_settings_say_why_and_what_instead(option: str) -> None:
    message = error_of(**{option: 1})
    assert message == tcp_tuning.REFUSED[option]
    assert message.startswith(f"{option} is refused: ")


def test_max_user_port_points_to_the_dynamic_port_range() -> None:
    assert error_of(max_user_port=65534) == (
        "max_user_port is refused: MaxUserPort set the top of the Windows Server 2003 "
        "ephemeral range (KB 196271). Since Windows Server 2008 the range is a start port "
        "and a count per protocol and IP version, set with netsh (KB 929851). Use "
        "dynamic_port_range instead.")


def test_every_problem_is_reported_at_once() -> None:
    message = error_of(max_user_port=65534, tcp_timed_wait_delay=5,
                       dynamic_port_range={"start": 80, "count": 300})
    assert message.split("; ") == [
        tcp_tuning.REFUSED["max_user_port"],
        "dynamic_port_range.start must be 1025 or more (the lowest start port netsh "
        "accepts), not 80",
        "tcp_timed_wait_delay must be 30 to 300 seconds, not 5",
    ]


def test_disable_task_offload_needs_the_acknowledgement() -> None:
    assert error_of(disable_task_offload=True) == tcp_tuning.TASK_OFFLOAD_REFUSAL
    desired, warnings = resolve(args(disable_task_offload=True,
                                     acknowledge_task_offload_risk=True))
    assert desired == {"disable_task_offload": True}
    assert warnings == [tcp_tuning.TASK_OFFLOAD_WARNING]
    # Turning the offloads back on needs no acknowledgement and warns about nothing.
    assert resolve(args(disable_task_offload=False)) == ({"disable_task_offload": False}, [])


def test_bbr2_warns() -> None:
    assert resolve(args(congestion_provider="bbr2"))[1] == [tcp_tuning.BBR2_WARNING]


# -- per-release validation ------------------------------------------------------------

PROVIDERS_BY_RELEASE = {
    "2016": ("ctcp", "dctcp"),
    "2019": ("ctcp", "dctcp", "cubic"),
    "2022": ("ctcp", "dctcp", "cubic"),
    "2025": ("ctcp", "dctcp", "cubic", "bbr2"),
}


@pytest.mark.parametrize("release", sorted(BUILDS))
@pytest.mark.parametrize("provider", tcp_tuning.CONGESTION_PROVIDERS)
def test_congestion_providers_per_release(release: str, provider: str) -> None:
    build = BUILDS[release]
    assert tcp_tuning.congestion_providers(build) == PROVIDERS_BY_RELEASE[release]
    desired = {"congestion_provider": provider}
    if provider in PROVIDERS_BY_RELEASE[release]:
        check_release(desired, build)
    else:
        with pytest.raises(ValueError, match=f"congestion_provider={provider} needs"):
            check_release(desired, build)


def test_cubic_on_server_2016_says_why() -> None:
    with pytest.raises(ValueError) as err:
        check_release({"congestion_provider": "cubic"}, 14393)
    assert str(err.value) == (
        "congestion_provider=cubic needs Windows Server 2019 (build 17763) or later: CUBIC "
        "came with Windows 10 1703 and is the default from Server 2019. This host is Windows "
        "Server 2016 (build 14393), which offers ctcp and dctcp")


def test_bbr2_on_server_2022_says_why() -> None:
    with pytest.raises(ValueError) as err:
        check_release({"congestion_provider": "bbr2"}, 20348)
    assert str(err.value) == (
        "congestion_provider=bbr2 needs Windows Server 2025 (build 26100) or later. This host "
        "is Windows Server 2022 (build 20348), which offers ctcp, dctcp and cubic")


@pytest.mark.parametrize("release", sorted(BUILDS))
@pytest.mark.parametrize("setting", [0, 1, 2, 3])
def test_ntfs_last_access_per_release(release: str, setting: int) -> None:
    build = BUILDS[release]
    desired = {"ntfs_disable_last_access": setting}
    if release == "2016" and setting >= 2:
        with pytest.raises(ValueError) as err:
            check_release(desired, build)
        assert str(err.value) == (
            f"ntfs_disable_last_access={setting} (system managed) needs build 17134 (Windows "
            "10 1803) or later: Windows Server 2016 (build 14393) knows only 0 (updates on) "
            "and 1 (updates off)")
    else:
        check_release(desired, build)


def test_releases_before_2016_are_refused() -> None:
    with pytest.raises(ValueError) as err:
        check_release({}, 9600)
    assert str(err.value) == ("win_tcp_tuning supports Windows Server 2016 (build 14393) and "
                              "later. This host is build 9600")


@pytest.mark.parametrize(("build", "setting", "stored"), [
    (14393, 0, 0), (14393, 1, 1),
    (17763, 0, 0x80000000), (17763, 1, 0x80000001), (20348, 2, 0x80000002),
    (26100, 3, 0x80000003),
])
def test_ntfs_last_access_is_stored_per_release(build: int, setting: int, stored: int) -> None:
    assert tcp_tuning.stored_value("ntfs_disable_last_access", setting, build) == stored


def test_task_offload_is_stored_as_one_or_zero() -> None:
    assert tcp_tuning.stored_value("disable_task_offload", True, 20348) == 1
    assert tcp_tuning.stored_value("disable_task_offload", False, 20348) == 0


# -- reads, planning and writes ---------------------------------------------------------


def reads(build: str = "20348", **registry: Any) -> dict[str, dict[str, Any]]:
    """Read results by label, as the agent returns them."""
    out: dict[str, dict[str, Any]] = {
        "build": {"exists": True, "type": "REG_SZ", "value": build},
        "installation_type": {"exists": True, "type": "REG_SZ", "value": "Server"},
        "net": {
            "dynamic_ports": {p: {f: {"start": 49152, "count": 16384} for f in ("ipv4", "ipv6")}
                              for p in ("tcp", "udp")},
            "tcp": {"autotuning_level": "normal", "congestion_provider": "cubic",
                    "ecn_capability": "disabled", "timestamps": "disabled",
                    "initial_congestion_window": 10},
            "offload": {"receive_side_scaling": "enabled",
                        "receive_segment_coalescing": "enabled"},
        },
    }
    for name, setting in tcp_tuning.CATALOGUE.items():
        if setting.kind == "reg":
            value = registry.get(name)
            out[name] = ({"exists": True, "type": "REG_DWORD", "value": value}
                         if value is not None else {"exists": False, "type": None, "value": None})
    return out


def test_read_ops_cover_every_registry_setting_and_net_get() -> None:
    ops = tcp_tuning.read_ops()
    labels = [label for label, _op, _args in ops]
    assert labels[:2] == ["build", "installation_type"] and labels[-1] == "net"
    assert ("tcp_timed_wait_delay", "reg.get", {
        "path": r"HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters",
        "name": "TcpTimedWaitDelay"}) in ops
    reg_names = {s.name for s in tcp_tuning.CATALOGUE.values() if s.kind == "reg"}
    assert reg_names <= set(labels)


def test_parse_reads() -> None:
    state = tcp_tuning.parse_reads(reads(tcp_timed_wait_delay=60))
    assert state["build"] == 20348 and state["installation_type"] == "Server"
    assert state["values"]["tcp_timed_wait_delay"] == {"type": "REG_DWORD", "value": 60}
    assert state["values"]["win32_priority_separation"] is None
    assert state["values"]["dynamic_port_range.udp.ipv6"] == {"start": 49152, "count": 16384}
    assert state["values"]["receive_segment_coalescing"] == "enabled"


def test_plan_and_write_ops() -> None:
    state = tcp_tuning.parse_reads(reads(tcp_timed_wait_delay=30))
    desired, _w = resolve(args(profile="high_concurrency_server",
                               ntfs_disable_last_access=1))
    targets, changes = tcp_tuning.plan(desired, state)
    assert targets["tcp_timed_wait_delay"] == {"type": "REG_DWORD", "value": 30}
    assert targets["ntfs_disable_last_access"] == {"type": "REG_DWORD", "value": 0x80000001}
    # TIME_WAIT, RSS and auto-tuning already match; the four ranges and NTFS differ.
    assert [c.setting.name for c in changes] == [*ALL_PORTS, "ntfs_disable_last_access"]
    ops = tcp_tuning.write_ops(changes)
    assert ops[0] == ("dynamic_port_range.tcp.ipv4", "net.set", {
        "setting": "dynamic_ports.tcp.ipv4", "value": {"start": 16384, "count": 49152},
        "expected": {"start": 49152, "count": 16384}})
    assert ops[-1] == ("ntfs_disable_last_access", "reg.set", {
        "path": r"HKLM:\SYSTEM\CurrentControlSet\Control\FileSystem",
        "name": "NtfsDisableLastAccessUpdate", "type": "REG_DWORD", "value": 0x80000001,
        "expected": None})


def test_nothing_to_do_when_the_host_matches() -> None:
    state = tcp_tuning.parse_reads(reads(tcp_timed_wait_delay=30))
    desired, _w = resolve(args(tcp_timed_wait_delay=30, congestion_provider="cubic"))
    targets, changes = tcp_tuning.plan(desired, state)
    assert changes == [] and set(targets) == {"tcp_timed_wait_delay", "congestion_provider"}


def test_templates_that_disagree_are_a_change() -> None:
    data = reads()
    data["net"]["tcp"]["congestion_provider"] = {"Internet": "cubic", "InternetCustom": "cubic",
                                                 "Datacenter": "dctcp",
                                                 "DatacenterCustom": "cubic"}
    state = tcp_tuning.parse_reads(data)
    _t, changes = tcp_tuning.plan({"congestion_provider": "cubic"}, state)
    assert [(c.before, c.after) for c in changes] == [
        (data["net"]["tcp"]["congestion_provider"], "cubic")]


def test_describe_and_plain() -> None:
    reg = {"type": "REG_DWORD", "value": 30}
    assert tcp_tuning.describe("tcp_timed_wait_delay", reg, 20348, "Server") == {
        "value": 30, "seconds": 30, "set": True}
    assert tcp_tuning.describe("tcp_timed_wait_delay", None, 20348, "Server") == {
        "value": None, "seconds": 120, "set": False}
    assert tcp_tuning.describe("disable_task_offload", {"type": "REG_DWORD", "value": 1},
                               20348, "Server")["task_offload"] == "disabled"
    assert tcp_tuning.describe("timestamps", "enabled", 20348, "Server") == "enabled"
    assert tcp_tuning.plain(reg) == 30 and tcp_tuning.plain(None) is None
    assert tcp_tuning.plain({"start": 1, "count": 2}) == {"start": 1, "count": 2}


# -- decoders ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "server", "expected"), [
    (0x26, True, {"quantum_length": "short", "quantum_type": "variable",
                  "foreground_boost": "3:1", "effective_quantum_length": "short",
                  "effective_quantum_type": "variable", "profile": "programs",
                  "meaning": "short variable quanta, foreground boost 3:1"}),
    (0x18, True, {"quantum_length": "long", "quantum_type": "fixed", "foreground_boost": "none",
                  "effective_quantum_length": "long", "effective_quantum_type": "fixed",
                  "profile": "background_services",
                  "meaning": "long fixed quanta, foreground boost none"}),
    (0x2, True, {"quantum_length": "default", "quantum_type": "default",
                 "foreground_boost": "3:1", "effective_quantum_length": "long",
                 "effective_quantum_type": "fixed", "profile": None,
                 "meaning": "long fixed quanta, foreground boost 3:1 (no effect with fixed "
                            "quanta)"}),
    (0x2, False, {"effective_quantum_length": "short", "effective_quantum_type": "variable",
                  "meaning": "short variable quanta, foreground boost 3:1"}),
    (0x15, True, {"quantum_length": "long", "quantum_type": "variable",
                  "foreground_boost": "2:1"}),
    (0x3F, True, {"quantum_length": "default", "quantum_type": "default",
                  "foreground_boost": "3:1"}),
    (0x2A, True, {"quantum_length": "short", "quantum_type": "fixed",
                  "foreground_boost": "3:1"}),
])
def test_decode_priority_separation(value: int, server: bool, expected: dict[str, Any]) -> None:
    decoded = tuning_decode.decode_priority_separation(value, server=server)
    assert decoded["value"] == value and decoded["set"] is True and decoded["valid"] is True
    assert decoded["hex"] == f"0x{value:X}"
    assert {k: decoded[k] for k in expected} == expected


def test_decode_priority_separation_absent_and_invalid() -> None:
    absent = tuning_decode.decode_priority_separation(None)
    assert absent["value"] is None and absent["set"] is False and absent["hex"] == "0x2"
    assert absent["effective_quantum_type"] == "fixed"
    bad = tuning_decode.decode_priority_separation(0x40)
    assert bad["valid"] is False and bad["meaning"] == "outside the documented 0x0-0x3F range"


@pytest.mark.parametrize(("value", "build", "expected"), [
    (0x80000002, 20348, {"setting": 2, "format": "new", "mode": "system",
                         "updates_enabled": True, "hex": "0x80000002"}),
    (0x80000003, 26100, {"setting": 3, "format": "new", "mode": "system",
                         "updates_enabled": False}),
    (0x80000001, 17763, {"setting": 1, "format": "new", "mode": "user",
                         "updates_enabled": False,
                         "meaning": "user managed, last-access updates disabled"}),
    (0x80000000, 17763, {"setting": 0, "mode": "user", "updates_enabled": True}),
    (1, 14393, {"setting": 1, "format": "legacy", "mode": "user", "updates_enabled": False}),
    (0, 14393, {"setting": 0, "format": "legacy", "updates_enabled": True}),
    (1, 20348, {"setting": 1, "format": "legacy", "mode": "user", "updates_enabled": False}),
])
def test_decode_ntfs_last_access(value: int, build: int, expected: dict[str, Any]) -> None:
    decoded = tuning_decode.decode_ntfs_last_access(value, build)
    assert decoded["value"] == value and decoded["set"] is True
    assert {k: decoded[k] for k in expected} == expected


def test_decode_ntfs_last_access_absent() -> None:
    assert tuning_decode.decode_ntfs_last_access(None, 20348) == {
        "value": None, "hex": None, "set": False, "setting": None, "format": None,
        "mode": None, "updates_enabled": None, "meaning": "not set: Windows default"}


@pytest.mark.parametrize("build", sorted(BUILDS.values()))
@pytest.mark.parametrize("setting", [0, 1, 2, 3])
def test_ntfs_encoding_round_trips(build: int, setting: int) -> None:
    if build < 17134 and setting >= 2:
        return
    stored = tuning_decode.encode_ntfs_last_access(setting, build)
    assert tuning_decode.decode_ntfs_last_access(stored, build)["setting"] == setting
