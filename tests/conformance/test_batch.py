"""Conformance: batch semantics shared by every op."""

from __future__ import annotations

import base64

import pytest

from .targets import Target

pytestmark = pytest.mark.conformance


def test_first_failure_stops_the_batch_and_reports_what_was_applied(target: Target) -> None:
    first, third = target.scratch + r"\first", target.scratch + r"\third"
    res = target.run([
        {"op": "file.mkdir", "args": {"path": first}},
        {"op": "file.move", "args": {"src": target.scratch + r"\none", "dest": first + r"\x"}},
        {"op": "file.mkdir", "args": {"path": third}},
    ])
    assert res["failed_op"]["index"] == 1
    assert res["failed_op"]["op"] == "file.move"
    assert res["failed_op"]["code"] == "not_found"
    assert res["failed_op"]["message"]
    assert len(res["results"]) == 1 and res["results"][0]["changed"] is True
    assert res["changed"] is True
    assert target.one("file.stat", path=first)["exists"] is True
    assert target.one("file.stat", path=third)["exists"] is False


def test_unknown_op_is_invalid_argument(target: Target) -> None:
    res = target.run([{"op": "no.such.op", "args": {}}])
    assert res["failed_op"]["code"] == "invalid_argument"
    assert "no.such.op" in res["failed_op"]["message"]
    assert res["changed"] is False


def test_missing_argument_is_invalid_argument(target: Target) -> None:
    res = target.run([{"op": "file.write", "args": {"path": target.scratch + r"\x"}}])
    assert res["failed_op"]["code"] == "invalid_argument"


def test_results_are_in_order_and_tagged(target: Target) -> None:
    data = base64.b64encode(b"abc").decode()
    res = target.run([
        {"op": "file.write", "args": {"path": target.scratch + r"\a.txt", "content_b64": data}},
        {"op": "file.stat", "args": {"path": target.scratch + r"\a.txt"}},
        {"op": "env.get", "args": {"scope": "machine", "names": ["OS"]}},
    ])
    assert [r["op"] for r in res["results"]] == ["file.write", "file.stat", "env.get"]
    assert res["results"][1]["size"] == 3
    assert res["results"][2]["vars"]["OS"]["value"] == "Windows_NT"
    assert res["failed_op"] is None


def test_check_mode_batch_sees_the_unchanged_host(target: Target) -> None:
    path = target.scratch + r"\later"
    res = target.run([
        {"op": "file.mkdir", "args": {"path": path}},
        {"op": "file.stat", "args": {"path": path}},
    ], check_mode=True)
    assert res["results"][0]["changed"] is True
    assert res["results"][1]["exists"] is False
