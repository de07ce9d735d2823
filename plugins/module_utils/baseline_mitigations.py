"""Baseline control ``process_mitigations``: DEP and ASLR, system-wide and per Go binary.

Part of the pure logic of ``winops.golang.win_go_baseline`` (see :mod:`baseline`).

Where Windows keeps the settings ``Set-ProcessMitigation`` writes and
``Get-ProcessMitigation`` reads:

- system-wide: ``HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\kernel``
  value ``MitigationOptions`` (REG_BINARY);
- per image: ``HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File
  Execution Options\\<file name>`` value ``MitigationOptions``, by file *name*:
  it applies to every image of that name, wherever it lives. Older tools (EMET)
  wrote it as REG_QWORD; both are read.

Both values use the same layout, little-endian: one 2-bit field per mitigation
at the start of a 4-bit group, 0 = not set (the system default applies),
1 = always on, 2 = always off. The fields this control uses, and where each was
confirmed:

==================== ===== ===================================================
field                 bit   values
==================== ===== ===================================================
DEP                   0     1 on (``PROCESS_CREATION_MITIGATION_POLICY_DEP_ENABLE``
                            0x1); 3 on with ATL thunk emulation (0x2 is
                            ``..._DEP_ATL_THUNK_ENABLE``)
ForceRelocateImages   8     1 on, 2 off, 3 on and images without relocations
                            refused (``..._FORCE_RELOCATE_IMAGES_ALWAYS_ON``
                            0x100, ``..._ALWAYS_OFF`` 0x200,
                            ``..._ALWAYS_ON_REQ_RELOCS`` 0x300): Mandatory ASLR
                            with RequireInfo
BottomUp              16    1 on, 2 off (``..._BOTTOM_UP_ASLR_ALWAYS_ON``
                            0x10000, ``..._ALWAYS_OFF`` 0x20000)
HighEntropy           20    1 on, 2 off (``..._HIGH_ENTROPY_ASLR_ALWAYS_ON``
                            0x100000, ``..._ALWAYS_OFF`` 0x200000)
==================== ===== ===================================================

The bit positions are the ``PROCESS_CREATION_MITIGATION_POLICY_*`` constants of
WinBase.h; that the registry values follow them for these four fields is what
public registry dumps of ``Set-ProcessMitigation`` show (e.g. system-wide
Mandatory plus Bottom-Up ASLR is ``00 01 01 00 ...``) and Microsoft's Process
Mitigation Options Group Policy table. Not confirmed, so reported as
``unverified`` rather than guessed: a DEP field of 2 (an ATL-thunk-only value
whose meaning sources disagree on) and a BottomUp or HighEntropy field of 3.

Windows defaults, as ``Get-ProcessMitigation -System`` shows them (``NOTSET``)
and the DISA STIGs accept them: DEP, BottomUp and HighEntropy are on by
default, so a field of 0 is compliant. System-wide DEP also depends on the boot
configuration's ``nx`` policy (OptOut by default on Windows Server), which no
op reads; this control does not see it.

Per Go binary (``go_binaries``) the control refuses overrides that turn
BottomUp or HighEntropy off for that image name (fix: clear the field, so the
system setting applies) and, with ``mandatory_aslr``, wants
ForceRelocateImages = 3 (fix: set it). Before asking for that it reads each
binary's PE header (``file.read``, first 4096 bytes): an image without
``IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE`` (Go before 1.15, or a binary built
with ``-buildmode=exe``) has no relocations and would no longer start, so the
control refuses that image name and says why. A value it creates is 16 bytes,
the size the system value has in public examples; newer Windows releases write
longer values, which keep their length here.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils.baseline import (
    COMPLIANT,
    NON_COMPLIANT,
    Evaluation,
    Op,
)

SYSTEM_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\kernel"
IFEO_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options"
VALUE_NAME = "MitigationOptions"
PE_READ_BYTES = 4096
NEW_VALUE_BYTES = 16

# Field -> bit shift of its 2-bit field in MitigationOptions.
FIELDS = {"DEP": 0, "ForceRelocateImages": 8, "BottomUp": 16, "HighEntropy": 20}
NOT_SET, ALWAYS_ON, ALWAYS_OFF, ON_REQUIRE_RELOCS = 0, 1, 2, 3

IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA = 0x0020
IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE = 0x0040
IMAGE_DLLCHARACTERISTICS_NX_COMPAT = 0x0100
PE32_MAGIC = 0x10B
PE32_PLUS_MAGIC = 0x20B
_DLL_CHARACTERISTICS_OFFSET = 70  # in the optional header, the same for PE32 and PE32+


# -- PE header ----------------------------------------------------------------------


class PeError(ValueError):
    """The bytes are not (the start of) a PE image this parser understands."""


@dataclass(frozen=True)
class PeHeader:
    """What the control needs from a PE image's headers."""

    machine: int
    magic: int
    dll_characteristics: int

    @property
    def format(self) -> str:
        """``PE32`` or ``PE32+``."""
        return "PE32+" if self.magic == PE32_PLUS_MAGIC else "PE32"

    @property
    def dynamic_base(self) -> bool:
        """Whether the image can be relocated (linked with /DYNAMICBASE)."""
        return bool(self.dll_characteristics & IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE)

    @property
    def high_entropy_va(self) -> bool:
        """Whether the image handles a 64-bit high-entropy address space."""
        return bool(self.dll_characteristics & IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA)

    @property
    def nx_compat(self) -> bool:
        """Whether the image is marked DEP compatible."""
        return bool(self.dll_characteristics & IMAGE_DLLCHARACTERISTICS_NX_COMPAT)


