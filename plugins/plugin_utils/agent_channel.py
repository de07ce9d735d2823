"""Channels that carry op batches from an action plugin to a host.

A real host runs the PowerShell agent module through the task's connection
(WinRM, PSRP or SSH); the simulated host (``winops.golang.winsim``) runs the
batch itself. Both return the same JSON, so action plugins never care which.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AGENT_MODULE,
    Channel,
)


class ModuleChannel:
    """Runs a batch with ``_execute_module`` of the PowerShell agent."""

    def __init__(self, action: Any, task_vars: dict[str, Any]) -> None:
        self._action = action
        self._task_vars = task_vars

    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Execute the agent module once with ``payload`` as its arguments."""
        return self._action._execute_module(
            module_name=AGENT_MODULE,
            module_args=payload,
            task_vars=self._task_vars,
        )


class SimulatedChannel:
    """Hands a batch to the simulated host's connection plugin."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Run ``payload`` on the simulated host."""
        return self._connection.run_batch(payload)


def channel_for(action: Any, task_vars: dict[str, Any]) -> Channel:
    """Pick the channel for the action's connection."""
    if callable(getattr(action._connection, "run_batch", None)):
        return SimulatedChannel(action._connection)
    return ModuleChannel(action, task_vars)
