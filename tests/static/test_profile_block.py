"""The PowerShell block of win_go_profile passes the Windows PowerShell 5.1 static check.

The block lives in ``plugins/module_utils/go_profile_block.py`` as a Python
template (a ``.ps1`` under module_utils would be loaded as a module util), so
the plugin scan of ``test_powershell_static.py`` does not see it: render it
with every combination of options and check the files.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ansible_collections.winops.golang.plugins.module_utils.go_profile_block import render_block

HERE = Path(__file__).resolve().parent


def _load_pscheck() -> ModuleType:
    if "pscheck" in sys.modules:
        return sys.modules["pscheck"]
    spec = importlib.util.spec_from_file_location("pscheck", HERE / "pscheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pscheck"] = module
    spec.loader.exec_module(module)
    return module


pscheck = _load_pscheck()


@pytest.mark.parametrize(
    ("root", "completer", "use_go_version"),
    [
        (r"C:\Program Files\GoToolchains", True, True),
        (r"C:\Program Files\GoToolchains", True, False),
        (r"C:\Program Files\GoToolchains", False, True),
        ("D:\\Bob's Développement\\Go", True, True),
    ],
)
def test_rendered_block_is_clean(tmp_path: Path, root: str, completer: bool,
                                 use_go_version: bool) -> None:
    path = tmp_path / "profile.ps1"
    path.write_text(render_block(root, completer, use_go_version).replace("\n", "\r\n"),
                    encoding="utf-8-sig", newline="")
    findings = pscheck.check_file(path)
    assert findings == [], "\n".join(str(f) for f in findings)


def test_the_check_sees_problems_in_a_block(tmp_path: Path) -> None:
    # The check is not vacuous on this kind of file.
    path = tmp_path / "profile.ps1"
    path.write_text(render_block(r"C:\Go\Roots").replace("New-Object -TypeName PSObject",
                                                         "Write-Host"), encoding="utf-8")
    assert any(f.rule == "forbidden-command" for f in pscheck.check_file(path))
