"""The persisted model: registry values, persistence across opens, users, shares."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.errors import StateError
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.names import fold

from .helpers import run


def test_state_survives_a_new_simhost_on_the_same_directory(tmp_path: Path) -> None:
    root = str(tmp_path / "h")
    first = SimHost(root, hostname="PERSIST")
    run(first, "reg.set", path=r"HKLM:\SOFTWARE\Go", name="Root", type="REG_SZ",
        value="C:\\go")
    run(first, "env.set", scope="machine", name="GOPROXY", value="direct")
    run(first, "file.junction", path=r"C:\current", target=r"C:\Windows")
    again = SimHost(root, os_release="2016", hostname="IGNORED")
    assert again.reg(r"hklm:\software\GO", "root") == {"type": "REG_SZ", "value": "C:\\go"}
    assert again.env("machine", "goproxy") == {"value": "direct", "type": "REG_SZ"}
    assert run(again, "file.stat", path=r"C:\current")["target"] == r"C:\Windows"
    # os_release and hostname apply only at creation.
    facts = run(again, "facts.get")
    assert facts["os"]["build"] == 20348 and facts["hostname"] == "PERSIST"
    assert again.stats()["round_trips"] == 5


def test_model_file_is_plain_json_with_the_registry_tree(host: SimHost) -> None:
    data = json.loads(Path(host.root, "model.json").read_text())
    nt = data["registry"]["HKLM"]["subkeys"]["SOFTWARE"]["subkeys"]["MICROSOFT"]["subkeys"]
    assert nt["WINDOWS NT"]["name"] == "Windows NT"
    assert data["os_release"] == "2022"
    assert not [n for n in os.listdir(host.root) if n.startswith(".tmp-")]


def test_a_directory_with_foreign_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StateError):
        SimHost(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["lock", "notes.txt"]


def test_bad_constructor_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SimHost(str(tmp_path / "a"), os_release="2012")
    with pytest.raises(ValueError):
        SimHost(str(tmp_path / "b"), hostname="THIS-NAME-IS-TOO-LONG")


@pytest.mark.parametrize(("kind", "value", "stored"), [
    ("REG_BINARY", "00FFAB", "00ffab"),
    ("REG_NONE", "", ""),
    ("REG_QWORD", 2**64 - 1, 2**64 - 1),
    ("REG_MULTI_SZ", [], []),
    ("REG_EXPAND_SZ", "%PATH%;x", "%PATH%;x"),
])
def test_registry_values_are_stored_in_the_agent_json_form(
        host: SimHost, kind: str, value: object, stored: object) -> None:
    res = run(host, "reg.set", path=r"HKCU:\Software\T", name="v", type=kind, value=value)
    assert res["after"] == {"type": kind, "value": stored}
    assert host.reg(r"HKCU:\Software\T", "V") == {"type": kind, "value": stored}


@pytest.mark.parametrize(("kind", "value"), [
    ("REG_DWORD", -1),
    ("REG_DWORD", 2**32),
    ("REG_DWORD", True),
    ("REG_QWORD", 2**64),
    ("REG_BINARY", "abc"),
    ("REG_BINARY", "zz"),
    ("REG_MULTI_SZ", "not a list"),
    ("REG_SZ", 5),
    ("REG_SZ", "nul\x00inside"),
    ("REG_LINK", "x"),
])
def test_registry_values_windows_refuses(host: SimHost, kind: str, value: object) -> None:
    res = run(host, "reg.set", path=r"HKCU:\Software\T", name="v", type=kind, value=value)
    assert res["failed"] is True and res["code"] == "invalid_argument"
    assert run(host, "reg.get", path=r"HKCU:\Software\T")["key_exists"] is False


def test_registry_limits(host: SimHost) -> None:
    long_key = r"HKCU:\Software\\" + "k" * 256
    res = run(host, "reg.set", path=long_key, name="v", type="REG_SZ", value="x")
    assert res["failed"] is True and res["code"] == "too_long"
    ok_key = r"HKCU:\Software\\" + "k" * 255
    assert run(host, "reg.set", path=ok_key, name="v", type="REG_SZ", value="x")["changed"]
    res = run(host, "reg.set", path=r"HKCU:\Software\T", name="n" * 16384, type="REG_SZ",
              value="x")
    assert res["code"] == "too_long"


def test_slash_is_part_of_a_registry_key_name(host: SimHost) -> None:
    ciphers = r"HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Ciphers"
    run(host, "reg.set", path=ciphers + r"\RC4 128/128", name="Enabled", type="REG_DWORD",
        value=0)
    assert run(host, "reg.get", path=ciphers)["subkeys"] == ["RC4 128/128"]


def test_hive_roots_and_top_keys_are_protected(host: SimHost) -> None:
    res = run(host, "reg.set", path=r"HKLM:\NewTopKey", name="v", type="REG_SZ", value="x")
    assert res["code"] == "access_denied"
    assert run(host, "reg.remove", path=r"HKLM:\SOFTWARE")["code"] == "access_denied"
    assert run(host, "reg.get", path=r"HKLM:\SOFTWARE", name="x")["key_exists"] is True


def test_registry_aliases(host: SimHost) -> None:
    run(host, "reg.set", path=r"HKCR:\.go", name="", type="REG_SZ", value="GoFile")
    assert host.reg(r"HKLM:\SOFTWARE\Classes\.go", "") == {"type": "REG_SZ", "value": "GoFile"}
    got = run(host, "reg.get", path=r"Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Classes\.GO",
              name="")
    assert got["value"] == "GoFile"


def test_each_user_has_its_own_hkcu_and_profile(tmp_path: Path) -> None:
    root = str(tmp_path / "h")
    admin = SimHost(root, hostname="MULTI")
    builder = SimHost(root, user="builder")
    run(admin, "env.set", scope="user", name="GOPATH", value=r"C:\admin-go")
    assert run(builder, "env.get", scope="user", names=["GOPATH"])["vars"] == {}
    facts = run(builder, "facts.get")
    assert facts["user"]["profile"] == r"C:\Users\builder"
    assert facts["user"]["name"] == "builder"
    assert os.path.isdir(builder.host_path(r"C:\Users\builder\AppData\Local\Temp"))
    sids = {u["sid"] for u in json.loads(Path(root, "model.json").read_text())["users"]
            .values()}
    assert len(sids) == 2 and any(s.endswith("-500") for s in sids)


def test_a_profile_folder_already_taken_gets_the_computer_name(tmp_path: Path) -> None:
    root = str(tmp_path / "h")
    SimHost(root, hostname="SRV")
    clash = SimHost(root, user="Public")
    assert run(clash, "facts.get")["user"]["profile"] == r"C:\Users\Public.SRV"


def test_shares_are_stored_and_replaced(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "a.txt").write_text("a")
    root = str(tmp_path / "h")
    SimHost(root, shares={r"\\srv\one": str(one)})
    reopened = SimHost(root)
    assert run(reopened, "file.stat", path=r"\\SRV\ONE\a.txt")["exists"] is True
    replaced = SimHost(root, shares={r"\\srv\two": str(two)})
    assert run(replaced, "file.stat", path=r"\\srv\one\a.txt")["exists"] is False


def test_fold_is_per_character_like_windows() -> None:
    assert fold("Path") == fold("PATH")
    assert fold("straße") != fold("STRASSE")
    assert fold("ÄÖÜ") == fold("äöü")
