# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection plugin winops.golang.winsim: a simulated Windows Server host."""

from __future__ import annotations

DOCUMENTATION = r"""
---
name: winsim
short_description: Run this collection's modules against a simulated Windows Server
version_added: 0.1.0
author:
  - winops maintainers (@winops)
description:
  - Plays a Windows Server 2016, 2019, 2022 or 2025 host whose whole state
    (registry, environment, files, junctions, services, injected faults, op
    counters) lives in a directory on the control node.
  - It runs the op batches of this collection's agent (see
    C(docs/agent-protocol.md)) in Python, with Windows behaviour where it
    matters, namely case-insensitive names, C(MAX_PATH), registry value types,
    machine environment changes that reach services only after a reboot, and
    Windows error codes.
  - Only this collection's modules (C(winops.golang.*)) can run on it. Anything
    that needs a real shell, such as C(gather_facts), C(ansible.windows.*) or
    C(raw), fails at once with a message that says so; use
    C(winops.golang.win_go_facts) in place of C(gather_facts).
  - The state is on disk and every batch holds an exclusive lock on it, so any
    number of forks and test workers may use the same host directory.
options:
  winsim_root:
    description:
      - The state directory of the simulated host. It is created, as a clean
        server, on first use; delete it to start again from a fresh host.
    type: path
    required: true
    vars:
      - name: ansible_winsim_root
  winsim_os:
    description:
      - The Windows Server release the host is created as.
      - Applied only when the state directory is created; an existing host
        keeps its release.
    type: str
    default: '2022'
    choices: ['2016', '2019', '2022', '2025']
    vars:
      - name: ansible_winsim_os
  winsim_user:
    description:
      - The account that connects. Its profile (C(C:\Users\<name>)) and
        C(HKCU) hive are created on its first logon.
    type: str
    default: Administrator
    vars:
      - name: ansible_user
  winsim_shares:
    description:
      - UNC shares the host can reach, mapping C(\\server\share) to a local
        directory on the control node. An unknown share is reported as
        "The network path was not found".
      - When set, replaces the share map stored with the host.
    type: dict
    vars:
      - name: ansible_winsim_shares
  winsim_accounts:
    description:
      - Local accounts that exist on the host besides the connecting one, for
        example build or service accounts, each with its profile
        (C(C:\Users\<name>)) as after its first logon. Missing ones are
        created when the host is opened; none is ever removed.
    type: list
    elements: str
    default: []
    vars:
      - name: ansible_winsim_accounts
  winsim_hostname:
    description:
      - The computer name given to the host when it is created.
      - Defaults to the inventory host name, upper-cased and cut to 15
        characters like a NetBIOS name.
      - Applied only when the state directory is created.
    type: str
    vars:
      - name: ansible_winsim_hostname
  winsim_inventory_name:
    description:
      - The inventory host name, from which the default of O(winsim_hostname)
        is derived. Set by Ansible; there is no need to set it.
    type: str
    vars:
      - name: inventory_hostname
notes:
  - Downloads made by the simulated host (C(file.download)) use the control
    node's network; tests serve them from 127.0.0.1.
  - Time is virtual. A program or transfer that would outlast its timeout
    fails with C(timeout) without waiting.
"""

EXAMPLES = r"""
# inventory.yml: two simulated hosts, state kept under the repository
# all:
#   vars:
#     ansible_connection: winops.golang.winsim
#     ansible_winsim_root: "{{ playbook_dir }}/.winsim/{{ inventory_hostname }}"
#     ansible_winsim_os: "2019"
#     ansible_winsim_shares:
#       '\\fs01\golang': /srv/golang-mirror
#   hosts:
#     win-build-01:
#     win-svc-01:

- name: Gather facts from a simulated host
  hosts: all
  gather_facts: false
  tasks:
    - name: Read the host and Go facts
      winops.golang.win_go_facts:
"""

import os  # noqa: E402
import re  # noqa: E402
from typing import Any  # noqa: E402

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound  # noqa: E402
from ansible.plugins.connection import ConnectionBase  # noqa: E402

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.errors import (  # noqa: E402
    ConnectionLost,
    OpError,
    StateError,
)
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost  # noqa: E402

