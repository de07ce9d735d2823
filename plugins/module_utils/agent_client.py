"""The client action plugins use to run batches of primitive ops on a host.

A batch is a list of ops from the table in ``docs/agent-protocol.md``. The
client sends it through a *channel* (the PowerShell agent on a real host, the
``winsim`` connection on a simulated one), counts the round trip, and turns
the agent's JSON back into a :class:`BatchResult` or an :class:`AgentError`.
Nothing here knows about Go; nothing here does I/O except through the channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

AGENT_MODULE = "winops.golang.winops_agent"


class Channel(Protocol):
    """Sends one batch payload to a host and returns the agent's result dict."""

    def send(self, payload: dict[str, Any]) -> dict[str, Any]: ...


class AgentError(Exception):
    """An op in a batch failed on the host.

    ``applied`` holds the results of the ops that ran before it, so callers can
    say what was already changed.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "error",
        op: str | None = None,
        index: int | None = None,
        applied: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.op = op
        self.index = index
        self.applied = applied or []

    @property
    def changed(self) -> bool:
        """True when an op before the failing one changed the host."""
        return any(r.get("changed") for r in self.applied)

    def describe(self) -> str:
        """A one-line message for the task result."""
        where = f"{self.op} (op {self.index + 1})" if self.op and self.index is not None else ""
        return f"{where} failed [{self.code}]: {self.message}" if where else self.message


class AgentTransportError(AgentError):
    """The batch did not run at all (the agent module itself failed)."""


@dataclass
class Batch:
    """An ordered list of ops to run in one round trip."""

    ops: list[dict[str, Any]] = field(default_factory=list)

    def add(self, op: str, **args: Any) -> int:
        """Append an op and return its index in the batch results.

        Arguments whose value is ``None`` are left out, except ``expected``,
        where ``None`` means "must be absent" (pass :data:`OMIT` to leave it out).
        """
        clean = {k: v for k, v in args.items() if v is not None or k in _NULLABLE}
        clean = {k: v for k, v in clean.items() if v is not OMIT}
        self.ops.append({"op": op, "args": clean})
        return len(self.ops) - 1

    def __len__(self) -> int:
        return len(self.ops)


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()
"""Leave an optional argument out of an op (for ``expected``, where ``None`` has a meaning)."""

_NULLABLE = frozenset({"expected", "expected_sha256"})


@dataclass
class BatchResult:
    """The results of a batch that ran to the end."""

    results: list[dict[str, Any]]
    changed: bool
    broadcast: bool = False

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.results[index]


class AgentClient:
    """Runs batches through a channel; the one place that counts round trips."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.round_trips = 0

    def run(self, batch: Batch, check_mode: bool = False) -> BatchResult:
        """Send ``batch`` in one round trip.

        Raises :class:`AgentError` when an op failed (with the results of the
        ops applied before it) and :class:`AgentTransportError` when the agent
        did not run the batch at all.
        """
        if not batch.ops:
            return BatchResult(results=[], changed=False)
        self.round_trips += 1
        raw = self.channel.send({"ops": batch.ops, "check_mode": bool(check_mode)})
        return parse_batch_result(raw, batch)


def parse_batch_result(raw: Mapping[str, Any], batch: Batch) -> BatchResult:
    """Turn the agent's JSON into a :class:`BatchResult`, or raise :class:`AgentError`."""
    if raw.get("failed") and raw.get("failed_op") is None:
        raise AgentTransportError(
            "the winops agent could not run on the host: " + str(raw.get("msg") or "no message"),
            code="error",
        )
    results = list(raw.get("results") or [])
    failed = raw.get("failed_op")
    if failed:
        index = int(failed.get("index", len(results)))
        op = failed.get("op") or (batch.ops[index]["op"] if index < len(batch.ops) else None)
        raise AgentError(
            str(failed.get("message") or "no message"),
            code=str(failed.get("code") or "error"),
            op=op,
            index=index,
            applied=results[:index],
        )
    if len(results) != len(batch.ops):
        raise AgentTransportError(
            f"the agent returned {len(results)} results for a batch of {len(batch.ops)} ops"
        )
    return BatchResult(
        results=results,
        changed=any(r.get("changed") for r in results),
        broadcast=bool(raw.get("broadcast")),
    )