def parse_pe_header(data: bytes) -> PeHeader:
    """Parse the DOS header, PE signature, COFF header and optional header magic.

    ``data`` is the start of the file (the headers of any real image fit in
    the first 4096 bytes). Raises :class:`PeError` for anything else.
    """
    if len(data) < 0x40:
        raise PeError(f"{len(data)} bytes is too short for a DOS header (64 bytes)")
    if data[:2] != b"MZ":
        raise PeError("no 'MZ' DOS signature: not a Windows executable")
    (offset,) = struct.unpack_from("<I", data, 0x3C)
    if offset + 24 > len(data):
        raise PeError(f"the PE header starts at byte {offset}, beyond the {len(data)} bytes "
                      "read")
    if data[offset:offset + 4] != b"PE\x00\x00":
        raise PeError(f"no 'PE' signature at byte {offset}: not a PE image")
    machine, _sections, _stamp, _symbols, _count, optional_size, _chars = struct.unpack_from(
        "<HHIIIHH", data, offset + 4)
    optional = offset + 24
    if optional_size < _DLL_CHARACTERISTICS_OFFSET + 2:
        raise PeError(f"the optional header is {optional_size} bytes, too small to hold "
                      "DllCharacteristics")
    if optional + _DLL_CHARACTERISTICS_OFFSET + 2 > len(data):
        raise PeError("the optional header is cut off in the bytes read")
    (magic,) = struct.unpack_from("<H", data, optional)
    if magic not in (PE32_MAGIC, PE32_PLUS_MAGIC):
        raise PeError(f"optional header magic 0x{magic:x} is neither PE32 (0x10b) nor PE32+ "
                      "(0x20b)")
    (characteristics,) = struct.unpack_from("<H", data, optional + _DLL_CHARACTERISTICS_OFFSET)
    return PeHeader(machine, magic, characteristics)


# -- MitigationOptions ----------------------------------------------------------------


def value_bytes(result: Mapping[str, Any]) -> tuple[bytes, str] | None:
    """A ``reg.get`` result's ``MitigationOptions`` as bytes and its type; None when absent.

    Raises ValueError for a type or value this control cannot read.
    """
    if not result.get("exists"):
        return None
    kind = result.get("type")
    value = result.get("value")
    if kind == "REG_BINARY" and isinstance(value, str):
        try:
            return bytes.fromhex(value), kind
        except ValueError as err:
            raise ValueError(f"REG_BINARY data '{value}' is not hexadecimal") from err
    if kind == "REG_QWORD" and isinstance(value, int) and not isinstance(value, bool):
        return value.to_bytes(8, "little"), kind
    raise ValueError(f"MitigationOptions is {kind}, not REG_BINARY or REG_QWORD")


def field(data: bytes, name: str) -> int:
    """The 2-bit field ``name`` of :data:`FIELDS` (0 beyond the end of the value)."""
    shift = FIELDS[name]
    index = shift // 8
    return (data[index] >> (shift % 8)) & 0b11 if index < len(data) else 0


def with_field(data: bytes, name: str, number: int) -> bytes:
    """``data`` with field ``name`` set to ``number`` (grown with zeros when short)."""
    shift = FIELDS[name]
    index = shift // 8
    out = bytearray(data.ljust(max(index + 1, len(data)), b"\x00"))
    out[index] = (out[index] & ~(0b11 << (shift % 8)) & 0xFF) | ((number & 0b11) << (shift % 8))
    return bytes(out)


