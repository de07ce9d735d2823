"""Action plugin of winops.golang.win_port_proxy: one round trip, changed or not."""

from __future__ import annotations

from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import port_proxy
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    Batch,
)
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction


class ActionModule(AgentAction):
    """Check the rule on the controller, then set it and read IP Helper in one batch."""

    ARGUMENT_SPEC: dict[str, Any] = {
        "listen_port": {"type": "int", "required": True},
        "listen_address": {"type": "str", "default": port_proxy.DEFAULT_LISTEN_ADDRESS},
        "connect_port": {"type": "int"},
        "connect_address": {"type": "str", "default": port_proxy.DEFAULT_CONNECT_ADDRESS},
        "state": {"type": "str", "default": "present", "choices": list(port_proxy.STATES)},
    }
    REQUIRED_IF: list[Any] = [["state", "present", ["connect_port"]]]

    def execute(
        self, args: dict[str, Any], client: AgentClient, task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        # Everything is checked before the host is contacted: bad input costs no round trip.
        rule = port_proxy.plan(args)
        batch = Batch()
        i_set = batch.add("portproxy.set", **rule.set_args())
        i_get = batch.add("portproxy.get")
        res = client.run(batch, check_mode=self.check_mode)
        return port_proxy.report(res[i_set], res[i_get], diff=self.diff_mode)
