"""The collection's PowerShell is Windows PowerShell 5.1 code that parses.

No Windows PowerShell runs in CI, so ``pscheck`` parses every ``.ps1``/``.psm1``
under ``plugins/`` with tree-sitter. These tests run it on the plugins and hold
the check itself to its fixtures: one bad example per rule (named
``<rule>__<case>.ps1``) and one good file.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
FIXTURES = HERE / "fixtures"


def _load_pscheck() -> ModuleType:
    # Loaded by file path: tests/ is not a package and pytest runs in importlib mode.
    spec = importlib.util.spec_from_file_location("pscheck", HERE / "pscheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("pscheck", module)
    spec.loader.exec_module(module)
    return module


pscheck = _load_pscheck()

PLUGIN_FILES = pscheck.powershell_files([REPO_ROOT / "plugins"])
BAD_FIXTURES = sorted(p for p in FIXTURES.glob("*.ps1") if "__" in p.stem)
GOOD_FIXTURE = FIXTURES / "good.ps1"


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def test_plugins_have_powershell_to_check() -> None:
    names = {p.name for p in PLUGIN_FILES}
    assert PLUGIN_FILES, "no .ps1/.psm1 found under plugins/: the check would prove nothing"
    assert "winops_agent.ps1" in names


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=_rel)
def test_plugin_powershell_is_clean(path: Path) -> None:
    findings = pscheck.check_file(path)
    assert findings == [], "\n".join(str(f) for f in findings)


def test_every_rule_has_a_bad_fixture() -> None:
    covered = {p.stem.split("__", 1)[0] for p in BAD_FIXTURES}
    assert covered == set(pscheck.RULES)


@pytest.mark.parametrize("path", BAD_FIXTURES, ids=lambda p: p.stem)
def test_bad_fixture_breaks_exactly_its_rule(path: Path) -> None:
    rule = path.stem.split("__", 1)[0]
    findings = pscheck.check_file(path)
    assert [f.rule for f in findings] == [rule], "\n".join(str(f) for f in findings)
    assert findings[0].line > 1, "the finding points at the code, not the comment above it"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("ps7-syntax__null_coalescing", "'??'"),
        ("ps7-syntax__null_coalescing_assignment", "'??='"),
        ("ps7-syntax__null_conditional_member", "'?.'"),
        ("ps7-syntax__null_conditional_index", "'?['"),
        ("ps7-syntax__ternary", "ternary"),
        ("ps7-syntax__pipeline_chain_and", "'&&'"),
        ("ps7-syntax__pipeline_chain_or", "'||'"),
        ("ps7-syntax__foreach_parallel", "-Parallel"),
    ],
)
def test_each_powershell_7_construct_is_named(case: str, expected: str) -> None:
    (finding,) = pscheck.check_file(FIXTURES / f"{case}.ps1")
    assert expected in finding.message


def test_good_fixture_passes() -> None:
    assert pscheck.check_file(GOOD_FIXTURE) == []


@pytest.mark.parametrize(
    "source",
    [
        "# $a ?? $b and Write-Host in a comment\n",
        "<# Write-Host ?? ${x}?.y #>\n$x = 1\n",
        "$s = 'a ?? b; Write-Host; x && y || z; ${v}?[0]'\n",
        '$s = "Write-Host ?? $($env:PATH.Length)"\n',
        "$s = @'\nWrite-Host ?? it\n'@\n",
        '$s = @"\nInvoke-Expression ?? $(1 + 1)\n"@\n',
        "Get-ChildItem -Filter file?.txt\n",
        "$ok = $?\n",
        "$m = 'abc' -match '^a?b'\n",
        "Write-Output 'Write-Host'\n",
    ],
)
def test_strings_and_comments_are_not_code(source: str) -> None:
    assert pscheck.check_source(source) == []


def test_code_inside_a_string_subexpression_is_checked() -> None:
    findings = pscheck.check_source('$s = "value: $($a ?? 1)"\n')
    assert [f.rule for f in findings] == ["ps7-syntax"]


def test_module_qualified_forbidden_command() -> None:
    findings = pscheck.check_source("Microsoft.PowerShell.Utility\\Write-Host 'x'\n")
    assert [f.rule for f in findings] == ["forbidden-command"]


def test_cli_prints_one_line_per_finding(capsys: pytest.CaptureFixture[str]) -> None:
    bad = FIXTURES / "forbidden-command__write_host.ps1"
    assert pscheck.main([str(bad), str(GOOD_FIXTURE)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{bad}:2:1: forbidden-command:")
    assert pscheck.main([str(GOOD_FIXTURE)]) == 0
    assert pscheck.main([str(FIXTURES / "no-such-file.ps1")]) == 2
