"""Action plugin of winops.golang.win_go_baseline: one read batch, at most one fix batch.

Every enabled control names its reads; they all go in one batch (keys
``<control>:<key>``). Each control judges its results; in ``enforce`` mode the
fix ops of every non-compliant enforce-mode control go in one second batch
(not in check mode). A compliant host costs one round trip.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail

from ansible_collections.winops.golang.plugins.module_utils import baseline, baseline_catalog
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    AgentError,
    Batch,
)
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction

_LIST: dict[str, Any] = {"type": "list", "elements": "str", "default": []}


def _run(client: AgentClient, ops: list[baseline.Op]) -> list[dict[str, Any]]:
    batch = Batch()
    for op, args in ops:
        batch.add(op, **args)
    return client.run(batch, check_mode=False).results


def _lines(finding: baseline.Finding) -> str:
    """A control's state as diff lines: status and message, then one line per evidence item."""
    out = f"{finding.control}: {finding.status}: {finding.message}\n"
    for item in finding.evidence:
        out += "  " + ", ".join(f"{k}={v}" for k, v in item.items()) + "\n"
    return out


def connection_warning(task_vars: dict[str, Any]) -> str | None:
    """A warning when enforcing the WinRM control could cut this play's own connection."""
    transport = str(task_vars.get("ansible_winrm_transport") or "").lower()
    psrp_auth = str(task_vars.get("ansible_psrp_auth") or "").lower()
    if "basic" in transport or psrp_auth == "basic":
        return ("the winrm control is enforced while this host is reached with Basic "
                "authentication; the connection may stop working once it is put right")
    return None


class ActionModule(AgentAction):
    """Validate on the controller, read every control's state once, fix in one batch."""

    ARGUMENT_SPEC: dict[str, Any] = {
        "mode": {"type": "str", "default": "audit", "choices": list(baseline.MODES)},
        "controls": {"type": "dict", "default": {}},
        "toolchain_root": {"type": "str"},
        "workspace_directories": dict(_LIST),
        "workspace_accounts": dict(_LIST),
        "go_binaries": dict(_LIST),
        "mandatory_aslr": {"type": "bool", "default": False},
        "signature_paths": dict(_LIST),
        "allowed_signers": dict(_LIST),
        "services": dict(_LIST),
        "enforce_service_accounts": {"type": "bool", "default": False},
        "logon_right_accounts": dict(_LIST),
        "defender_go_exclusion": {"type": "bool", "default": False},
        "fail_on_non_compliant": {"type": "bool", "default": False},
    }

    def execute(self, args: dict[str, Any], client: AgentClient,
                task_vars: dict[str, Any]) -> dict[str, Any]:
        # 1. Bad input fails here, before any round trip.
        params = baseline_catalog.build_params(args)
        selected = baseline_catalog.select(args["mode"], args["controls"])
        warnings: list[str] = []

        # 2. One batch reads what every enabled control needs.
        reads = baseline_catalog.read_ops(selected, params)
        got = _run(client, list(reads.values())) if reads else []
        by_control = baseline_catalog.split_results(list(reads), got)

        # 3. Judge; gather the fixes of the enforce-mode controls.
        evaluations: list[tuple[baseline_catalog.Selected, baseline.Evaluation]] = []
        fixes: dict[str, list[baseline.Op]] = {}
        for item in selected:
            control = item.control
            try:
                evaluation = control.evaluate(params, by_control.get(control.id, {}))
            except (KeyError, TypeError, ValueError) as err:
                raise AnsibleActionFail(f"control {control.id} could not judge what the host "
                                        f"returned: {err}") from err
            evaluations.append((item, evaluation))
            if (item.mode == "enforce" and evaluation.status == baseline.NON_COMPLIANT
                    and evaluation.fix):
                fixes[control.id] = list(evaluation.fix)
                if control.id == "winrm":
                    warning = connection_warning(task_vars)
                    if warning:
                        warnings.append(warning)

        # 4. One fix batch (nothing is written in check mode). When an op fails, the
        #    findings still say what the ops before it put right.
        fixed: set[str] = set()
        failure: AgentError | None = None
        owners: list[str] = []
        if fixes and self.check_mode:
            fixed = set(fixes)
        elif fixes:
            ops = [op for control_ops in fixes.values() for op in control_ops]
            owners = [cid for cid, control_ops in fixes.items() for _op in control_ops]
            try:
                done = _run(client, ops)
            except AgentError as err:
                failure, done = err, list(err.applied)
            fixed = {cid for cid, result in zip(owners[:len(done)], done, strict=True)
                     if result.get("changed")}

        # 5. Report, in catalogue order.
        findings = [baseline.finding(item.control, item.mode, evaluation,
                                     item.control.id in fixed)
                    for item, evaluation in evaluations]
        summary = {status: sum(1 for f in findings if f.status == status)
                   for status in (baseline.COMPLIANT, baseline.CHANGED, baseline.NON_COMPLIANT,
                                  baseline.NOT_APPLICABLE)}
        result: dict[str, Any] = {
            "changed": bool(fixed),
            "findings": [f.as_dict() for f in findings],
            "summary": summary,
            "round_trips": client.round_trips,
        }
        if self.diff_mode:
            before = after = ""
            for finding, (item, evaluation) in zip(findings, evaluations, strict=True):
                was = baseline.finding(item.control, item.mode, evaluation, False)
                before += _lines(was)
                after += (f"{finding.control}: compliant (put right)\n"
                          if finding.status == baseline.CHANGED else _lines(was))
            result["diff"] = {"before": before, "after": after}
        if warnings:
            result["warnings"] = warnings
        if failure is not None:
            index = failure.index if failure.index is not None else len(owners)
            which = f"control {owners[index]}: " if index < len(owners) else ""
            result.update(failed=True, error_code=failure.code,
                          msg=f"{which}{failure.describe()}")
        elif args["fail_on_non_compliant"] and summary[baseline.NON_COMPLIANT]:
            names = [f.control for f in findings if f.status == baseline.NON_COMPLIANT]
            result.update(failed=True, msg=f"{len(names)} control(s) not compliant: "
                                           f"{', '.join(names)}")
        return result
