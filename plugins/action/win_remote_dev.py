"""Action plugin of winops.golang.win_remote_dev: one read batch, one write batch when needed."""

from __future__ import annotations

from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import remote_dev
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    Batch,
)
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction

_PRESENT_ABSENT = {"type": "str", "choices": list(remote_dev.PRESENT_ABSENT)}


class ActionModule(AgentAction):
    """Validate on the controller, read once, and write once when something differs."""

    ARGUMENT_SPEC: dict[str, Any] = {
        "openssh_server": dict(_PRESENT_ABSENT),
        "sshd_start_mode": {"type": "str", "default": "auto",
                            "choices": list(remote_dev.START_MODES)},
        "wsl": dict(_PRESENT_ABSENT),
        "virtual_machine_platform": dict(_PRESENT_ABSENT),
        "source": {"type": "str"},
    }

    def execute(
        self, args: dict[str, Any], client: AgentClient, task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        # 1. Everything that needs no host, and the release check when facts are known:
        #    zero round trips on bad input.
        desired = remote_dev.resolve(args)
        build = remote_dev.facts_build(facts_from_vars(task_vars))
        remote_dev.check_build(desired, build)

        # 2. One batch reads the features, sshd, and the facts when they are missing.
        reads = Batch()
        labels = {
            label: reads.add(op, **op_args)
            for label, op, op_args in remote_dev.read_ops(desired, need_facts=build is None)
        }
        read_res = client.run(reads, check_mode=False) if len(reads) else None
        state = remote_dev.parse_reads(
            desired, {label: read_res[i] for label, i in labels.items()} if read_res else {}
        )
        if build is None:
            build = state["build"]
            remote_dev.check_build(desired, build)
        state["build"] = build

        # 3. Compare; in check mode report the plan, otherwise send it as one batch.
        plan = remote_dev.plan(desired, state, build)
        changed = {label for label, _op, _args in plan.ops}
        if plan.ops and not self.check_mode:
            writes = Batch()
            index = {label: writes.add(op, **op_args) for label, op, op_args in plan.ops}
            write_res = client.run(writes, check_mode=False)
            changed = remote_dev.apply_results(
                plan, {label: write_res[i] for label, i in index.items()}
            )
        return remote_dev.report(desired, state, plan, changed, self.diff_mode)


def facts_from_vars(task_vars: dict[str, Any]) -> dict[str, Any] | None:
    """The ``winops_go`` facts of win_go_facts, when they carry the OS build."""
    for candidate in (
        task_vars.get("winops_go"),
        (task_vars.get("ansible_facts") or {}).get("winops_go"),
    ):
        if isinstance(candidate, dict) and remote_dev.facts_build(candidate) is not None:
            return dict(candidate)
    return None
