"""Action plugin of winops.golang.win_tcp_tuning: read in one batch, write in one more."""

from __future__ import annotations

from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import tcp_tuning
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    Batch,
)
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction

_ENABLED = {"type": "str", "choices": list(tcp_tuning.ENABLED_DISABLED)}
_REFUSED = {"type": "raw"}


class ActionModule(AgentAction):
    """Validate everything on the controller, read once, compare-and-set once."""

    ARGUMENT_SPEC: dict[str, Any] = {
        "profile": {"type": "str", "default": "none", "choices": list(tcp_tuning.PROFILES)},
        "dynamic_port_range": {
            "type": "dict",
            "options": {
                "start": {"type": "int", "required": True},
                "count": {"type": "int", "required": True},
                "protocols": {
                    "type": "list",
                    "elements": "str",
                    "default": list(tcp_tuning.PROTOCOLS),
                    "choices": list(tcp_tuning.PROTOCOLS),
                },
                "families": {
                    "type": "list",
                    "elements": "str",
                    "default": list(tcp_tuning.FAMILIES),
                    "choices": list(tcp_tuning.FAMILIES),
                },
            },
        },
        "tcp_timed_wait_delay": {"type": "int"},
        "autotuning_level": {"type": "str", "choices": list(tcp_tuning.AUTOTUNING_LEVELS)},
        "congestion_provider": {"type": "str", "choices": list(tcp_tuning.CONGESTION_PROVIDERS)},
        "ecn_capability": dict(_ENABLED),
        "timestamps": dict(_ENABLED),
        "initial_congestion_window": {"type": "int"},
        "receive_side_scaling": dict(_ENABLED),
        "receive_segment_coalescing": dict(_ENABLED),
        "win32_priority_separation": {"type": "int"},
        "ntfs_disable_last_access": {"type": "int"},
        "disable_task_offload": {"type": "bool"},
        "acknowledge_task_offload_risk": {"type": "bool", "default": False},
        "max_user_port": dict(_REFUSED),
        "tcp_num_connections": dict(_REFUSED),
        "io_page_lock_limit": dict(_REFUSED),
        "large_page_minimum": dict(_REFUSED),
        "enable_numa": dict(_REFUSED),
    }

    def execute(
        self, args: dict[str, Any], client: AgentClient, task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        # 1. Everything that needs no host: zero round trips on bad input.
        desired, warnings = tcp_tuning.resolve(args)

        # 2. One batch reads the build and every setting.
        reads = Batch()
        labels = {label: reads.add(op, **op_args) for label, op, op_args in tcp_tuning.read_ops()}
        read_res = client.run(reads, check_mode=False)
        state = tcp_tuning.parse_reads({label: read_res[i] for label, i in labels.items()})
        build, kind = state["build"], state["installation_type"]

        # 3. What this release lacks fails here, before anything is written.
        tcp_tuning.check_release(desired, build)
        targets, changes = tcp_tuning.plan(desired, state)

        # 4. One compare-and-set batch, only when something differs and not in check mode.
        after = {name: targets[name] for name in targets}
        applied = {change.setting.name for change in changes}
        if changes and not self.check_mode:
            writes = Batch()
            index = {}
            for name, op, op_args in tcp_tuning.write_ops(changes):
                index[name] = writes.add(op, **op_args)
            write_res = client.run(writes, check_mode=False)
            for name, i in index.items():
                after[name] = write_res[i]["after"]
                if not write_res[i]["changed"]:
                    applied.discard(name)

        settings = {}
        for name in targets:
            setting = tcp_tuning.CATALOGUE[name]
            before = state["values"][name]
            changed = name in applied
            settings[name] = {
                "before": tcp_tuning.describe(name, before, build, kind),
                "after": tcp_tuning.describe(name, after[name], build, kind),
                "changed": changed,
                "reboot_required": changed and setting.reboot,
                "applies": "after a reboot" if setting.reboot else "at once",
            }
        current = {
            name: tcp_tuning.describe(name, after.get(name, value), build, kind)
            for name, value in state["values"].items()
        }
        result: dict[str, Any] = {
            "changed": bool(applied),
            "reboot_required": any(s["reboot_required"] for s in settings.values()),
            "settings": settings,
            "current": current,
            "os_build": build,
            "os_release": tcp_tuning.RELEASES.get(build),
        }
        if warnings:
            result["warnings"] = warnings
        if self.diff_mode:
            result["diff"] = {
                "before": {n: tcp_tuning.plain(state["values"][n]) for n in sorted(applied)},
                "after": {n: tcp_tuning.plain(after[n]) for n in sorted(applied)},
            }
        return result
