"""Where the conformance suite runs its batches: the simulated host, or a real one.

Both targets take the same batch payload and return the agent's raw JSON, so
every conformance test holds the two implementations of the op vocabulary to
the same table (``docs/agent-protocol.md``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

REAL_HOST_VARS = (
    "WINOPS_TEST_HOST",
    "WINOPS_TEST_USER",
    "WINOPS_TEST_PASSWORD",
    "WINOPS_TEST_TRANSPORT",
    "WINOPS_TEST_PORT",
    "WINOPS_TEST_CERT_VALIDATION",
)


class Target:
    """A host that runs op batches; ``sim`` is the SimHost when simulated."""

    name = "target"
    sim: SimHost | None = None

    def __init__(self) -> None:
        token = uuid.uuid4().hex[:8]
        # Everything a test creates lives under these, so a real host is left clean.
        self.scratch = rf"C:\winops-conformance\{token}"
        self.reg_scratch = rf"HKCU:\Software\winops-conformance\{token}"
        self.env_prefix = f"WINOPS_CONF_{token.upper()}_"

    def run(self, ops: list[dict[str, Any]], check_mode: bool = False) -> dict[str, Any]:
        """Run one batch and return the raw batch result."""
        raise NotImplementedError

    def put_file(self, local: str, remote: str) -> None:
        """Copy a controller file to the host."""
        raise NotImplementedError

    def one(self, op: str, check_mode: bool = False, **args: Any) -> dict[str, Any]:
        """Run a single op; return its result, or the ``failed_op`` record when it failed."""
        raw = self.run([{"op": op, "args": args}], check_mode=check_mode)
        if raw.get("failed_op"):
            return {"failed": True, **raw["failed_op"]}
        return raw["results"][0]


class SimTarget(Target):
    """A fresh simulated Windows Server 2022 in a temporary directory."""

    name = "sim"

    def __init__(self, root: Path, shares: dict[str, str] | None = None) -> None:
        super().__init__()
        self.sim = SimHost(str(root), hostname="WINCONF01", shares=shares or {})

    def run(self, ops: list[dict[str, Any]], check_mode: bool = False) -> dict[str, Any]:
        assert self.sim is not None
        return self.sim.run_batch({"ops": ops, "check_mode": check_mode})

    def put_file(self, local: str, remote: str) -> None:
        assert self.sim is not None
        self.sim.put_file(local, remote)


class RealTarget(Target):
    """A real Windows host reached with ansible ad-hoc commands (see README)."""

    name = "real"

    def __init__(self, workdir: Path) -> None:
        super().__init__()
        self.workdir = workdir
        self.inventory = workdir / "inventory.json"
        self.inventory.write_text(json.dumps(real_inventory(os.environ)))

    def _ansible(self, module: str, args: dict[str, Any]) -> dict[str, Any]:
        tree = Path(tempfile.mkdtemp(dir=self.workdir))
        proc = subprocess.run(
            [str(Path(sys.executable).with_name("ansible")), "winhost",
             "-i", str(self.inventory), "-m", module,
             "-a", json.dumps(args), "-t", str(tree)],
            capture_output=True, text=True, check=False, timeout=900,
        )
        out = tree / "winhost"
        if not out.exists():
            raise RuntimeError(f"ansible gave no result (rc {proc.returncode}): {proc.stderr}")
        return json.loads(out.read_text())

    def run(self, ops: list[dict[str, Any]], check_mode: bool = False) -> dict[str, Any]:
        return self._ansible("winops.golang.winops_agent", {"ops": ops, "check_mode": check_mode})

    def put_file(self, local: str, remote: str) -> None:
        res = self._ansible("ansible.windows.win_copy", {"src": local, "dest": remote})
        if res.get("failed"):
            raise RuntimeError(res.get("msg"))


def real_inventory(env: dict[str, str]) -> dict[str, Any]:
    """Build an inventory for the real host named by the ``WINOPS_TEST_*`` variables."""
    transport = env.get("WINOPS_TEST_TRANSPORT", "psrp")
    hostvars: dict[str, Any] = {
        "ansible_host": env["WINOPS_TEST_HOST"],
        "ansible_user": env.get("WINOPS_TEST_USER", "Administrator"),
        "ansible_password": env.get("WINOPS_TEST_PASSWORD", ""),
    }
    validate = env.get("WINOPS_TEST_CERT_VALIDATION", "validate")
    if transport == "ssh":
        hostvars.update(ansible_connection="ssh", ansible_shell_type="powershell")
        hostvars["ansible_port"] = int(env.get("WINOPS_TEST_PORT", "22"))
    elif transport == "winrm":
        hostvars.update(ansible_connection="winrm", ansible_winrm_transport="ntlm",
                        ansible_winrm_server_cert_validation=validate)
        hostvars["ansible_port"] = int(env.get("WINOPS_TEST_PORT", "5986"))
    else:
        hostvars.update(ansible_connection="psrp", ansible_psrp_auth="negotiate",
                        ansible_psrp_cert_validation=validate)
        hostvars["ansible_port"] = int(env.get("WINOPS_TEST_PORT", "5986"))
    return {"all": {"hosts": {"winhost": hostvars}}}
