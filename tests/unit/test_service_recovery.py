"""Failure actions: validation, the agent's structured form, the registry layout."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.winops.golang.plugins.module_utils import service_recovery
from ansible_collections.winops.golang.plugins.module_utils.service_recovery import (
    FailureAction,
    Recovery,
    RecoveryError,
    compare,
    decode,
    encode,
    from_registry,
    pack_failure_actions,
    parse_recovery,
    registry_values,
    unpack_failure_actions,
)

RESTARTS = Recovery((FailureAction("restart", 10000), FailureAction("restart", 60000)), 86400)


def test_parse_recovery_normalises() -> None:
    value = {"actions": [{"type": "Restart", "delay_ms": "10000"},
                         {"type": "restart", "delay_ms": 60000}]}
    assert parse_recovery(value) == RESTARTS
    assert parse_recovery(None) == Recovery()
    assert parse_recovery({"actions": [{"type": "run_command"}], "command": " C:\\x.cmd ",
                           "failure_actions_on_non_crash": True}) == Recovery(
        (FailureAction("run_command", 0),), 86400, "C:\\x.cmd", None, True)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "recovery must be a dictionary, not []"),
        ({"actions": [], "reset": 1}, "recovery has unknown keys: reset"),
        ({"actions": "restart"}, "recovery.actions must be a list"),
        ({"actions": [{"type": "restart"}] * 4},
         "recovery.actions has 4 entries; give at most 3 (first, second and subsequent "
         "failures: the last one repeats)"),
        ({"actions": ["restart"]}, "recovery.actions[0] must be a dictionary with type and "
         "delay_ms"),
        ({"actions": [{"type": "restart"}, {"type": "shutdown"}]},
         "recovery.actions[1].type must be one of none, restart, reboot, run_command, "
         "not 'shutdown'"),
        ({"actions": [{"type": "restart", "delay_ms": -1}]},
         "recovery.actions[0].delay_ms must be between 0 and 2147483647, not -1"),
        ({"actions": [{"type": "restart", "delay_ms": True}]},
         "recovery.actions[0].delay_ms must be an integer, not True"),
        ({"actions": [{"type": "restart", "delay_ms": "soon"}]},
         "recovery.actions[0].delay_ms must be an integer, not 'soon'"),
        ({"reset_period": 2**32}, "recovery.reset_period must be between 0 and 4294967295, "
         "not 4294967296"),
        ({"actions": [{"type": "run_command"}]},
         "recovery.command is required by a run_command action"),
        ({"actions": [{"type": "restart"}], "command": "x.cmd"},
         "recovery.command is only used by a run_command action: add one or drop command"),
        ({"actions": [{"type": "restart"}], "reboot_message": "bye"},
         "recovery.reboot_message is only used by a reboot action: add one or drop "
         "reboot_message"),
        ({"command": "a\x00b"}, "recovery.command contains a NUL character"),
    ],
)
def test_parse_recovery_refuses(value: object, message: str) -> None:
    with pytest.raises(RecoveryError) as err:
        parse_recovery(value)  # type: ignore[arg-type]
    assert str(err.value) == message


def test_encode_decode_round_trip() -> None:
    recovery = Recovery((FailureAction("restart", 5000), FailureAction("reboot", 0)), 3600,
                        None, "rebooting for api", True)
    assert encode(recovery) == {
        "reset_period": 3600,
        "actions": [{"type": "restart", "delay_ms": 5000}, {"type": "reboot", "delay_ms": 0}],
        "command": None,
        "reboot_message": "rebooting for api",
        "failure_actions_on_non_crash": True,
    }
    assert decode(encode(recovery)) == recovery


def test_decode_takes_numeric_types_and_nothing() -> None:
    assert decode({"reset_period": 60, "actions": [{"type": 1, "delay_ms": 100},
                                                   {"type": 9, "delay_ms": 0}]}) == Recovery(
        (FailureAction("restart", 100), FailureAction("9", 0)), 60)
    assert decode(None) == Recovery(reset_period=0)


def test_compare() -> None:
    assert compare(RESTARTS, RESTARTS) == []
    other = Recovery((FailureAction("restart", 10000),), 60, "x", None, True)
    assert compare(RESTARTS, other) == ["actions", "reset_period",
                                        "failure_actions_on_non_crash"]
    # Without actions Windows keeps no reset period, and unused strings do not count.
    assert compare(Recovery(reset_period=86400), Recovery(reset_period=0, command="x")) == []
    runs = Recovery((FailureAction("run_command", 0),), 86400, "a.cmd")
    assert compare(runs, Recovery((FailureAction("run_command", 0),), 86400, "b.cmd")) == [
        "command"]


def test_pack_failure_actions_layout() -> None:
    blob = pack_failure_actions(RESTARTS)
    assert blob.hex() == (
        "80510100" "00000000" "00000000" "02000000" "14000000"
        "01000000" "10270000" "01000000" "60ea0000"
    )
    with_strings = Recovery((FailureAction("run_command", 0), FailureAction("reboot", 1000)),
                            0, "fix.cmd", "bye")
    assert pack_failure_actions(with_strings).hex() == (
        "00000000" "01000000" "01000000" "02000000" "14000000"
        "03000000" "00000000" "02000000" "e8030000"
    )
    assert pack_failure_actions(Recovery()) == b""


def test_unpack_reads_what_windows_writes() -> None:
    # A stock service's value: the pointer field holds 0, not 20.
    blob = bytes.fromhex("00000000000000000000000001000000000000000200000060ea0000")
    assert unpack_failure_actions(blob) == (0, (FailureAction("reboot", 60000),))
    assert unpack_failure_actions(blob[:-1]) is None
    assert unpack_failure_actions(b"\x00" * 12) is None
    assert unpack_failure_actions(bytes.fromhex("00" * 12 + "01000000" + "14000000")) is None


@settings(deadline=None)  # a busy CI host must not fail a pure test
@given(st.lists(st.tuples(st.sampled_from(sorted(service_recovery.ACTION_TYPES)),
                          st.integers(0, service_recovery.MAX_DELAY_MS)), max_size=3),
       st.integers(0, service_recovery.MAX_RESET))
def test_pack_then_unpack(actions: list[tuple[str, int]], reset: int) -> None:
    recovery = Recovery(tuple(FailureAction(t, d) for t, d in actions), reset)
    blob = pack_failure_actions(recovery)
    if actions:
        assert unpack_failure_actions(blob) == (reset, recovery.actions)
    else:
        assert blob == b""


def test_registry_values_and_back() -> None:
    recovery = Recovery((FailureAction("run_command", 1000),), 600, "C:\\ops\\alert.cmd",
                        None, True)
    values = registry_values(recovery)
    assert values == {
        "FailureActions": ("REG_BINARY", "5802000000000000010000000100000014000000"
                                         "03000000e8030000"),
        "FailureCommand": ("REG_SZ", "C:\\ops\\alert.cmd"),
        "RebootMessage": None,
        "FailureActionsOnNonCrashFailures": ("REG_DWORD", 1),
    }
    read = {name.lower(): {"type": v[0], "value": v[1]} for name, v in values.items() if v}
    assert from_registry(read) == recovery


def test_registry_without_actions() -> None:
    assert registry_values(Recovery())["FailureActions"] is None
    assert from_registry({}) == Recovery(reset_period=0)
    broken = {"FailureActions": {"type": "REG_BINARY", "value": "0011"}}
    assert from_registry(broken) == Recovery(reset_period=0)
