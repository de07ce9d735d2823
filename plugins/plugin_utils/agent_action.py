"""Base class of this collection's action plugins.

Each module's logic lives in an action plugin (the controller decides, the
host only executes primitive ops). This base validates the task's arguments
against the plugin's spec before anything reaches the host, builds the agent
client, and turns an op failure into a task failure that says which op
failed, why, and whether anything was already changed.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    AgentError,
)
from ansible_collections.winops.golang.plugins.plugin_utils.agent_channel import channel_for


class AgentAction(ActionBase):
    """Validate, then ``execute`` with an :class:`AgentClient` for the task's host.

    Subclasses set ``ARGUMENT_SPEC`` (and optionally the ``MUTUALLY_EXCLUSIVE``
    style class attributes) and implement :meth:`execute`.
    """

    TRANSFERS_FILES = False
    _requires_connection = True
    _supports_check_mode = True
    _supports_async = False

    ARGUMENT_SPEC: dict[str, Any] = {}
    MUTUALLY_EXCLUSIVE: list[list[str]] = []
    REQUIRED_TOGETHER: list[list[str]] = []
    REQUIRED_ONE_OF: list[list[str]] = []
    REQUIRED_IF: list[Any] = []

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict:
        """Validate the arguments, run :meth:`execute`, and report."""
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(
            argument_spec=self.ARGUMENT_SPEC,
            mutually_exclusive=self.MUTUALLY_EXCLUSIVE,
            required_together=self.REQUIRED_TOGETHER,
            required_one_of=self.REQUIRED_ONE_OF,
            required_if=self.REQUIRED_IF,
        )
        client = AgentClient(channel_for(self, task_vars))
        try:
            result.update(self.execute(args, client, task_vars))
        except AgentError as err:
            result.update(failed=True, changed=err.changed, msg=err.describe(), error_code=err.code)
        except ValueError as err:
            # Controller-side validation beyond the spec (pure helpers raise ValueError).
            raise AnsibleActionFail(str(err)) from err
        return result

    def execute(
        self, args: dict[str, Any], client: AgentClient, task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        """Do the module's work; return the task result (without ``failed``)."""
        raise NotImplementedError

    @property
    def check_mode(self) -> bool:
        """True when the task runs in check mode."""
        return bool(self._task.check_mode)

    @property
    def diff_mode(self) -> bool:
        """True when the task should return a diff."""
        return bool(self._task.diff)
