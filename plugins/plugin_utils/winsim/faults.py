"""Injected faults: how the simulated host misbehaves on purpose.

A fault is a persisted record ``{"id", "kind", "op", "path", "times", "params"}``.
``op`` limits it to one op name, ``path`` to ops whose target (file path,
registry key, environment scope or URL) is that path or lies below it,
compared case-insensitively. Each time a fault fires it uses up one of its
``times``; ``times=0`` never runs out.

Kinds live in :data:`KINDS`. Each op asks for the kinds that can hit it at
the point where Windows would fail (``take``), so a new kind is one entry
here plus one ``take`` call where it applies (e.g. a future
``service_start_fails`` taken by ``service.start``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .names import fold


@dataclass(frozen=True)
class FaultKind:
    """A kind of fault and the parameters it takes (name -> (type, default))."""

    name: str
    description: str
    params: dict[str, tuple[type, Any]] = field(default_factory=dict)


KINDS: dict[str, FaultKind] = {}


def register_kind(kind: FaultKind) -> None:
    """Add a fault kind (ops then call :meth:`Faults.take` with its name)."""
    KINDS[kind.name] = kind


for _kind in (
    FaultKind("access_denied", "the op fails with access_denied before changing anything"),
    FaultKind("disk_full", "a write fails with disk_full once data is staged; staging removed"),
    FaultKind("interrupt", "a transfer breaks after after_bytes bytes",
              {"after_bytes": (int, 0)}),
    FaultKind("slow", "a transfer takes this many extra virtual seconds",
              {"seconds": (float, 0.0)}),
    FaultKind("connection_lost", "the connection drops after after_ops more ops",
              {"after_ops": (int, 0)}),
):
    register_kind(_kind)


def _under(target: str, prefix: str) -> bool:
    t, p = fold(target).rstrip("\\"), fold(prefix).rstrip("\\")
    return t == p or t.startswith(p + "\\") or t.startswith(p + "/")


class Faults:
    """The fault list of a state directory (a live view of the persisted list)."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def add(self, kind: str, op: str | None = None, path: str | None = None, times: int = 1,
            **params: Any) -> dict[str, Any]:
        """Validate and append a fault; returns its record."""
        spec = KINDS.get(kind)
        if spec is None:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(sorted(KINDS))}")
        if isinstance(times, bool) or not isinstance(times, int) or times < 0:
            raise ValueError("times must be an integer >= 0 (0 = forever)")
        unknown = set(params) - set(spec.params)
        if unknown:
            raise ValueError(f"fault {kind} takes no parameter {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, (kind_type, default) in spec.params.items():
            value = params.get(name, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be a number >= 0")
            values[name] = kind_type(value)
        record = {
            "id": max((r["id"] for r in self.records), default=0) + 1,
            "kind": kind,
            "op": op,
            "path": path,
            "times": times,
            "params": values,
        }
        if kind == "connection_lost":
            record["remaining"] = values["after_ops"]
        self.records.append(record)
        return record

    def matching(self, kind: str, op: str, targets: list[str]) -> list[dict[str, Any]]:
        """Faults of ``kind`` that apply to ``op`` on any of ``targets``."""
        found = []
        for rec in self.records:
            if rec["kind"] != kind or (rec["op"] and rec["op"] != op):
                continue
            if rec["path"] and not any(_under(t, rec["path"]) for t in targets if t):
                continue
            found.append(rec)
        return found

    def take(self, kind: str, op: str, targets: list[str]) -> dict[str, Any] | None:
        """Fire the first matching fault of ``kind`` (using up one time); its params or None."""
        for rec in self.matching(kind, op, targets):
            self._use(rec)
            return dict(rec["params"])
        return None

    def _use(self, rec: dict[str, Any]) -> None:
        if rec["times"] == 0:
            return
        rec["times"] -= 1
        if rec["times"] == 0:
            self.records.remove(rec)

    # -- connection_lost -------------------------------------------------------

    def lost_before_batch(self) -> bool:
        """True (and one time used up) when a connection_lost fault is due right now."""
        for rec in self.records:
            if rec["kind"] == "connection_lost" and rec["remaining"] <= 0:
                self._fire_lost(rec)
                return True
        return False

    def lost_after_op(self, op: str) -> bool:
        """Count one op against connection_lost faults; True when the connection drops now."""
        for rec in list(self.records):
            if rec["kind"] != "connection_lost" or (rec["op"] and rec["op"] != op):
                continue
            rec["remaining"] -= 1
            if rec["remaining"] <= 0:
                self._fire_lost(rec)
                return True
        return False

    def _fire_lost(self, rec: dict[str, Any]) -> None:
        rec["remaining"] = rec["params"]["after_ops"]
        self._use(rec)
