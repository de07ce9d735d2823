#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_port_proxy
short_description: Forward a TCP port to another address and port with Windows portproxy
version_added: 0.1.0
description:
  - Manages one IPv4-to-IPv4 TCP forwarding rule of the Windows IP Helper service, the
    rule C(netsh interface portproxy add v4tov4) creates. Connections to
    O(listen_address):O(listen_port) are accepted by IP Helper and relayed to
    O(connect_address):O(connect_port).
  - Made to be the traffic switch of a blue-green deployment. Two instances of a service
    listen on two ports; the public port forwards to the live one; switching is
    changing O(connect_port). Connections already open stay on the old instance, new
    ones go to the new instance.
  - Every option is checked on the controller; bad input fails the task before the
    host is contacted.
  - One round trip, whether or not anything changes. The rule of a listen pair is
    replaced whole, so the module sets it directly (no compare-and-set against an
    earlier read, the last writer wins, as with netsh) and reads the IP Helper
    service in the same batch.
  - Warns when IP Helper is not running (rules then do nothing) or does not start
    automatically (rules stop forwarding after a reboot). This module never starts or
    reconfigures the service.
options:
  listen_port:
    description:
      - The port IP Helper listens on (the public port).
    type: int
    required: true
  listen_address:
    description:
      - The IPv4 address IP Helper listens on. C(0.0.0.0) listens on every IPv4 address
        of the host; C(127.0.0.1) only on the loopback address.
      - A listen port and address pair is one rule.
    type: str
    default: 0.0.0.0
  connect_port:
    description:
      - The port connections are forwarded to. Required with O(state=present).
    type: int
  connect_address:
    description:
      - The IPv4 address connections are forwarded to. C(127.0.0.1) for a service on
        the host itself.
      - Host names are not accepted; IP Helper would resolve them on the host at each
        connection.
    type: str
    default: 127.0.0.1
  state:
    description:
      - C(present) creates the rule or points it at O(connect_address):O(connect_port).
      - C(absent) removes the rule of the listen pair, wherever it forwards.
    type: str
    default: present
    choices: [present, absent]
attributes:
  check_mode:
    support: full
    description: Reports what would change; writes nothing.
  diff_mode:
    support: full
    description: The rule before and after, as C(listen -> connect) lines.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025.
notes:
  - Portproxy relays IPv4 TCP only and needs the IP Helper service (C(iphlpsvc)) running.
    A rule listening on a port another process already listens on is stored but does
    not forward.
  - Portproxy accepts a connection before it connects to the target, so a TCP check of
    the public port succeeds even when the target is down. Check an instance's health
    on its own port, or send an HTTP request through the public port.
  - The Windows Firewall must allow inbound connections to O(listen_port) for clients
    on other hosts.
  - Rules are read back from
    C(HKLM\SYSTEM\CurrentControlSet\Services\PortProxy\v4tov4\tcp), where netsh keeps them.
seealso:
  - name: Netsh interface portproxy commands
    description: The Windows command this module runs.
    link: https://learn.microsoft.com/en-us/windows-server/networking/technologies/netsh/netsh-interface-portproxy
  - name: Agent protocol
    description: The primitive operations this module runs (portproxy.set, portproxy.get).
    link: https://github.com/winops/golang/blob/main/docs/agent-protocol.md
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Send the public port 80 to the blue instance on 8081
  winops.golang.win_port_proxy:
    listen_port: 80
    connect_port: 8081

- name: Switch to the green instance on 8082 once it is healthy
  winops.golang.win_port_proxy:
    listen_port: 80
    connect_port: 8082
  register: switch

- name: Forward loopback port 5432 to a database server
  winops.golang.win_port_proxy:
    listen_address: 127.0.0.1
    listen_port: 5432
    connect_address: 10.0.4.20
    connect_port: 5432

- name: Remove the forwarding of port 80
  winops.golang.win_port_proxy:
    listen_port: 80
    state: absent
"""

RETURN = r"""
before:
  description: The rule of the listen pair before the task, or null when there was none.
  returned: always
  type: dict
  sample:
    listen_address: 0.0.0.0
    listen_port: 80
    connect_address: 127.0.0.1
    connect_port: 8081
after:
  description:
    - The rule after the task (what it would be, in check mode), or null when there is none.
  returned: always
  type: dict
  sample:
    listen_address: 0.0.0.0
    listen_port: 80
    connect_address: 127.0.0.1
    connect_port: 8082
iphlpsvc:
  description:
    - The IP Helper service that does the forwarding. C(state) is C(running),
      C(stopped), ...; C(start_mode) is C(auto), C(delayed), C(manual) or C(disabled);
      both are null when the service does not exist.
  returned: always
  type: dict
  sample:
    exists: true
    state: running
    start_mode: auto
"""
