"""``ansible-doc`` renders every documented plugin and every role of the collection.

Galaxy, Automation Hub and users read the documentation through ``ansible-doc``;
a documentation block that parses in Python but not in ``ansible-doc`` (bad
markup, a wrong type, a sidecar file that does not match its plugin) shows up
only there. Each plugin and role entry point is rendered as text, and the test
checks that nothing was written on stderr (no error, no warning) and that the
text holds what the source documents: the module's short description (in the
task snippet, where ``ansible-doc`` prints it), its description, options,
examples and return values; each role entry point's short description,
description and options.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.cli.doc import DocCLI

REPO = Path(__file__).resolve().parents[2]
COLLECTION = "winops.golang"
# Plugin folders whose files are plugins (not shared code).
NOT_PLUGIN_DIRS = {"action", "module_utils", "plugin_utils", "doc_fragments"}


def _docs_of(path: Path) -> dict[str, Any] | None:
    """The DOCUMENTATION of a plugin file (Python string or YAML sidecar), or None."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        match = re.search(r'^DOCUMENTATION\s*=\s*r?("""|\'\'\')(.*?)\1', text, re.S | re.M)
        return yaml.safe_load(match.group(2)) if match else None
    data = yaml.safe_load(text)
    return data.get("DOCUMENTATION") if isinstance(data, dict) else None


def _documented_plugins() -> list[tuple[str, str, dict[str, Any]]]:
    """(plugin type, name, DOCUMENTATION) of every documented plugin in plugins/."""
    found = []
    for folder in sorted(p for p in (REPO / "plugins").iterdir() if p.is_dir()):
        if folder.name in NOT_PLUGIN_DIRS:
            continue
        plugin_type = "module" if folder.name == "modules" else folder.name
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".py", ".yml", ".yaml") or path.name.startswith("_"):
                continue
            docs = _docs_of(path)
            if not docs:
                continue
            name = docs.get("module") or docs.get("name") or path.stem
            found.append((plugin_type, name, docs))
    return found


def _roles() -> list[tuple[str, str, dict[str, Any]]]:
    """(role, entry point, spec) of every role with meta/argument_specs.yml."""
    found = []
    for spec_file in sorted(REPO.glob("roles/*/meta/argument_specs.yml")):
        specs = yaml.safe_load(spec_file.read_text(encoding="utf-8"))["argument_specs"]
        role = spec_file.parents[1].name
        found.extend((role, entry, spec) for entry, spec in sorted(specs.items()))
    return found


PLUGINS = _documented_plugins()
ROLES = _roles()


