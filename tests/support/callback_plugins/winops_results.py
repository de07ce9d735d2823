# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: records every task result as JSON for the pytest harness."""

from __future__ import annotations

DOCUMENTATION = r"""
name: winops_results
type: aggregate
short_description: Write task results and the play recap as JSON, for tests
description:
  - Records, per host and in order, every task result (name, action, status
    flags, message, diff, warnings and the module result) and the play recap.
  - The file is rewritten after every result, so a run that dies part-way
    still leaves what happened before.
requirements:
  - enable with C(callbacks_enabled = winops_results)
options:
  output_file:
    description: Path of the JSON file to write.
    required: true
    type: path
    env:
      - name: WINOPS_RESULTS_FILE
"""

import json
import os
import tempfile
from typing import Any

from ansible.plugins.callback import CallbackBase

try:
    from ansible.playbook.handler import Handler
except ImportError:  # pragma: no cover
    Handler = ()  # type: ignore[assignment,misc]

_STAT_KEYS = ("ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored")


def _public(obj: Any, name: str) -> Any:
    """``result.result``/``.host``/``.task`` on ansible-core 2.19+, ``._result`` etc. before."""
    try:
        return getattr(obj, name)
    except AttributeError:
        return getattr(obj, "_" + name)


def _warning_text(warning: Any) -> str:
    if isinstance(warning, str):
        return warning
    if isinstance(warning, dict):
        for key in ("msg", "message"):
            if isinstance(warning.get(key), str):
                return warning[key]
        event = warning.get("event")
        if isinstance(event, dict) and isinstance(event.get("msg"), str):
            return event["msg"]
        details = warning.get("details")
        if isinstance(details, list) and details and isinstance(details[0], dict):
            return str(details[0].get("msg", warning))
    for attr in ("msg", "message"):
        value = getattr(warning, attr, None)
        if isinstance(value, str):
            return value
    event = getattr(warning, "event", None)
    if event is not None and isinstance(getattr(event, "msg", None), str):
        return event.msg
    return str(warning)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "winops_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._data: dict[str, Any] = {"plays": [], "hosts": {}, "stats": {}, "complete": False}
        self._play_name = ""
        self._path: str | None = None

    # --------------------------------------------------------------- output

    def _output_path(self) -> str | None:
        if self._path is None:
            try:
                self._path = self.get_option("output_file")
            except (KeyError, AttributeError):
                self._path = None
            self._path = self._path or os.environ.get("WINOPS_RESULTS_FILE")
        return self._path

    def _flush(self) -> None:
        path = self._output_path()
        if not path:
            return
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".winops_results.", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._data, handle, default=str, indent=1)
        os.replace(tmp, path)

    # --------------------------------------------------------------- events

    def v2_playbook_on_play_start(self, play: Any) -> None:
        self._play_name = play.get_name().strip()
        self._data["plays"].append({"name": self._play_name})
        self._flush()

    def _record(
        self,
        result: Any,
        *,
        failed: bool = False,
        skipped: bool = False,
        unreachable: bool = False,
        ignored: bool = False,
    ) -> None:
        host = _public(result, "host")
        task = _public(result, "task")
        data = dict(_public(result, "result") or {})
        name = getattr(result, "task_name", None) or task.get_name()
        warnings = [_warning_text(w) for w in data.get("warnings") or []]
        deprecations = [_warning_text(w) for w in data.get("deprecations") or []]
        entry = {
            "play": self._play_name,
            "task": str(name),
            "action": getattr(task, "resolved_action", None) or task.action,
            "changed": bool(data.get("changed", False)),
            "failed": failed,
            "skipped": skipped,
            "unreachable": unreachable,
            "ignored": ignored,
            "handler": isinstance(task, Handler),
            "msg": data.get("msg"),
            "diff": data.get("diff"),
            "warnings": warnings,
            "deprecations": deprecations,
            "result": data,
        }
        self._data["hosts"].setdefault(host.get_name(), []).append(entry)
        self._flush()

    def v2_runner_on_ok(self, result: Any) -> None:
        self._record(result)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._record(result, failed=True, ignored=bool(ignore_errors))

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._record(result, skipped=True)

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._record(result, unreachable=True)

    def v2_playbook_on_stats(self, stats: Any) -> None:
        self._data["stats"] = {
            host: {
                key: int(value) for key, value in stats.summarize(host).items() if key in _STAT_KEYS
            }
            for host in sorted(stats.processed)
        }
        self._data["complete"] = True
        self._flush()
