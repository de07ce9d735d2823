"""Conformance: file.download over HTTP and from UNC shares, and pushed files.

HTTP tests serve from 127.0.0.1 on the controller, which only the simulated
host can reach; on a real host they are skipped (the same op code path is
covered there by the UNC and push tests).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.http_server import GoDownloadServer

from .targets import Target

pytestmark = pytest.mark.conformance

PAYLOAD = b"PK-not-really-a-zip " * 500


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def server() -> Iterator[GoDownloadServer]:
    with GoDownloadServer() as srv:
        srv.add_file("/files/go.zip", PAYLOAD)
        yield srv


@pytest.fixture
def http_target(target: Target) -> Target:
    if target.sim is None:
        pytest.skip("the test server listens on the controller's loopback only")
    return target


def names(target: Target) -> list[str]:
    return sorted(e["name"] for e in target.one("file.list", path=target.scratch)["entries"])


def test_download_check_apply_reapply(http_target: Target, server: GoDownloadServer) -> None:
    t = http_target
    url, dest = server.url("/files/go.zip"), t.scratch + r"\go.zip"
    checked = t.one("file.download", check_mode=True, url=url, dest=dest, sha256=sha(PAYLOAD))
    assert checked["changed"] is True
    assert server.count("/files/go.zip") == 0
    assert names(t) == []

    res = t.one("file.download", url=url, dest=dest, sha256=sha(PAYLOAD),
                headers={"X-Winops-Test": "yes"})
    assert res["changed"] is True
    assert res["sha256"] == sha(PAYLOAD) and res["size"] == len(PAYLOAD)
    assert res["before_sha256"] is None
    assert server.requests_for("/files/go.zip")[0].header("X-Winops-Test") == "yes"
    assert t.one("file.stat", path=dest, checksum=True)["sha256"] == sha(PAYLOAD)
    assert names(t) == ["go.zip"]

    again = t.one("file.download", url=url, dest=dest, sha256=sha(PAYLOAD))
    assert again["changed"] is False
    # A present and verified file is never transferred again.
    assert server.count("/files/go.zip") == 1


def test_checksum_mismatch_leaves_nothing(http_target: Target, server: GoDownloadServer) -> None:
    t = http_target
    res = t.one("file.download", url=server.url("/files/go.zip"), dest=t.scratch + r"\go.zip",
                sha256=sha(b"something else"))
    assert res["failed"] is True and res["code"] == "checksum_mismatch"
    assert names(t) == []


def test_http_error_is_download_failed(http_target: Target, server: GoDownloadServer) -> None:
    t = http_target
    res = t.one("file.download", url=server.url("/files/missing.zip"),
                dest=t.scratch + r"\x.zip")
    assert res["failed"] is True and res["code"] == "download_failed"
    assert "404" in res["message"]
    assert names(t) == []


def test_truncated_transfer_keeps_the_old_file(http_target: Target,
                                               server: GoDownloadServer) -> None:
    t = http_target
    dest = t.scratch + r"\go.zip"
    t.one("file.write", path=dest, content_b64=base64.b64encode(b"old").decode())
    server.truncate("/files/go.zip", keep=100)
    res = t.one("file.download", url=server.url("/files/go.zip"), dest=dest, sha256=sha(PAYLOAD))
    assert res["failed"] is True and res["code"] == "download_failed"
    got = t.one("file.read", path=dest)
    assert base64.b64decode(got["content_b64"]) == b"old"
    assert names(t) == ["go.zip"]


def test_interrupt_fault_then_rerun_converges(http_target: Target,
                                              server: GoDownloadServer) -> None:
    t = http_target
    assert t.sim is not None
    url, dest = server.url("/files/go.zip"), t.scratch + r"\go.zip"
    t.sim.inject_fault("interrupt", op="file.download", after_bytes=1000)
    res = t.one("file.download", url=url, dest=dest, sha256=sha(PAYLOAD))
    assert res["failed"] is True and res["code"] == "download_failed"
    assert names(t) == []
    assert t.one("file.download", url=url, dest=dest, sha256=sha(PAYLOAD))["changed"] is True


def test_slow_transfer_times_out(http_target: Target, server: GoDownloadServer) -> None:
    t = http_target
    assert t.sim is not None
    t.sim.inject_fault("slow", op="file.download", seconds=120)
    res = t.one("file.download", url=server.url("/files/go.zip"), dest=t.scratch + r"\go.zip",
                sha256=sha(PAYLOAD), timeout=30)
    assert res["failed"] is True and res["code"] == "timeout"
    assert names(t) == []


def test_download_from_a_unc_share(target: Target) -> None:
    share_dir = getattr(target, "share_dir", None)
    if share_dir is None:
        pytest.skip("set up a share on the real host to test UNC sources")
    (Path(share_dir) / "go1.22.5.windows-amd64.zip").write_bytes(PAYLOAD)
    dest = target.scratch + r"\from-share.zip"
    res = target.one("file.download", url=r"\\fs01\golang\go1.22.5.windows-amd64.zip",
                     dest=dest, sha256=sha(PAYLOAD))
    assert res["changed"] is True and res["sha256"] == sha(PAYLOAD)
    missing = target.one("file.download", url=r"\\fs01\golang\nope.zip",
                         dest=target.scratch + r"\nope.zip")
    assert missing["failed"] is True and missing["code"] == "not_found"


def test_download_copies_a_local_file(target: Target, tmp_path: Path) -> None:
    """A program built on the host is copied from its local path, verified, then placed."""
    local = tmp_path / "app.exe"
    local.write_bytes(PAYLOAD)
    source = target.scratch + r"\build\app.exe"
    target.one("file.mkdir", path=target.scratch + r"\build")
    target.put_file(str(local), source)
    dest = target.scratch + r"\app.exe"
    checked = target.one("file.download", check_mode=True, url=source, dest=dest,
                         sha256=sha(PAYLOAD))
    assert checked["changed"] is True and target.one("file.stat", path=dest)["exists"] is False
    res = target.one("file.download", url=source, dest=dest, sha256=sha(PAYLOAD))
    assert res["changed"] is True and res["sha256"] == sha(PAYLOAD)
    again = target.one("file.download", url=source, dest=dest, sha256=sha(PAYLOAD))
    assert again["changed"] is False
    wrong = target.one("file.download", url=source, dest=target.scratch + r"\other.exe",
                       sha256="0" * 64)
    assert wrong["failed"] is True and wrong["code"] == "checksum_mismatch"
    assert target.one("file.stat", path=target.scratch + r"\other.exe")["exists"] is False
    missing = target.one("file.download", url=target.scratch + r"\nope.exe",
                         dest=target.scratch + r"\nope-copy.exe")
    assert missing["failed"] is True and missing["code"] == "not_found"


def test_pushed_file_is_verified_before_it_is_placed(target: Target, tmp_path: Path) -> None:
    local = tmp_path / "go.zip"
    local.write_bytes(PAYLOAD)
    staged = target.scratch + r"\go.zip.push"
    target.put_file(str(local), staged)
    res = target.one("file.move", src=staged, dest=target.scratch + r"\go.zip",
                     sha256=sha(PAYLOAD))
    assert res["changed"] is True
    assert names(target) == ["go.zip"]
