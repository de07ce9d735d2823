"""Integration fixtures: simulated inventories, the real ansible-playbook, a download server.

def test_something(sim_inventory, run_playbook, go_dl):
    inv = sim_inventory(["win-01"], host_vars=...)
    run = run_playbook(PLAYBOOK_YAML, inv, extra_vars={"url": go_dl.index_url})
    run.assert_ok()
    assert run.task("win-01", "Install Go").changed
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from support.http_server import GoDownloadServer, default_release_set
from support.playbooks import PlaybookRun, SimInventory, write_sim_inventory
from support.playbooks import run_playbook as _run_playbook


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration/ carries the ``integration`` marker."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default release set on disk: the archives and ``index.json`` (go.dev's format),
    written once per test module (the offline source of the role tests)."""
    directory = tmp_path_factory.mktemp("releases")
    release_set = default_release_set()
    release_set.write(directory)
    (directory / "index.json").write_text(json.dumps(release_set.index()), encoding="utf-8")
    return directory


@pytest.fixture
def sim_inventory(tmp_path: Path) -> Callable[..., SimInventory]:
    """Factory: ``sim_inventory(hosts=["win-01"], groups=None, common_vars=None, name="sim")``.

    Writes ``tmp_path/<name>/inventory.yml``; each host's state lives in
    ``tmp_path/<name>/hosts/<host>``. ``hosts`` may map names to extra host vars.
    """

    def make(
        hosts: Sequence[str] | Mapping[str, Mapping[str, Any] | None] = ("win-01",),
        *,
        groups: Mapping[str, Iterable[str]] | None = None,
        common_vars: Mapping[str, Any] | None = None,
        name: str = "sim",
    ) -> SimInventory:
        return write_sim_inventory(tmp_path / name, hosts, groups=groups, common_vars=common_vars)

    return make


@pytest.fixture
def run_playbook(tmp_path: Path) -> Callable[..., PlaybookRun]:
    """Runner: ``run_playbook(playbook_path_or_yaml_text, inventory, extra_vars=None,
    check=False, diff=False, verbosity=0, env=None, limit=None, tags=None, args=())``.

    Runs the real ``ansible-playbook`` of the test environment and returns a
    :class:`support.playbooks.PlaybookRun`.
    """

    def run(
        playbook: str | os.PathLike[str],
        inventory: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        extra_vars: Mapping[str, Any] | None = None,
        check: bool = False,
        diff: bool = False,
        verbosity: int = 0,
        env: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> PlaybookRun:
        return _run_playbook(
            playbook,
            inventory,
            workdir=tmp_path / "runs",
            extra_vars=extra_vars,
            check=check,
            diff=diff,
            verbosity=verbosity,
            env=env,
            **kwargs,
        )

    return run


@pytest.fixture
def go_dl() -> Iterator[GoDownloadServer]:
    """A running go.dev/dl stand-in on 127.0.0.1 with the default releases."""
    with GoDownloadServer() as server:
        yield server
