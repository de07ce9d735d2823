"""The process_mitigations control: MitigationOptions fields, per-image checks, PE refusal."""

from __future__ import annotations

import base64
import struct
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import baseline_mitigations as bm
from ansible_collections.winops.golang.plugins.module_utils.baseline import (
    COMPLIANT,
    NON_COMPLIANT,
)
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.baseline import read as read_on_host

C = bm.CONTROL
GO = r"C:\Program Files\GoToolchains\current\bin\go.exe"
OLD = r"C:\tools\go1.14\bin\go.exe"
SVC = r"C:\services\api\api.exe"
GO_KEY = bm.IFEO_KEY + "\\go.exe"


def params(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"go_binaries": (), "mandatory_aslr": False}
    base.update(over)
    return base


def pe(dll_characteristics: int) -> bytes:
    """A PE32+ header with the given DllCharacteristics (see test_pe_header for the layout)."""
    data = bytearray(512)
    data[0:2] = b"MZ"
    struct.pack_into("<I", data, 0x3C, 0x80)
    data[0x80:0x84] = b"PE\x00\x00"
    struct.pack_into("<HHIIIHH", data, 0x84, 0x8664, 3, 0, 0, 0, 240, 0x22)
    struct.pack_into("<H", data, 0x98, bm.PE32_PLUS_MAGIC)
    struct.pack_into("<H", data, 0x98 + 70, dll_characteristics)
    return bytes(data)


def absent() -> dict[str, Any]:
    return {"key_exists": False, "exists": False, "type": None, "value": None}


def binary(hexdata: str) -> dict[str, Any]:
    return {"key_exists": True, "exists": True, "type": "REG_BINARY", "value": hexdata}


def read(data: bytes | None) -> dict[str, Any]:
    if data is None:
        return {"exists": False}
    return {"exists": True, "size": len(data), "truncated": False,
            "content_b64": base64.b64encode(data).decode()}


# -- fields ----------------------------------------------------------------------------


def test_field_positions_follow_the_process_creation_constants() -> None:
    # 00 01 01 00 ...: Mandatory ASLR and Bottom-Up ASLR on, as public registry dumps show.
    data = bytes.fromhex("00010100000000000000000000000000")
    assert [bm.field(data, n) for n in ("DEP", "ForceRelocateImages", "BottomUp",
                                        "HighEntropy")] == [0, 1, 1, 0]
    value = int.from_bytes(bm.with_field(bm.with_field(b"", "DEP", 1), "HighEntropy", 2),
                           "little")
    assert value == 0x200001  # DEP_ENABLE | HIGH_ENTROPY_ASLR_ALWAYS_OFF
    assert int.from_bytes(bm.with_field(b"", "ForceRelocateImages", 3), "little") == 0x300
    assert bm.field(b"", "HighEntropy") == 0


def test_with_field_keeps_every_other_bit() -> None:
    data = bytes.fromhex("ff" * 16)
    out = bm.with_field(data, "BottomUp", 1)
    assert out.hex() == "ffff" + "fd" + "ff" * 13
    assert len(out) == 16


def test_value_bytes_reads_binary_and_qword() -> None:
    assert bm.value_bytes(absent()) is None
    assert bm.value_bytes(binary("0001")) == (b"\x00\x01", "REG_BINARY")
    got = bm.value_bytes({"exists": True, "type": "REG_QWORD", "value": 0x10111})
    assert got == ((0x10111).to_bytes(8, "little"), "REG_QWORD")
    with pytest.raises(ValueError, match="REG_SZ"):
        bm.value_bytes({"exists": True, "type": "REG_SZ", "value": "x"})


# -- reads -----------------------------------------------------------------------------


def test_reads_one_key_per_image_name_and_headers_only_for_mandatory_aslr() -> None:
    assert C.reads(params()) == {"system": ("reg.get", {"path": bm.SYSTEM_KEY,
                                                        "name": "MitigationOptions"})}
    got = C.reads(params(go_binaries=(GO, OLD, SVC), mandatory_aslr=True))
    assert got["image0"] == ("reg.get", {"path": GO_KEY, "name": "MitigationOptions"})
    assert got["image1"] == ("reg.get", {"path": bm.IFEO_KEY + "\\api.exe",
                                         "name": "MitigationOptions"})
    assert got["pe1"] == ("file.read", {"path": OLD, "max_bytes": 4096})
    assert sorted(got) == ["image0", "image1", "pe0", "pe1", "pe2", "system"]
    assert "pe0" not in C.reads(params(go_binaries=(GO,)))


