"""Baseline controls read from the registry: PowerShell execution policy and WinRM.

Part of the pure logic of ``winops.golang.win_go_baseline`` (see :mod:`baseline`).
Both controls know that Group Policy wins over a local setting: when a policy
value decides, the finding reports the policy and where it comes from, and
enforce mode writes nothing, because a local value would change nothing.

Execution policy (``about_Execution_Policies``, ``about_Group_Policy_Settings``):
PowerShell takes the first scope that defines a policy, in the order
MachinePolicy, UserPolicy, Process, CurrentUser, LocalMachine. The two policy
scopes are the "Turn on Script Execution" setting, stored as ``EnableScripts``
(DWORD: 0 = disabled, which is ``Restricted``; 1 = enabled) and
``ExecutionPolicy`` (``AllSigned``, ``RemoteSigned`` or ``Unrestricted``) under
``Software\\Policies\\Microsoft\\Windows\\PowerShell`` of HKLM (computer) and
HKCU (user). ``Set-ExecutionPolicy -Scope LocalMachine`` writes ``ExecutionPolicy``
under ``HKLM:\\SOFTWARE\\Microsoft\\PowerShell\\1\\ShellIds\\Microsoft.PowerShell``.

WinRM service (WindowsRemoteManagement.admx): "Allow Basic authentication" and
"Allow unencrypted traffic" are ``AllowBasic`` and ``AllowUnencryptedTraffic``
(DWORD) under ``Software\\Policies\\Microsoft\\Windows\\WinRM\\Service``; the
local configuration (``winrm set winrm/config/service``) stores ``auth_basic``
and ``allow_unencrypted`` under ``SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WSMAN\\Service``.
Both are off when nothing sets them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils.baseline import (
    COMPLIANT,
    NON_COMPLIANT,
    Evaluation,
    Op,
)

# -- execution policy -----------------------------------------------------------------

WANTED_POLICY = "RemoteSigned"
POLICY_SUBKEY = "SOFTWARE\\Policies\\Microsoft\\Windows\\PowerShell"
MACHINE_POLICY_KEY = "HKLM:\\" + POLICY_SUBKEY
USER_POLICY_KEY = "HKCU:\\" + POLICY_SUBKEY
LOCAL_MACHINE_KEY = "HKLM:\\SOFTWARE\\Microsoft\\PowerShell\\1\\ShellIds\\Microsoft.PowerShell"
POLICY_VALUE = "ExecutionPolicy"
ENABLE_SCRIPTS = "EnableScripts"
UNDEFINED = "Undefined"
# The policy names PowerShell knows, in the spelling it reports them.
POLICIES = ("Restricted", "AllSigned", "RemoteSigned", "Unrestricted", "Bypass", "Undefined")


def _value(values: Mapping[str, Any] | None, name: str) -> Any:
    """A value of a ``reg.get`` key listing by name, case-insensitively (None: absent)."""
    for stored, data in (values or {}).items():
        if stored.lower() == name.lower() and isinstance(data, Mapping):
            return data.get("value")
    return None


def _dword(value: Any) -> int | None:
    """A DWORD read back as an int (None: absent or not a number)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def policy_name(text: Any) -> str:
    """A policy value in PowerShell's spelling (unknown text is returned as stored)."""
    if not isinstance(text, str) or not text.strip():
        return UNDEFINED
    return next((p for p in POLICIES if p.lower() == text.strip().lower()), text.strip())


def group_policy(values: Mapping[str, Any] | None) -> str | None:
    """The execution policy a "Turn on Script Execution" key sets, or None when it sets none.

    ``EnableScripts`` 0 is the setting disabled (``Restricted``); 1 is enabled with the
    policy in ``ExecutionPolicy``; anything else, or no value, leaves the decision to
    the next scope, as PowerShell does.
    """
    enable = _dword(_value(values, ENABLE_SCRIPTS))
    if enable == 0:
        return "Restricted"
    if enable == 1:
        chosen = _value(values, POLICY_VALUE)
        return policy_name(chosen) if isinstance(chosen, str) and chosen.strip() else None
    return None


