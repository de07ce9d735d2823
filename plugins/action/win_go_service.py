"""Action plugin of winops.golang.win_go_service: a Go program as a Windows service.

Round trips: one read batch, then (only when something changes) one batch
that stages a new release and configures, switches, starts and
health-checks; a release whose signature must be checked first is staged in
a batch of its own. A failed health check costs one more batch: the rollback.
"""

from __future__ import annotations

import os
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import (
    service_plan,
    service_release,
    service_spec,
)
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    Batch,
)
from ansible_collections.winops.golang.plugins.module_utils.service_observe import (
    observe,
    read_ops,
)
from ansible_collections.winops.golang.plugins.plugin_utils import controller_files
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction

_ANY: dict[str, Any] = {"type": "raw"}
# Stands for the host path of a controller file until the plan says it must be copied.
_PENDING = "<copied from the controller>"


def _run(client: AgentClient, ops: list[tuple[str, dict[str, Any]]],
         check_mode: bool = False) -> list[dict[str, Any]]:
    batch = Batch()
    for op, args in ops:
        batch.add(op, **args)
    return client.run(batch, check_mode=check_mode).results


def signature_problem(spec: service_spec.ServiceSpec, result: dict[str, Any]) -> str | None:
    """Why a staged release's Authenticode signature is not acceptable (None: it is)."""
    status = result.get("status")
    if status != "Valid":
        return (f"{spec.exe_name} is not validly signed (status {status}: "
                f"{result.get('status_message') or 'no detail'})")
    thumbprint = ((result.get("signer") or {}).get("thumbprint") or "").upper()
    if spec.allowed_signers and thumbprint not in spec.allowed_signers:
        return (f"{spec.exe_name} is signed by {(result.get('signer') or {}).get('subject')} "
                f"(thumbprint {thumbprint}), which is not in allowed_signers")
    return None


