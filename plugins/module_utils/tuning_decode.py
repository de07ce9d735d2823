"""Decoders of the bit-packed registry values ``win_tcp_tuning`` manages.

``Win32PrioritySeparation`` (``HKLM\\SYSTEM\\CurrentControlSet\\Control\\PriorityControl``)
is a 6-bit ``AABBCC`` mask (Windows 2000 Registry Reference, Win32PrioritySeparation;
range 0x0-0x3F, default 0x2):

* ``AA`` quantum length: ``01`` long, ``10`` short, ``00``/``11`` the product's
  default (short on client Windows, long on Windows Server);
* ``BB`` quantum type: ``01`` variable, ``10`` fixed, ``00``/``11`` the product's
  default (variable on client Windows, fixed on Windows Server);
* ``CC`` foreground boost, the ratio of foreground to background quanta: ``00``
  none (1:1), ``01`` 2:1, ``10``/``11`` 3:1. It stretches quanta only when they are
  variable.

System Properties > Advanced > Performance > Advanced writes 0x26 for
"Programs" (short, variable, 3:1: the client profile) and 0x18 for "Background
services" (long, fixed, no boost: the server profile); a fresh install keeps
0x2, which a server reads as long and fixed quanta.

``NtfsDisableLastAccessUpdate`` (``...\\Control\\FileSystem``): ``fsutil behavior set
disablelastaccess N`` takes 0-3 from Windows 10 1803 (build 17134) on, and stores
``0x80000000 | N``: the high bit marks the new semantics, bit 0 disables the
updates, bit 1 makes the policy system managed (NTFS then turns the updates off at
boot when the system volume is larger than 128 GiB). Earlier builds (Server 2016,
14393) know only 0 (updates on) and 1 (updates off), stored as is.
"""

from __future__ import annotations

from typing import Any

PRIORITY_SEPARATION_DEFAULT = 0x2
PROGRAMS = 0x26
BACKGROUND_SERVICES = 0x18
NTFS_NEW_SEMANTICS_BUILD = 17134
NTFS_NEW_FORMAT = 0x80000000
# Tcpip\Parameters\TcpTimedWaitDelay when the value is absent (Microsoft's
# "Settings that can be modified to improve network performance").
TIME_WAIT_DEFAULT = 120

_LENGTH = {1: "long", 2: "short"}
_TYPE = {1: "variable", 2: "fixed"}
_BOOST = {0: "none", 1: "2:1", 2: "3:1", 3: "3:1"}
_NTFS_MEANING = {
    0: "user managed, last-access updates enabled",
    1: "user managed, last-access updates disabled",
    2: "system managed, last-access updates enabled (Windows disables them at boot when "
    "the system volume is larger than 128 GiB)",
    3: "system managed, last-access updates disabled",
}


def decode_priority_separation(value: int | None, server: bool = True) -> dict[str, Any]:
    """Explain a ``Win32PrioritySeparation`` value (``None``: absent, Windows uses 0x2)."""
    raw = PRIORITY_SEPARATION_DEFAULT if value is None else int(value)
    if not 0 <= raw <= 0x3F:
        return {
            "value": value,
            "hex": f"0x{raw:X}",
            "set": value is not None,
            "valid": False,
            "meaning": "outside the documented 0x0-0x3F range",
        }
    length_bits, type_bits, boost_bits = (raw >> 4) & 3, (raw >> 2) & 3, raw & 3
    length = _LENGTH.get(length_bits, "default")
    qtype = _TYPE.get(type_bits, "default")
    effective_length = length if length != "default" else ("long" if server else "short")
    effective_type = qtype if qtype != "default" else ("fixed" if server else "variable")
    boost = _BOOST[boost_bits]
    profile = {PROGRAMS: "programs", BACKGROUND_SERVICES: "background_services"}.get(raw)
    meaning = f"{effective_length} {effective_type} quanta, foreground boost {boost}" + (
        "" if effective_type == "variable" or boost == "none" else " (no effect with fixed quanta)"
    )
    return {
        "value": value,
        "hex": f"0x{raw:X}",
        "set": value is not None,
        "valid": True,
        "quantum_length": length,
        "quantum_type": qtype,
        "foreground_boost": boost,
        "effective_quantum_length": effective_length,
        "effective_quantum_type": effective_type,
        "profile": profile,
        "meaning": meaning,
    }


def encode_ntfs_last_access(setting: int, build: int) -> int:
    """The stored ``NtfsDisableLastAccessUpdate`` data for fsutil value ``setting`` on ``build``."""
    if build >= NTFS_NEW_SEMANTICS_BUILD:
        return NTFS_NEW_FORMAT | setting
    return setting


def decode_ntfs_last_access(value: int | None, build: int) -> dict[str, Any]:
    """Explain a ``NtfsDisableLastAccessUpdate`` value (``None``: absent)."""
    if value is None:
        return {
            "value": None,
            "hex": None,
            "set": False,
            "setting": None,
            "format": None,
            "mode": None,
            "updates_enabled": None,
            "meaning": "not set: Windows default",
        }
    raw = int(value)
    new_format = bool(raw & NTFS_NEW_FORMAT)
    if new_format or build >= NTFS_NEW_SEMANTICS_BUILD:
        setting = raw & 0x3
        system = bool(setting & 2)
    else:
        # Old semantics: only "disabled or not".
        setting = 1 if raw & 1 else 0
        system = False
    return {
        "value": raw,
        "hex": f"0x{raw:X}",
        "set": True,
        "setting": setting,
        "format": "new" if new_format else "legacy",
        "mode": "system" if system else "user",
        "updates_enabled": not setting & 1,
        "meaning": _NTFS_MEANING[setting],
    }
