#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: winops_agent
short_description: Run a batch of primitive host operations (internal executor)
version_added: 0.1.0
description:
  - The collection's internal executor. Its action plugins (for example
    M(winops.golang.win_go_facts)) send it one batch of primitive operations
    per round trip; it runs them in order on the Windows host and returns
    one JSON document with the result of each.
  - A primitive knows nothing about Go. It reads state, or compares-and-sets
    one piece of state (an environment variable, a registry value, a file, a
    junction, a download, an archive extraction, a program run) and reports
    C(before), C(after) and C(changed). Long or risky work is staged and
    verified, then moved into place, so a failed operation leaves the old
    state.
  - The first operation that fails stops the batch. The module itself still
    succeeds; the failure is reported in RV(failed_op) with one of the error
    codes of the protocol.
  - The operations, their arguments and results, and the error codes are
    specified in C(docs/agent-protocol.md). Playbooks should use the public
    modules of this collection, not this one.
  - Runs on Windows PowerShell 5.1 (Windows Server 2016 and later).
options:
  ops:
    description:
      - The operations to run, in order. Each is a dictionary with C(op), the
        operation name (for example C(env.set) or C(file.download)), and
        C(args), a dictionary of its arguments.
    type: list
    elements: dict
    required: true
  check_mode:
    description:
      - Compute every result without changing the host. Write operations
        report what they would do; only C(exec) operations marked
        C(read_only) run.
      - The task's own check mode has the same effect.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Write operations compute their results and write nothing.
  diff_mode:
    support: none
    description: Results carry C(before) and C(after) instead of a diff.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025 with Windows PowerShell 5.1.
notes:
  - Arguments are not echoed back in C(invocation) beyond the operation names,
    since batches can carry file content, HTTP headers and environment values.
  - When an C(env.set) or C(env.remove) changed something, the module
    broadcasts C(WM_SETTINGCHANGE) once, at the end of the batch.
seealso:
  - name: Agent protocol
    description: The operations, their arguments and results, and the error codes.
    link: https://github.com/winops/golang/blob/main/docs/agent-protocol.md
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Read the machine PATH and set GOPROXY in one round trip
  winops.golang.winops_agent:
    ops:
      - op: env.get
        args:
          scope: machine
          names: [Path]
      - op: env.set
        args:
          scope: machine
          name: GOPROXY
          value: https://proxy.golang.org,direct

- name: Download a Go release and check its SHA-256
  winops.golang.winops_agent:
    ops:
      - op: file.download
        args:
          url: https://go.dev/dl/go1.22.5.windows-amd64.zip
          dest: C:\ProgramData\winops\cache\go1.22.5.windows-amd64.zip
          sha256: "{{ go_zip_sha256 }}"
  register: batch

- name: Fail when an operation of the batch failed
  ansible.builtin.assert:
    that: batch.failed_op is none
    fail_msg: "{{ batch.failed_op.op }} failed [{{ batch.failed_op.code }}]: {{ batch.failed_op.message }}"
"""

RETURN = r"""
changed:
  description: Whether any operation that ran changed something.
  returned: always
  type: bool
  sample: true
results:
  description:
    - One result per operation that ran, in order; ops after a failed one do
      not run and have no result.
    - Each has C(op), the operation name, C(changed), and the fields the
      protocol defines for that operation (for example C(before) and C(after)).
  returned: always
  type: list
  elements: dict
  sample:
    - op: env.get
      changed: false
      vars: {Path: {value: "%SystemRoot%\\system32;%SystemRoot%", type: REG_EXPAND_SZ}}
    - op: env.set
      changed: true
      before: null
      after: {value: direct, type: REG_SZ}
failed_op:
  description:
    - The operation that failed and stopped the batch, or C(null) when every
      operation succeeded.
    - C(index) is its 0-based position in O(ops); C(code) is one of
      C(invalid_argument), C(not_found), C(access_denied), C(exists),
      C(conflict), C(in_use), C(disk_full), C(too_long), C(checksum_mismatch),
      C(download_failed), C(timeout) or C(error).
  returned: always
  type: dict
  sample: {index: 1, op: file.move, code: not_found, message: "Could not find 'C:\\cache\\go.zip'."}
  contains:
    index:
      description: Position of the failed operation in O(ops), from 0.
      type: int
    op:
      description: Name of the failed operation.
      type: str
    code:
      description: Error code of the protocol.
      type: str
    message:
      description: What Windows said.
      type: str
broadcast:
  description:
    - Whether C(WM_SETTINGCHANGE) ("Environment") was broadcast, which happens
      once per batch when an environment operation changed something outside
      check mode, even when a later operation failed.
  returned: always
  type: bool
  sample: true
"""
