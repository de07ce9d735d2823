"""NSSM registry values for a service spec, and comparing them with the host's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import nssm_config
from ansible_collections.winops.golang.plugins.module_utils.nssm_config import (
    NssmConfigError,
    differences,
    registry_values,
)
from ansible_collections.winops.golang.plugins.module_utils.service_spec import parse_spec

BASE = {"name": "api", "mode": "nssm", "binary": "C:\\build\\api.exe",
        "root": "D:\\svc\\api", "nssm_exe": "C:\\Program Files\\nssm\\nssm.exe"}
SERVER_2016, SERVER_2022 = 14393, 20348
KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\api"
PARAMS = KEY + "\\Parameters"
EXIT = PARAMS + "\\AppExit"


def spec(**given: Any):
    return parse_spec({**BASE, **given})


def test_registry_values_exactly() -> None:
    parsed = spec(arguments=["-addr", ":8080", "two words"],
                  environment={"GOGC": "50", "APP_ENV": "prod"}, stop_timeout=20,
                  log={"rotation": "size", "max_size_kb": 1024})
    # Golden file: key -> value name -> [type, value], null where the value must be absent.
    golden = json.loads((Path(__file__).parent / "golden" / "nssm_full_2016.json").read_text())
    got = registry_values(parsed, SERVER_2016)
    assert {k: {n: list(v) if v is not None else None for n, v in vals.items()}
            for k, vals in got.items()} == golden


def test_registry_values_minimal_on_a_newer_build() -> None:
    params = registry_values(spec(), SERVER_2022)[PARAMS]
    assert params["AppParameters"] == ("REG_EXPAND_SZ", "")
    assert params["AppEnvironmentExtra"] is None
    assert params["AppStdout"] == ("REG_EXPAND_SZ", "D:\\svc\\api\\logs\\api.out.log")
    assert [params[n] for n in ("AppRotateFiles", "AppRotateOnline", "AppRotateBytes")] == [
        None, None, None]
    assert params["AppNoConsole"] == ("REG_DWORD", 1)


def test_console_by_build() -> None:
    assert not nssm_config.needs_no_console(15062)
    assert nssm_config.needs_no_console(15063)


def test_refuses_other_modes() -> None:
    native = parse_spec({**BASE, "mode": "native", "nssm_exe": None})
    with pytest.raises(NssmConfigError, match="is not an nssm service with a program"):
        registry_values(native, SERVER_2016)
    with pytest.raises(NssmConfigError, match="has no nssm_exe"):
        nssm_config.image_path(native)


def as_read(values: dict[str, Any]) -> dict[str, Any]:
    """What reg.get returns for the desired values (names in another case)."""
    return {key: {"key_exists": True,
                  "values": {name.upper(): {"type": v[0], "value": v[1]}
                             for name, v in items.items() if v is not None}}
            for key, items in values.items()}


def test_differences() -> None:
    desired = registry_values(spec(environment={"A": "1"}), SERVER_2022)
    actual = as_read(desired)
    assert differences(desired, actual) == []
    actual[PARAMS]["values"]["APPSTOPMETHODCONSOLE"]["value"] = 1500
    actual[PARAMS]["values"]["APPENVIRONMENTEXTRA"]["value"] = ["A=2"]
    actual[PARAMS]["values"]["APPROTATEFILES"] = {"type": "REG_DWORD", "value": 1}
    actual[PARAMS]["values"]["APPDIRECTORY"]["type"] = "REG_SZ"
    del actual[EXIT]["values"][""]
    actual[PARAMS]["values"]["AppEnvironment"] = {"type": "REG_MULTI_SZ", "value": ["A=0"]}
    assert differences(desired, actual) == [
        PARAMS + "\\AppDirectory",
        PARAMS + "\\AppEnvironment",
        PARAMS + "\\AppEnvironmentExtra",
        PARAMS + "\\AppRotateFiles",
        PARAMS + "\\AppStopMethodConsole",
        EXIT + "\\(Default)",
    ]


def test_differences_on_a_new_service() -> None:
    desired = registry_values(spec(), SERVER_2016)
    missing = differences(desired, {})
    assert missing == [KEY + "\\ImagePath", PARAMS + "\\Application",
                       PARAMS + "\\AppParameters", PARAMS + "\\AppDirectory",
                       PARAMS + "\\AppStdout", PARAMS + "\\AppStderr",
                       PARAMS + "\\AppStopMethodSkip", PARAMS + "\\AppStopMethodConsole",
                       EXIT + "\\(Default)"]
