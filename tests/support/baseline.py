"""Run a baseline control's reads and fixes on a simulated host, for control tests."""

from __future__ import annotations

import json
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils.baseline import Control, Evaluation
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

Op = tuple[str, dict[str, Any]]


def run_ops(host: SimHost, ops: list[Op]) -> list[dict[str, Any]]:
    """One batch of ``ops`` on ``host``; fails the test when an op fails."""
    raw = host.run_batch({"ops": [{"op": op, "args": args} for op, args in ops]})
    if raw["failed_op"] is not None:
        raise AssertionError(raw["failed_op"])
    return raw["results"]


def read(host: SimHost, control: Control, params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The results of ``control``'s reads on ``host``, by read key."""
    reads = control.reads(params)
    return dict(zip(reads, run_ops(host, list(reads.values())), strict=True))


def evaluate_on(host: SimHost, control: Control, params: dict[str, Any]) -> Evaluation:
    """``control``'s verdict on ``host``, as the module would reach it."""
    return control.evaluate(params, read(host, control, params))


def baseline_play(options: dict[str, Any]) -> str:
    """A playbook that runs win_go_baseline once with ``options`` (as JSON, so types
    survive), in the task "Check the baseline", registered as ``baseline``."""
    return f"""
- name: Baseline
  hosts: all
  gather_facts: false
  tasks:
    - name: Check the baseline
      winops.golang.win_go_baseline: {json.dumps(options)}
      register: baseline
"""