# -- system-wide -----------------------------------------------------------------------


def test_not_set_is_windows_default_and_compliant() -> None:
    ev = C.evaluate(params(), {"system": absent()})
    assert (ev.status, ev.evidence, ev.fix) == (COMPLIANT, [], [])
    assert ev.message == "DEP and ASLR are on system-wide"


def test_bottom_up_off_system_wide_is_fixed_keeping_other_bits() -> None:
    # DEP on, Mandatory ASLR on, Bottom-Up ASLR off, High-Entropy off.
    ev = C.evaluate(params(), {"system": binary("01012200000000000000000000000000")})
    assert ev.status == NON_COMPLIANT
    assert ev.evidence == [
        {"scope": "system", "registry": bm.SYSTEM_KEY, "setting": "BottomUp", "state": "off",
         "field": 2},
        {"scope": "system", "registry": bm.SYSTEM_KEY, "setting": "HighEntropy",
         "state": "off", "field": 2},
    ]
    assert ev.fix == [("reg.set", {
        "path": bm.SYSTEM_KEY, "name": "MitigationOptions", "type": "REG_BINARY",
        "value": "01011100000000000000000000000000",
        "expected": {"type": "REG_BINARY", "value": "01012200000000000000000000000000"}})]
    assert ev.message == "BottomUp is off system-wide; HighEntropy is off system-wide"


def test_unconfirmed_field_values_are_unverified_not_guessed() -> None:
    ev = C.evaluate(params(), {"system": binary("02003300")})
    assert ev.status == NON_COMPLIANT and ev.fix == []
    assert [(e["setting"], e["state"], e["field"]) for e in ev.evidence] == [
        ("DEP", "unverified", 2), ("BottomUp", "unverified", 3),
        ("HighEntropy", "unverified", 3)]
    assert "whose meaning is not verified" in ev.message


def test_unreadable_system_value() -> None:
    ev = C.evaluate(params(), {"system": {"exists": True, "type": "REG_DWORD", "value": 1}})
    assert ev.status == NON_COMPLIANT and ev.fix == []
    assert ev.evidence[0]["state"] == "unreadable"
    assert ev.message == ("system-wide MitigationOptions cannot be read: MitigationOptions is "
                          "REG_DWORD, not REG_BINARY or REG_QWORD")


# -- per image -------------------------------------------------------------------------


def test_image_override_turning_aslr_off_is_cleared() -> None:
    ev = C.evaluate(params(go_binaries=(GO,)),
                    {"system": absent(), "image0": binary("01000200")})
    assert ev.status == NON_COMPLIANT
    assert ev.evidence == [{"scope": "image", "image": "go.exe", "registry": GO_KEY,
                            "setting": "BottomUp", "state": "off", "field": 2}]
    assert ev.fix == [("reg.set", {"path": GO_KEY, "name": "MitigationOptions",
                                   "type": "REG_BINARY", "value": "01000000",
                                   "expected": {"type": "REG_BINARY", "value": "01000200"}})]
    assert ev.message == "BottomUp is turned off for go.exe"


def test_qword_values_are_written_back_as_qword() -> None:
    qword = {"exists": True, "type": "REG_QWORD", "value": 0x2000000020111}
    ev = C.evaluate(params(go_binaries=(GO,)), {"system": absent(), "image0": qword})
    assert ev.fix == [("reg.set", {"path": GO_KEY, "name": "MitigationOptions",
                                   "type": "REG_QWORD", "value": 0x2000000000111,
                                   "expected": {"type": "REG_QWORD",
                                                "value": 0x2000000020111}})]


