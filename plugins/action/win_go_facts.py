"""Action plugin of winops.golang.win_go_facts: one round trip of reads."""

from __future__ import annotations

import base64
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import go_facts
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    Batch,
)
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction


class ActionModule(AgentAction):
    """Gather the host and Go facts in a single batch of read ops."""

    ARGUMENT_SPEC: dict[str, Any] = {}

    def execute(
        self, args: dict[str, Any], client: AgentClient, task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        batch = Batch()
        i_facts = batch.add("facts.get")
        i_machine = batch.add("env.get", scope="machine")
        i_user = batch.add("env.get", scope="user")
        i_which = batch.add("path.which", name="go.exe", read=["..\\VERSION"])
        i_msi = batch.add("file.read", path=go_facts.MSI_GOROOT + "\\VERSION", max_bytes=4096)
        i_managed = batch.add("file.read", path=go_facts.MANAGED_ROOT + "\\"
                              + go_facts.MANAGED_STATE, max_bytes=1048576)
        i_current = batch.add("file.stat", path=go_facts.MANAGED_ROOT + "\\"
                              + go_facts.MANAGED_CURRENT)
        res = client.run(batch, check_mode=False)

        host = res[i_facts]
        machine_env, machine_other = go_facts.go_environment(res[i_machine]["vars"])
        user_env, user_other = go_facts.go_environment(res[i_user]["vars"])
        matches = res[i_which]["matches"]
        msi = res[i_msi]
        msi_text = (
            base64.b64decode(msi["content_b64"]).decode("utf-8", "replace")
            if msi.get("exists")
            else None
        )
        managed = res[i_managed]
        managed_text = (
            base64.b64decode(managed["content_b64"]).decode("utf-8-sig", "replace")
            if managed.get("exists")
            else None
        )
        current = res[i_current]
        current_target = current.get("target") if current.get("type") == "junction" else None
        facts = {
            "os": host["os"],
            "powershell_version": host["powershell_version"],
            "architecture": host["architecture"],
            "reboot_pending": host["reboot_pending"],
            "hostname": host["hostname"],
            "domain": host["domain"],
            "domain_joined": host["domain_joined"],
            "user": host["user"],
            "dirs": host["dirs"],
            "environment": {"machine": machine_env, "user": user_env},
            "unknown_go_names": {"machine": machine_other, "user": user_other},
            "path_go_bins": go_facts.go_bin_entries(matches),
            "toolchains": go_facts.toolchains(matches, msi_text),
            "managed_toolchains": go_facts.managed_toolchains(managed_text, current_target),
        }
        return {"changed": False, "ansible_facts": {"winops_go": facts}}
