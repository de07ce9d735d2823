"""The PE header parser of the process_mitigations control, on hand-built headers."""

from __future__ import annotations

import struct

import pytest

from ansible_collections.winops.golang.plugins.module_utils.baseline_mitigations import (
    PE32_MAGIC,
    PE32_PLUS_MAGIC,
    PeError,
    parse_pe_header,
)

AMD64, I386 = 0x8664, 0x14C


def build_pe(magic: int = PE32_PLUS_MAGIC, dll_characteristics: int = 0x8160,
             machine: int = AMD64, lfanew: int = 0x80, optional_size: int | None = None,
             total: int = 1024) -> bytes:
    """A DOS header, PE signature, COFF header and an optional header, zero padded.

    The optional header is 224 bytes for PE32 and 240 for PE32+, as linkers write
    them; DllCharacteristics sits at offset 70 in both.
    """
    if optional_size is None:
        optional_size = 240 if magic == PE32_PLUS_MAGIC else 224
    data = bytearray(total)
    data[0:2] = b"MZ"
    struct.pack_into("<I", data, 0x3C, lfanew)
    data[lfanew:lfanew + 4] = b"PE\x00\x00"
    struct.pack_into("<HHIIIHH", data, lfanew + 4, machine, 3, 0, 0, 0, optional_size, 0x22)
    optional = lfanew + 24
    struct.pack_into("<H", data, optional, magic)
    # Fields before DllCharacteristics that differ by format, to catch a wrong offset.
    if magic == PE32_MAGIC:
        struct.pack_into("<I", data, optional + 28, 0x400000)      # ImageBase (4 bytes)
    else:
        struct.pack_into("<Q", data, optional + 24, 0x140000000)   # ImageBase (8 bytes)
    struct.pack_into("<H", data, optional + 68, 3)                  # Subsystem: console
    struct.pack_into("<H", data, optional + 70, dll_characteristics)
    return bytes(data)


def test_pe32_plus_go_binary_with_dynamic_base() -> None:
    # What Go 1.15 and later link for windows/amd64: HIGH_ENTROPY_VA | DYNAMIC_BASE |
    # NX_COMPAT | TERMINAL_SERVER_AWARE.
    header = parse_pe_header(build_pe(dll_characteristics=0x8160))
    assert (header.format, header.machine, header.dll_characteristics) == ("PE32+", AMD64,
                                                                           0x8160)
    assert header.dynamic_base and header.high_entropy_va and header.nx_compat


def test_pe32_without_dynamic_base() -> None:
    header = parse_pe_header(build_pe(magic=PE32_MAGIC, dll_characteristics=0x0000,
                                      machine=I386))
    assert (header.format, header.machine) == ("PE32", I386)
    assert not header.dynamic_base and not header.high_entropy_va and not header.nx_compat


def test_pe32_with_dynamic_base_only() -> None:
    header = parse_pe_header(build_pe(magic=PE32_MAGIC, dll_characteristics=0x0040))
    assert header.dynamic_base and not header.high_entropy_va


def test_header_far_into_the_read_bytes() -> None:
    data = build_pe(lfanew=0xE00, total=4096)
    assert parse_pe_header(data).dynamic_base


@pytest.mark.parametrize(("data", "text"), [
    (b"", "too short"),
    (b"MZ" + bytes(30), "too short"),
    (b"\x7fELF" + bytes(200), "no 'MZ'"),
    (b"#!/bin/sh\n" + bytes(200), "no 'MZ'"),
    (build_pe()[:0x80 + 10], "beyond the"),
    (build_pe(lfanew=5000, total=8192)[:4096], "beyond the 4096 bytes"),
    (build_pe()[:0x80] + b"NE\x00\x00" + build_pe()[0x84:], "no 'PE' signature"),
    (build_pe()[:0x80 + 24 + 40], "cut off"),
    (build_pe(optional_size=60), "too small"),
    (build_pe(magic=0x107), "neither PE32"),
])
def test_truncated_or_not_pe(data: bytes, text: str) -> None:
    with pytest.raises(PeError, match=text):
        parse_pe_header(data)


def test_pe_error_is_a_value_error() -> None:
    assert issubclass(PeError, ValueError)
