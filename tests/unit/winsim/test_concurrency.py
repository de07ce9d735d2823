"""Several processes driving one simulated host: no lost updates, exact counters."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

WORKERS = 4
APPENDS = 12


def _append_worker(root: str, worker: int, out: multiprocessing.Queue) -> None:
    """Append entries to PATH-like variable with read + compare-and-set, retrying on conflict."""
    host = SimHost(root)
    batches = 0
    for i in range(APPENDS):
        while True:
            got = host.run_batch({"ops": [{"op": "env.get", "args": {
                "scope": "machine", "names": ["WINOPS_SHARED"]}}]})
            batches += 1
            current = got["results"][0]["vars"]["WINOPS_SHARED"]["value"]
            res = host.run_batch({"ops": [{"op": "env.set", "args": {
                "scope": "machine", "name": "WINOPS_SHARED",
                "value": current + rf";C:\w{worker}\{i}", "expected": current}}]})
            batches += 1
            if res["failed_op"] is None:
                break
            assert res["failed_op"]["code"] == "conflict"
    out.put(batches)


def test_compare_and_set_from_parallel_processes_loses_nothing(tmp_path: Path) -> None:
    root = str(tmp_path / "h")
    host = SimHost(root)
    host.set_env("machine", "WINOPS_SHARED", "base")
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()
    procs = [ctx.Process(target=_append_worker, args=(root, w, out)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    batches = sum(out.get(timeout=5) for _proc in procs)
    value = host.env("machine", "WINOPS_SHARED")
    assert value is not None
    entries = value["value"].split(";")
    assert entries[0] == "base"
    assert sorted(entries[1:]) == sorted(rf"C:\w{w}\{i}" for w in range(WORKERS)
                                         for i in range(APPENDS))
    stats = host.stats()
    assert stats["round_trips"] == batches == stats["ops"]
    log = host.op_log()
    assert len([e for e in log if e["kind"] == "op"]) == batches
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    # Every successful set broadcast once; conflicts did not.
    assert len([e for e in log if e["op"] == "broadcast"]) == WORKERS * APPENDS


def _create_worker(root: str, out: multiprocessing.Queue) -> None:
    host = SimHost(root, hostname="RACE")
    out.put(host.run_batch({"ops": [{"op": "facts.get", "args": {}}]})["results"][0]["hostname"])


def test_parallel_first_use_creates_one_host(tmp_path: Path) -> None:
    root = str(tmp_path / "fresh")
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()
    procs = [ctx.Process(target=_create_worker, args=(root, out)) for _worker in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert {out.get(timeout=5) for _proc in procs} == {"RACE"}
    assert SimHost(root).stats()["round_trips"] == 3