def _state(name: str, number: int) -> str:
    """``notset``, ``on``, ``off`` or ``unverified`` for a field's number."""
    if number == NOT_SET:
        return "notset"
    if name == "DEP":
        return "on" if number & ALWAYS_ON else "unverified"
    if name == "ForceRelocateImages":
        return {ALWAYS_ON: "on", ALWAYS_OFF: "off", ON_REQUIRE_RELOCS: "on_require_relocs"}[number]
    return {ALWAYS_ON: "on", ALWAYS_OFF: "off"}.get(number, "unverified")


def _set_op(path: str, old: tuple[bytes, str] | None, new: bytes) -> Op:
    kind = old[1] if old else "REG_BINARY"
    value: Any = int.from_bytes(new[:8], "little") if kind == "REG_QWORD" else new.hex()
    expected: Any = None
    if old is not None:
        expected = {"type": kind, "value": (int.from_bytes(old[0][:8], "little")
                                            if kind == "REG_QWORD" else old[0].hex())}
    return ("reg.set", {"path": path, "name": VALUE_NAME, "type": kind, "value": value,
                        "expected": expected})


def image_name(path: str) -> str:
    """The file name of a Windows path (what the per-image key is named after)."""
    return path.replace("/", "\\").rstrip("\\").rsplit("\\", 1)[-1]


def _groups(binaries: list[str]) -> list[tuple[str, list[int]]]:
    """Binary indexes grouped by image name (case-insensitive), in first-seen order."""
    out: list[tuple[str, list[int]]] = []
    for i, path in enumerate(binaries):
        name = image_name(path)
        for entry in out:
            if entry[0].casefold() == name.casefold():
                entry[1].append(i)
                break
        else:
            out.append((name, [i]))
    return out


# -- the control ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessMitigationsControl:
    """System-wide DEP and ASLR stay on; Go binaries get no weaker per-image settings."""

    id: str = "process_mitigations"
    title: str = "DEP and ASLR are on system-wide and for the Go binaries"
    source: str = ("DISA STIG Windows Server (Exploit Protection system-level DEP, "
                   "Bottom-Up ASLR, High-Entropy ASLR); Microsoft, Exploit protection "
                   "(Set-ProcessMitigation)")

    def reads(self, params: Mapping[str, Any]) -> dict[str, Op]:
        """The system value; per image name its IFEO value; with mandatory_aslr, PE headers."""
        out: dict[str, Op] = {"system": ("reg.get", {"path": SYSTEM_KEY, "name": VALUE_NAME})}
        binaries = list(params["go_binaries"])
        for j, (name, _members) in enumerate(_groups(binaries)):
            out[f"image{j}"] = ("reg.get", {"path": f"{IFEO_KEY}\\{name}", "name": VALUE_NAME})
        if params["mandatory_aslr"]:
            for i, path in enumerate(binaries):
                out[f"pe{i}"] = ("file.read", {"path": path, "max_bytes": PE_READ_BYTES})
        return out

    def evaluate(self, params: Mapping[str, Any],
                 results: Mapping[str, dict[str, Any]]) -> Evaluation:
        """Judge the system value, then each image name's value and headers."""
        evidence: list[dict[str, Any]] = []
        fix: list[Op] = []
        problems: list[str] = []
        self._system(results["system"], evidence, fix, problems)
        binaries = list(params["go_binaries"])
        for j, (name, members) in enumerate(_groups(binaries)):
            self._image(name, [binaries[i] for i in members],
                        [results.get(f"pe{i}") for i in members], results[f"image{j}"],
                        bool(params["mandatory_aslr"]), evidence, fix, problems)
        names = ", ".join(n for n, _m in _groups(binaries))
        scope = f"system-wide and for {names}" if names else "system-wide"
        if not problems:
            return Evaluation(COMPLIANT, [], [], f"DEP and ASLR are on {scope}")
        return Evaluation(NON_COMPLIANT, evidence, fix, "; ".join(problems))

    @staticmethod
    def _system(result: dict[str, Any], evidence: list[dict[str, Any]], fix: list[Op],
                problems: list[str]) -> None:
        try:
            old = value_bytes(result)
        except ValueError as err:
            evidence.append({"scope": "system", "registry": SYSTEM_KEY, "state": "unreadable",
                             "reason": str(err)})
            problems.append(f"system-wide MitigationOptions cannot be read: {err}")
            return
        data = old[0] if old else b""
        new = _judge_fields(
            data, {"scope": "system", "registry": SYSTEM_KEY}, ALWAYS_ON, evidence, problems,
            lambda name: f"{name} is off system-wide",
            lambda name, number: f"system-wide {name} field is {number}, whose meaning is not "
                                 "verified; check Get-ProcessMitigation -System")
        if new != data:
            fix.append(_set_op(SYSTEM_KEY, old, new))

    @staticmethod
    def _image(name: str, paths: list[str], reads: list[dict[str, Any] | None],
               result: dict[str, Any], mandatory: bool, evidence: list[dict[str, Any]],
               fix: list[Op], problems: list[str]) -> None:
        key = f"{IFEO_KEY}\\{name}"
        try:
            old = value_bytes(result)
        except ValueError as err:
            evidence.append({"scope": "image", "image": name, "registry": key,
                             "state": "unreadable", "reason": str(err)})
            problems.append(f"MitigationOptions of {name} cannot be read: {err}")
            return
        data = old[0] if old else b""
        new = _judge_fields(
            data, {"scope": "image", "image": name, "registry": key}, NOT_SET, evidence,
            problems, lambda setting: f"{setting} is turned off for {name}",
            lambda setting, number: f"the {setting} field of {name} is {number}, whose "
                                    "meaning is not verified")
        relocate = field(data, "ForceRelocateImages")
        refused = _header_problems(name, paths, reads) if mandatory else []
        if relocate == ON_REQUIRE_RELOCS and refused:
            evidence += [dict(e, state="would_not_load") for e in refused]
            problems.append(f"Mandatory ASLR is required for {name}, but "
                            f"{', '.join(e['file'] for e in refused)} cannot be relocated and "
                            "will not start; remove the setting or rebuild the binary")
        elif mandatory and relocate != ON_REQUIRE_RELOCS:
            if refused:
                evidence += [dict(e, state="refused") for e in refused]
                problems.append(f"Mandatory ASLR not set for {name}: refused, "
                                f"{'; '.join(e['file'] + ': ' + e['reason'] for e in refused)}")
            else:
                evidence.append({"scope": "image", "image": name, "registry": key,
                                 "setting": "ForceRelocateImages",
                                 "state": _state("ForceRelocateImages", relocate),
                                 "field": relocate})
                new = with_field(new, "ForceRelocateImages", ON_REQUIRE_RELOCS)
                problems.append(f"Mandatory ASLR (ForceRelocateImages with RequireInfo) is not "
                                f"set for {name}")
        if new != data:
            grown = new if old else new.ljust(NEW_VALUE_BYTES, b"\x00")
            fix.append(_set_op(key, old, grown))


