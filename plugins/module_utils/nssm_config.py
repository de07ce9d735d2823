"""The registry values NSSM 2.24 reads for a ``win_go_service`` in nssm mode.

Part of the pure logic of ``winops.golang.win_go_service``. NSSM (last
release 2.24, 2014) keeps its settings under the service's key::

    HKLM\\SYSTEM\\CurrentControlSet\\Services\\<name>
        ImagePath            REG_EXPAND_SZ  the nssm.exe path (quoted here)
        Parameters\\
            Application      REG_EXPAND_SZ  the program
            AppParameters    REG_EXPAND_SZ  its arguments, one command line
            AppDirectory     REG_EXPAND_SZ  its working directory
            AppEnvironmentExtra REG_MULTI_SZ NAME=value added to the environment
            AppEnvironment   REG_MULTI_SZ   (kept absent: it replaces the environment)
            AppStdout, AppStderr REG_EXPAND_SZ output files
            AppRotateFiles, AppRotateOnline, AppRotateBytes REG_DWORD  rotation
            AppRotateSeconds, AppRotateBytesHigh REG_DWORD  (kept absent)
            AppStopMethodSkip, AppStopMethodConsole  REG_DWORD  how it stops
            AppNoConsole     REG_DWORD      1: no console for the program
            AppExit\\(Default) REG_SZ        what to do when the program exits

Choices made here: ``AppExit`` is ``Exit``, so NSSM stops the service when
the program exits and the SCM's failure actions (:mod:`service_recovery`) do
the restarting in every mode; stopping sends Ctrl+C and waits ``stop_timeout``
(``AppStopMethodConsole``), skips the window and thread messages a console Go
program never reads (``AppStopMethodSkip`` = 2 + 4) and then terminates it.
NSSM 2.24 rotates only at start and, with ``AppRotateOnline``, by size; it
never deletes rotated files.

On Windows 10 1703 and later (Server 2019 on), a program that inherits NSSM
2.24's console fails to start (STATUS_DLL_INIT_FAILED), so ``AppNoConsole``
is set there and NSSM starts the program without handing it its own console.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winargv, winpath
from ansible_collections.winops.golang.plugins.module_utils.service_spec import ServiceSpec

SERVICES_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services"
PARAMETERS = "Parameters"
EXIT = "AppExit"
DEFAULT_VALUE = ""  # the key's (Default) value
EXIT_ACTION = "Exit"
SKIP_WINDOW_AND_THREADS = 2 | 4
CONSOLE_FAILS_BUILD = 15063  # Windows 10 1703
RegValue = tuple[str, Any]


class NssmConfigError(ValueError):
    """A spec that is not an nssm service."""


def service_key(name: str) -> str:
    """The service's registry key."""
    return f"{SERVICES_KEY}\\{name}"


def parameters_key(name: str) -> str:
    """``...\\Services\\<name>\\Parameters``."""
    return f"{service_key(name)}\\{PARAMETERS}"


def exit_key(name: str) -> str:
    """``...\\Parameters\\AppExit``, whose (Default) value is the exit action."""
    return f"{parameters_key(name)}\\{EXIT}"


def image_path(spec: ServiceSpec) -> str:
    """The service's ``ImagePath``: nssm.exe, always quoted."""
    if not spec.nssm_exe:
        raise NssmConfigError(f"service {spec.name!r} has no nssm_exe")
    return f'"{spec.nssm_exe}"'


def log_files(spec: ServiceSpec) -> tuple[str, str] | None:
    """``<log directory>\\<name>.out.log`` and ``.err.log``, or None without a log."""
    if spec.log is None:
        return None
    return (winpath.join(spec.log.directory, f"{spec.name}.out.log"),
            winpath.join(spec.log.directory, f"{spec.name}.err.log"))


def needs_no_console(os_build: int) -> bool:
    """Whether NSSM 2.24 must not give the program its console on this build."""
    return os_build >= CONSOLE_FAILS_BUILD


def registry_values(spec: ServiceSpec, os_build: int) -> dict[str, dict[str, RegValue | None]]:
    """Every value NSSM reads that this module manages: key -> name -> (type, value).

    None means the value must be absent. ``os_build`` is the host's build
    number (``AppNoConsole``, see the module docstring).
    """
    if spec.mode != "nssm" or not spec.program:
        raise NssmConfigError(f"service {spec.name!r} is not an nssm service with a program")
    logs = log_files(spec)
    size = spec.log.rotation == "size" if spec.log else False
    params: dict[str, RegValue | None] = {
        "Application": ("REG_EXPAND_SZ", spec.program),
        "AppParameters": ("REG_EXPAND_SZ", winargv.quote_argv(list(spec.arguments))),
        "AppDirectory": ("REG_EXPAND_SZ", spec.working_directory),
        # AppEnvironment would replace the whole environment: only ever add to it.
        "AppEnvironment": None,
        "AppEnvironmentExtra": ("REG_MULTI_SZ", [f"{n}={v}" for n, v in spec.environment])
        if spec.environment else None,
        "AppStdout": ("REG_EXPAND_SZ", logs[0]) if logs else None,
        "AppStderr": ("REG_EXPAND_SZ", logs[1]) if logs else None,
        "AppRotateFiles": ("REG_DWORD", 1) if size else None,
        "AppRotateOnline": ("REG_DWORD", 1) if size else None,
        "AppRotateBytes": ("REG_DWORD", spec.log.max_size_kb * 1024)
        if size and spec.log else None,
        # An age threshold or a 64-bit size left from elsewhere would hold rotation back.
        "AppRotateBytesHigh": None,
        "AppRotateSeconds": None,
        "AppStopMethodSkip": ("REG_DWORD", SKIP_WINDOW_AND_THREADS),
        "AppStopMethodConsole": ("REG_DWORD", spec.stop_timeout * 1000),
        "AppNoConsole": ("REG_DWORD", 1) if needs_no_console(os_build) else None,
    }
    return {
        service_key(spec.name): {"ImagePath": ("REG_EXPAND_SZ", image_path(spec))},
        parameters_key(spec.name): params,
        exit_key(spec.name): {DEFAULT_VALUE: ("REG_SZ", EXIT_ACTION)},
    }


def _same(wanted: RegValue | None, seen: Mapping[str, Any] | None) -> bool:
    if wanted is None or seen is None:
        return wanted is None and seen is None
    kind, value = wanted
    if seen.get("type") != kind:
        return False
    if kind == "REG_DWORD":
        return int(seen.get("value") or 0) == value
    if kind == "REG_MULTI_SZ":
        return list(seen.get("value") or []) == value
    return seen.get("value") == value


def differences(desired: Mapping[str, Mapping[str, RegValue | None]],
                actual: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The values that differ, as ``<key>\\<name>`` (``(Default)`` for the default value).

    ``actual`` maps each key of ``desired`` to its ``reg.get`` result
    (``{key_exists, values: {name: {type, value}}}``); names compare
    case-insensitively, as in the registry.
    """
    out: list[str] = []
    for key, values in desired.items():
        found = actual.get(key) or {}
        seen = {name.casefold(): item for name, item in (found.get("values") or {}).items()}
        for name, wanted in values.items():
            if not _same(wanted, seen.get(name.casefold())):
                out.append(f"{key}\\{name or '(Default)'}")
    return out
