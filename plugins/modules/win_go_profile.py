#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_go_profile
short_description: Add Go tab completion and Use-GoVersion to a Windows PowerShell profile
version_added: 0.1.0
description:
  - Keeps one marked block (C(# >>> winops.golang >>>) ... C(# <<< winops.golang <<<),
    with a version and hash line) in a Windows PowerShell 5.1 profile.
  - The block can hold an argument completer for C(go) (subcommands, the verbs
    of C(go mod), C(go work) and C(go telemetry), and the common flags of the
    subcommand being completed) and a C(Use-GoVersion) function that switches
    the current session to a toolchain installed by
    M(winops.golang.win_go_install) under O(install_root)
    (C(Use-GoVersion 1.22.5) puts C(<root>\go1.22.5\bin) first on the
    session's C(PATH) and removes the other C(<root>\...\bin) entries;
    C(Use-GoVersion -List) lists the installed versions). Only the process
    C(PATH) changes, never the machine or user C(PATH).
  - Everything outside the markers is kept byte for byte, with the file's
    encoding (a UTF-8 or UTF-16 byte order mark is kept; a file without one
    is kept in its code page, the block being plain ASCII) and line endings.
    A new file is written as UTF-8 with a byte order mark and CRLF line
    endings, because Windows PowerShell 5.1 reads a file without one in the
    ANSI code page.
  - A profile with a second begin or end marker, or a marker without its
    partner, is refused with an error and left unchanged. A block edited by
    hand is replaced, with a warning.
  - "Round trips: one agent round trip (the profile is read) when nothing
    changes, two when the file is written (with C(file.write)
    compare-and-set on the content read, so a concurrent edit is never
    overwritten). Without the C(winops_go) facts of
    M(winops.golang.win_go_facts) the facts are read in the same batch;
    only a host whose folders were relocated from Windows' defaults costs
    one more read."
options:
  scope:
    description:
      - C(all_users) edits the all users, all hosts profile of Windows PowerShell,
        C($PSHOME\profile.ps1) (C(C:\Windows\System32\WindowsPowerShell\v1.0\profile.ps1)).
      - C(user) edits the current user, all hosts profile of O(user),
        C(<profile folder>\Documents\WindowsPowerShell\profile.ps1).
      - Ignored when O(path) is given.
    type: str
    choices: [all_users, user]
    default: all_users
  user:
    description:
      - The account whose profile to edit with O(scope=user); defaults to the connecting account.
      - Another account's profile folder is taken to be next to the connecting
        account's (C(C:\Users\<user>)); give O(path) when it is not, or when
        the account's C(Documents) folder is redirected (OneDrive, a file share).
    type: str
  path:
    description:
      - The profile file to edit, an absolute C(.ps1) path. Overrides O(scope) and O(user).
    type: str
  install_root:
    description:
      - The install root of M(winops.golang.win_go_install) that
        C(Use-GoVersion) looks in by default (it also takes C(-InstallRoot)).
      - Defaults to C(<ProgramFiles>\GoToolchains).
    type: str
  completer:
    description:
      - Include the tab completer for C(go).
    type: bool
    default: true
  use_go_version:
    description:
      - Include the C(Use-GoVersion) function (and tab completion of its versions).
    type: bool
    default: true
  state:
    description:
      - C(present) adds the block, or replaces it when it differs.
      - C(absent) removes the block and nothing else; the file stays, even when empty.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the profile in one round trip and reports what would change; nothing is written.
  diff_mode:
    support: full
    description: Shows the profile's text before and after.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025 (Windows PowerShell 5.1 profiles).
notes:
  - The block runs in every Windows PowerShell session that loads the profile
    (C(-NoProfile) skips it). PowerShell 7 reads other profile files.
  - Profiles run only when the execution policy allows local scripts
    (C(RemoteSigned), the Windows Server default, does).
  - Editing the all users profile needs administrative rights.
  - Profiles larger than 1 MiB are refused.
seealso:
  - module: winops.golang.win_go_install
  - module: winops.golang.win_go_facts
  - name: about_Profiles
    description: Where Windows PowerShell looks for profiles.
    link: https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_profiles?view=powershell-5.1
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Go completion and Use-GoVersion for every user
  winops.golang.win_go_profile:

- name: Only the completer, in the connecting user's profile
  winops.golang.win_go_profile:
    scope: user
    use_go_version: false

- name: A build account whose Documents folder is redirected
  winops.golang.win_go_profile:
    path: D:\Home\builder\Documents\WindowsPowerShell\profile.ps1
    install_root: D:\GoToolchains

- name: Remove the block again
  winops.golang.win_go_profile:
    state: absent
"""

RETURN = r"""
path:
  description: The profile file.
  returned: always
  type: str
  sample: C:\Windows\System32\WindowsPowerShell\v1.0\profile.ps1
install_root:
  description: The install root baked into C(Use-GoVersion) (null with O(state=absent)).
  returned: always
  type: str
  sample: C:\Program Files\GoToolchains
state:
  description: The state asked for.
  returned: always
  type: str
  sample: present
created:
  description: Whether the file did not exist and is (or, in check mode, would be) created.
  returned: always
  type: bool
  sample: false
encoding:
  description:
    - The file's encoding, kept as found; C(utf-8-bom) for a new or empty file.
      C(no-bom) is a file without a byte order mark (read by Windows PowerShell in
      the ANSI code page), C(utf-16le) and C(utf-16be) files have one.
  returned: always
  type: str
  sample: utf-8-bom
line_endings:
  description: The line endings the block is written with (C(crlf) or C(lf)), those of the file.
  returned: always
  type: str
  sample: crlf
block_found:
  description: Whether the file held a winops.golang block before the task.
  returned: always
  type: bool
  sample: true
block_edited:
  description: Whether that block had been edited by hand (its hash line no longer matched).
  returned: always
  type: bool
  sample: false
sha256:
  description: The SHA-256 of the file after the task (null when there is no file).
  returned: always
  type: str
  sample: 5f0c7ab6d2a1e4b7c9d3f2a1b0c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2
"""
