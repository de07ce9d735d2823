"""Every variable of a role's argument spec is documented and has its default.

``meta/argument_specs.yml`` is what ``ansible-doc -t role`` shows and what the
role validates; ``docs/roles/<role>.md`` is what people read, and
``defaults/main.yml`` is where the default actually comes from. The three must
name the same variables.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ROLES = sorted(p.parents[1].name for p in REPO.glob("roles/*/meta/argument_specs.yml"))


def spec_options(role: str) -> dict[str, dict[str, Any]]:
    """The options of every entry point of a role's argument spec, by name."""
    data = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())
    options: dict[str, dict[str, Any]] = {}
    for entry in data["argument_specs"].values():
        options.update(entry.get("options") or {})
    return options


def defaults_of(role: str) -> tuple[dict[str, Any], str]:
    """A role's defaults/main.yml, parsed and as text."""
    path = REPO / "roles" / role / "defaults" / "main.yml"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return (yaml.safe_load(text) or {}), text


def mentions(text: str, name: str) -> bool:
    """True when ``name`` appears as a whole word in ``text``."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


def test_every_role_has_a_docs_page() -> None:
    """Each role with an argument spec has docs/roles/<role>.md."""
    assert {"runtime", "workspace", "security_baseline", "ci_runner"} <= set(ROLES)
    for role in ROLES:
        assert (REPO / "docs" / "roles" / f"{role}.md").is_file(), role


@pytest.mark.parametrize("role", ROLES)
def test_every_option_is_in_the_docs_page(role: str) -> None:
    """docs/roles/<role>.md names every variable of the argument spec."""
    page = (REPO / "docs" / "roles" / f"{role}.md").read_text(encoding="utf-8")
    missing = [name for name in spec_options(role) if not mentions(page, name)]
    assert not missing, f"docs/roles/{role}.md does not document {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_every_option_is_in_defaults(role: str) -> None:
    """defaults/main.yml sets every variable, with the spec's default when it has one.

    A templated default (``"{{ other | default('') }}"``) is not compared.

    A variable shared with another role (``winops_golang_install_root``,
    ``winops_golang_allow_reboot``...) may instead be named in a comment when
    the other role's defaults set it.
    """
    defaults, text = defaults_of(role)
    all_defaults = {}
    for other in ROLES:
        if other != role:
            all_defaults.update(defaults_of(other)[0])
    missing = []
    for name, spec in spec_options(role).items():
        if name in defaults:
            templated = isinstance(defaults[name], str) and "{{" in defaults[name]
            if spec.get("default") is not None and not templated:
                assert defaults[name] == spec["default"], (
                    f"{role}: {name} defaults to {defaults[name]!r} in defaults/main.yml "
                    f"but {spec['default']!r} in argument_specs.yml"
                )
            continue
        if mentions(text, name) and name in all_defaults:
            continue
        missing.append(name)
    assert not missing, f"roles/{role}/defaults/main.yml does not set {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_in_the_spec(role: str) -> None:
    """defaults/main.yml has no variable the argument spec does not declare."""
    defaults = defaults_of(role)[0]
    undeclared = sorted(set(defaults) - set(spec_options(role)))
    assert not undeclared, f"roles/{role}/defaults/main.yml sets undeclared {undeclared}"