@dataclass(frozen=True)
class ExecutionPolicyControl:
    """PowerShell execution policy RemoteSigned at LocalMachine, unless Group Policy decides."""

    id: str = "execution_policy"
    title: str = "PowerShell execution policy is RemoteSigned"
    source: str = ("Microsoft about_Execution_Policies and about_Group_Policy_Settings "
                   "(Turn on Script Execution)")

    def reads(self, params: Mapping[str, Any]) -> dict[str, Op]:
        """Both Group Policy keys and the LocalMachine value."""
        return {
            "machine_policy": ("reg.get", {"path": MACHINE_POLICY_KEY}),
            "user_policy": ("reg.get", {"path": USER_POLICY_KEY}),
            "local_machine": ("reg.get", {"path": LOCAL_MACHINE_KEY, "name": POLICY_VALUE}),
        }

    def evaluate(self, params: Mapping[str, Any],
                 results: Mapping[str, dict[str, Any]]) -> Evaluation:
        """The first scope that defines a policy decides; only LocalMachine is fixed here."""
        local = results["local_machine"]
        local_raw = local.get("value") if local.get("exists") else None
        local_policy = policy_name(local_raw)
        scopes = [
            ("MachinePolicy", f"{MACHINE_POLICY_KEY}\\{ENABLE_SCRIPTS}, {POLICY_VALUE}",
             group_policy(results["machine_policy"].get("values"))),
            ("UserPolicy", f"{USER_POLICY_KEY}\\{ENABLE_SCRIPTS}, {POLICY_VALUE}",
             group_policy(results["user_policy"].get("values"))),
        ]
        evidence: list[dict[str, Any]] = []
        decided = next(((s, p) for s, _where, p in scopes if p), None)
        for scope, where, policy in scopes:
            if policy:
                evidence.append({"scope": scope, "policy": policy, "registry": where,
                                 "effective": decided is not None and decided[0] == scope})
        evidence.append({"scope": "LocalMachine", "policy": local_policy,
                         "registry": f"{LOCAL_MACHINE_KEY}\\{POLICY_VALUE}",
                         "effective": decided is None})
        if decided:
            scope, policy = decided
            text = f"the execution policy is set by Group Policy at {scope} and is {policy}"
            if policy == WANTED_POLICY:
                return Evaluation(COMPLIANT, evidence, [], text)
            return Evaluation(NON_COMPLIANT, evidence, [],
                              f"{text}, not {WANTED_POLICY}; the LocalMachine value does not "
                              "apply while it does, so change the Group Policy object")
        if local_policy == WANTED_POLICY:
            return Evaluation(COMPLIANT, evidence, [],
                              f"the execution policy is {WANTED_POLICY} at LocalMachine")
        expected = ({"type": local.get("type"), "value": local_raw}
                    if local.get("exists") else None)
        fix: list[Op] = [("reg.set", {"path": LOCAL_MACHINE_KEY, "name": POLICY_VALUE,
                                      "type": "REG_SZ", "value": WANTED_POLICY,
                                      "expected": expected})]
        shown = local_policy if local.get("exists") else f"{UNDEFINED} (not set)"
        return Evaluation(NON_COMPLIANT, evidence, fix,
                          f"the execution policy at LocalMachine is {shown}, not {WANTED_POLICY}")


# -- WinRM ----------------------------------------------------------------------------

WINRM_POLICY_KEY = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service"
WINRM_LOCAL_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WSMAN\\Service"


@dataclass(frozen=True)
class WinrmSetting:
    """One WinRM service setting: its local value name and its policy value name."""

    key: str
    what: str
    local: str
    policy: str


WINRM_SETTINGS = (
    WinrmSetting("basic", "Basic authentication", "auth_basic", "AllowBasic"),
    WinrmSetting("unencrypted", "unencrypted traffic", "allow_unencrypted",
                 "AllowUnencryptedTraffic"),
)


@dataclass(frozen=True)
class WinrmControl:
    """The WinRM service accepts neither Basic authentication nor unencrypted traffic."""

    id: str = "winrm"
    title: str = "WinRM refuses Basic authentication and unencrypted traffic"
    source: str = ("CIS Microsoft Windows Server benchmark and DISA STIG (WinRM Service: "
                   "Allow Basic authentication and Allow unencrypted traffic disabled); "
                   "Microsoft WindowsRemoteManagement.admx")

    def reads(self, params: Mapping[str, Any]) -> dict[str, Op]:
        """The policy key and the local configuration key, every value of each."""
        return {"policy": ("reg.get", {"path": WINRM_POLICY_KEY}),
                "local": ("reg.get", {"path": WINRM_LOCAL_KEY})}

    def evaluate(self, params: Mapping[str, Any],
                 results: Mapping[str, dict[str, Any]]) -> Evaluation:
        """A policy value decides a setting; otherwise the local value (absent: off)."""
        policy_values = results["policy"].get("values") or {}
        local_values = results["local"].get("values") or {}
        evidence: list[dict[str, Any]] = []
        fix: list[Op] = []
        by_policy: list[str] = []
        local_on: list[str] = []
        for setting in WINRM_SETTINGS:
            policy = _dword(_value(policy_values, setting.policy))
            local = _dword(_value(local_values, setting.local))
            if policy is not None:
                source, allowed = "group_policy", policy != 0
                where = f"{WINRM_POLICY_KEY}\\{setting.policy}"
            elif local is not None:
                source, allowed = "local", local != 0
                where = f"{WINRM_LOCAL_KEY}\\{setting.local}"
            else:
                source, allowed, where = "default", False, None
            if not allowed:
                continue
            evidence.append({"setting": setting.key, "what": setting.what, "allowed": True,
                             "source": source, "registry": where, "policy_value": policy,
                             "local_value": local})
            if source == "group_policy":
                by_policy.append(setting.what)
            else:
                local_on.append(setting.what)
                fix.append(("reg.set", {"path": WINRM_LOCAL_KEY, "name": setting.local,
                                        "type": "REG_DWORD", "value": 0,
                                        "expected": {"type": "REG_DWORD", "value": local}}))
        if not evidence:
            return Evaluation(COMPLIANT, [], [], "the WinRM service accepts neither Basic "
                                                 "authentication nor unencrypted traffic")
        parts = []
        if local_on:
            parts.append(f"the WinRM service accepts {' and '.join(local_on)} (local setting)")
        if by_policy:
            parts.append(f"Group Policy makes the WinRM service accept {' and '.join(by_policy)}"
                         "; change the Group Policy object")
        return Evaluation(NON_COMPLIANT, evidence, fix, "; ".join(parts))


EXECUTION_POLICY = ExecutionPolicyControl()
WINRM = WinrmControl()
