"""Pure helpers behind win_go_facts."""

from __future__ import annotations

import pytest

from ansible_collections.winops.golang.plugins.module_utils import go_facts


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("go1.22.5\ntime 2024-06-04T20:55:00Z\n", "1.22.5"),
        ("go1.20", "1.20"),
        ("go1.21.0\n", "1.21.0"),
        ("go1.23rc1\ntime x", "1.23rc1"),
        ("devel go1.24-abc Tue", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_version_file(text: str | None, version: str | None) -> None:
    assert go_facts.parse_version_file(text) == version


def test_go_environment_reports_values_of_go_names_only() -> None:
    vars_ = {
        "GOPROXY": {"value": "direct", "type": "REG_SZ"},
        "CGO_ENABLED": {"value": "0", "type": "REG_SZ"},
        "CC": {"value": "gcc", "type": "REG_SZ"},
        "GOPROXI": {"value": "typo", "type": "REG_SZ"},
        "GOOGLE_API_KEY": {"value": "secret", "type": "REG_SZ"},
        "Path": {"value": "x", "type": "REG_EXPAND_SZ"},
    }
    values, others = go_facts.go_environment(vars_)
    assert values == {"CC": "gcc", "CGO_ENABLED": "0", "GOPROXY": "direct"}
    assert others == ["GOOGLE_API_KEY", "GOPROXI"]
    assert "secret" not in repr(values)


def test_toolchains_merge_path_and_msi() -> None:
    matches = [
        {"scope": "machine", "entry": r"%ProgramFiles%\Go\bin", "dir": r"C:\Program Files\Go\bin",
         "path": r"C:\Program Files\Go\bin\go.exe", "files": {"..\\VERSION": "go1.21.3\n"}},
        {"scope": "user", "entry": r"C:\tools\go\bin", "dir": r"C:\tools\go\bin",
         "path": r"C:\tools\go\bin\go.exe", "files": {"..\\VERSION": None}},
        {"scope": "user", "entry": r"C:\TOOLS\GO\bin\\", "dir": r"C:\TOOLS\GO\bin",
         "path": r"C:\TOOLS\GO\bin\go.exe", "files": {}},
    ]
    chains = go_facts.toolchains(matches, "go1.21.3\n")
    assert [(c["goroot"], c["source"], c["version"], c["first_on_path"]) for c in chains] == [
        (r"C:\Program Files\Go", "msi", "1.21.3", True),
        (r"C:\tools\go", "path", None, False),
    ]


def test_msi_off_path_is_still_reported() -> None:
    chains = go_facts.toolchains([], "go1.22.0\n")
    assert chains == [{
        "version": "1.22.0", "goroot": r"C:\Program Files\Go",
        "go_exe": r"C:\Program Files\Go\bin\go.exe", "source": "msi", "on_path": False,
        "path_scope": None, "first_on_path": False,
    }]
    assert go_facts.toolchains([], None) == []


def test_managed_toolchains_from_the_install_record() -> None:
    text = (
        '{"format": 1, "toolchains": ['
        '{"version": "go1.21.13", "sha256": "' + "a" * 64 + '"},'
        '{"version": "go1.22.5", "sha256": "' + "b" * 64 + '"}]}'
    )
    chains = go_facts.managed_toolchains(text, r"C:\PROGRAM FILES\GoToolchains\go1.22.5")
    assert chains == [
        {"version": "1.21.13", "path": r"C:\Program Files\GoToolchains\go1.21.13",
         "sha256": "a" * 64, "active": False},
        {"version": "1.22.5", "path": r"C:\Program Files\GoToolchains\go1.22.5",
         "sha256": "b" * 64, "active": True},
    ]
    assert [c["active"] for c in go_facts.managed_toolchains(text, None)] == [False, False]


@pytest.mark.parametrize("text", [None, "", "{not json", '{"toolchains": 3}', "[]"])
def test_managed_toolchains_without_a_readable_record(text: str | None) -> None:
    assert go_facts.managed_toolchains(text, None) == []
