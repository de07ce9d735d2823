# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark stand-in for ansible.windows and community.windows modules.

Nothing here talks to a host. Each call is recorded as one WinRM round trip (a
real module call costs at least one: the module and its arguments go to the
host, the JSON result comes back) in ``$WINOPS_FAKE_DIR/calls/<host>.jsonl``,
and answered from a small model of the host kept in
``$WINOPS_FAKE_DIR/state/<host>.json``, so that a first run reports changes, a
re-run does not, and ``win_stat`` makes the playbook take the branches a real
host would:

* paths that a module created exist: ``win_get_url`` and ``win_copy`` dest,
  ``win_file`` paths, ``win_unzip`` dest and ``creates`` (the one file of the
  archive a playbook names), the ``creates`` of ``win_shell``/``win_command``,
  and everything below a junction made by ``mklink /J LINK TARGET``;
* every other module is compare-and-set: the first call with given arguments
  changes the host, the same call again does not;
* ``win_shell``/``win_command`` without ``creates`` print ``changed`` on their
  first run with given arguments and nothing later (a script that compares
  and sets), so playbooks can use ``changed_when``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any

from ansible.plugins.action import ActionBase

_JUNCTION = re.compile(r'mklink\s+/J\s+"([^"]+)"\s+"([^"]+)"', re.IGNORECASE)


def _norm(path: Any) -> str:
    return str(path or "").replace("/", "\\").rstrip("\\").lower()


class FakeHost:
    """The modelled state of one host, read and written around one call."""

    def __init__(self, base: str, host: str) -> None:
        self.host = host
        self.state_path = os.path.join(base, "state", host + ".json")
        self.calls_path = os.path.join(base, "calls", host + ".jsonl")
        os.makedirs(os.path.dirname(self.state_path), exist_ok=True)
        os.makedirs(os.path.dirname(self.calls_path), exist_ok=True)
        try:
            with open(self.state_path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            data = {}
        self.paths: dict[str, str] = dict(data.get("paths", {}))
        self.links: dict[str, str] = dict(data.get("links", {}))
        self.done: list[str] = list(data.get("done", []))

    def save(self) -> None:
        """Write the model back (one host is only ever served by one fork at a time)."""
        tmp = self.state_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"paths": self.paths, "links": self.links, "done": self.done}, handle)
        os.replace(tmp, self.state_path)

    def record(self, module: str, task: str) -> None:
        """Count one module call (one round trip at least)."""
        with open(self.calls_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"module": module, "task": task}) + "\n")

    def exists(self, path: Any) -> bool:
        """Whether ``path`` was created, or lies under a junction."""
        wanted = _norm(path)
        return wanted in self.paths or any(
            wanted.startswith(known + "\\")
            for known, kind in self.paths.items()
            if kind == "junction"
        )

    def create(self, path: Any, kind: str = "file") -> bool:
        """Mark ``path`` as existing; True when it did not exist yet."""
        new = not self.exists(path)
        self.paths.setdefault(_norm(path), kind)
        return new

    def remove(self, path: Any) -> bool:
        """Forget ``path`` and what is below it; True when it existed."""
        wanted = _norm(path)
        found = [p for p in self.paths if p == wanted or p.startswith(wanted + "\\")]
        for known in found:
            del self.paths[known]
        return bool(found)

    def converge(self, module: str, args: dict[str, Any]) -> bool:
        """Compare-and-set: True (changed) the first time these arguments are applied."""
        key = hashlib.sha256(
            json.dumps([module, args], sort_keys=True, default=str).encode("utf-8")
        ).hexdigest()
        if key in self.done:
            return False
        self.done.append(key)
        return True


