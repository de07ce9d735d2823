"""How an op is declared: its function, whether it writes, and what it targets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .context import OpContext

OpFunc = Callable[[OpContext, dict[str, Any]], dict[str, Any]]
TargetFunc = Callable[[OpContext, dict[str, Any]], list[str]]


@dataclass(frozen=True)
class OpSpec:
    """One op of the vocabulary as the simulated host implements it.

    ``write`` marks ops that change the host (recorded in the op log).
    ``targets`` names what the op touches (paths, registry keys, environment
    scopes, URLs) so faults with a ``path`` can pick the ops they hit.
    """

    name: str
    func: OpFunc
    write: bool
    targets: TargetFunc
