"""The plan of win_go_env: which variables of one scope change, and how they read in a diff.

Part of the pure logic of ``winops.golang.win_go_env`` (with :mod:`go_env_scope`,
:mod:`go_env_service`, :mod:`go_env_netrc` and :mod:`go_env_dirs`): everything
here takes data and returns data. The action reads the scope into a
:class:`Seen`, :func:`plan` says what to change, and the action writes that
with compare-and-set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import go_env_rules, path_list

# The name Windows stores the search path under; matched case-insensitively.
PATH_NAME = "Path"

Op = tuple[str, dict[str, Any]]
"""An agent op not yet in a batch: its name and its arguments."""


@dataclass
class Seen:
    """What one read found for the scope: values by stored name, and what CAS needs."""

    values: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    raw: Any = None  # service: the Environment list; file: its bytes (None = absent)
    exists: bool = True  # the service key / the file
    facts: dict[str, Any] | None = None
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    # service scope: the machine variables (expanded) a service's own Path starts from
    inherited: dict[str, str] = field(default_factory=dict)
    inherited_path: str | None = None
    # netrc / directories: the results of their read ops
    extra: dict[str, Any] = field(default_factory=dict)

    def stored(self, name: str) -> str | None:
        """The stored spelling of ``name`` (environment names are case-insensitive)."""
        return next((key for key in self.values if key.casefold() == name.casefold()), None)


@dataclass
class Change:
    """One variable before and after (``None`` = absent)."""

    name: str
    before: str | None
    after: str | None
    reason: str = "set"


@dataclass
class FilesPlan:
    """What the netrc or the directories part adds to a run (besides the variables)."""

    key: str  # its key in the result
    ops: list[Op] = field(default_factory=list)
    report: Any = None
    changed: bool = False
    before: str = ""  # diff lines, each ending in a newline
    after: str = ""
    warnings: list[str] = field(default_factory=list)


def account_sids(accounts: list[str], resolved: list[dict[str, Any]]) -> dict[str, str]:
    """The SID of each account, from an ``acl.resolve`` of ``accounts`` in that order.

    Raises ``ValueError`` for an account the host does not know.
    """
    sids: dict[str, str] = {}
    for i, name in enumerate(accounts):
        item = resolved[i] if i < len(resolved) else {}
        if not item.get("exists") or not item.get("sid"):
            raise ValueError(f"account {name!r} does not exist on the host")
        sids[name] = item["sid"]
    return sids


def check_args(args: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The task's variables, checked against each other and the scope, and warnings.

    With ``state: absent`` only the names count (each value becomes ``""``).
    Raises ``ValueError`` on the first argument that does not fit.
    """
    scope = args["scope"]
    warnings: list[str] = []
    if args["conflict_retries"] < 0:
        raise ValueError("conflict_retries must be 0 or more")
    if scope != "service" and args["service"]:
        raise ValueError("service goes with scope: service")
    if scope != "go_env_file" and (args["profile"] or args["env_file"]):
        raise ValueError("profile and env_file go with scope: go_env_file")
    if scope != "machine" and args["services"]:
        raise ValueError("services (the reboot hint) goes with scope: machine")
    if scope == "go_env_file" and args["path"]:
        raise ValueError(
            "path cannot be set in the go env file (go env -w does not manage PATH); "
            "use scope machine, user or service"
        )
    if args["state"] == "absent":
        if args["exclusive"]:
            raise ValueError("exclusive goes with state: present")
        names = list(args["variables"])
        for name in names:
            go_env_rules.check_name(name)
        variables = dict.fromkeys(names, "")
    else:
        variables, warnings = go_env_rules.check_variables(args["variables"])
    if any(n.casefold() == PATH_NAME.casefold() for n in variables):
        raise ValueError("set PATH entries with the path option, not in variables")
    if scope == "go_env_file":
        for name in variables:
            go_env_rules.check_env_file_name(name)
    for entry in args["path"]:
        if not path_list.normalize(entry) or ";" in entry:
            raise ValueError(f"path entry {entry!r} must be one non-empty directory")
    if args["profile"] and any(c in args["profile"] for c in '\\/:*?"<>|'):
        raise ValueError(f"profile must be a user name, not {args['profile']!r}")
    return variables, warnings


def plan(seen: Seen, args: dict[str, Any],
         variables: dict[str, str]) -> tuple[list[Change], dict[str, str]]:
    """The changes to make and the scope's values afterwards (stored names kept)."""
    after = dict(seen.values)
    changes: list[Change] = []
    # a go env file's names match exactly; environment names ignore case
    file_scope = args["scope"] == "go_env_file"

    def stored(name: str) -> str | None:
        if file_scope:
            return name if name in after else None
        return seen.stored(name)

    def put(name: str, value: str | None, reason: str) -> None:
        key = stored(name) or name
        before = seen.values.get(key)
        if before == value:
            return
        if value is None:
            after.pop(key, None)
        else:
            after[key] = value
        changes.append(Change(key, before, value, reason))

    present = args["state"] == "present"
    for name, value in variables.items():
        if present:
            put(name, value, "set")
        elif stored(name) is not None:
            put(name, None, "absent")
    if args["exclusive"]:
        wanted = {n.casefold() for n in variables}
        for name in list(seen.values):
            if name.casefold() not in wanted and (
                file_scope or go_env_rules.is_managed_name(name)
            ):
                put(name, None, "exclusive")
    if args["path"]:
        key = stored(PATH_NAME) or PATH_NAME
        current = seen.values.get(key)
        expand = path_list.expander({**seen.inherited, **seen.values})
        if present:
            value = current if current is not None else seen.inherited_path or ""
            if args["path_placement"] == "prepend":
                for entry in reversed(args["path"]):
                    value = path_list.place_first(value, entry, expand)
            else:
                for entry in args["path"]:
                    value = path_list.ensure_before(value, entry, [], expand)
        else:
            value = path_list.remove(current, args["path"], expand)
        put(key, value or None, "path")
    return changes, after


def is_managed(name: str, args: dict[str, Any]) -> bool:
    """Whether ``name`` is this task's business, so the diff shows it even unchanged.

    PATH only when the task sets path entries; in a go env file every name is
    Go's; elsewhere only the Go variables (:func:`go_env_rules.is_managed_name`).
    """
    if name.casefold() == PATH_NAME.casefold():
        return bool(args["path"])
    return args["scope"] == "go_env_file" or go_env_rules.is_managed_name(name)


def diff_names(seen: Seen, changes: list[Change], after: dict[str, str],
               args: dict[str, Any]) -> list[str]:
    """The names the diff shows: the changed ones and the managed ones still there."""
    return sorted({c.name for c in changes}
                  | {n for n in seen.values if n in after or is_managed(n, args)},
                  key=str.casefold)


def env_view(names: list[str], values: dict[str, str]) -> str:
    """``NAME=value`` lines for the diff, secrets masked, one newline-ended line a name."""
    lines = []
    for name in names:
        if name in values:
            lines.append(f"{name}={go_env_rules.shown(name, values[name])}")
    return "\n".join(lines) + ("\n" if lines else "")


def path_value(after: dict[str, str]) -> str | None:
    """The scope's PATH after the run, whatever its stored spelling (``None`` = absent)."""
    key = next((n for n in after if n.casefold() == PATH_NAME.casefold()), None)
    return after.get(key) if key else None
