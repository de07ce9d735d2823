#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_go_service
short_description: Run a Go program as a Windows service, with versioned releases and rollback
version_added: 0.1.0
description:
  - Registers a Go program as a Windows service and deploys new builds of it
    safely. Each build goes into its own release directory
    (C(<root>\releases\<version>)) and the service runs
    C(<root>\current\<exe>), where C(current) is a junction; a new release
    never overwrites the exe of a running service, the switch is a junction
    retarget and a restart.
  - Three modes. C(native) is a program built with
    C(golang.org/x/sys/windows/svc), registered with the Service Control
    Manager as it is. C(winsw) is a program that does not speak the service
    protocol, wrapped by WinSW (C(<root>\<name>.exe) with C(<root>\<name>.xml)
    beside it, generated from these options; v2 schema by default). C(nssm)
    is wrapped by NSSM 2.24, for estates that already use it; its settings are
    registry values under the service key's C(Parameters). NSSM has had no
    release since 2014.
  - The SCM always holds the account and its password (also in C(winsw)
    mode, whose XML never carries a password) and the failure actions.
  - With a O(health_check), the service is started and checked on the host;
    a release that fails is rolled back to the previous one and the task
    fails with RV(rolled_back) true and the reason.
  - Round trips are one when nothing changes; otherwise one more to apply
    (two for a new release whose signature is checked first), and one more
    for a rollback.
options:
  name:
    description: The service name (not the display name); at most 256 characters, no C(/) or C(\).
    type: str
    required: true
  display_name:
    description: The name the Services console shows; defaults to O(name).
    type: str
  description:
    description: The service's description.
    type: str
  mode:
    description: How the program runs as a service (see the description).
    type: str
    choices: [native, winsw, nssm]
    default: native
  binary:
    description:
      - The program to deploy, an C(.exe) on the host (a local or UNC path),
        or an C(http://)/C(https://) URL the host downloads (then O(checksum)
        is required). Mutually exclusive with O(src).
      - Required unless O(state=absent) or O(src) is given.
    type: str
  src:
    description: The program on the controller, copied to the host and verified by SHA-256.
    type: path
  checksum:
    description: The program's SHA-256 (C(sha256:) prefix allowed); checked before the release is used.
    type: str
  version:
    description:
      - The release name, for example C(1.4.2). Without it the release is
        named after the program's hash, C(sha256-<first 12 hex digits>).
      - A version that already exists with another binary is refused.
    type: str
  root:
    description:
      - The service's directory, holding C(releases\), the C(current)
        junction, C(releases.json), C(logs\) and the wrapper's files. Its ACL
        gives the service account Modify and nobody else but C(Administrators)
        and C(SYSTEM) access. Required unless O(state=absent).
    type: str
  arguments:
    description: Arguments of the program, quoted for Windows (C(CommandLineToArgvW) rules) by the module.
    type: list
    elements: raw
    default: []
  working_directory:
    description: The program's working directory (wrapper modes); defaults to C(<root>\current).
    type: str
  environment:
    description:
      - Variables for this service only. C(native) keeps them in the service
        key's C(Environment) value (read at every start); the wrappers in their
        own configuration.
    type: dict
    default: {}
  account:
    description:
      - The account the service runs as. C(LocalSystem), C(LocalService),
        C(NetworkService), a virtual account C(NT SERVICE\<name>) (the
        default), a group managed service account C(DOMAIN\name$) (no
        password), or a user C(DOMAIN\user) / C(.\user) with O(password).
      - Users and gMSAs get C(SeServiceLogonRight) when they do not hold it.
    type: str
  password:
    description:
      - The password of a user account; sent only when the service is created
        or its account changes. Never logged or returned.
    type: str
  start_mode:
    description: When the service starts.
    type: str
    choices: [auto, delayed, manual, disabled]
    default: auto
  dependencies:
    description: Services that must run first (service names).
    type: list
    elements: str
    default: []
  recovery:
    description:
      - What the SCM does when the program fails, a dict with C(actions)
        (a list of C({type, delay_ms}), C(type) one of C(restart), C(reboot),
        C(run_command), C(none); the first three are for the first, second and
        later failures), C(reset_period) (seconds without failure after which
        the count restarts), C(command), C(reboot_message) and
        C(failure_actions_on_non_crash) (also act when the program stops with
        an error exit code, not only when it crashes).
    type: raw
  stop_timeout:
    description: Seconds to wait for the service to stop (and start).
    type: int
    default: 30
  log:
    description:
      - Wrapper modes, where the program's output goes, a dict with
        C(directory) (default C(<root>\logs)), C(rotation) (C(none), C(size)
        or C(time)), C(max_size_kb), C(interval) and C(keep).
    type: raw
  event_log_source:
    description:
      - Register this source in the Application event log as
        C(golang.org/x/sys/windows/svc/eventlog.InstallAsEventCreate) does
        (C(EventCreate.exe) as message file; error, warning and information).
    type: str
  state:
    description:
      - C(started) and C(stopped) leave the service so; a change to the
        program or the configuration restarts a running service.
        C(restarted) always restarts. C(absent) stops and removes the service
        and its event log source; C(root) stays.
    type: str
    choices: [started, stopped, restarted, absent]
    default: started
  winsw_version:
    description: The WinSW XML schema to write with O(mode=winsw).
    type: int
    choices: [2, 3]
  winsw_exe:
    description: With O(mode=winsw), the WinSW exe to copy to C(<root>\<name>.exe), a host path or a URL (with O(winsw_checksum)).
    type: str
  winsw_checksum:
    description: The SHA-256 of O(winsw_exe) (required when it is a URL).
    type: str
  winsw_src:
    description:
      - With O(mode=winsw), the WinSW exe on the controller, copied to the host
        when C(<root>\<name>.exe) differs from it. Mutually exclusive with O(winsw_exe).
    type: path
  nssm_exe:
    description: With O(mode=nssm), the C(nssm.exe) on the host that the service runs.
    type: str
  keep_releases:
    description: How many releases to keep; the current and the previous one always stay.
    type: int
    default: 3
  health_check:
    description:
      - How to tell that a started release works, checked on the host, a dict
        with C(tcp_port) (a port on 127.0.0.1 that accepts connections) or
        C(http_url) (answers C(expected_status), default 200), and
        C(timeout) (seconds, default 30).
    type: raw
  require_signature:
    description:
      - A new release becomes current only when its program has a C(Valid)
        Authenticode signature (and, with O(allowed_signers), one of those
        signers). A refused release is deleted and nothing else changes.
    type: bool
    default: false
  allowed_signers:
    description: Thumbprints (SHA-1, 40 hex digits) of the certificates allowed to sign the program.
    type: list
    elements: str
    default: []
  rollback:
    description: Roll a release that fails its health check back to the previous one.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reads the service in one round trip and reports what would change.
  diff_mode:
    support: full
    description: The service's configuration before and after, password masked.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025.
