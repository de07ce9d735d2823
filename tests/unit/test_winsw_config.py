"""WinSW XML: exact rendering for both schemas, masking, parsing back, comparing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.winops.golang.plugins.module_utils import winsw_config
from ansible_collections.winops.golang.plugins.module_utils.service_spec import parse_spec
from ansible_collections.winops.golang.plugins.module_utils.winsw_config import (
    WinswConfigError,
    changed_fields,
    config_of,
    parse_xml,
    render_display,
    render_host,
)

BASE = {"name": "api", "mode": "winsw", "binary": "C:\\build\\api.exe", "root": "D:\\svc\\api",
        "winsw_exe": "C:\\tools\\WinSW-x64.exe"}
FULL = {
    **BASE,
    "display_name": "API <edge>",
    "description": "Orders & payments",
    "arguments": ["-addr", ":8080", "C:\\Program Files\\cfg\\"],
    "environment": {"GOMAXPROCS": "4", "APP_MOTD": 'say "hi"'},
    "account": "CORP\\svc-api",
    "password": "p<a>ss&word",
    "start_mode": "delayed",
    "dependencies": ["Tcpip", "Dnscache"],
    "recovery": {"actions": [{"type": "restart", "delay_ms": 10000},
                             {"type": "restart", "delay_ms": 1500},
                             {"type": "none"}], "reset_period": 3600},
    "stop_timeout": 20,
    "log": {"rotation": "size", "max_size_kb": 2048, "keep": 4},
}

# Golden files of what WinSW reads, kept with LF line ends in the repository (its
# sanity checks refuse CR): the module writes them with CRLF, as WinSW's own samples.
GOLDEN = Path(__file__).parent / "golden"


def golden(name: str) -> str:
    """A golden file's text with the CRLF line ends the module writes."""
    return (GOLDEN / name).read_text(encoding="utf-8").replace("\n", "\r\n")


FULL_V2 = golden("winsw_full_v2.xml")


def spec(**given: Any):
    return parse_spec({**BASE, **given})


def test_render_host_v2_exactly() -> None:
    assert render_host(parse_spec(FULL)) == FULL_V2


def test_render_display_masks_only_the_password() -> None:
    full = parse_spec(FULL)
    shown = render_display(full)
    assert "p&lt;a&gt;ss" not in shown
    assert shown == FULL_V2.replace("p&lt;a&gt;ss&amp;word", "********")
    assert config_of(full)["serviceaccount"] == {
        "username": "CORP\\svc-api", "password": "********", "allowservicelogon": True}


def test_render_v3_minimal_exactly() -> None:
    parsed = spec(winsw_version=3, account="NetworkService", start_mode="manual",
                  log={"rotation": "time", "interval": "hourly"})
    assert render_host(parsed) == golden("winsw_minimal_v3.xml")


@pytest.mark.parametrize(
    ("account", "password", "version", "lines"),
    [
        ("LocalSystem", None, 2, []),
        (None, None, 2, ["<domain>NT SERVICE</domain>", "<user>api</user>"]),
        (None, None, 3, ["<username>NT SERVICE\\api</username>"]),
        ("LocalService", None, 2, ["<domain>NT AUTHORITY</domain>", "<user>LocalService</user>"]),
        ("CORP\\gmsa$", None, 2, ["<domain>CORP</domain>", "<user>gmsa$</user>",
                                  "<allowservicelogon>true</allowservicelogon>"]),
        ("svc", "pw", 2, ["<domain>.</domain>", "<user>svc</user>", "<password>pw</password>",
                          "<allowservicelogon>true</allowservicelogon>"]),
        ("svc", "pw", 3, ["<username>.\\svc</username>", "<password>pw</password>",
                          "<allowservicelogon>true</allowservicelogon>"]),
    ],
)
def test_service_account_forms(account: str | None, password: str | None, version: int,
                               lines: list[str]) -> None:
    text = render_host(spec(account=account, password=password, winsw_version=version))
    body = text.split("\r\n")
    if not lines:
        assert "  <serviceaccount>" not in body
        return
    start = body.index("  <serviceaccount>")
    assert body[start + 1:start + 1 + len(lines)] == ["    " + line for line in lines]
    assert body[start + 1 + len(lines)] == "  </serviceaccount>"


@pytest.mark.parametrize(
    ("start_mode", "lines"),
    [
        ("auto", ["  <startmode>Automatic</startmode>"]),
        ("delayed", ["  <startmode>Automatic</startmode>",
                     "  <delayedAutoStart>true</delayedAutoStart>"]),
        ("manual", ["  <startmode>Manual</startmode>"]),
        ("disabled", ["  <startmode>Disabled</startmode>"]),
    ],
)
def test_start_modes(start_mode: str, lines: list[str]) -> None:
    body = render_host(spec(start_mode=start_mode)).split("\r\n")
    start = body.index(lines[0])
    assert body[start:start + len(lines)] == lines
    assert ("delayedAutoStart" in "".join(body)) == (start_mode == "delayed")


def test_log_append_by_default() -> None:
    assert '  <log mode="append"/>' in render_host(spec()).split("\r\n")


