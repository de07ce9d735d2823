# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark callback: agent round trips per host and task, and the tasks of each play."""

from __future__ import annotations

DOCUMENTATION = r"""
name: winops_bench
type: aggregate
short_description: Record agent round trips per host and task, for benchmarks/run.py
description:
  - Reads the round-trip counter (C(stats.json)) of every simulated host when
    a task starts and when that host's result arrives, and keeps one record
    per host and task (status, changed, module calls, round trips).
  - Counts the tasks started in each play, so the harness can write a no-op
    playbook of the same size.
  - Writes everything as JSON when the run ends. It does little work per
    event, so it adds next to nothing to the controller time it measures.
requirements:
  - enable with C(callbacks_enabled = winops_bench)
options:
  roots_file:
    description: JSON file mapping inventory host names to their C(ansible_winsim_root).
    required: true
    type: path
    env:
      - name: WINOPS_BENCH_ROOTS
  output_file:
    description: The JSON file to write.
    required: true
    type: path
    env:
      - name: WINOPS_BENCH_FILE
"""

import json  # noqa: E402
import os  # noqa: E402
from typing import Any  # noqa: E402

from ansible.plugins.callback import CallbackBase  # noqa: E402


def _trips(root: str) -> int:
    try:
        with open(os.path.join(root, "stats.json"), encoding="utf-8") as handle:
            return int(json.load(handle)["round_trips"])
    except (FileNotFoundError, ValueError, KeyError):
        return 0


class CallbackModule(CallbackBase):
    """Keeps {plays: [{name, hosts, tasks}], results: [{host, task, ...}]}."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "winops_bench"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with open(os.environ["WINOPS_BENCH_ROOTS"], encoding="utf-8") as handle:
            self._roots: dict[str, str] = json.load(handle)
        self._out = os.environ["WINOPS_BENCH_FILE"]
        self._plays: list[dict[str, Any]] = []
        self._results: list[dict[str, Any]] = []
        self._marks: dict[str, int] = {}
        self._items: dict[str, int] = {}
        self._play = ""

    def v2_playbook_on_play_start(self, play: Any) -> None:
        self._play = play.get_name().strip()
        hosts = play.hosts if isinstance(play.hosts, list) else [play.hosts]
        self._plays.append({"name": self._play, "hosts": [str(h) for h in hosts], "tasks": 0})

    def _start(self) -> None:
        if self._plays:
            self._plays[-1]["tasks"] += 1
        self._marks = {host: _trips(root) for host, root in self._roots.items()}
        self._items = {}

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        self._start()

    def v2_playbook_on_handler_task_start(self, task: Any) -> None:
        self._start()

    def _item(self, result: Any) -> None:
        host = result._host.get_name()
        self._items[host] = self._items.get(host, 0) + 1

    def v2_runner_item_on_ok(self, result: Any) -> None:
        self._item(result)

    def v2_runner_item_on_failed(self, result: Any) -> None:
        self._item(result)

    def _record(self, result: Any, status: str) -> None:
        host = result._host.get_name()
        task = result._task
        data = result._result
        root = self._roots.get(host)
        trips = 0
        if root:
            now = _trips(root)
            trips = now - self._marks.get(host, now)
            self._marks[host] = now
        looped = "results" in data and isinstance(data.get("results"), list)
        if status == "skipped":
            calls = 0
        elif looped:
            calls = self._items.get(host, 0)
        else:
            calls = 1
        self._results.append({
            "host": host, "play": self._play,
            "task": str(getattr(result, "task_name", None) or task.get_name()),
            "action": str(task.action), "status": status,
            "changed": bool(data.get("changed")), "calls": calls, "round_trips": trips,
        })

    def v2_runner_on_ok(self, result: Any) -> None:
        self._record(result, "ok")

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats: Any) -> None:
        with open(self._out, "w", encoding="utf-8") as handle:
            json.dump({"plays": self._plays, "results": self._results}, handle, indent=1)
