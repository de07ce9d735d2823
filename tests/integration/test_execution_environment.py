"""The AWX/AAP execution environment definition (``execution-environment.yml``).

``ansible-builder create`` writes the build context (Containerfile and the
``_build`` directory) without a container runtime; these tests read that
context, and what ``ansible-builder introspect`` finds in the collection as
``ansible-galaxy`` installs it from the built tarball. Nothing here reaches the
network: the proxy variables point at a closed port on 127.0.0.1, and
``ansible-galaxy`` installs with ``--offline``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
KERBEROS_PACKAGES = {"pykerberos", "gssapi", "krb5"}
WINRM_PACKAGES = {"pywinrm", "pypsrp", "requests-credssp"}
# Any attempt to reach the network fails fast instead of leaving this machine.
OFFLINE_ENV = {
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "no_proxy": "",
    "NO_PROXY": "",
    "PIP_NO_INDEX": "1",
}


def _run(command: list[str], cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """Run ``command`` offline; fail the test with its output when it fails."""
    merged = {**os.environ, **OFFLINE_ENV, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")}
    merged.update(env or {})
    proc = subprocess.run(
        command, cwd=cwd, env=merged, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, f"{' '.join(command)}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _galaxy() -> dict[str, Any]:
    return yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))


def _requirements(text: str) -> dict[str, Requirement]:
    """Parse pip requirement lines (comments and blank lines skipped) by normalized name."""
    out: dict[str, Requirement] = {}
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        out[req.name.lower()] = req
    return out


def _pins(path: Path) -> dict[str, str]:
    """``name -> version`` of the ``==`` pins in a requirements file (no ``-r`` following)."""
    pins: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for name, req in _requirements("\n".join(ln for ln in lines if not ln.startswith("-"))).items():
        exact = [spec.version for spec in req.specifier if spec.operator == "=="]
        if exact:
            pins[name] = exact[0]
    return pins


@pytest.fixture(scope="module")
def ee(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the collection tarball, then ``ansible-builder create`` the EE context next to it.

    The definition and the collection's requirement files are copied into a
    temporary directory, as if it were the repository root after ``make build``.
    """
    work = tmp_path_factory.mktemp("ee")
    for name in ("execution-environment.yml", "requirements.txt", "bindep.txt"):
        shutil.copy2(REPO / name, work / name)
    _run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(work), str(REPO)],
        work,
    )
    tarballs = list(work.glob("winops-golang-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    _run(
        [
            str(BIN / "ansible-builder"), "create", "-f", str(work / "execution-environment.yml"),
            "-c", str(work / "context"), "--output-filename", "Containerfile",
        ],
        work,
    )
    context = work / "context"
    return {"work": work, "context": context, "build": context / "_build", "tarball": tarballs[0]}


def test_create_writes_the_build_context(ee: dict[str, Path]) -> None:
    for rel in (
        "Containerfile",
        "_build/requirements.txt",
        "_build/bindep.txt",
        "_build/requirements.yml",
    ):
        assert (ee["context"] / rel).is_file(), rel
    version = _galaxy()["version"]
    assert (ee["build"] / "collections" / f"winops-golang-{version}.tar.gz").is_file()


def test_python_requirements_name_winrm_psrp_credssp_and_kerberos(ee: dict[str, Path]) -> None:
    reqs = _requirements((ee["build"] / "requirements.txt").read_text(encoding="utf-8"))
    assert set(reqs) >= WINRM_PACKAGES | KERBEROS_PACKAGES, sorted(reqs)
    # the transports with their Kerberos and CredSSP extras
    assert {"kerberos", "credssp"} <= reqs["pywinrm"].extras
    assert {"kerberos", "credssp"} <= reqs["pypsrp"].extras
    assert "kerberos" in reqs["pyspnego"].extras
    # every package is pinned exactly
    unpinned = [
        name for name, req in reqs.items() if not any(s.operator == "==" for s in req.specifier)
    ]
    assert not unpinned, unpinned


def test_pins_agree_with_the_control_node_requirements() -> None:
    collection = _pins(REPO / "requirements.txt")
    controller = _pins(REPO / "requirements" / "controller.txt")
    shared = set(collection) & set(controller)
    assert shared >= WINRM_PACKAGES, sorted(shared)
    for name in shared:
        assert collection[name] == controller[name], (name, collection[name], controller[name])


def test_bindep_has_kerberos_runtime_and_build_packages(ee: dict[str, Path]) -> None:
    from bindep.depends import Depends

    depends = Depends((ee["build"] / "bindep.txt").read_text(encoding="utf-8"))

    def packages(profiles: list[str]) -> set[str]:
        return {rule[0] for rule in depends.active_rules(profiles)}

    rpm_runtime = packages(["platform:rpm", "default"])
    rpm_build = packages(["platform:rpm", "compile"])
    assert {"krb5-libs", "krb5-workstation"} <= rpm_runtime
    assert "krb5-devel" not in rpm_runtime  # headers only where the wheels are built
    assert {"krb5-devel", "gcc", "python3-devel"} <= rpm_build
    assert {"libkrb5-dev", "gcc"} <= packages(["platform:dpkg", "compile"])
    assert "krb5-user" in packages(["platform:dpkg", "default"])


def test_galaxy_requirements_install_this_collection_and_its_deps(ee: dict[str, Path]) -> None:
    galaxy = _galaxy()
    data = yaml.safe_load((ee["build"] / "requirements.yml").read_text(encoding="utf-8"))
    entries = {entry["name"]: entry for entry in data["collections"]}
    own = f"collections/winops-golang-{galaxy['version']}.tar.gz"
    assert entries[own].get("type") == "file", entries
    # the file the entry names is in the context, and it is winops.golang
    with tarfile.open(ee["build"] / own) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))  # type: ignore[arg-type]
        members = set(archive.getnames())
    info = manifest["collection_info"]
    assert f"{info['namespace']}.{info['name']}" == "winops.golang"
    assert info["version"] == galaxy["version"]
    # ansible-builder's introspection reads these from the installed collection
    assert {"requirements.txt", "bindep.txt"} <= members
    assert "execution-environment.yml" not in members
    # the galaxy dependencies, and community.windows for users' playbooks
    for dependency in galaxy.get("dependencies", {}):
        assert dependency in entries, (dependency, sorted(entries))
    assert "community.windows" in entries


