"""CHANGELOG.md is antsibull-changelog's rendering of the changelog fragments.

Until a release is cut, ``CHANGELOG.md`` previews the next release: it is what
``antsibull-changelog release`` writes for the version in ``galaxy.yml``, run
in a scratch copy so the fragments stay in ``changelogs/fragments/``. The
tests regenerate it, check that every fragment entry made it in, and that the
committed file is up to date.

Regenerate it with::

    .venv/bin/python tests/unit/test_changelog.py
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((REPO / "changelogs" / "config.yaml").read_text(encoding="utf-8"))
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))
OUTPUT = CONFIG["output"][0]["file"]
# What antsibull-changelog needs: the metadata, the changelog data and
# fragments, and the plugins and roles it lists as new.
COPIED = ("galaxy.yml", "changelogs", "plugins", "roles", "meta")
# The release date is recorded in changelog.yaml only, never rendered.
PREVIEW_DATE = "2000-01-01"


def render(scratch: Path) -> Path:
    """Run antsibull-changelog on a copy of the collection under ``scratch``; the copy's root.

    The version of ``galaxy.yml`` is released in the copy (or, when
    ``changelog.yaml`` already has it or there is no fragment, the changelog
    is regenerated from ``changelog.yaml``), so the repository's fragments and
    ``changelog.yaml`` are left as they are.
    """
    root = scratch / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"]
    root.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".plugin-cache.yaml")
    for name in COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=ignore)
        elif src.is_file():
            shutil.copy2(src, root / name)
    released = yaml.safe_load((root / "changelogs" / "changelog.yaml").read_text()) or {}
    version = str(GALAXY["version"])
    if version in (released.get("releases") or {}) or not fragments():
        # released already, or nothing new since: the changelog as recorded
        args = ["generate"]
    else:
        args = ["release", "-v", "--version", version, "--date", PREVIEW_DATE]
    bindir = Path(sys.executable).parent
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{bindir}{os.pathsep}{env.get('PATH', '')}",
            "ANSIBLE_COLLECTIONS_PATH": str(scratch),
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
        }
    )
    run = subprocess.run(
        [str(bindir / "antsibull-changelog"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if run.returncode != 0:
        raise RuntimeError(
            f"antsibull-changelog {' '.join(args)} failed:\n{run.stdout}{run.stderr}"
        )
    return root


def words(text: str) -> list[str]:
    """The words of a text, ignoring markup, escapes and wrapping."""
    return re.findall(r"[A-Za-z0-9]+", text)


def markdown_text(markdown: str) -> str:
    """antsibull's Markdown without its HTML tags and backslash escapes."""
    # a literal "<" is escaped ("\\<"), so only real tags start with an unescaped "<"
    text = re.sub(r"(?<!\\)</?(?:a|code|em|strong|br)\b[^>]*>", " ", markdown)
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def fragments() -> dict[str, dict[str, Any]]:
    """The fragments of changelogs/fragments/, by file name."""
    folder = REPO / "changelogs" / CONFIG.get("notesdir", "fragments")
    return {
        p.name: yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        for p in sorted(folder.iterdir())
        if p.suffix in (".yml", ".yaml")
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The copy of the collection after antsibull-changelog ran on it."""
    return render(tmp_path_factory.mktemp("changelog"))


def test_the_changelog_is_markdown_at_the_root() -> None:
    """The configured output is the CHANGELOG.md the README and galaxy-importer find."""
    assert CONFIG["output"] == [{"file": "CHANGELOG.md", "format": "md"}]
    assert (REPO / OUTPUT).is_file()


def test_every_fragment_is_in_the_release(rendered: Path) -> None:
    """The release records every fragment file and every entry of each."""
    frags = fragments()
    if not frags:
        pytest.skip("no unreleased changelog fragments")
    data = yaml.safe_load((rendered / "changelogs" / "changelog.yaml").read_text())
    release = data["releases"][str(GALAXY["version"])]
    assert set(frags) <= set(release.get("fragments") or [])
    sections = {section[0] for section in CONFIG["sections"]}
    summary = CONFIG.get("prelude_section_name", "release_summary")
    for name, fragment in frags.items():
        for section, entries in fragment.items():
            if section == CONFIG.get("trivial_section_name", "trivial"):
                continue
            if section == summary:
                assert release["changes"][summary].split() == entries.split(), name
                continue
            assert section in sections, f"{name}: unknown section {section}"
            recorded = [" ".join(e.split()) for e in release["changes"][section]]
            for entry in entries if isinstance(entries, list) else [entries]:
                assert " ".join(entry.split()) in recorded, f"{name}: {entry[:60]}"


def test_every_fragment_entry_is_rendered(rendered: Path) -> None:
    """Each fragment entry's text appears in the generated CHANGELOG.md."""
    if not fragments():
        pytest.skip("no unreleased changelog fragments")
    text = " ".join(words(markdown_text((rendered / OUTPUT).read_text(encoding="utf-8"))))
    for name, fragment in fragments().items():
        for section, entries in fragment.items():
            if section == CONFIG.get("trivial_section_name", "trivial"):
                continue
            for entry in entries if isinstance(entries, list) else [entries]:
                needle = " ".join(words(entry))
                assert needle in text, f"{name} ({section}) not in {OUTPUT}: {entry[:60]}"


def test_changelog_md_is_up_to_date(rendered: Path) -> None:
    """The committed CHANGELOG.md is the current rendering of the fragments."""
    committed = (REPO / OUTPUT).read_text(encoding="utf-8")
    generated = (rendered / OUTPUT).read_text(encoding="utf-8")
    assert committed == generated, (
        f"{OUTPUT} is out of date: regenerate it with "
        "`.venv/bin/python tests/unit/test_changelog.py`"
    )


def main() -> int:
    """Regenerate CHANGELOG.md in the repository from the fragments."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        root = render(Path(scratch))
        shutil.copy2(root / OUTPUT, REPO / OUTPUT)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
