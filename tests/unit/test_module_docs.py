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
            "no_log": bool(s.get("no_log", False)),
            "elements": s.get("elements"),
        }
        if "options" in s:
            view[opt]["options"] = _spec_view(s["options"])
    return view


@pytest.mark.parametrize("name", PUBLIC)
def test_documented_options_match_the_action_spec(name: str) -> None:
    action = importlib.import_module(f"{PKG}.action.{name}").ActionModule
    documented = load_docs(name)["DOCUMENTATION"].get("options") or {}
    assert _spec_view(documented) == _spec_view(action.ARGUMENT_SPEC)
