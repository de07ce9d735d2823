#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_remote_dev
short_description: Prepare a Windows Server host for remote development (OpenSSH Server, WSL, WSL 2)
version_added: 0.1.0
description:
  - Optionally installs the OpenSSH Server capability, so editors can develop on the host
    over SSH (for example with a remote-SSH extension), sets its C(sshd) service to start
    automatically and starts it.
  - Optionally enables the Windows Subsystem for Linux and the Virtual Machine Platform
    optional features (both are needed for WSL 2).
  - Everything is off by default; an option that is not given is left as it is.
  - Every option is checked on the controller. What the host's Windows Server release
    does not offer (the OpenSSH Server capability on Server 2016, the Virtual Machine
    Platform and so WSL 2 before build 18362, that is on Server 2016 and 2019) fails the
    task before anything is written, with no round trip to the host when the
    C(winops_go) facts of M(winops.golang.win_go_facts) are known.
  - Reads the host in one round trip; when something differs, changes it in a second one.
  - This module never reboots. Enabling or disabling WSL or the Virtual Machine Platform
    completes only at the next boot; the task then returns C(reboot_required=true). Use
    M(ansible.windows.win_reboot).
options:
  openssh_server:
    description:
      - C(present) installs the C(OpenSSH.Server~~~~0.0.1.0) capability (a Feature on
        Demand; Server 2019 and later, preinstalled on Server 2025) and configures its
        C(sshd) service with O(sshd_start_mode). C(absent) stops C(sshd) and removes
        the capability.
      - Omitted, the capability and C(sshd) are left alone.
      - Installing needs Windows Update (or the WSUS server the host uses) unless
        O(source) is given. No restart is needed.
      - The firewall rule C(OpenSSH-Server-In-TCP) that setup creates, and C(sshd_config),
        are not managed here.
    type: str
    choices: [present, absent]
  sshd_start_mode:
    description:
      - Start mode of the C(sshd) service when O(openssh_server=present). C(delayed) is an
        automatic start delayed until after the other automatic services.
      - With C(auto) or C(delayed) the service is also started. C(manual) and C(disabled)
        leave it running or stopped as it is.
    type: str
    default: auto
    choices: [auto, delayed, manual, disabled]
  wsl:
    description:
      - C(present) enables the C(Microsoft-Windows-Subsystem-Linux) optional feature
        (Server 2019 and later); C(absent) disables it. Omitted, it is left alone.
      - Needs a reboot, which is reported, never done.
    type: str
    choices: [present, absent]
  virtual_machine_platform:
    description:
      - C(present) enables the C(VirtualMachinePlatform) optional feature, which WSL 2
        needs besides O(wsl). C(absent) disables it. Omitted, it is left alone.
      - The feature exists from build 18362 (Windows 10 version 1903) on, so on Windows
        Server from 2022 on (WSL 2 there needs the Windows updates of May 2022 or later);
        Server 2016 and 2019 are refused.
      - Needs a reboot, which is reported, never done.
    type: str
    choices: [present, absent]
  source:
    description:
      - A Features on Demand (or side-by-side) source for air-gapped hosts, as a local path
        or UNC share the host can read (C(\\server\share\fod)). It is passed as C(-Source)
        with C(-LimitAccess), so Windows Update is not contacted.
      - Without it, a host that cannot reach Windows Update fails to install the capability
        with DISM error C(0x800f0954); a source that lacks the package fails with
        C(0x800f081f).
    type: str
attributes:
  check_mode:
    support: full
    description: Reads the host once and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: The diff shows each managed feature's state and C(sshd)'s start mode and state.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025 (what each offers is described per option).
notes:
  - On Windows Server 2025 the OpenSSH Server is preinstalled; its C(sshd) service does not
    run until it is turned on (O(openssh_server=present) does that).
  - C(reboot_required) is true while a managed feature waits for a reboot, also when this
    run changed nothing because an earlier run already asked for the change.
seealso:
  - module: ansible.windows.win_reboot
  - module: winops.golang.win_go_facts
  - name: Agent protocol
    description: The primitive operations this module runs (feature.get, feature.set, service.get, service.set, service.control).
    link: https://github.com/winops/golang/blob/main/docs/agent-protocol.md
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: OpenSSH Server for remote-SSH editors, started now and at every boot
  winops.golang.win_remote_dev:
    openssh_server: present

- name: WSL 2 (Windows Server 2022 and later)
  winops.golang.win_remote_dev:
    wsl: present
    virtual_machine_platform: present
  register: remote_dev

- name: Reboot when Windows needs it to finish
  ansible.windows.win_reboot:
  when: remote_dev.reboot_required

- name: Air-gapped host, installing from a Features on Demand share
  winops.golang.win_remote_dev:
    openssh_server: present
    sshd_start_mode: delayed
    source: \\fs01\fod\ws2022

- name: Remove the OpenSSH Server again
  winops.golang.win_remote_dev:
    openssh_server: absent
"""

RETURN = r"""
reboot_required:
  description: Whether a managed feature waits for a reboot to finish its change.
  returned: always
  type: bool
  sample: true
features:
  description:
    - The managed features, by Windows name. C(before) and C(after) are states as DISM
      reports them, C(enabled), C(disabled), C(enable_pending), C(disable_pending),
      C(removed) for optional features, C(installed), C(not_present), C(install_pending),
      C(uninstall_pending) for capabilities, C(unknown) when the host does not offer it.
    - In check mode C(after) is what the change would give.
  returned: always
  type: dict
  sample:
    Microsoft-Windows-Subsystem-Linux:
      option: wsl
      kind: optional_feature
      before: disabled
      after: enable_pending
      changed: true
    OpenSSH.Server~~~~0.0.1.0:
      option: openssh_server
      kind: capability
      before: not_present
      after: installed
      changed: true
sshd:
  description:
    - The C(sshd) service after the task (what it would be, in check mode); null when
      O(openssh_server) is not given.
  returned: always
  type: dict
  sample: {exists: true, start_mode: auto, state: running}
os_build:
  description: The host's Windows build number.
  returned: always
  type: int
  sample: 20348
"""