notes:
  - The virtual account C(NT SERVICE\<name>) exists only for a registered
    service; it is the default because it needs no password and has no
    rights beyond those granted to it.
seealso:
  - module: winops.golang.win_port_proxy
  - name: WinSW configuration
    description: The XML file WinSW reads.
    link: https://github.com/winsw/winsw/blob/v2/doc/xmlConfigFile.md
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Deploy build 1.4.2 of the API as a native service, checked on its health URL
  winops.golang.win_go_service:
    name: orders-api
    display_name: Orders API
    src: dist/orders-api.exe
    version: 1.4.2
    root: C:\Services\orders-api
    arguments: [-addr, "127.0.0.1:8080"]
    environment:
      GOMEMLIMIT: 512MiB
    recovery:
      actions:
        - {type: restart, delay_ms: 5000}
        - {type: restart, delay_ms: 30000}
      reset_period: 86400
    event_log_source: orders-api
    health_check:
      http_url: http://127.0.0.1:8080/healthz
      timeout: 30
  register: deploy

- name: A program that is not service-aware, wrapped by WinSW, as a gMSA
  winops.golang.win_go_service:
    name: report-worker
    mode: winsw
    binary: \\fs01\builds\report-worker\report-worker.exe
    root: D:\Services\report-worker
    winsw_exe: C:\tools\WinSW-x64.exe
    account: CORP\svc-reports$
    log:
      rotation: size
      max_size_kb: 10240
      keep: 8

- name: Only signed builds from our release certificate
  winops.golang.win_go_service:
    name: orders-api
    binary: https://ci.example.com/orders-api/1.4.3/orders-api.exe
    checksum: "{{ orders_api_sha256 }}"
    version: 1.4.3
    root: C:\Services\orders-api
    require_signature: true
    allowed_signers: [0123456789ABCDEF0123456789ABCDEF01234567]

- name: Remove the service
  winops.golang.win_go_service:
    name: orders-api
    state: absent
"""

RETURN = r"""
name:
  description: The service name.
  returned: always
  type: str
  sample: orders-api
mode:
  description: The mode.
  returned: always
  type: str
  sample: native
status:
  description: The service's state after the task (C(running), C(stopped), C(absent)).
  returned: always
  type: str
  sample: running
release:
  description: The release that is current after the task (the previous one after a rollback).
  returned: unless state is absent
  type: str
  sample: 1.4.2
previous_release:
  description: The release a rollback returns to.
  returned: unless state is absent
  type: str
  sample: 1.4.1
releases:
  description: The releases kept, oldest first.
  returned: unless state is absent
  type: list
  elements: str
changes:
  description: What changed (or would change in check mode), one line each.
  returned: always
  type: list
  elements: str
  sample: ["release 1.4.2: new", "current: 1.4.1 -> 1.4.2", "service: restarted"]
health:
  description: The health check's result (C(ok), C(tcp_open), C(http_status), C(attempts), C(elapsed), C(error)).
  returned: when a health check ran
  type: dict
rolled_back:
  description: Whether the new release failed its health check and the previous one was put back.
  returned: always
  type: bool
rollback_reason:
  description: Why the release was rolled back.
  returned: when rolled_back
  type: str
round_trips:
  description: Agent round trips the task used.
  returned: always
  type: int
"""