def _stat(host: FakeHost, args: dict[str, Any]) -> dict[str, Any]:
    path = _norm(args.get("path"))
    if not host.exists(path):
        return {"changed": False, "stat": {"exists": False}}
    link = host.links.get(path)
    kind = host.paths.get(path, "file")
    stat: dict[str, Any] = {
        "exists": True,
        "path": args.get("path"),
        "isdir": kind in ("directory", "junction"),
        "islnk": link is not None,
        "isjunction": link is not None,
    }
    if link is not None:
        stat["lnk_target"] = link
        stat["lnk_source"] = link
    return {"changed": False, "stat": stat}


def _command(host: FakeHost, module: str, args: dict[str, Any]) -> dict[str, Any]:
    creates = args.get("creates")
    if creates and host.exists(creates):
        return {"changed": False, "skipped": False, "rc": 0, "stdout": "", "stderr": "",
                "msg": f"skipped, since {creates} exists"}
    command = str(args.get("_raw_params") or args.get("cmd") or "")
    junction = _JUNCTION.search(command)
    if junction:
        link, target = _norm(junction.group(1)), junction.group(2)
        host.remove(link)
        host.paths[link] = "junction"
        host.links[link] = target
    if creates:
        host.create(creates)
    first = host.converge(module, args)
    stdout = "changed\r\n" if first else ""
    return {"changed": True, "rc": 0, "stdout": stdout, "stdout_lines": stdout.split(),
            "stderr": "", "stderr_lines": [], "cmd": command}


def _file(host: FakeHost, args: dict[str, Any]) -> dict[str, Any]:
    state = args.get("state") or "file"
    path = args.get("path") or args.get("dest")
    if state == "absent":
        return {"changed": host.remove(path)}
    return {"changed": host.create(path, "directory" if state == "directory" else "file")}


def fake_result(host: FakeHost, module: str, args: dict[str, Any]) -> dict[str, Any]:
    """What the stand-in answers for one call of ``module`` with ``args``."""
    if module == "win_stat":
        return _stat(host, args)
    if module in ("win_shell", "win_command", "win_powershell"):
        return _command(host, module, args)
    if module == "win_file":
        return _file(host, args)
    if module == "win_get_url":
        dest = args.get("dest")
        new = host.create(dest)
        return {"changed": new or bool(args.get("force")), "dest": dest, "url": args.get("url"),
                "status_code": 200, "checksum_dest": args.get("checksum")}
    if module == "win_unzip":
        creates = args.get("creates")
        if creates and host.exists(creates):
            return {"changed": False, "skipped": True, "msg": f"{creates} exists"}
        host.create(args.get("dest"), "directory")
        if creates:
            host.create(creates)
        if args.get("delete_archive"):
            host.remove(args.get("src"))
        return {"changed": True, "src": args.get("src"), "dest": args.get("dest")}
    if module in ("win_copy", "win_template", "win_lineinfile"):
        dest = args.get("dest") or args.get("path")
        changed = host.converge(module, args)
        host.create(dest)
        return {"changed": changed, "dest": dest}
    changed = host.converge(module, args)
    result: dict[str, Any] = {"changed": changed}
    if module == "win_service":
        result.update({"exists": True, "name": args.get("name"),
                       "state": args.get("state") or "running",
                       "start_mode": args.get("start_mode") or "auto"})
    if module == "setup":
        result = {"changed": False, "ansible_facts": {"ansible_os_family": "Windows"}}
    return result


class FakeWindowsAction(ActionBase):
    """Answers for a Windows module from the model, and counts the call."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        """Record the call and return the modelled result."""
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        base = os.environ.get("WINOPS_FAKE_DIR")
        if not base:
            result.update(failed=True, msg="WINOPS_FAKE_DIR is not set: this stand-in only "
                          "runs under benchmarks/run.py")
            return result
        module = self._task.action.rsplit(".", 1)[-1]
        host = FakeHost(base, str(task_vars.get("inventory_hostname", "localhost")))
        host.record(module, self._task.get_name())
        answer = fake_result(host, module, dict(self._task.args))
        host.save()
        result.update(answer)
        return result