def test_mandatory_aslr_is_set_for_relocatable_binaries() -> None:
    results = {"system": absent(), "image0": absent(), "pe0": read(pe(0x8160))}
    ev = C.evaluate(params(go_binaries=(GO,), mandatory_aslr=True), results)
    assert ev.status == NON_COMPLIANT
    assert ev.evidence == [{"scope": "image", "image": "go.exe", "registry": GO_KEY,
                            "setting": "ForceRelocateImages", "state": "notset", "field": 0}]
    assert ev.fix == [("reg.set", {"path": GO_KEY, "name": "MitigationOptions",
                                   "type": "REG_BINARY", "value": "0003" + "00" * 14,
                                   "expected": None})]
    assert ev.message == ("Mandatory ASLR (ForceRelocateImages with RequireInfo) is not set "
                          "for go.exe")
    done = dict(results, image0=binary("0003" + "00" * 14))
    ev = C.evaluate(params(go_binaries=(GO,), mandatory_aslr=True), done)
    assert (ev.status, ev.message) == (COMPLIANT, "DEP and ASLR are on system-wide and for "
                                                  "go.exe")


def test_mandatory_aslr_refused_for_a_binary_without_dynamic_base() -> None:
    # Two go.exe share one per-image key: one old toolchain refuses it for both.
    results = {"system": absent(), "image0": absent(), "pe0": read(pe(0x8160)),
               "pe1": read(pe(0x0100)), "image1": absent(), "pe2": read(None)}
    ev = C.evaluate(params(go_binaries=(GO, OLD, SVC), mandatory_aslr=True), results)
    assert ev.status == NON_COMPLIANT
    assert ev.fix == []
    reason = ("DllCharacteristics lacks IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE (0x0040): built "
              "by Go before 1.15 or with -buildmode=exe, it has no relocations and would not "
              "load with Mandatory ASLR")
    assert ev.evidence == [
        {"scope": "image", "image": "go.exe", "setting": "ForceRelocateImages", "file": OLD,
         "dll_characteristics": "0x0100", "reason": reason, "state": "refused"},
        {"scope": "image", "image": "api.exe", "setting": "ForceRelocateImages", "file": SVC,
         "reason": "the file does not exist, so its PE header cannot be checked",
         "state": "refused"},
    ]
    assert ev.message == (f"Mandatory ASLR not set for go.exe: refused, {OLD}: {reason}; "
                          f"Mandatory ASLR not set for api.exe: refused, {SVC}: the file does "
                          "not exist, so its PE header cannot be checked")


def test_require_info_already_set_on_a_binary_that_cannot_load() -> None:
    results = {"system": absent(), "image0": binary("0003"), "pe0": read(b"#!/bin/sh\n")}
    ev = C.evaluate(params(go_binaries=(GO,), mandatory_aslr=True), results)
    assert ev.status == NON_COMPLIANT and ev.fix == []
    assert ev.evidence[0]["state"] == "would_not_load"
    assert ev.evidence[0]["reason"].startswith("not a readable PE image (")
    assert "will not start; remove the setting or rebuild the binary" in ev.message


# -- against the simulated host --------------------------------------------------------


def test_enforce_round_trip_on_the_simulated_host(tmp_path: Path) -> None:
    host = SimHost(str(tmp_path / "h"))
    local = tmp_path / "go.exe"
    local.write_bytes(pe(0x8160))
    host.run_batch({"ops": [{"op": "file.mkdir", "args": {"path": r"C:\go\bin"}}]})
    host.put_file(str(local), r"C:\go\bin\go.exe")
    host.set_reg(bm.SYSTEM_KEY, "MitigationOptions", "REG_BINARY", "00002000")
    p = params(go_binaries=(r"C:\go\bin\go.exe",), mandatory_aslr=True)
    ev = C.evaluate(p, read_on_host(host, C, p))
    assert ev.status == NON_COMPLIANT and len(ev.fix) == 2
    raw = host.run_batch({"ops": [{"op": op, "args": args} for op, args in ev.fix]})
    assert raw["failed_op"] is None and raw["changed"] is True
    again = C.evaluate(p, read_on_host(host, C, p))
    assert (again.status, again.fix) == (COMPLIANT, [])
