"""The batch client: one round trip per batch, typed results and errors."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    OMIT,
    AgentClient,
    AgentError,
    AgentTransportError,
    Batch,
)


class RecordingChannel:
    def __init__(self, *replies: dict[str, Any]) -> None:
        self.replies = list(replies)
        self.sent: list[dict[str, Any]] = []

    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(payload)
        return self.replies.pop(0)


def test_batch_add_drops_none_but_keeps_expected_null() -> None:
    batch = Batch()
    assert batch.add("env.set", scope="user", name="X", value="1", type=None, expected=None) == 0
    assert batch.add("env.set", scope="user", name="X", value="1", expected=OMIT) == 1
    assert batch.ops[0] == {
        "op": "env.set",
        "args": {"scope": "user", "name": "X", "value": "1", "expected": None},
    }
    assert batch.ops[1]["args"] == {"scope": "user", "name": "X", "value": "1"}


def test_run_sends_one_payload_and_counts_it() -> None:
    channel = RecordingChannel({
        "changed": True, "broadcast": True, "failed_op": None,
        "results": [{"op": "env.set", "changed": True}, {"op": "env.get", "changed": False}],
    })
    client = AgentClient(channel)
    batch = Batch()
    batch.add("env.set", scope="user", name="X", value="1")
    batch.add("env.get", scope="user")
    res = client.run(batch, check_mode=True)
    assert client.round_trips == 1
    assert channel.sent == [{"ops": batch.ops, "check_mode": True}]
    assert res.changed is True and res.broadcast is True
    assert res[1]["op"] == "env.get"


def test_empty_batch_costs_nothing() -> None:
    client = AgentClient(RecordingChannel())
    assert client.run(Batch()).results == []
    assert client.round_trips == 0


def test_failed_op_becomes_an_agent_error_with_what_was_applied() -> None:
    channel = RecordingChannel({
        "changed": True, "broadcast": False,
        "results": [{"op": "file.mkdir", "changed": True}],
        "failed_op": {"index": 1, "op": "file.write", "code": "access_denied",
                      "message": "Access to the path 'C:\\x' is denied."},
    })
    batch = Batch()
    batch.add("file.mkdir", path="C:\\d")
    batch.add("file.write", path="C:\\x", content_b64="")
    with pytest.raises(AgentError) as err:
        AgentClient(channel).run(batch)
    assert err.value.code == "access_denied"
    assert err.value.index == 1
    assert err.value.changed is True
    assert err.value.describe() == (
        "file.write (op 2) failed [access_denied]: Access to the path 'C:\\x' is denied.")


def test_module_failure_is_a_transport_error() -> None:
    channel = RecordingChannel({"failed": True, "msg": "powershell is not available"})
    batch = Batch()
    batch.add("facts.get")
    with pytest.raises(AgentTransportError) as err:
        AgentClient(channel).run(batch)
    assert "powershell is not available" in str(err.value)


def test_short_result_list_is_a_transport_error() -> None:
    channel = RecordingChannel({"changed": False, "results": [], "failed_op": None})
    batch = Batch()
    batch.add("facts.get")
    with pytest.raises(AgentTransportError, match="0 results for a batch of 1"):
        AgentClient(channel).run(batch)
