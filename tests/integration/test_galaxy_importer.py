"""The built collection passes galaxy-importer, the checks Galaxy and Automation Hub run on upload.

The collection is built with ``ansible-galaxy collection build`` (so
``build_ignore`` applies) and the tarball goes through galaxy-importer with
everything that needs the network or containers switched off: ansible-test
runs in ``make test`` (``sanity``) instead, and so does ansible-lint
(production profile): the importer would only turn its findings into warnings,
and on a busy machine its run hits the importer's three-minute limit.
galaxy-importer still loads every plugin and role, renders the docs with
``ansible-doc``, renders the README files, and checks the changelog, the
metadata and ``meta/runtime.yml``. Errors fail the test; warnings are printed
in the test output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))

IMPORTER_CONFIG = """\
[galaxy-importer]
run_ansible_test = false
ansible_test_local_image = false
local_image_docker = false
infra_osd = false
check_required_tags = false
run_flake8 = false
run_ansible_doc = true
run_ansible_lint = false
check_changelog = true
require_v1_or_greater = false
log_level_main = INFO
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GALAXY_IMPORTER_")}
    env.update(
        {
            # galaxy-importer finds ansible-doc and ansible-lint on PATH
            "PATH": bindir + os.pathsep + env.get("PATH", ""),
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".collections"),
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "HOME": env.get("HOME", str(tmp_path)),
        }
    )
    env.update(extra)
    return env


def build(tmp_path: Path) -> Path:
    """``ansible-galaxy collection build`` into ``tmp_path``; the tarball's path."""
    out = tmp_path / "dist"
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-galaxy"),
            "collection",
            "build",
            "--force",
            "--output-path",
            str(out),
            str(REPO),
        ],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    tarball = out / f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
    assert tarball.is_file(), run.stdout
    return tarball


def test_built_collection_passes_galaxy_importer(tmp_path: Path) -> None:
    """Build, import, and check the importer's result."""
    tarball = build(tmp_path)
    with tarfile.open(tarball) as tar:
        members = set(tar.getnames())
    # build_ignore keeps the development environment out of the artifact
    assert not {m for m in members if m.split("/")[0] in {".venv", ".collections", ".winsim"}}
    assert "MANIFEST.json" in members and "FILES.json" in members

    config = tmp_path / "galaxy-importer.cfg"
    config.write_text(
        IMPORTER_CONFIG + f"ansible_local_tmp = {tmp_path / 'importer-tmp'}\n", encoding="utf-8"
    )
    work = tmp_path / "work"
    work.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "galaxy_importer.main", str(tarball)],
        env=_env(tmp_path, GALAXY_IMPORTER_CONFIG=str(config)),
        cwd=work,  # the importer writes importer_result.json into its working directory
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    log = run.stdout + run.stderr
    warnings = [line for line in log.splitlines() if line.startswith("WARNING:")]
    errors = [line for line in log.splitlines() if line.startswith(("ERROR:", "CRITICAL:"))]
    print(f"galaxy-importer: {len(warnings)} warning(s), {len(errors)} error(s)")
    for line in warnings:
        print(line)
    assert run.returncode in (0, None), log
    assert not errors, "\n".join(errors)
    assert "Importer processing completed successfully" in log, log

    result = json.loads((work / "importer_result.json").read_text(encoding="utf-8"))
    metadata = result["metadata"]
    assert (metadata["namespace"], metadata["name"]) == (GALAXY["namespace"], GALAXY["name"])
    assert metadata["version"] == GALAXY["version"]
    assert result["requires_ansible"]

    contents = {(c["content_type"], c["name"]) for c in result["contents"]}
    modules = {p.stem for p in (REPO / "plugins" / "modules").glob("*.py")}
    roles = {p.parents[1].name for p in REPO.glob("roles/*/meta/main.yml")}
    assert {("module", m) for m in modules} <= contents
    assert {("role", r) for r in roles} <= contents
    # every module's docs were rendered by ansible-doc inside the importer
    documented = {
        c["content_name"]
        for c in result["docs_blob"]["contents"]
        if c["content_type"] == "module" and c["doc_strings"]
    }
    assert modules <= documented
    # every role's README was found and rendered
    role_docs = [c for c in result["docs_blob"]["contents"] if c["content_type"] == "role"]
    assert {c["content_name"] for c in role_docs} == roles
    assert all(c["readme_html"] for c in role_docs)
    assert result["docs_blob"]["collection_readme"]["html"].startswith("<h1>winops.golang</h1>")
