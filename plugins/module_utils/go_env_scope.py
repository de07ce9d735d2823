"""Where win_go_env writes: the scope's target on the host and the facts that locate it.

Part of the pure logic of ``winops.golang.win_go_env`` (see :mod:`go_env_plan`).
A target is ``machine`` or ``user`` (an environment key), a service's registry
key, or the path of the file ``go env -w`` writes.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winpath
from ansible_collections.winops.golang.plugins.module_utils.go_env_service import service_key

# The scopes that are an environment key of their own (env.get / env.set).
ENV_SCOPES = ("machine", "user")
# Windows' defaults, for when no facts say better.
USERS_DIR = r"C:\Users"
DEFAULT_ACCOUNT = "Administrator"


def facts_from_vars(task_vars: dict[str, Any]) -> dict[str, Any] | None:
    """The ``winops_go`` facts win_go_facts left in the task vars, or ``None``."""
    for candidate in (
        task_vars.get("winops_go"),
        (task_vars.get("ansible_facts") or {}).get("winops_go"),
    ):
        if isinstance(candidate, dict) and isinstance(candidate.get("user"), dict):
            return dict(candidate)
    return None


def default_env_file(facts: dict[str, Any]) -> str | None:
    """The connecting user's go env file (``%APPDATA%\\go\\env``), if the facts know APPDATA."""
    appdata = (facts.get("user") or {}).get("appdata")
    return winpath.join(appdata, "go", "env") if appdata else None


def login_name(task_vars: dict[str, Any]) -> str:
    """The bare account name of ``ansible_user`` (no domain, no ``@realm``).

    The guess made when no facts say who connects: ``Administrator`` by default.
    """
    name = str(task_vars.get("ansible_user") or DEFAULT_ACCOUNT)
    return name.rsplit("\\", maxsplit=1)[-1].split("@", maxsplit=1)[0] or DEFAULT_ACCOUNT


def target(args: dict[str, Any], facts: dict[str, Any] | None,
           task_vars: dict[str, Any]) -> str:
    """What the scope's read and write address: a scope name, a key or a file path.

    Without facts the go env file is guessed under :data:`USERS_DIR`; the action
    reads the facts in its first batch and moves to the real file if they differ.
    """
    scope = args["scope"]
    if scope in ENV_SCOPES:
        return scope
    if scope == "service":
        name = args["service"]
        if not name or any(c in name for c in "\\/"):
            raise ValueError(f"service must be a service name, not {name!r}")
        return service_key(name)
    if args["env_file"]:
        return winpath.validate(args["env_file"], "env_file")
    if args["profile"]:
        profiles = USERS_DIR
        profile = ((facts or {}).get("user") or {}).get("profile")
        if profile:
            profiles = winpath.parent(profile)
        return winpath.join(profiles, args["profile"], "AppData", "Roaming", "go", "env")
    guess = default_env_file(facts or {})
    if guess:
        return guess
    return rf"{USERS_DIR}\{login_name(task_vars)}\AppData\Roaming\go\env"
