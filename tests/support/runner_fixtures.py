"""Helpers for the win_actions_runner integration tests: a fake GitHub that remembers the
tokens it issued, playbooks, and readers of a simulated host's runner state.

    with RecordingGitHubServer() as github:
        github.add_release("2.330.0")
        ...
        github.issued_tokens("octo/app")        # the registration tokens handed out
        fake_runs(host, r"C:\\actions-runner\\build-01")   # config.cmd runs the fake recorded
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from ansible_collections.winops.golang.plugins.module_utils import service_recovery
from ansible_collections.winops.golang.plugins.plugin_utils.winsim import fake_runner
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.github_server import GitHubServer, _scope_of

SERVICES_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\"
TASK = "Runner"


class RecordingGitHubServer(GitHubServer):
    """The fake GitHub API, also keeping every token value it issued (to look for leaks)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._issued_lock = threading.Lock()
        self._issued_values: list[tuple[str, str, str]] = []  # (scope, kind, token)

    def _token(self, target: tuple[str, str], headers: dict[str, str]) -> tuple[int, dict, bytes]:
        status, extra, body = super()._token(target, headers)
        if status == 201:
            token = json.loads(body)["token"]
            with self._issued_lock:
                self._issued_values.append((target[0], target[1], token))
        return status, extra, body

    def issued_tokens(self, scope: str | None = None, kind: str | None = None) -> list[str]:
        """Token values issued (for ``scope``/``kind`` when given), in order."""
        with self._issued_lock:
            return [t for s, k, t in self._issued_values
                    if (scope is None or s == scope) and (kind is None or k == kind)]

    def replace_download(self, version: str, data: bytes) -> None:
        """Serve ``data`` as the Windows zip of ``version`` without touching its digest
        (a tampered or corrupted download)."""
        path = (f"/actions/runner/releases/download/v{version}/"
                f"actions-runner-win-x64-{version}.zip")
        with self._state.lock:
            if path not in self._state.files:
                raise KeyError(f"no release {version}")
            self._state.files[path] = data

    def token_posts(self) -> list[tuple[str, str]]:
        """``(scope, kind)`` of every token request that reached the server."""
        out: list[tuple[str, str]] = []
        for request in self.requests:
            target = _scope_of(request.path)
            if target is not None and request.method == "POST":
                out.append(target)
        return out


# -------------------------------------------------------------------- playbooks


def play(*tasks: tuple[str, Mapping[str, Any]], name: str = "runners",
         hosts: str = "all") -> str:
    """A playbook of win_actions_runner tasks, each given as ``(task title, options)``."""
    body = [{"name": title, "winops.golang.win_actions_runner": dict(options)}
            for title, options in tasks]
    return yaml.safe_dump([{"name": name, "hosts": hosts, "gather_facts": False,
                            "tasks": body}], sort_keys=False)


def per_host_play(options: Sequence[str], var: str = "runner") -> str:
    """One task whose options come from each host's ``var`` dict (missing ones omitted)."""
    args = {key: f"{{{{ {var}[{key!r}] | default(omit) }}}}" for key in options}
    return yaml.safe_dump([{"name": "runners", "hosts": "all", "gather_facts": False,
                            "tasks": [{"name": TASK,
                                       "winops.golang.win_actions_runner": args}]}],
                          sort_keys=False)


# ----------------------------------------------------------- simulated host state


def op(host: SimHost, op_name: str, **args: Any) -> dict[str, Any]:
    """Run one op on the host (this is a round trip: measure before calling it)."""
    batch = {"ops": [{"op": op_name, "args": args}], "check_mode": False}
    return host.run_batch(batch)["results"][0]


def trips(host: SimHost) -> int:
    return int(host.stats()["round_trips"])


def exists(host: SimHost, path: str) -> bool:
    return bool(op(host, "file.stat", path=path)["exists"])


def fake_runs(host: SimHost, folder: str) -> list[dict[str, Any]]:
    """What the fake ``config.cmd`` recorded in ``folder`` (one entry per run)."""
    data = host.read_file(folder + "\\" + fake_runner.RECORD)
    return list(json.loads(data.decode("utf-8"))["runs"]) if data else []


def github_side(host: SimHost, url: str) -> dict[str, Any]:
    """The runners the fake GitHub knows for ``url``: lower-case name -> record."""
    data = host.read_file(fake_runner.SERVER_STATE)
    state = json.loads(data.decode("utf-8")) if data else {}
    return dict(state.get(url.rstrip("/").lower(), {}).get("runners", {}))


def seed_github_side(host: SimHost, url: str, runners: Sequence[str] = (),
                     groups: Sequence[str] = ("Default",)) -> None:
    """Register ``runners`` (names) for ``url`` on the fake GitHub, as if taken elsewhere,
    and give it the runner ``groups``."""
    entry = {"groups": list(groups), "next_id": 100 + len(runners),
             "runners": {n.lower(): {"name": n, "labels": [], "group": "Default", "id": 100 + i,
                                     "ephemeral": False, "disable_update": False}
                         for i, n in enumerate(runners)}}
    host.write_file(fake_runner.SERVER_STATE,
                    json.dumps({url.rstrip("/").lower(): entry}, indent=2).encode())


def service(host: SimHost, name: str) -> dict[str, Any]:
    return op(host, "service.get", name=name)


def service_environment(host: SimHost, name: str) -> list[str]:
    """The service's own ``Environment`` (REG_MULTI_SZ) as a list of ``NAME=value``."""
    value = host.reg(SERVICES_KEY + name, "Environment")
    return list(value["value"]) if value else []


def env_dict(entries: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in entries:
        key, _sep, value = entry.partition("=")
        out[key.upper()] = value
    return out


def recovery(host: SimHost, name: str) -> tuple[int, tuple[service_recovery.FailureAction, ...]]:
    """The service's reset period and failure actions as the SCM stores them."""
    value = host.reg(SERVICES_KEY + name, "FailureActions")
    assert value is not None, f"service {name} has no FailureActions"
    raw = value["value"]
    blob = bytes.fromhex(raw) if isinstance(raw, str) else bytes(raw)
    unpacked = service_recovery.unpack_failure_actions(blob)
    assert unpacked is not None, f"FailureActions of {name} is not valid: {raw!r}"
    return unpacked


def sid_of(host: SimHost, account: str) -> str:
    found = op(host, "acl.resolve", names=[account])["accounts"][0]
    assert found["exists"], f"{account} does not resolve on the host"
    return str(found["sid"])


def allowed_sids(host: SimHost, path: str) -> set[str]:
    """SIDs an ``allow`` ACE of ``path`` names (explicit or inherited)."""
    doc = op(host, "acl.get", path=path)
    return {a["sid"] for a in doc.get("aces", []) if a.get("type", "allow") == "allow"}


def right_holders(host: SimHost, right: str) -> set[str]:
    return {a["sid"] for a in op(host, "lsa.get", right=right)["accounts"]}