def test_containerfile_installs_core_runner_and_requirements(ee: dict[str, Path]) -> None:
    text = (ee["context"] / "Containerfile").read_text(encoding="utf-8")
    definition = yaml.safe_load((REPO / "execution-environment.yml").read_text(encoding="utf-8"))
    assert f'ARG EE_BASE_IMAGE="{definition["images"]["base_image"]["name"]}"' in text
    controller = _pins(REPO / "requirements" / "controller.txt")
    test = _pins(REPO / "requirements" / "test.txt")
    # the EE runs the ansible-core and ansible-runner the test suite runs
    assert f"ansible-core=={controller['ansible-core']}" in text
    assert f"ansible-runner=={test['ansible-runner']}" in text
    assert "ansible-galaxy collection install" in text and "-r requirements.yml" in text
    assert "--user-pip=requirements.txt --user-bindep=bindep.txt" in text
    assert "python3.12-devel" in text  # headers for the Kerberos builds
    assert "ansible-galaxy collection list winops.golang" in text


def test_installed_collection_declares_its_dependencies_to_builder(ee: dict[str, Path]) -> None:
    """What the builder stage's introspection finds in the collection installed from the tarball."""
    collections = ee["work"] / "installed"
    _run(
        [
            str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "--no-deps",
            "--force", "-p", str(collections), str(ee["tarball"]),
        ],
        ee["work"],
    )
    out = _run(
        [str(BIN / "ansible-builder"), "introspect", "--sanitize", str(collections)], ee["work"]
    )
    data = yaml.safe_load(out)
    python = _requirements("\n".join(data["python"]))
    assert set(python) >= WINRM_PACKAGES | KERBEROS_PACKAGES, sorted(python)
    system = " ".join(data["system"])
    assert "krb5-devel" in system and "libkrb5-dev" in system
    assert all("from collection winops.golang" in line for line in data["python"] + data["system"])
