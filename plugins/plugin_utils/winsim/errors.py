"""Exceptions of the simulated host."""

from __future__ import annotations


class OpError(Exception):
    """An op failed; ``code`` is one of the agent error codes of the protocol table."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ConnectionLost(Exception):
    """The (simulated) connection dropped in the middle of a batch.

    Ops that ran before the drop stay applied; their results are lost, exactly as
    when a WinRM session dies: the controller cannot tell what happened.
    """


class StateError(Exception):
    """The state directory cannot be used as a simulated host."""
