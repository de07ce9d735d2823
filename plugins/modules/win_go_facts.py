#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_go_facts
short_description: Gather Windows host and Go toolchain facts in one round trip
version_added: 0.1.0
description:
  - Reads, in a single agent round trip, what the other modules and roles of
    this collection need to know about a Windows Server host, namely the operating
    system, Windows PowerShell version, architecture, pending reboot, the
    machine and user Go environment, the Go C(bin) directories on C(PATH), and
    the Go toolchains it can recognise.
  - Use it in place of C(gather_facts); it changes nothing and runs the same
    in check mode.
  - Variables whose values are reported are those documented by
    C(go help environment), C(CGO_*), and the C compilers (C(CC), C(CXX)).
    Other names that start with C(GO) (a typo such as C(GOPROXI), or another
    product's variable that may hold a secret) are reported by name only.
  - A toolchain is recognised from a C(go.exe) found on the machine or user
    C(PATH), and from the official MSI's default location
    C(C:\Program Files\Go); its version is read from its C(VERSION) file, so
    nothing is executed.
  - The toolchains M(winops.golang.win_go_install) installed in its default
    machine root C(C:\Program Files\GoToolchains) are read from its record
    C(toolchains.json) and reported as C(managed_toolchains).
options: {}
attributes:
  check_mode:
    support: full
    description: Reads only; the same in check mode.
  diff_mode:
    support: none
    description: Returns no diff.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025.
notes:
  - The facts are returned under C(ansible_facts.winops_go), so later tasks
    read them as C(winops_go).
seealso:
  - name: Agent protocol
    description: The primitive operations this module runs.
    link: https://github.com/winops/golang/blob/main/docs/agent-protocol.md
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Gather Go facts
  winops.golang.win_go_facts:

- name: Show the Go a new shell runs
  ansible.builtin.debug:
    msg: "{{ winops_go.toolchains | selectattr('first_on_path') | map(attribute='version') | first | default('none') }}"

- name: Stop when a reboot is pending
  ansible.builtin.assert:
    that: not winops_go.reboot_pending.pending
    fail_msg: "Reboot pending: {{ winops_go.reboot_pending.reasons | join(', ') }}"
"""

RETURN = r"""
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: dict
  contains:
    winops_go:
      description: Host and Go facts.
      returned: always
      type: dict
      contains:
        os:
          description: Operating system.
          type: dict
          returned: always
          sample:
            caption: Microsoft Windows Server 2022 Datacenter
            version: 10.0.20348
            build: 20348
            ubr: 2849
            edition: ServerDatacenter
            display_version: 21H2
            installation_type: Server
        powershell_version:
          description: Windows PowerShell version.
          type: str
          returned: always
          sample: 5.1.20348.2849
        architecture:
          description: Processor architecture of the OS (C(AMD64), C(ARM64) or C(x86)).
          type: str
          returned: always
          sample: AMD64
        reboot_pending:
          description: Whether a reboot is pending, and which signals say so.
          type: dict
          returned: always
          sample: {pending: true, reasons: [PendingFileRenameOperations]}
        hostname:
          description: Computer name.
          type: str
          returned: always
          sample: WIN-BUILD-01
        domain:
          description: DNS domain, or the workgroup name when not joined.
          type: str
          returned: always
          sample: corp.example.com
        domain_joined:
          description: Whether the host is joined to a domain.
          type: bool
          returned: always
        user:
          description: The connecting account and its profile folders.
          type: dict
          returned: always
          sample:
            name: Administrator
            domain: WIN-BUILD-01
            profile: C:\Users\Administrator
            appdata: C:\Users\Administrator\AppData\Roaming
            localappdata: C:\Users\Administrator\AppData\Local
        dirs:
          description: System folders.
          type: dict
          returned: always
          sample:
            program_files: C:\Program Files
            program_data: C:\ProgramData
            system_root: C:\Windows
            temp: C:\Windows\TEMP
        environment:
          description:
            - Go-related variables of the machine and of the connecting user,
              as stored (C(%VAR%) references not expanded).
          type: dict
          returned: always
          sample: {machine: {GOPROXY: "https://proxy.golang.org,direct"}, user: {GOPATH: "%USERPROFILE%\\go"}}
        unknown_go_names:
          description: Names starting with C(GO) that Go does not know, per scope; values withheld.
          type: dict
          returned: always
          sample: {machine: [GOPROXI], user: []}
        path_go_bins:
          description: The C(PATH) entries holding a C(go.exe), machine C(PATH) first, in search order.
          type: list
          elements: dict
          returned: always
          sample: [{entry: "C:\\Program Files\\Go\\bin", dir: "C:\\Program Files\\Go\\bin", scope: machine}]
        toolchains:
          description:
            - Go toolchains found, one per GOROOT. C(source) is C(msi) for the
              official installer's location, C(path) otherwise.
              C(first_on_path) marks the one a new shell runs.
          type: list
          elements: dict
          returned: always
          sample:
            - version: 1.22.5
              goroot: C:\Program Files\Go
              go_exe: C:\Program Files\Go\bin\go.exe
              source: msi
              on_path: true
              path_scope: machine
              first_on_path: true
        managed_toolchains:
          description:
            - The toolchains M(winops.golang.win_go_install) recorded in
              C(C:\Program Files\GoToolchains\toolchains.json), oldest first;
              C(active) marks the one the C(current) junction points to.
            - Empty when there is no record (or it cannot be read).
          type: list
          elements: dict
          returned: always
          sample:
            - version: 1.22.5
              path: C:\Program Files\GoToolchains\go1.22.5
              sha256: 2cb8f7f6b0e8b1c5d06e7c2b6b4aa3d2c1b7a47f3d8b8f4a9d5b2c6e1f0a9b8c
              active: true
"""
