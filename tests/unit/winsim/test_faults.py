"""Injected faults: each kind, its filters, how long it lasts, and that it persists."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import (
    ConnectionLost,
    SimHost,
)

from .helpers import WebServer, b64, run


def test_interrupted_download_leaves_nothing(host: SimHost, web: WebServer) -> None:
    web.files["/big"] = os.urandom(300_000)
    run(host, "file.mkdir", path=r"C:\dl")
    host.inject_fault("interrupt", op="file.download", after_bytes=100_000)
    res = run(host, "file.download", url=web.url("/big"), dest=r"C:\dl\big")
    assert res["failed"] is True and res["code"] == "download_failed"
    assert "100000 bytes" in res["message"]
    assert os.listdir(host.host_path(r"C:\dl")) == []
    assert run(host, "file.download", url=web.url("/big"), dest=r"C:\dl\big")["size"] == 300_000


def test_slow_transfer_times_out_on_the_virtual_clock(host: SimHost, web: WebServer) -> None:
    web.files["/f"] = b"f"
    run(host, "file.mkdir", path=r"C:\dl")
    host.inject_fault("slow", seconds=600, times=2)
    res = run(host, "file.download", url=web.url("/f"), dest=r"C:\dl\f", timeout=300)
    assert res["failed"] is True and res["code"] == "timeout"
    assert run(host, "file.download", url=web.url("/f"), dest=r"C:\dl\f", timeout=900)["changed"]
    assert host.faults() == []


def test_access_denied_matches_path_prefixes_on_component_boundaries(host: SimHost) -> None:
    host.inject_fault("access_denied", path=r"c:\program files", times=0)
    res = run(host, "file.mkdir", path=r"C:\Program Files\Go")
    assert res["failed"] is True and res["code"] == "access_denied"
    assert run(host, "file.mkdir", path=r"C:\Program Files (x86)\Go")["changed"] is True
    # Reads are refused too: Windows checks the ACL on open.
    assert run(host, "file.list", path=r"C:\Program Files")["code"] == "access_denied"
    host.clear_faults()
    assert run(host, "file.list", path=r"C:\Program Files")["exists"] is True


def test_access_denied_on_an_environment_scope(host: SimHost) -> None:
    host.inject_fault("access_denied", path="machine", op="env.set")
    res = run(host, "env.set", scope="machine", name="GOROOT", value=r"C:\go")
    assert res["code"] == "access_denied" and host.env("machine", "GOROOT") is None
    assert run(host, "env.set", scope="user", name="GOROOT", value=r"C:\go")["changed"]
    host.inject_fault("access_denied", path=r"HKCU:\Environment")
    assert run(host, "env.remove", scope="user", name="GOROOT")["code"] == "access_denied"


def test_disk_full_during_extract_removes_the_staging_tree(host: SimHost) -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("go/bin/go.exe", b"MZ" * 5000)
    host.write_file(r"C:\dl\go.zip", buf.getvalue())
    host.inject_fault("disk_full", op="file.extract")
    res = run(host, "file.extract", src=r"C:\dl\go.zip", dest=r"C:\dl\go")
    assert res["failed"] is True and res["code"] == "disk_full"
    assert os.listdir(host.host_path(r"C:\dl")) == ["go.zip"]


def test_disk_full_on_any_write_but_not_on_reads_or_no_ops(host: SimHost) -> None:
    host.write_file(r"C:\x.txt", b"same")
    host.inject_fault("disk_full", times=0)
    assert run(host, "file.read", path=r"C:\x.txt")["exists"] is True
    assert run(host, "file.write", path=r"C:\x.txt", content_b64=b64(b"same"))["changed"] is False
    assert run(host, "file.mkdir", path=r"C:\newdir")["code"] == "disk_full"
    assert run(host, "reg.set", path=r"HKCU:\Software\X", name="a", type="REG_SZ",
               value="b")["code"] == "disk_full"
    assert run(host, "file.stat", path=r"C:\newdir")["exists"] is False


def test_connection_lost_counts_ops_across_batches_and_processes(tmp_path: Path) -> None:
    root = str(tmp_path / "h")
    host = SimHost(root)
    host.inject_fault("connection_lost", after_ops=3)
    batch = {"ops": [{"op": "file.mkdir", "args": {"path": r"C:\a"}},
                     {"op": "file.mkdir", "args": {"path": r"C:\b"}}]}
    assert host.run_batch(batch)["failed_op"] is None
    other = SimHost(root)  # another worker process would open the state like this
    with pytest.raises(ConnectionLost):
        other.run_batch({"ops": [{"op": "file.mkdir", "args": {"path": r"C:\c"}},
                                 {"op": "file.mkdir", "args": {"path": r"C:\d"}}]})
    assert run(host, "file.stat", path=r"C:\c")["exists"] is True
    assert run(host, "file.stat", path=r"C:\d")["exists"] is False
    assert host.faults() == []
    assert host.op_log()[-3]["op"] == "connection_lost"


def test_connection_lost_forever_makes_the_host_unreachable(host: SimHost) -> None:
    host.inject_fault("connection_lost", after_ops=0, times=0)
    for _attempt in range(3):
        with pytest.raises(ConnectionLost):
            host.run_batch({"ops": [{"op": "facts.get", "args": {}}]})
    assert host.stats()["round_trips"] == 3 and host.stats()["ops"] == 0


def test_fault_validation(host: SimHost) -> None:
    with pytest.raises(ValueError):
        host.inject_fault("meteor_strike")
    with pytest.raises(ValueError):
        host.inject_fault("interrupt", op="file.dowload")
    with pytest.raises(ValueError):
        host.inject_fault("slow", speed=3)
    with pytest.raises(ValueError):
        host.inject_fault("access_denied", times=-1)


def test_faults_are_persisted_and_used_up(host: SimHost, tmp_path: Path) -> None:
    host.inject_fault("access_denied", op="file.write", times=2)
    assert SimHost(host.root).faults()[0]["times"] == 2
    for _attempt in range(2):
        res = run(host, "file.write", path=r"C:\f", content_b64=b64(b"x"))
        assert res["code"] == "access_denied"
    assert run(host, "file.write", path=r"C:\f", content_b64=b64(b"x"))["changed"] is True
