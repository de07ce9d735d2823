"""Conformance under injected faults (simulated host only): every failure leaves
the host in its old state or its new state, never a mix."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import ConnectionLost

from .targets import Target

pytestmark = pytest.mark.conformance


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_access_denied_changes_nothing(sim_target: Target) -> None:
    locked = sim_target.scratch + r"\locked"
    sim_target.one("file.mkdir", path=locked)
    sim_target.sim.inject_fault("access_denied", path=locked, times=0)
    res = sim_target.one("file.write", path=locked + r"\x.txt", content_b64=b64(b"x"))
    assert res["failed"] is True and res["code"] == "access_denied"
    sim_target.sim.clear_faults()
    assert sim_target.one("file.list", path=locked)["entries"] == []


def test_access_denied_on_a_registry_key(sim_target: Target) -> None:
    key = r"HKLM:\SOFTWARE\Policies"
    sim_target.sim.inject_fault("access_denied", path=key)
    res = sim_target.one("reg.set", path=key + r"\X", name="v", type="REG_SZ", value="1")
    assert res["failed"] is True and res["code"] == "access_denied"
    assert sim_target.one("reg.get", path=key + r"\X", name="v")["key_exists"] is False


def test_disk_full_keeps_the_old_content(sim_target: Target) -> None:
    path = sim_target.scratch + r"\settings.json"
    sim_target.one("file.write", path=path, content_b64=b64(b"old"))
    sim_target.sim.inject_fault("disk_full", op="file.write")
    res = sim_target.one("file.write", path=path, content_b64=b64(b"new" * 1000))
    assert res["failed"] is True and res["code"] == "disk_full"
    got = sim_target.one("file.read", path=path)
    assert base64.b64decode(got["content_b64"]) == b"old"
    names = [e["name"] for e in sim_target.one("file.list", path=sim_target.scratch)["entries"]]
    assert names == ["settings.json"]
    # The fault was consumed: the next write succeeds.
    assert sim_target.one("file.write", path=path, content_b64=b64(b"new"))["changed"] is True


def test_connection_lost_keeps_ops_already_applied(sim_target: Target) -> None:
    a, b = sim_target.scratch + r"\a", sim_target.scratch + r"\b"
    sim_target.sim.inject_fault("connection_lost", after_ops=1)
    with pytest.raises(ConnectionLost):
        sim_target.run([
            {"op": "file.mkdir", "args": {"path": a}},
            {"op": "file.mkdir", "args": {"path": b}},
        ])
    assert sim_target.one("file.stat", path=a)["exists"] is True
    assert sim_target.one("file.stat", path=b)["exists"] is False


def test_round_trips_are_counted_per_batch(sim_target: Target) -> None:
    before = sim_target.sim.stats()
    sim_target.run([{"op": "facts.get", "args": {}}, {"op": "env.get",
                                                      "args": {"scope": "user"}}])
    sim_target.run([{"op": "facts.get", "args": {}}])
    after = sim_target.sim.stats()
    assert after["round_trips"] - before["round_trips"] == 2
    assert after["ops"] - before["ops"] == 3