def ansible_doc(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the environment's ``ansible-doc`` with the project configuration."""
    env = dict(os.environ)
    env.update(
        {
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".collections"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_DEPRECATION_WARNINGS": "1",
            "COLUMNS": "100",
            "PAGER": "cat",
        }
    )
    exe = Path(sys.executable).parent / "ansible-doc"
    return subprocess.run(
        [str(exe), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def words(text: str) -> list[str]:
    """The words of a text, without markup quotes, wrapping or indentation."""
    return re.findall(r"[A-Za-z0-9_]+", text)


def contains_paragraph(rendered: str, paragraph: str) -> bool:
    """True when ``paragraph``, rendered as ``ansible-doc`` does, appears in ``rendered``."""
    needle = " ".join(words(DocCLI.tty_ify(paragraph)))
    return needle in " ".join(words(rendered))


def paragraphs(value: str | list[str] | None) -> list[str]:
    """A description field as a list of paragraphs."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def has_option(text: str, option: str) -> bool:
    """True when the text lists ``option`` (``- name`` optional, ``= name`` required)."""
    return re.search(rf"^\s*[-=]?\s*{re.escape(option)}(\s|$)", text, re.M) is not None


def assert_clean(run: subprocess.CompletedProcess[str], what: str) -> None:
    """ansible-doc succeeded and wrote nothing on stderr."""
    assert run.returncode == 0, f"{what}: rc={run.returncode}\n{run.stderr}"
    assert run.stderr.strip() == "", f"{what} wrote on stderr:\n{run.stderr}"
    assert run.stdout.strip(), f"{what}: empty output"


def test_the_collection_is_documented() -> None:
    """The discovery above finds the modules, filters and roles it should."""
    types = {(t, n) for t, n, d in PLUGINS}
    assert ("module", "win_go_install") in types
    assert ("connection", "winsim") in types
    assert any(t == "filter" for t, n in types)
    assert {r for r, e, s in ROLES} >= {"runtime", "workspace", "security_baseline", "ci_runner"}


@pytest.mark.parametrize("plugin_type", sorted({t for t, n, d in PLUGINS}))
def test_ansible_doc_lists_every_documented_plugin(plugin_type: str) -> None:
    """``ansible-doc -l`` lists exactly the plugins documented in the source."""
    run = ansible_doc("-t", plugin_type, "-l", COLLECTION)
    assert_clean(run, f"ansible-doc -t {plugin_type} -l")
    listed = {line.split()[0] for line in run.stdout.splitlines() if line.strip()}
    expected = {f"{COLLECTION}.{n}" for t, n, d in PLUGINS if t == plugin_type}
    assert listed == expected


@functools.cache
def render_all(*args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """One ``ansible-doc`` run for several plugins (``args`` end with their names), split by plugin.

    A run takes about a second, so each plugin type is rendered in one run; a
    plugin whose part is missing, or a run that wrote on stderr, is then
    rendered again on its own so the failure names the plugin.
    """
    run = ansible_doc(*args)
    names = [a for a in args if a.startswith(f"{COLLECTION}.")]
    header = r"^> (?:[A-Z]+:? )?\*?(" + "|".join(re.escape(n) for n in names) + r")\*? "
    if "-s" in args:
        header = r"^- name: .*\n  (" + "|".join(re.escape(n.split(".")[-1]) for n in names) + r"):"
    starts = [(m.start(), m.group(1)) for m in re.finditer(header, run.stdout, re.M)]
    parts = {}
    for i, (start, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(run.stdout)
        fqcn = name if name.startswith(f"{COLLECTION}.") else f"{COLLECTION}.{name}"
        parts[fqcn] = run.stdout[start:end]
    return run, parts


def rendered(args: tuple[str, ...], names: list[str], fqcn: str) -> str:
    """The text of ``fqcn``: its part of the batch run, or its own run if the batch failed."""
    run, parts = render_all(*args, *names)
    if run.returncode != 0 or run.stderr.strip() or fqcn not in parts:
        alone = ansible_doc(*args, fqcn)
        assert_clean(alone, f"ansible-doc {' '.join(args)} {fqcn}")
        return alone.stdout
    return parts[fqcn]


def names_of(plugin_type: str) -> list[str]:
    """FQCNs of the documented plugins of one type."""
    return [f"{COLLECTION}.{n}" for t, n, d in PLUGINS if t == plugin_type]


@pytest.mark.parametrize(
    ("plugin_type", "name", "docs"), PLUGINS, ids=[f"{t}-{n}" for t, n, d in PLUGINS]
)
def test_plugin_renders(plugin_type: str, name: str, docs: dict[str, Any]) -> None:
    """The full text has the description, every option, the examples and return values."""
    fqcn = f"{COLLECTION}.{name}"
    text = rendered(("-t", plugin_type), names_of(plugin_type), fqcn)
    assert fqcn in text.splitlines()[0]
    for paragraph in paragraphs(docs.get("description")):
        assert contains_paragraph(text, paragraph), f"description not rendered: {paragraph[:80]}"
    for option in docs.get("options") or {}:
        assert has_option(text, option), f"option {option} not rendered"
    if plugin_type == "module":
        assert "EXAMPLES:" in text
        assert "RETURN VALUES:" in text
        for key in yaml.safe_load(_return_block(name)) or {}:
            assert has_option(text, key), f"return value {key} not rendered"


def _return_block(name: str) -> str:
    text = (REPO / "plugins" / "modules" / f"{name}.py").read_text(encoding="utf-8")
    match = re.search(r'^RETURN\s*=\s*r?("""|\'\'\')(.*?)\1', text, re.S | re.M)
    return match.group(2) if match else ""


@pytest.mark.parametrize(
    ("name", "docs"),
    [(n, d) for t, n, d in PLUGINS if t == "module"],
    ids=[n for t, n, d in PLUGINS if t == "module"],
)
def test_module_snippet_has_short_description(name: str, docs: dict[str, Any]) -> None:
    """``ansible-doc -s`` names the task after the module's short description."""
    fqcn = f"{COLLECTION}.{name}"
    text = rendered(("-t", "module", "-s"), names_of("module"), fqcn)
    assert text.startswith(f"- name: {docs['short_description'].strip()}\n")
    for option in docs.get("options") or {}:
        assert re.search(rf"^\s+{re.escape(option)}:", text, re.M), option


ROLE_NAMES = sorted({f"{COLLECTION}.{r}" for r, e, s in ROLES})


@pytest.mark.parametrize(("role", "entry", "spec"), ROLES, ids=[f"{r}-{e}" for r, e, s in ROLES])
def test_role_entry_point_renders(role: str, entry: str, spec: dict[str, Any]) -> None:
    """Each entry point renders with its short description, description and options."""
    fqcn = f"{COLLECTION}.{role}"
    text = rendered(("-t", "role"), ROLE_NAMES, fqcn)
    # Without colour, ansible-doc marks bold text with asterisks.
    flat = " ".join(text.replace("*", "").split())
    short = " ".join(str(spec["short_description"]).split())
    assert f"ENTRY POINT: {entry} - {short}" in flat
    for paragraph in paragraphs(spec.get("description")):
        assert contains_paragraph(text, paragraph), f"description not rendered: {paragraph[:80]}"
    for option in spec.get("options") or {}:
        assert has_option(text, option), f"option {option} not rendered"
