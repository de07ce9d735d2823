#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: compliance_report
short_description: Write a fleet compliance or drift report (JSON and one HTML page) on the controller
version_added: 0.1.0
description:
  - Turns the results of M(winops.golang.win_go_baseline) on many hosts into one report
    and writes it on the controller as C(<dest_dir>/<name>.json) and
    C(<dest_dir>/<name>.html).
  - With O(kind=drift) it writes a drift report instead, from the findings the
    P(winops.golang.drift_findings#filter) filter makes of the roles' results in check
    mode (see C(playbooks/drift_report.yml)), one record per host and setting, with the
    statuses C(drifted), C(changed), C(in_sync) and C(not_applicable), and the setting's
    C(before) and C(after) for a drifted one.
  - The JSON file holds one record per host and control (C(host), C(control), C(title),
    C(source), C(mode), C(status), C(message), C(evidence)), the hosts that failed or were
    unreachable with their error, and a summary of counts per status, per control and per
    host. Keys are sorted and hosts, controls and records come in a fixed order, so two
    runs that find the same things write the same file.
  - The HTML file is one self-contained page (inline style and script, nothing loaded
    from elsewhere) with a summary, a legend and a host by control matrix whose cells are
    coloured and labelled by status. Filters by status, by control and by host name hide
    cells and rows; a click on a cell shows the finding's message and evidence. Every
    text is HTML-escaped.
  - Runs on the controller only; it needs no connection to the hosts. Run it once
    (C(run_once)), usually delegated to C(localhost).
  - Each file is written to a temporary file in O(dest_dir) and renamed into place, and
    only when its content changed. O(dest_dir) is created when missing.
options:
  results:
    description:
      - The results to report, by inventory host name. Each value is the result
        registered from M(winops.golang.win_go_baseline) (a dict with C(findings)), its
        list of findings, or a text saying why the host has none.
      - A failed, unreachable or skipped registered result (run with C(ignore_errors) or
        C(ignore_unreachable)) is reported as a failed host with its message.
      - Each finding is a dict with C(control) and C(status) (C(compliant), C(changed),
        C(non_compliant) or C(not_applicable)), and optionally C(title), C(source),
        C(mode), C(message) and C(evidence) (a list of dicts).
      - With O(kind=drift), each value is a host's list of drift findings (dicts with
        C(control), C(status) C(drifted), C(changed), C(in_sync) or C(not_applicable), and
        optionally C(title), C(source), C(message), C(before) and C(after)), or a text
        saying why the host has none.
    type: dict
    required: true
  kind:
    description:
      - The kind of report. C(compliance) reports the controls of the security baseline;
        C(drift) reports, per setting the roles manage, whether it differs from the
        desired state.
      - Each kind has its own statuses; a finding with a status of the other kind is
        refused.
    type: str
    choices: [compliance, drift]
    default: compliance
  dest_dir:
    description:
      - The directory on the controller to write the report into; created when missing.
    type: path
    required: true
  name:
    description:
      - The file name stem of the report; the files are C(<name>.json) and C(<name>.html).
      - Letters, digits, C(.), C(_) and C(-) only.
      - Defaults to C(compliance-report), or C(drift-report) with O(kind=drift).
    type: str
  title:
    description:
      - The title of the HTML page, also stored in the JSON file.
      - Defaults to C(Go security baseline compliance), or C(Go fleet drift) with
        O(kind=drift).
    type: str
  generated_at:
    description:
      - The run time shown under the title and stored in the JSON file.
      - Defaults to the time the task runs (UTC, ISO 8601). Pass a fixed value to get
        C(changed=false) when nothing else changed.
    type: str
attributes:
  check_mode:
    support: full
    description: Reports whether the files would change; writes nothing.
  diff_mode:
    support: none
    description: Returns no diff.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller.
notes:
  - Hosts are sorted in natural order (C(win-2) before C(win-10)), controls by id, and
    records by host then control.
seealso:
  - name: Security baseline role
    description: The controls, their evidence, audit and enforce.
    link: https://github.com/winops/golang/blob/main/docs/roles/security_baseline.md
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Check the baseline of every host (audit)
  winops.golang.win_go_baseline:
    mode: audit
  register: baseline
  ignore_errors: true
  ignore_unreachable: true

- name: Write the fleet report
  winops.golang.compliance_report:
    results: "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars) | map(attribute='baseline', default='no result'))) }}"
    dest_dir: "{{ playbook_dir }}/../reports"
  run_once: true
  delegate_to: localhost

- name: Report hand-made findings under another name
  winops.golang.compliance_report:
    results:
      win-01:
        - control: winrm
          title: WinRM refuses Basic authentication and unencrypted traffic
          status: non_compliant
          message: Basic authentication is enabled
          evidence: [{setting: AllowBasic, value: true}]
      win-02: "unreachable: connection timed out"
    dest_dir: /var/lib/reports
    name: winrm-audit
    title: WinRM audit
  delegate_to: localhost

- name: Write a drift report from the findings of the roles in check mode
  winops.golang.compliance_report:
    kind: drift
    results:
      win-01:
        - control: GOPROXY (machine)
          status: drifted
          source: win_go_env
          message: GOPROXY would be set to 'https://goproxy.corp.example.com,off'
          before: https://proxy.golang.org,direct
          after: https://goproxy.corp.example.com,off
        - control: toolchain go1.23.4
          status: in_sync
          source: win_go_install
      win-02: "unreachable: connection timed out"
    dest_dir: "{{ playbook_dir }}/../reports"
  delegate_to: localhost
"""

RETURN = r"""
json_path:
  description: Absolute path of the JSON report.
  returned: always
  type: str
  sample: /srv/ansible/reports/compliance-report.json
html_path:
  description: Absolute path of the HTML report.
  returned: always
  type: str
  sample: /srv/ansible/reports/compliance-report.html
generated_at:
  description: The run time written into the report.
  returned: always
  type: str
  sample: "2026-11-28T21:00:00Z"
kind:
  description: The kind of report written (O(kind)).
  returned: always
  type: str
  sample: drift
summary:
  description:
    - Counts of the report (the C(summary) of the JSON file).
    - The statuses are those of the kind of report; a drift report counts C(drifted),
      C(changed), C(in_sync) and C(not_applicable).
  returned: always
  type: dict
  contains:
    hosts:
      description: Number of hosts, failed ones included.
      type: int
      returned: always
      sample: 4
    records:
      description: Number of records (host and control pairs).
      type: int
      returned: always
      sample: 21
    by_status:
      description: Records per status.
      type: dict
      returned: always
      sample: {compliant: 15, changed: 0, non_compliant: 4, not_applicable: 2}
    by_control:
      description: Records per status of each control.
      type: dict
      returned: always
      sample: {winrm: {compliant: 2, changed: 0, non_compliant: 1, not_applicable: 0}}
    by_host:
      description: Records per status of each host (all zero for a failed host).
      type: dict
      returned: always
      sample: {win-01: {compliant: 6, changed: 0, non_compliant: 1, not_applicable: 0}}
    failed_hosts:
      description: Hosts that failed or were unreachable, so have no records.
      type: list
      elements: str
      returned: always
      sample: [win-04]
    flagged_hosts:
      description: Hosts with at least one C(non_compliant) record (C(drifted) in a drift
        report).
      type: list
      elements: str
      returned: always
      sample: [win-01, win-03]
"""
