"""win_go_env's planner and its compare-and-set retry, driven against a simulated host
through a channel that lets another writer slip in between the read and the write."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.winops.golang.plugins.action.win_go_env import ActionModule
from ansible_collections.winops.golang.plugins.module_utils import (
    go_env_netrc,
    go_env_plan,
    go_env_service,
    path_list,
)
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    AgentError,
)
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

DEFAULTS = {spec_name: spec.get("default") for spec_name, spec in
            ActionModule.ARGUMENT_SPEC.items()}


class RacingChannel:
    """Sends batches to a SimHost; before the Nth batch, another writer edits PATH."""

    def __init__(self, host: SimHost, races: int) -> None:
        self.host = host
        self.races = races
        self.sent = 0

    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.sent += 1
        writes = any(op["op"].startswith("env.set") for op in payload["ops"])
        if writes and self.races:
            self.races -= 1
            current = self.host.env("machine", "Path")["value"]
            self.host.set_env("machine", "Path", current + rf";C:\other\{self.races}")
        return self.host.run_batch(payload)


def action() -> ActionModule:
    act = object.__new__(ActionModule)
    act._task = SimpleNamespace(check_mode=False, diff=False)  # noqa: SLF001
    return act


def run(host: SimHost, races: int, **params: Any) -> tuple[dict[str, Any], RacingChannel]:
    channel = RacingChannel(host, races)
    args = {**DEFAULTS, **params}
    return action().execute(args, AgentClient(channel), {}), channel


def test_a_lost_race_is_read_again_and_nothing_is_lost(tmp_path: Path) -> None:
    host = SimHost(str(tmp_path / "h"))
    result, channel = run(host, 2, path=[r"C:\mine\bin"])
    assert result["changed"] and channel.sent == 6  # (read + conflicting write) x2 + read + write
    value = host.env("machine", "Path")["value"]
    assert r"C:\other\1" in value and r"C:\other\0" in value
    assert value.endswith(r";C:\mine\bin")


def test_retries_are_bounded(tmp_path: Path) -> None:
    host = SimHost(str(tmp_path / "h"))
    with pytest.raises(AgentError) as err:
        run(host, 5, path=[r"C:\mine\bin"], conflict_retries=1)
    assert err.value.code == "conflict" and "gave up after 2 attempts" in err.value.message


def test_service_env_render_keeps_other_strings_in_place() -> None:
    old = ["A=1", "GOPROXY=direct", "odd", "B=2"]
    after = {"A": "1", "GOPROXY": "off", "B": "2", "GOFLAGS": "-mod=mod"}
    assert go_env_service.render_service_env(old, after) == [
        "A=1", "GOPROXY=off", "odd", "B=2", "GOFLAGS=-mod=mod"]
    assert go_env_service.parse_service_env(old) == {"A": "1", "GOPROXY": "direct", "B": "2"}


def test_inherited_path_is_expanded() -> None:
    values, path = go_env_service.inherited_env({
        "Path": {"value": r"%SystemRoot%\system32;C:\x", "type": "REG_EXPAND_SZ"}})
    assert path == r"C:\Windows\system32;C:\x"
    assert values["SystemRoot"] == r"C:\Windows"


# -- PATH planning properties -----------------------------------------------------------

_DIRS = st.sampled_from([r"C:\a", r"c:/A\\", r"C:\b", r"%TOOLS%\bin", r"%tools%\BIN\\",
                         r"D:\x y", r"\\srv\share\go", r"C:\c\\"])


def _plan_path(value: str | None, entries: list[str], placement: str,
               state: str = "present") -> str | None:
    seen = go_env_plan.Seen(values={} if value is None else {"Path": value},
                            types={} if value is None else {"Path": "REG_EXPAND_SZ"})
    args = {**DEFAULTS, "path": entries, "path_placement": placement, "state": state}
    _changes, after = go_env_plan.plan(seen, args, {})
    return after.get("Path")


def _keys(value: str | None) -> list[str]:
    return [path_list.normalize(e) for e in path_list.split(value) if path_list.normalize(e)]


@settings(max_examples=300, deadline=None)
@given(st.lists(_DIRS, max_size=6).map(";".join), st.lists(_DIRS, min_size=1, max_size=3),
       st.sampled_from(["prepend", "append"]))
def test_path_plan_properties(value: str, entries: list[str], placement: str) -> None:
    once = _plan_path(value or None, entries, placement)
    assert _plan_path(once, entries, placement) == once  # applying twice equals once
    keys = _keys(once)
    for entry in entries:  # each wanted entry exactly once, written as given or as found
        assert keys.count(path_list.normalize(entry)) == 1
    wanted = {path_list.normalize(e) for e in entries}
    before_other = [e for e in path_list.split(value) if path_list.normalize(e) not in wanted]
    after_other = [e for e in path_list.split(once) if path_list.normalize(e) not in wanted]
    assert [e for e in after_other if e] == [e for e in before_other if e]  # order, nothing lost
    for text in path_list.split(once):  # %VAR% references are never expanded
        assert text in path_list.split(value) or text in entries
    if placement == "prepend":
        assert keys[: len(set(map(path_list.normalize, entries)))] == list(
            dict.fromkeys(path_list.normalize(e) for e in entries))
    removed = _plan_path(once, entries, placement, state="absent")
    assert not set(_keys(removed)) & wanted
    assert [e for e in path_list.split(removed) if e] == [e for e in after_other if e]


def test_render_netrc_sorted_by_machine() -> None:
    text = go_env_netrc.render_netrc([
        {"machine": "Zeta.example.com", "login": "z", "password": "pz"},
        {"machine": "alpha.example.com", "login": "a", "password": "pa"}])
    assert text == (b"machine alpha.example.com login a password pa\n"
                    b"machine Zeta.example.com login z password pz\n")
    assert go_env_netrc.render_netrc([]) == b""


@pytest.mark.parametrize("entry", [
    {"machine": "h", "login": "a b", "password": "pw-Q7x9"},
    {"machine": "h", "login": "a", "password": "pw Q7x9"},
    {"machine": "h", "login": "a", "password": ""},
    {"machine": "h", "login": "a", "password": "#pw-Q7x9"},
])
def test_render_netrc_refuses_bad_tokens_without_echoing_them(entry: dict) -> None:
    with pytest.raises(ValueError) as err:
        go_env_netrc.render_netrc([entry])
    assert "Q7x9" not in str(err.value)


def test_render_netrc_refuses_duplicate_machines() -> None:
    with pytest.raises(ValueError, match="more than once"):
        go_env_netrc.render_netrc([{"machine": "h", "login": "a", "password": "p1"},
                                   {"machine": "H", "login": "b", "password": "p2"}])


def test_netrc_view_is_masked() -> None:
    assert go_env_netrc.netrc_view(["a", "b"]) == "netrc: <2 entries for machines a, b>"
    assert go_env_netrc.netrc_view(["a"]) == "netrc: <1 entry for machines a>"


def test_netrc_diff_and_result_are_masked(tmp_path: Path) -> None:
    host = SimHost(str(tmp_path / "h"))
    entries = [{"machine": "b.example.com", "login": "bob", "password": "s3cr3t-b"},
               {"machine": "a.example.com", "login": "al", "password": "s3cr3t-a"}]
    act = action()
    act._task = SimpleNamespace(check_mode=False, diff=True)  # noqa: SLF001
    args = {**DEFAULTS, "netrc": entries, "netrc_user": "Administrator"}
    result = act.execute(args, AgentClient(RacingChannel(host, 0)), {})
    assert result["changed"] and result["netrc"]["machines"] == ["a.example.com", "b.example.com"]
    assert "netrc: <absent>" in result["diff"]["before"].splitlines()
    assert ("netrc: <2 entries for machines a.example.com, b.example.com> "
            "(ACL: Administrator, SYSTEM, Administrators)") in result["diff"]["after"].splitlines()
    entries[0]["password"] = "s3cr3t-c"
    again = act.execute(args, AgentClient(RacingChannel(host, 0)), {})
    assert again["changed"] and again["netrc"]["content_changed"]
    assert ("netrc: <present, other content> (ACL: Administrator, SYSTEM, Administrators)"
            in again["diff"]["before"].splitlines())
    for text in (repr(result), repr(again)):
        assert "s3cr3t" not in text and "login bob" not in text and "login al" not in text