def test_delayed_auto_start_reads_per_version() -> None:
    text = render_host(spec()).replace("<startmode>Automatic</startmode>",
                                       "<startmode>Automatic</startmode>"
                                       "<delayedAutoStart>false</delayedAutoStart>")
    assert parse_xml(text, 2)["delayedAutoStart"] is True  # WinSW 2: present means on
    assert parse_xml(text, 3)["delayedAutoStart"] is False


@pytest.mark.parametrize(
    ("text", "ms"),
    [("10 sec", 10000), ("10sec", 10000), ("2 secs", 2000), ("1500 ms", 1500), ("5 min", 300000),
     ("2 mins", 120000), ("1 hour", 3600000), ("3 hrs", 10800000), ("1 day", 86400000),
     ("2 days", 172800000), ("250", 250)],
)
def test_parse_duration(text: str, ms: int) -> None:
    assert winsw_config.parse_duration(text) == ms


def test_duration() -> None:
    assert [winsw_config.duration(ms) for ms in (0, 1000, 1500, 86400000)] == [
        "0 sec", "1 sec", "1500 ms", "86400 sec"]


def test_parse_round_trips_the_full_spec() -> None:
    full = parse_spec(FULL)
    assert parse_xml(render_host(full)) == config_of(full)
    assert parse_xml(render_host(parse_spec({**FULL, "winsw_version": 3})), 3) == config_of(
        parse_spec({**FULL, "winsw_version": 3}))


_TEXT = st.text(alphabet=st.one_of(st.characters(blacklist_categories=("Cs",), min_codepoint=32),
                                   st.sampled_from("\t\n\r &<>\"'")), max_size=20)


@settings(deadline=None)  # a busy CI host must not fail a pure test
@given(arguments=st.lists(_TEXT, max_size=4),
       environment=st.dictionaries(st.sampled_from(["A", "B", "GOFLAGS"]), _TEXT, max_size=3),
       description=_TEXT, version=st.sampled_from([2, 3]))
def test_render_then_parse(arguments: list[str], environment: dict[str, str],
                           description: str, version: int) -> None:
    parsed = spec(arguments=arguments, environment=environment, description=description,
                  winsw_version=version)
    assert parse_xml(render_host(parsed), version) == config_of(parsed)


def test_changed_fields() -> None:
    full = parse_spec(FULL)
    text = render_host(full)
    assert changed_fields(text, full) == []
    assert changed_fields(text.replace("\r\n", "\n"), full) == []
    assert changed_fields(None, full) == ["file"]
    assert changed_fields("<service", full) == ["file"]
    assert changed_fields(text.replace("20 sec", "20000 ms"), full) == ["format"]
    edited = text.replace("<depend>Dnscache</depend>", "").replace("p&lt;a&gt;ss", "old")
    assert changed_fields(edited, full) == ["depend", "serviceaccount.password"]
    assert changed_fields(render_host(spec(stop_timeout=60)), full)[:3] == [
        "name", "description", "arguments"]
    v2_file = render_host(spec())
    # The same account in the other schema: only the text differs.
    assert changed_fields(v2_file, spec(winsw_version=3)) == ["format"]


def test_changed_fields_fills_winsw_defaults() -> None:
    parsed = spec(recovery={"actions": [{"type": "restart", "delay_ms": 1000}]})
    text = render_host(parsed).replace("  <resetfailure>86400 sec</resetfailure>\r\n", "")
    assert changed_fields(text, parsed) == ["format"]


def test_refusals() -> None:
    with pytest.raises(WinswConfigError, match="is not a winsw service with a program"):
        render_host(parse_spec({**BASE, "mode": "native", "winsw_exe": None}))
    with pytest.raises(WinswConfigError) as err:
        render_host(spec(description="bell\x07"))
    assert str(err.value) == "<description> has control characters XML cannot carry"
    with pytest.raises(WinswConfigError) as err:
        render_host(spec(account="svc", password="p\x01w"))
    assert str(err.value) == "<password> has control characters XML cannot carry"
    with pytest.raises(WinswConfigError) as err:
        render_host(spec(environment={"A": "\x1b[0m"}))
    assert str(err.value) == "<env value> has control characters XML cannot carry"
    with pytest.raises(WinswConfigError, match="must not have a DOCTYPE"):
        parse_xml('<!DOCTYPE x [<!ENTITY a "b">]><service/>')
    with pytest.raises(WinswConfigError, match="root is <config>, not <service>"):
        parse_xml("<config/>")
    with pytest.raises(WinswConfigError) as err:
        parse_xml("<service><stoptimeout>soon</stoptimeout></service>")
    assert str(err.value) == ("the WinSW configuration has an invalid value: invalid literal "
                              "for int() with base 10: 'soon'")
    assert changed_fields("<service><stoptimeout>1 week</stoptimeout></service>",
                          spec()) == ["file"]


def test_files_and_bytes() -> None:
    assert winsw_config.files(spec()) == ("D:\\svc\\api\\api.exe", "D:\\svc\\api\\api.xml")
    assert winsw_config.encode("<service>é</service>") == b"<service>\xc3\xa9</service>"
