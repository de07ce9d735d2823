"""Run a molecule scenario of this collection against its simulated host."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from support.playbooks import REPO_ROOT


def molecule_executable() -> str:
    """The ``molecule`` of the running Python environment (the venv), else the one on PATH."""
    candidate = Path(sys.executable).parent / "molecule"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("molecule")
    if not found:
        raise RuntimeError("molecule is not installed in the test environment "
                           "(requirements/test.txt)")
    return found


def run_scenario(scenario: str, workdir: Path) -> str:
    """``molecule test -s <scenario>`` with its ephemeral directory in ``workdir``.

    Always against the simulated host: the ``WINOPS_TEST_*`` variables that
    switch a scenario to a real host are dropped. Raises ``AssertionError``
    with the output's tail unless every action of the scenario succeeded;
    returns the output.
    """
    bindir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("WINOPS_TEST_")}
    env.update({
        "PATH": f"{bindir}{os.pathsep}{env.get('PATH', os.defpath)}",
        "MOLECULE_EPHEMERAL_DIRECTORY": str(workdir / "ephemeral"),
        "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "NO_COLOR": "1",
        "PY_COLORS": "0",
    })
    proc = subprocess.run([molecule_executable(), "test", "-s", scenario], cwd=REPO_ROOT,
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=900, check=False)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise AssertionError(output[-6000:])
    recap = re.search(rf"{re.escape(scenario)}\s*: actions=(\d+)\s+successful=(\d+).*failed=(\d+)",
                      output)
    if not recap:
        raise AssertionError(output[-3000:])
    if recap.group(1) != recap.group(2) or recap.group(3) != "0":
        raise AssertionError(recap.group(0))
    return output
