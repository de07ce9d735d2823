"""Fixtures of the conformance suite: one target per implementation of the ops."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .targets import RealTarget, SimTarget, Target


def _targets() -> list:
    params: list = ["sim"]
    real = pytest.mark.skipif(
        not os.environ.get("WINOPS_TEST_HOST"),
        reason="set WINOPS_TEST_HOST (see README) to run against a real Windows host",
    )
    params.append(pytest.param("real", marks=[real, pytest.mark.real_host]))
    return params


@pytest.fixture(params=_targets())
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """Each conformance test runs on the simulated host, and on a real one when configured."""
    if request.param == "sim":
        shares_dir = tmp_path / "share"
        shares_dir.mkdir()
        tgt: Target = SimTarget(tmp_path / "host", shares={r"\\fs01\golang": str(shares_dir)})
        tgt.share_dir = shares_dir  # type: ignore[attr-defined]
    else:
        tgt = RealTarget(tmp_path)
    tgt.run(
        [
            {"op": "file.mkdir", "args": {"path": tgt.scratch}},
        ]
    )
    yield tgt
    cleanup = [
        {"op": "file.remove", "args": {"path": tgt.scratch}},
        {"op": "reg.remove", "args": {"path": tgt.reg_scratch}},
    ]
    for scope in ("machine", "user"):
        names = tgt.one("env.get", scope=scope)["vars"]
        cleanup += [
            {"op": "env.remove", "args": {"scope": scope, "name": name}}
            for name in names
            if name.upper().startswith(tgt.env_prefix)
        ]
    tgt.run(cleanup)


@pytest.fixture
def sim_target(target: Target) -> Target:
    """The same target, for tests that need the simulated host's fault injection."""
    if target.sim is None:
        pytest.skip("fault injection exists only on the simulated host")
    return target
