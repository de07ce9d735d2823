"""Every public module documents itself, and its documented options are exactly
the argument spec its action plugin validates."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py"))
# The agent is the internal executor: it has no action plugin of its own.
PUBLIC = [m for m in MODULES if m != "winops_agent"]
PKG = "ansible_collections.winops.golang.plugins"


def load_docs(name: str) -> dict[str, Any]:
    mod = importlib.import_module(f"{PKG}.modules.{name}")
    return {k: yaml.safe_load(getattr(mod, k)) for k in ("DOCUMENTATION", "EXAMPLES", "RETURN")}


def test_there_are_public_modules() -> None:
    assert "win_go_facts" in PUBLIC


@pytest.mark.parametrize("name", MODULES)
def test_docs_parse(name: str) -> None:
    docs = load_docs(name)
    assert docs["DOCUMENTATION"]["module"] == name
    assert docs["DOCUMENTATION"]["short_description"]
    assert docs["DOCUMENTATION"]["author"]
    assert isinstance(docs["EXAMPLES"], list) and docs["EXAMPLES"]
    for example in docs["EXAMPLES"]:
        assert example.get("name"), "every example task is named"
    assert docs["RETURN"], "RETURN documents the results"


def _spec_view(spec: dict[str, Any]) -> dict[str, Any]:
    view = {}
    for opt, s in spec.items():
        view[opt] = {
            "type": s.get("type", "str"),
            "required": bool(s.get("required", False)),
            "default": s.get("default"),
            "choices": s.get("choices"),
            "elements": s.get("elements"),
        }
        # The argument spec nests "options"; module docs nest "suboptions".
        nested = s.get("options") or s.get("suboptions")
        if nested:
            view[opt]["options"] = _spec_view(nested)
    return view


@pytest.mark.parametrize("name", PUBLIC)
def test_documented_options_match_the_action_spec(name: str) -> None:
    action = importlib.import_module(f"{PKG}.action.{name}").ActionModule
    documented = load_docs(name)["DOCUMENTATION"].get("options") or {}
    assert _spec_view(documented) == _spec_view(action.ARGUMENT_SPEC)


@pytest.mark.parametrize("name", PUBLIC)
def test_secret_options_say_so(name: str) -> None:
    # ansible-test's documentation schema has no no_log key: a no_log option of the
    # action's spec says "Never logged" in its description instead.
    action = importlib.import_module(f"{PKG}.action.{name}").ActionModule
    documented = load_docs(name)["DOCUMENTATION"].get("options") or {}
    for opt, spec in action.ARGUMENT_SPEC.items():
        if spec.get("no_log"):
            text = " ".join(documented[opt]["description"]) if isinstance(
                documented[opt]["description"], list) else documented[opt]["description"]
            assert "never logged" in text.lower(), opt