def _judge_fields(data: bytes, base: dict[str, Any], fixed: int,
                  evidence: list[dict[str, Any]], problems: list[str],
                  off: Callable[[str], str], unverified: Callable[[str, int], str]) -> bytes:
    """Check DEP, BottomUp and HighEntropy in one MitigationOptions value.

    A field that is off is set to ``fixed`` in the value returned; one whose
    meaning is not verified is only reported. Evidence items extend ``base``.
    """
    new = data
    for setting in ("DEP", "BottomUp", "HighEntropy"):
        number = field(data, setting)
        state = _state(setting, number)
        if state in ("notset", "on"):
            continue
        evidence.append(dict(base, setting=setting, state=state, field=number))
        if state == "off":
            new = with_field(new, setting, fixed)
            problems.append(off(setting))
        else:
            problems.append(unverified(setting, number))
    return new


def _header_problems(name: str, paths: list[str],
                     reads: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Evidence for each binary of ``name`` that cannot take Mandatory ASLR."""
    out: list[dict[str, Any]] = []
    for path, read in zip(paths, reads, strict=True):
        base = {"scope": "image", "image": name, "setting": "ForceRelocateImages", "file": path}
        if read is None:
            out.append(dict(base, reason="its PE header was not read"))
            continue
        if not read.get("exists"):
            out.append(dict(base, reason="the file does not exist, so its PE header cannot be "
                                         "checked"))
            continue
        try:
            header = parse_pe_header(base64.b64decode(read.get("content_b64") or "",
                                                      validate=True))
        except (PeError, binascii.Error) as err:
            out.append(dict(base, reason=f"not a readable PE image ({err})"))
            continue
        if not header.dynamic_base:
            out.append(dict(base, dll_characteristics=f"0x{header.dll_characteristics:04x}",
                            reason="DllCharacteristics lacks IMAGE_DLLCHARACTERISTICS_"
                                   "DYNAMIC_BASE (0x0040): built by Go before 1.15 or with "
                                   "-buildmode=exe, it has no relocations and would not load "
                                   "with Mandatory ASLR"))
    return out


CONTROL = ProcessMitigationsControl()