ONLY_OUR_MODULES = (
    "the simulated Windows host ({host}) runs only this collection's modules "
    "(winops.golang.*): it has no shell for '{what}'. gather_facts, raw, script and "
    "ansible.windows.* modules need a real Windows host; use winops.golang.win_go_facts "
    "in place of gather_facts."
)


def netbios_name(name: str) -> str:
    """An inventory name as a NetBIOS computer name: upper case, at most 15 characters."""
    short = re.sub(r"[^A-Za-z0-9-]", "-", name.split(".")[0]).upper()[:15].strip("-")
    return short or "WINSIM"


class Connection(ConnectionBase):
    """A connection whose far end is a :class:`SimHost` state directory."""

    transport = "winops.golang.winsim"
    has_pipelining = False
    has_tty = False
    allow_executable = False
    module_implementation_preferences = (".ps1", ".exe", "")
    _shell_type = "powershell"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._host: SimHost | None = None

    # -- lifecycle -------------------------------------------------------------------

    def _connect(self) -> Connection:
        if self._host is None:
            root = self.get_option("winsim_root")
            if not root:
                raise AnsibleConnectionFailure("ansible_winsim_root must name the state "
                                               "directory of the simulated host")
            hostname = self.get_option("winsim_hostname") or netbios_name(
                str(self.get_option("winsim_inventory_name") or "winsim"))
            shares = self.get_option("winsim_shares")
            if shares is not None and not isinstance(shares, dict):
                raise AnsibleConnectionFailure("ansible_winsim_shares must be a dict of "
                                               "'\\\\server\\share' -> local directory")
            try:
                self._host = SimHost(
                    os.path.expanduser(str(root)),
                    os_release=str(self.get_option("winsim_os")),
                    user=str(self.get_option("winsim_user") or "Administrator"),
                    hostname=hostname,
                    shares={str(k): str(v) for k, v in shares.items()} if shares else shares,
                    accounts=[str(a) for a in self.get_option("winsim_accounts") or []],
                )
            except (ValueError, StateError, OSError) as err:
                raise AnsibleConnectionFailure(f"cannot open the simulated Windows host in "
                                               f"{root}: {err}") from err
        self._connected = True
        return self

    def close(self) -> None:
        """Nothing stays open between batches: the state is on disk."""
        self._host = None
        self._connected = False

    def reset(self) -> None:
        """Reconnect on next use (meta: reset_connection)."""
        self.close()

    @property
    def host(self) -> SimHost:
        """The simulated host (connecting when needed)."""
        self._connect()
        if self._host is None:
            raise AnsibleConnectionFailure("the simulated host could not be opened")
        return self._host

    # -- the channel of this collection's action plugins ---------------------------

    def run_batch(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Run one op batch on the simulated host and return the agent's result."""
        try:
            return self.host.run_batch(payload)
        except ConnectionLost as err:
            self.close()
            raise AnsibleConnectionFailure(str(err)) from err
        except (ValueError, StateError) as err:
            raise AnsibleError(f"simulated host: {err}") from err

    # -- what Ansible itself would do over WinRM -------------------------------------

    def exec_command(self, cmd: str, in_data: bytes | None = None,
                     sudoable: bool = True) -> tuple[int, bytes, bytes]:
        """Refused: there is no shell on the simulated host."""
        what = cmd if len(cmd) <= 60 else cmd[:57] + "..."
        raise AnsibleConnectionFailure(ONLY_OUR_MODULES.format(
            host=self.get_option("winsim_root"), what=what))

    def put_file(self, in_path: str, out_path: str) -> None:
        """Copy a controller file to a Windows path (its parent directory must exist)."""
        if not os.path.isfile(in_path):
            raise AnsibleFileNotFound(f"file or module does not exist: {in_path}")
        try:
            self.host.put_file(in_path, out_path)
        except OpError as err:
            raise AnsibleError(f"failed to copy {in_path} to {out_path} on the simulated "
                               f"host [{err.code}]: {err.message}") from err

    def fetch_file(self, in_path: str, out_path: str) -> None:
        """Copy a file from a Windows path of the host to the controller."""
        try:
            self.host.fetch_file(in_path, out_path)
        except OpError as err:
            raise AnsibleFileNotFound(f"failed to fetch {in_path} from the simulated host "
                                      f"[{err.code}]: {err.message}") from err
