"""Fixtures of the simulated host's unit tests: fresh hosts and a loopback HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .helpers import WebServer


@pytest.fixture
def share_dir(tmp_path: Path) -> Path:
    """A local directory published as \\\\fs01\\golang."""
    path = tmp_path / "share"
    path.mkdir()
    return path


@pytest.fixture
def host(tmp_path: Path, share_dir: Path) -> SimHost:
    """A fresh Windows Server 2022 named WIN1."""
    return SimHost(str(tmp_path / "host"), hostname="WIN1",
                   shares={r"\\fs01\golang": str(share_dir)})


@pytest.fixture
def web() -> Iterator[WebServer]:
    """A loopback HTTP server for downloads."""
    server = WebServer()
    yield server
    server.close()
