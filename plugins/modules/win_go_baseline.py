#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_go_baseline
short_description: Audit or enforce the security baseline of a Go host on Windows Server
version_added: 0.1.0
description:
  - Checks the security controls of a host that builds or runs Go programs and
    reports, per control, C(compliant), C(non_compliant), C(not_applicable) or
    C(changed) (put right by this run), with the evidence behind it (the
    offending ACE, the effective policy and the scope that sets it, the setting
    that is on).
  - In O(mode=audit) nothing is written. In O(mode=enforce) the controls that
    can be put right are, and the others are still reported.
  - Every enabled control's reads go to the host in one round trip; the fixes of
    every control in enforce mode go in one more. A compliant host costs one
    round trip and changes nothing.
  - A host that is not compliant is a result, not a failure; the task fails only
    for bad input or an operation the host refused, or with O(fail_on_non_compliant).
  - Controls, by id, in report order.
  - C(execution_policy) - the PowerShell execution policy is C(RemoteSigned) at
    LocalMachine scope (C(HKLM:\SOFTWARE\Microsoft\PowerShell\1\ShellIds\Microsoft.PowerShell),
    value C(ExecutionPolicy)). When the Group Policy setting "Turn on Script
    Execution" decides (MachinePolicy, then UserPolicy; C(EnableScripts) and
    C(ExecutionPolicy) under C(Software\Policies\Microsoft\Windows\PowerShell) of
    HKLM, then HKCU), the finding names that scope and the policy it sets, and
    enforce writes nothing, because the LocalMachine value would not apply.
    Source - Microsoft about_Execution_Policies and about_Group_Policy_Settings.
    Enforce sets the LocalMachine value (compare-and-set).
  - C(toolchain_acl) - the Go install root (O(toolchain_root)) is owned by
    Administrators, does not inherit, gives Administrators and SYSTEM full
    control and Users and Authenticated Users read and execute, and nobody else
    (so not CREATOR OWNER). The whole ACL is compared by SID (owner, protection,
    the explicit ACEs); the evidence lists each offending ACE (explicit, or
    inherited while inheritance is on) and each missing one. A missing root is
    not applicable. Source - NIST SP 800-53 CM-5 and AC-6, and the protection
    Windows gives C(C:\Program Files). Enforce writes the whole ACL in one
    compare-and-set on the ACL read.
  - C(workspace_acl) - each of O(workspace_directories) gives Administrators and
    SYSTEM full control and each of O(workspace_accounts) Modify (resolved on the
    host), nobody else, owned by Administrators and not inheriting, the ACL
    win_go_env and the workspace role write. Compared and reported as
    C(toolchain_acl); directories that do not exist are skipped (not applicable
    when none does), an account the host does not know is non-compliant without
    a fix. Source - NIST SP 800-53 AC-3 and AC-6. Enforce writes each
    directory's whole ACL (compare-and-set).
  - C(process_mitigations) - system-wide DEP and ASLR stay on, and the Go
    programs of O(go_binaries) get no weaker per-image settings (Mandatory ASLR
    too with O(mandatory_aslr), refused for a binary whose PE header lacks
    DYNAMIC_BASE). Source - DISA STIG Windows Server (Exploit Protection),
    Microsoft Exploit protection reference. Enforce writes the per-image settings.
  - C(authenticode) - every C(.exe) of O(signature_paths) (by default each
    installed version's C(bin) and C(pkg\tool\windows_amd64)) has a valid
    Authenticode signature, by one of O(allowed_signers) when given; each
    NotSigned, HashMismatch or NotTrusted file is evidence. Stock Go archives
    are not signed, so a stock install is reported. Source - NIST SP 800-53
    SI-7, CM-14. Audit only.
  - C(service_accounts) - the services of O(services) run as their virtual
    account or a gMSA, and only C(NT SERVICE\ALL SERVICES), those accounts and
    O(logon_right_accounts) hold "Log on as a service". Source - CIS Windows
    Server benchmark (User Rights Assignment). Enforce moves the services to
    their virtual account and revokes other holders only with
    O(enforce_service_accounts).
  - C(winrm) - the WinRM service accepts neither Basic authentication nor
    unencrypted traffic (C(auth_basic) and C(allow_unencrypted) under
    C(HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WSMAN\Service), off when
    absent). The Group Policy values C(AllowBasic) and C(AllowUnencryptedTraffic)
    under C(HKLM:\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service) win when
    set; a setting they turn on is reported with that source and never written.
    Source - CIS Windows Server benchmark and DISA STIG (WinRM Service),
    WindowsRemoteManagement.admx. Audit
    only unless its own O(controls) entry says C(mode=enforce), because turning
    them off can cut a connection that uses them; enforce then writes the local
    values 0 (compare-and-set).
  - C(defender_exclusion) - Microsoft Defender has a C(go.exe) process exclusion
    only when O(defender_go_exclusion) asks for one (faster builds on build
    hosts, at the price of files C(go.exe) opens not being scanned). Source -
    Microsoft, Configure exclusions for files opened by processes. Enforce adds
    or removes the exclusion.
options:
  mode:
    description:
      - C(audit) reports only; C(enforce) also puts right what the controls can fix.
      - The default mode of every control, except C(winrm), which stays in audit
        mode unless O(controls) sets its own.
    type: str
    default: audit
    choices: [audit, enforce]
  controls:
    description:
      - Per-control settings by id (see the description for the ids), each a dict
        with C(enabled) (bool, default true) and C(mode) (C(audit) or C(enforce),
        default O(mode)).
      - An unknown id, key or value fails the task with the list of known ones.
    type: dict
    default: {}
  toolchain_root:
    description:
      - The Go install root that C(toolchain_acl) checks; an absolute Windows path.
      - Defaults to C(C:\Program Files\GoToolchains), win_go_install's machine root.
    type: str
  workspace_directories:
    description:
      - Workspace directories (GOPATH, build and module caches) that C(workspace_acl) checks.
    type: list
    elements: str
    default: []
  workspace_accounts:
    description:
      - Accounts (names as the host knows them, or SIDs) that get Modify on
        O(workspace_directories); resolved on the host in the read round trip.
    type: list
    elements: str
    default: []
  go_binaries:
    description:
      - Go programs (absolute paths on the host) whose per-image process mitigations
        C(process_mitigations) checks.
    type: list
    elements: str
    default: []
  mandatory_aslr:
    description:
      - Have C(process_mitigations) also require Mandatory ASLR for O(go_binaries).
    type: bool
    default: false
  signature_paths:
    description:
      - Directories whose C(*.exe) files C(authenticode) checks.
      - Empty means the C(bin) and C(pkg\tool\windows_amd64) directories of each
        version installed under O(toolchain_root).
    type: list
    elements: str
    default: []
  allowed_signers:
    description:
      - Certificate thumbprints (40 hexadecimal digits) allowed to sign the
        executables C(authenticode) checks; empty means any valid signature.
    type: list
    elements: str
    default: []
  services:
    description:
      - Managed Go services whose accounts C(service_accounts) checks.
    type: list
    elements: str
    default: []
  enforce_service_accounts:
    description:
      - Let C(service_accounts) in enforce mode move those services to their virtual account.
    type: bool
    default: false
  logon_right_accounts:
    description:
      - Accounts that may hold "Log on as a service" besides C(NT SERVICE\ALL SERVICES)
        and the services' own accounts.
    type: list
    elements: str
    default: []
  defender_go_exclusion:
    description:
      - Whether C(defender_exclusion) wants a Microsoft Defender process exclusion
        for go.exe (build hosts) or its absence (default).
    type: bool
    default: false
  fail_on_non_compliant:
    description:
      - Fail the task when a control is still C(non_compliant) after the run (for
        pipelines). The findings are returned all the same.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description:
      - Reads the host once and writes nothing. In enforce mode, the controls that
        would be put right report C(changed) and the task is changed.
  diff_mode:
    support: full
    description: Per control, its status, message and evidence before, and after the fix.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025.
notes:
  - The ACL controls compare SIDs only; names in the evidence are what the host
    translated them to. The order of allow ACEs among themselves does not count
    (Windows' canonical order does not fix it); deny before allow does.
  - Registry values written directly (C(winrm)) are what C(winrm set
    winrm/config/service) stores; Group Policy values are never written.
  - UserPolicy is read for the connecting account (its C(HKCU)); other users'
    policies, and the Process and CurrentUser scopes, are not checked.
  - When a fix operation is refused, the task fails, naming the control, and
    still returns the findings; the controls whose fixes ran before it report
    C(changed).
seealso:
  - module: winops.golang.win_go_install
  - module: winops.golang.win_go_env
  - name: Agent protocol
    description: The primitive operations this module runs (reg.get, reg.set, acl.get, acl.set, acl.resolve).
    link: https://github.com/winops/golang/blob/main/docs/agent-protocol.md
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Audit a host (writes nothing)
  winops.golang.win_go_baseline:
    workspace_directories: ['C:\gopath']
    workspace_accounts: [svc-gobuild]
  register: baseline

- name: Show what is not compliant
  ansible.builtin.debug:
    msg: "{{ baseline.findings | selectattr('status', 'equalto', 'non_compliant') | list }}"

- name: Enforce, but only report on the WinRM settings and skip the workspaces
  winops.golang.win_go_baseline:
    mode: enforce
    toolchain_root: 'D:\GoToolchains'
    controls:
      workspace_acl: {enabled: false}
      winrm: {mode: audit}

- name: Fail a pipeline for a host that is not compliant
  winops.golang.win_go_baseline:
    fail_on_non_compliant: true
"""

RETURN = r"""
findings:
  description:
    - One per enabled control, in catalogue order.
    - C(status) is C(compliant), C(non_compliant), C(not_applicable) or C(changed)
      (put right by this run; in check mode, would be).
    - C(evidence) lists what was seen, per item. ACL controls give C(path),
      C(issue) (C(owner), C(inheritance), C(extra_ace), C(missing_ace), C(order),
      C(unknown_account)) and for an ACE its C(sid), C(name), C(type), C(rights)
      (right names), C(inheritance), C(propagation) and C(inherited).
      C(execution_policy) gives each scope that sets a policy (C(scope), C(policy),
      C(registry), C(effective)); C(winrm) each setting that is on (C(setting),
      C(source) C(local) or C(group_policy), C(registry), C(policy_value), C(local_value)).
  returned: always
  type: list
  elements: dict
  sample:
    - control: execution_policy
      title: PowerShell execution policy is RemoteSigned
      source: Microsoft about_Execution_Policies and about_Group_Policy_Settings (Turn on Script Execution)
      mode: enforce
      status: non_compliant
      message: >-
        the execution policy is set by Group Policy at MachinePolicy and is Unrestricted,
        not RemoteSigned; the LocalMachine value does not apply while it does, so change
        the Group Policy object
      evidence:
        - scope: MachinePolicy
          policy: Unrestricted
          registry: HKLM:\SOFTWARE\Policies\Microsoft\Windows\PowerShell\EnableScripts, ExecutionPolicy
          effective: true
        - scope: LocalMachine
          policy: RemoteSigned
          registry: HKLM:\SOFTWARE\Microsoft\PowerShell\1\ShellIds\Microsoft.PowerShell\ExecutionPolicy
          effective: false
    - control: toolchain_acl
      title: Only Administrators and SYSTEM can write the Go install root
      source: NIST SP 800-53 CM-5 (access restrictions for change), AC-6 (least privilege); the protection Windows gives C:\Program Files
      mode: enforce
      status: changed
      message: "the ACL of C:\\Program Files\\GoToolchains differs from the baseline: 1 offending ACE, 1 missing ACE"
      evidence:
        - path: C:\Program Files\GoToolchains
          issue: missing_ace
          sid: S-1-5-32-545
          name: BUILTIN\Users
          type: allow
          rights: [ReadAndExecute, Synchronize]
          inheritance: [ContainerInherit, ObjectInherit]
          propagation: []
          inherited: false
        - path: C:\Program Files\GoToolchains
          issue: extra_ace
          sid: S-1-5-32-545
          name: BUILTIN\Users
          type: allow
          rights: [Modify, Synchronize]
          inheritance: [ContainerInherit, ObjectInherit]
          propagation: []
          inherited: false
summary:
  description: How many findings have each status.
  returned: always
  type: dict
  sample: {compliant: 2, changed: 1, non_compliant: 1, not_applicable: 0}
round_trips:
  description: Agent round trips this task used (1 for a host with nothing to fix, 2 otherwise).
  returned: always
  type: int
  sample: 1
"""