class ActionModule(AgentAction):
    """Validate on the controller, read once, change in one or two batches, roll back."""

    ARGUMENT_SPEC: dict[str, Any] = {
        "name": {"type": "str", "required": True},
        "display_name": {"type": "str"},
        "description": {"type": "str"},
        "mode": {"type": "str", "default": "native", "choices": list(service_spec.MODES)},
        "binary": {"type": "str"},
        "src": {"type": "path"},
        "checksum": {"type": "str"},
        "version": {"type": "str"},
        "root": {"type": "str"},
        "arguments": {"type": "list", "elements": "raw", "default": []},
        "working_directory": {"type": "str"},
        "environment": {"type": "dict", "default": {}},
        "account": {"type": "str"},
        "password": {"type": "str", "no_log": True},
        "start_mode": {"type": "str", "default": "auto",
                       "choices": list(service_spec.START_MODES)},
        "dependencies": {"type": "list", "elements": "str", "default": []},
        "recovery": dict(_ANY),
        "stop_timeout": {"type": "int", "default": service_spec.DEFAULT_STOP_TIMEOUT},
        "log": dict(_ANY),
        "event_log_source": {"type": "str"},
        "state": {"type": "str", "default": "started", "choices": list(service_spec.STATES)},
        "winsw_version": {"type": "int", "choices": list(service_spec.WINSW_VERSIONS)},
        "winsw_exe": {"type": "str"},
        "winsw_checksum": {"type": "str"},
        "winsw_src": {"type": "path"},
        "nssm_exe": {"type": "str"},
        "keep_releases": {"type": "int", "default": service_spec.DEFAULT_KEEP_RELEASES},
        "health_check": dict(_ANY),
        "require_signature": {"type": "bool", "default": False},
        "allowed_signers": {"type": "list", "elements": "str", "default": []},
        "rollback": {"type": "bool", "default": True},
    }
    MUTUALLY_EXCLUSIVE = [["binary", "src"]]

    def execute(self, args: dict[str, Any], client: AgentClient,
                task_vars: dict[str, Any]) -> dict[str, Any]:
        spec = service_spec.parse_spec({k: v for k, v in args.items() if v not in (None, [], {})
                                        or k in ("arguments", "environment")})
        warnings = service_spec.expansion_warnings(spec)
        facts = (task_vars.get("ansible_facts") or {}).get("winops_go") or {}
        local_sha = None
        if spec.src:
            if not os.path.isfile(spec.src):
                raise ValueError(f"src {spec.src} does not exist on the controller")
            local_sha = controller_files.sha256_file(spec.src)
            if spec.checksum and spec.checksum != local_sha:
                raise ValueError(f"src {spec.src} has SHA-256 {local_sha}, not the checksum "
                                 f"{spec.checksum}")
        winsw_sha = None
        if spec.winsw_src:
            if not os.path.isfile(spec.winsw_src):
                raise ValueError(f"winsw_src {spec.winsw_src} does not exist on the controller")
            winsw_sha = controller_files.sha256_file(spec.winsw_src)
        host_file = bool(spec.binary and not service_spec.is_url(spec.binary))

        reads = read_ops(spec, host_file)
        if not facts:  # the temp folder, build and host name come with the read, then
            reads["facts"] = ("facts.get", {})
        got = _run(client, list(reads.values()))
        if "facts" in reads:
            facts = got[list(reads).index("facts")]
        seen = observe(spec, list(reads), got)
        sha = spec.checksum or local_sha or seen.binary_sha256
        if host_file and spec.checksum and seen.binary_sha256 not in (None, spec.checksum):
            raise ValueError(f"binary {spec.binary} has SHA-256 {seen.binary_sha256}, not the "
                             f"checksum {spec.checksum}")
        build = int(str((facts.get("os") or {}).get("build") or 20348))
        if spec.control_only:
            plan = service_plan.plan_control(spec, seen)
        else:
            plan = service_plan.plan_service(
                spec, seen, sha256=sha, hostname=facts.get("hostname"), os_build=build,
                staged=_PENDING if spec.src else None, winsw_sha=winsw_sha,
                winsw_staged=_PENDING if spec.winsw_src else None)
        result: dict[str, Any] = {
            "changed": plan.changed, "name": spec.name, "mode": spec.mode,
            "changes": plan.changes, "release": plan.release,
            "previous_release": plan.record.previous if plan.record else None,
            "releases": [r["name"] for r in plan.record.releases] if plan.record else [],
            "rolled_back": False, "health": None, "round_trips": client.round_trips,
        }
        if self.diff_mode:
            result["diff"] = {"before": plan.before, "after": plan.after}
        if not plan.changed or self.check_mode:
            result["status"] = seen.service.get("state") if seen.exists else "absent"
            result["warnings"] = warnings
            return result

        # Controller files are copied only now that the plan says they are needed.
        pushes = [args for _op, args in plan.stage + plan.apply if args.get("src") == _PENDING]
        if pushes:
            staged = winsw_staged = None
            if spec.src and plan.new_release:
                staged = controller_files.staging_path(facts, spec.exe_name or "program.exe")
                controller_files.push(self._connection, spec.src, staged)
            if spec.winsw_src and any(a.get("dest", "").lower().endswith(".exe") and
                                      a.get("replace") for a in pushes):
                winsw_staged = controller_files.staging_path(facts, "WinSW.exe")
                controller_files.push(self._connection, spec.winsw_src, winsw_staged)
            plan = service_plan.plan_service(
                spec, seen, sha256=sha, staged=staged, hostname=facts.get("hostname"),
                os_build=build, winsw_sha=winsw_sha, winsw_staged=winsw_staged)
        # The staged release rides in the apply batch (ops stop at the first failure, so a
        # failed transfer changes nothing), unless its signature must be checked first.
        stage = plan.stage
        if stage and spec.require_signature:
            stage = []
            problem = signature_problem(spec, _run(client, plan.stage)[-1])
            if problem:
                _run(client, [("file.remove", {"path": service_release.release_dir(
                    spec.root or "", plan.release or "")})])
                result.update(failed=True, changed=False, round_trips=client.round_trips,
                              msg=f"{problem}; release {plan.release} was removed and "
                                  "the service was not changed")
                return result
        applied = _run(client, stage + plan.apply + ([service_plan.probe_op(spec)]
                                                     if plan.probe else []))[len(stage):]
        result["status"] = self._status(applied, seen)
        if plan.probe:
            health = applied[-1]
            result["health"] = health
            self._after_probe(spec, plan, seen, health, client, result)
        result["round_trips"] = client.round_trips
        result["warnings"] = warnings
        return result

    def _after_probe(self, spec: service_spec.ServiceSpec, plan: service_plan.Plan,
                     seen: Any, health: dict[str, Any], client: AgentClient,
                     result: dict[str, Any]) -> None:
        """Keep a healthy release; roll an unhealthy one back when there is a way back."""
        if plan.record is None:  # only started: there is no release to go back to
            if not health.get("ok"):
                result.update(failed=True, msg=f"service {spec.name} failed its health check "
                                               f"({health.get('error') or 'no detail'})")
            return
        previous = plan.record.previous
        decision = service_release.rollback_decision(
            plan.release or "", previous, None,
            {"healthy": bool(health.get("ok")), "detail": health.get("error") or ""},
            rollback=spec.rollback)
        if decision.action == "rollback" and previous and plan.record:
            was_running = seen.service.get("state") == "running"
            ops = service_plan.rollback_ops(spec, plan.record, previous, start=was_running)[0]
            undone = _run(client, ops)
            result.update(rolled_back=True, release=previous, previous_release=plan.release,
                          status=self._status(undone, seen),
                          rollback_health=undone[-1] if was_running and spec.health_check
                          else None)
        if decision.failed:
            result.update(failed=True, msg=decision.message, rollback_reason=decision.message
                          if decision.rolled_back else None)

    @staticmethod
    def _status(applied: list[dict[str, Any]], seen: Any) -> str | None:
        """The service's state after the batch: the last start or stop, else as it was."""
        for item in reversed(applied):
            if item.get("op") == "service.control":
                return item.get("after")
            if item.get("op") == "service.create":
                return "stopped"
        return seen.service.get("state")
