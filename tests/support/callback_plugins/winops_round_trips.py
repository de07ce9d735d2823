# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: the agent round trips each task cost one simulated host."""

from __future__ import annotations

DOCUMENTATION = r"""
name: winops_round_trips
type: aggregate
short_description: Record one simulated host's agent round trips per task, for tests
description:
  - Reads the round-trip counter of one simulated host (its C(stats.json))
    when a task starts and when each result (or loop item) arrives, and
    appends one JSON line per result with the difference.
  - Meant for plays against that one host (forks do not matter, the counter is on disk).
requirements:
  - enable with C(callbacks_enabled = winops_round_trips)
options:
  host_root:
    description: The state directory (C(ansible_winsim_root)) of the simulated host.
    required: true
    type: path
    env:
      - name: WINOPS_RT_ROOT
  output_file:
    description: The JSON lines file to append to.
    required: true
    type: path
    env:
      - name: WINOPS_RT_FILE
"""

import json
import os
from typing import Any

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Appends {task, action, kind, item, round_trips} per result."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "winops_round_trips"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._mark: int | None = None

    @staticmethod
    def _trips() -> int:
        path = os.path.join(os.environ["WINOPS_RT_ROOT"], "stats.json")
        try:
            with open(path, encoding="utf-8") as handle:
                return int(json.load(handle)["round_trips"])
        except FileNotFoundError:
            return 0

    def _record(self, result: Any, kind: str) -> None:
        now = self._trips()
        task = result._task
        data = result._result
        # task_name is the name without the role prefix, as the results callback shows it.
        name = getattr(result, "task_name", None) or task.get_name()
        entry = {"task": str(name), "action": task.action, "kind": kind,
                 "item": data.get("item") if kind == "item" else None,
                 "round_trips": now - (self._mark if self._mark is not None else now)}
        self._mark = now
        with open(os.environ["WINOPS_RT_FILE"], "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        self._mark = self._trips()

    def v2_playbook_on_handler_task_start(self, task: Any) -> None:
        self._mark = self._trips()

    def v2_runner_item_on_ok(self, result: Any) -> None:
        self._record(result, "item")

    def v2_runner_item_on_failed(self, result: Any) -> None:
        self._record(result, "item")

    def v2_runner_on_ok(self, result: Any) -> None:
        self._record(result, "task")

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._record(result, "task")
