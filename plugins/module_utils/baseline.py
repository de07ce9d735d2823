"""The security baseline's controls: what each reads, how it judges, how it fixes.

Part of the pure logic of ``winops.golang.win_go_baseline``. A control is a
small object with an id, a title and the source it comes from; it names the
read-only ops it needs (:meth:`Control.reads`), judges their results
(:meth:`Control.evaluate`) and, when the host is not compliant, returns the
ops that put it right. The module runs every enabled control's reads in one
batch and, in ``enforce`` mode, every fix in a second one, so a compliant host
costs one round trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

Op = tuple[str, dict[str, Any]]

COMPLIANT = "compliant"
NON_COMPLIANT = "non_compliant"
CHANGED = "changed"  # was non-compliant, put right by this run (enforce)
NOT_APPLICABLE = "not_applicable"  # nothing to check on this host
STATUSES = (COMPLIANT, CHANGED, NON_COMPLIANT, NOT_APPLICABLE)
MODES = ("audit", "enforce")


@dataclass(frozen=True)
class Evaluation:
    """A control's verdict on one host, before any fix."""

    status: str  # compliant | non_compliant | not_applicable
    evidence: list[dict[str, Any]] = field(default_factory=list)  # what was seen, per item
    fix: list[Op] = field(default_factory=list)  # empty: nothing this module can fix
    message: str = ""  # one line a person reads in the report


@dataclass(frozen=True)
class Finding:
    """One control's result on one host, as the module returns and the report shows it."""

    control: str
    title: str
    source: str
    mode: str
    status: str
    message: str
    evidence: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the task result."""
        return {"control": self.control, "title": self.title, "source": self.source,
                "mode": self.mode, "status": self.status, "message": self.message,
                "evidence": self.evidence}


class Control(Protocol):
    """What every control provides (see the module's ``controls`` option for ids)."""

    id: str
    title: str
    source: str

    def reads(self, params: Mapping[str, Any]) -> dict[str, Op]:
        """The read-only ops it needs, by a key unique within the control."""

    def evaluate(self, params: Mapping[str, Any],
                 results: Mapping[str, dict[str, Any]]) -> Evaluation:
        """Judge the results of :meth:`reads` (same keys); never raises for host state."""


def finding(control: Control, mode: str, evaluation: Evaluation, fixed: bool) -> Finding:
    """The finding to report: ``changed`` when enforce mode applied the fix."""
    status = evaluation.status
    if fixed and status == NON_COMPLIANT:
        status = CHANGED
    return Finding(control.id, control.title, control.source, mode, status,
                   evaluation.message, evaluation.evidence)
