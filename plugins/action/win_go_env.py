"""Action plugin of winops.golang.win_go_env: the Go environment of one scope.

A scope is where a process reads its environment from: the machine or user
environment key, a service's own ``Environment`` value, or the file ``go env
-w`` writes. Each is read in one batch and written in at most one more, with
compare-and-set (``expected``) so a concurrent writer is never overwritten;
a lost race (``conflict``) re-reads and plans again, a bounded number of times.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import (
    acl,
    go_env_rules,
    path_list,
    winpath,
)
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    AgentError,
    Batch,
)
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction

SERVICES_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services"
ENV_SCOPES = ("machine", "user")
PATH_NAME = "Path"
NETRC_NAME = "_netrc"
DIR_VARIABLES = ("GOPATH", "GOCACHE", "GOMODCACHE")


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
        for key in self.values:
            if key.casefold() == name.casefold():
                return key
        return None


@dataclass
class Change:
    """One variable before and after (``None`` = absent)."""

    name: str
    before: str | None
    after: str | None
    reason: str = "set"


class ActionModule(AgentAction):
    """Set, remove and clean up Go variables and PATH entries in one scope."""

    ARGUMENT_SPEC: dict[str, Any] = {
        "scope": {
            "type": "str",
            "default": "machine",
            "choices": ["machine", "user", "service", "go_env_file"],
        },
        "service": {"type": "str"},
        "profile": {"type": "str"},
        "env_file": {"type": "str"},
        "variables": {"type": "dict", "default": {}},
        "path": {"type": "list", "elements": "str", "default": []},
        "path_placement": {"type": "str", "default": "append", "choices": ["prepend", "append"]},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "exclusive": {"type": "bool", "default": False},
        "services": {"type": "list", "elements": "str", "default": []},
        "conflict_retries": {"type": "int", "default": 3},
        "netrc": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "no_log": True,
            "options": {
                "machine": {"type": "str", "required": True},
                "login": {"type": "str", "required": True},
                "password": {"type": "str", "required": True, "no_log": True},
            },
        },
        "netrc_user": {"type": "str"},
        "netrc_state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "directories": {"type": "list", "elements": "str", "default": []},
        "directories_account": {"type": "str"},
    }
    MUTUALLY_EXCLUSIVE = [["profile", "env_file"]]
    REQUIRED_IF = [["scope", "service", ["service"]]]

    # -- entry point ---------------------------------------------------------------

    def execute(
        self, args: dict[str, Any], client: AgentClient, task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        self._warnings: list[str] = []
        variables = self._check_args(args)
        scope = args["scope"]
        facts = _facts(task_vars)
        target = self._target(args, facts, task_vars)
        self._extras = self._extra_spec(args, variables, facts, task_vars)
        attempts = args["conflict_retries"] + 1
        for attempt in range(1, attempts + 1):
            seen = self._read(client, args, target, with_facts=facts is None)
            if scope == "go_env_file" and facts is None and not (
                args["profile"] or args["env_file"]
            ):
                facts = seen.facts or {}
                real = _default_env_file(facts)
                if real and not winpath.same_path(real, target):
                    target = real
                    seen = self._read(client, args, target, with_facts=False)
            changes, after_values = plan(seen, args, variables)
            extra_ops, self._extra_report = self._plan_extras(seen)
            if not (changes or extra_ops) or self.check_mode:
                return self._result(args, target, seen, changes, after_values, None, client)
            batch = (self._write_batch(args, target, seen, changes, after_values)
                     if changes else Batch())
            for op, op_args in extra_ops:
                batch.add(op, **op_args)
            try:
                written = client.run(batch)
            except AgentError as err:
                if err.code == "conflict" and attempt < attempts:
                    continue
                if err.code == "conflict":
                    err.message += (f" (gave up after {attempts} attempts: another writer "
                                    "keeps changing this scope)")
                raise
            return self._result(args, target, seen, changes, after_values, written, client)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- arguments -----------------------------------------------------------------

    def _check_args(self, args: dict[str, Any]) -> dict[str, str]:
        scope = args["scope"]
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
            self._warnings += warnings
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
        return variables

    def _target(self, args: dict[str, Any], facts: dict[str, Any] | None,
                task_vars: dict[str, Any]) -> str:
        scope = args["scope"]
        if scope in ENV_SCOPES:
            return scope
        if scope == "service":
            name = args["service"]
            if not name or any(c in name for c in "\\/"):
                raise ValueError(f"service must be a service name, not {name!r}")
            return f"{SERVICES_KEY}\\{name}"
        if args["env_file"]:
            return winpath.validate(args["env_file"], "env_file")
        if args["profile"]:
            profiles = r"C:\Users"
            profile = ((facts or {}).get("user") or {}).get("profile")
            if profile:
                profiles = winpath.parent(profile)
            return winpath.join(profiles, args["profile"], "AppData", "Roaming", "go", "env")
        guess = _default_env_file(facts or {})
        if guess:
            return guess
        user = str(task_vars.get("ansible_user") or "Administrator")
        user = user.rsplit("\\", maxsplit=1)[-1].split("@", maxsplit=1)[0] or "Administrator"
        return rf"C:\Users\{user}\AppData\Roaming\go\env"

    # -- host ------------------------------------------------------------------------

    def _read(self, client: AgentClient, args: dict[str, Any], target: str,
              *, with_facts: bool) -> Seen:
        scope = args["scope"]
        batch = Batch()
        i_facts = i_machine = None
        if scope == "go_env_file" and with_facts and not (args["profile"] or args["env_file"]):
            i_facts = batch.add("facts.get")
        if scope in ENV_SCOPES:
            i_main = batch.add("env.get", scope=scope)
        elif scope == "service":
            i_main = batch.add("reg.get", path=target)
            i_machine = batch.add("env.get", scope="machine") if args["path"] else None
        else:
            i_main = batch.add("file.read", path=target)
        i_svc = {name: batch.add("reg.get", path=f"{SERVICES_KEY}\\{name}")
                 for name in args["services"]}
        i_extra = self._extra_reads(batch)
        res = client.run(batch, check_mode=self.check_mode)
        seen = Seen(facts=res[i_facts] if i_facts is not None else None)
        main = res[i_main]
        if scope in ENV_SCOPES:
            for name, item in main["vars"].items():
                seen.values[name] = item["value"]
                seen.types[name] = item["type"]
        elif scope == "service":
            if not main.get("key_exists"):
                raise ValueError(
                    f"service {args['service']!r} does not exist on the host "
                    f"({target} is missing)"
                )
            env = (main.get("values") or {}).get("Environment")
            entries = list(env["value"]) if env and isinstance(env.get("value"), list) else []
            seen.raw = env
            seen.values = parse_service_env(entries)
            if i_machine is not None:
                seen.inherited, seen.inherited_path = inherited_env(res[i_machine]["vars"])
                if seen.stored(PATH_NAME) is None and args["state"] == "present":
                    self._warnings.append(
                        f"service {args['service']!r} had no Path of its own: it now has one, "
                        "started from the machine Path (expanded); later machine Path "
                        "changes no longer reach it"
                    )
        else:
            seen.exists = bool(main.get("exists"))
            data = base64.b64decode(main["content_b64"]) if seen.exists else None
            if main.get("truncated"):
                raise ValueError(f"{target} is too large to be a go env file")
            seen.raw = data
            text = data.decode("utf-8-sig", "replace") if data is not None else ""
            seen.values = go_env_rules.parse_env_file(text)
        for name, index in i_svc.items():
            seen.services[name] = res[index]
        seen.extra = {key: res[index] for key, index in i_extra.items()}
        return seen

    def _write_batch(self, args: dict[str, Any], target: str, seen: Seen,
                     changes: list[Change], after: dict[str, str]) -> Batch:
        scope = args["scope"]
        batch = Batch()
        if scope in ENV_SCOPES:
            # PATH first: it is what concurrent plays race on, and a conflict on the
            # first op leaves nothing half-applied before the retry.
            for change in sorted(changes, key=lambda c: c.reason != "path"):
                if change.after is None:
                    batch.add("env.remove", scope=scope, name=change.name,
                              expected=change.before)
                else:
                    batch.add("env.set", scope=scope, name=change.name, value=change.after,
                              expected=change.before)
        elif scope == "service":
            old = list(seen.raw["value"]) if seen.raw else []
            new = render_service_env(old, after)
            if new:
                batch.add("reg.set", path=target, name="Environment", type="REG_MULTI_SZ",
                          value=new,
                          expected={"type": "REG_MULTI_SZ", "value": old} if seen.raw else None)
            else:
                batch.add("reg.remove", path=target, name="Environment")
        else:
            old_text = seen.raw.decode("utf-8-sig", "replace") if seen.raw is not None else ""
            removed = {c.name for c in changes if c.after is None}
            added = {c.name: c.after for c in changes if c.after is not None}
            text = go_env_rules.update_env_file(old_text, added, removed)
            batch.add("file.mkdir", path=winpath.parent(target))
            batch.add(
                "file.write",
                path=target,
                content_b64=base64.b64encode(text.encode("utf-8")).decode("ascii"),
                expected_sha256=(hashlib.sha256(seen.raw).hexdigest()
                                 if seen.raw is not None else None),
            )
        return batch

    # -- result ----------------------------------------------------------------------

    def _result(self, args: dict[str, Any], target: str, seen: Seen, changes: list[Change],
                after: dict[str, str], written: Any, client: AgentClient) -> dict[str, Any]:
        masked = go_env_rules.shown
        report = self._extra_report
        extra_changed = bool(report.get("netrc", {}).get("changed")) or any(
            d["changed"] for d in report.get("directories", []))
        result: dict[str, Any] = {
            "changed": bool(changes) or extra_changed,
            "scope": args["scope"],
            "target": target,
            "changes": [
                {"name": c.name, "before": masked(c.name, c.before),
                 "after": masked(c.name, c.after), "reason": c.reason}
                for c in changes
            ],
            "variables": {n: masked(n, v) for n, v in after.items()
                          if n.casefold() != PATH_NAME.casefold()},
            "removed": [c.name for c in changes if c.after is None],
            "services_needing_reboot": self._reboot_hint(args, seen, changes),
            "broadcast": bool(written.broadcast) if written is not None else False,
            "round_trips": client.round_trips,
        }
        result.update(report)
        if args["path"]:
            key = next((n for n in after if n.casefold() == PATH_NAME.casefold()), None)
            result["path_value"] = after.get(key) if key else None
        if self.diff_mode:
            header = f"{args['scope']}: {target}"
            names = sorted({c.name for c in changes}
                           | {n for n in seen.values if n in after or _managed(n, args)},
                           key=str.casefold)
            result["diff"] = {
                "before_header": header,
                "after_header": header,
                "before": _view(names, seen.values) + self._extra_diff["before"],
                "after": _view(names, after) + self._extra_diff["after"],
            }
        if self._warnings:
            result["warnings"] = self._warnings
        return result

    # -- netrc and directories ------------------------------------------------------

    def _extra_spec(self, args: dict[str, Any], variables: dict[str, str],
                    facts: dict[str, Any] | None, task_vars: dict[str, Any]) -> dict[str, Any]:
        """What the netrc and directories options ask for, checked on the controller."""
        spec: dict[str, Any] = {"accounts": []}
        if args["netrc"] and args["netrc_state"] == "absent":
            raise ValueError("netrc entries go with netrc_state: present")
        if args["netrc"] or args["netrc_state"] == "absent" or args["netrc_user"]:
            if args["netrc_state"] == "present" and not args["netrc"]:
                raise ValueError("netrc_user goes with netrc (or netrc_state: absent)")
            content = render_netrc(args["netrc"]) if args["netrc_state"] == "present" else None
            account, profile = _netrc_account(args["netrc_user"], facts, task_vars)
            spec["netrc"] = {
                "path": winpath.join(profile, NETRC_NAME),
                "account": account,
                "state": args["netrc_state"],
                "content": content,
                "sha256": hashlib.sha256(content).hexdigest() if content is not None else None,
                "machines": sorted((e["machine"] for e in args["netrc"]), key=str.casefold),
            }
            spec["accounts"].append(account)
        if args["directories_account"] and not args["directories"]:
            raise ValueError("directories_account goes with directories")
        if args["directories"]:
            if not args["directories_account"]:
                raise ValueError("directories needs directories_account")
            spec["directories"] = directory_paths(args["directories"], variables)
            spec["dir_account"] = args["directories_account"]
            if args["directories_account"] not in spec["accounts"]:
                spec["accounts"].append(args["directories_account"])
        return spec

    def _extra_reads(self, batch: Batch) -> dict[str, int]:
        spec = self._extras
        out: dict[str, int] = {}
        if spec["accounts"]:
            out["accounts"] = batch.add("acl.resolve", names=spec["accounts"])
        if "netrc" in spec:
            out["netrc.stat"] = batch.add("file.stat", path=spec["netrc"]["path"], checksum=True)
            if spec["netrc"]["state"] == "present":
                out["netrc.acl"] = batch.add("acl.get", path=spec["netrc"]["path"])
                out["netrc.dot"] = batch.add("file.stat", path=_dot_netrc(spec["netrc"]["path"]))
        for i, path in enumerate(spec.get("directories", [])):
            out[f"dir{i}.stat"] = batch.add("file.stat", path=path)
            out[f"dir{i}.acl"] = batch.add("acl.get", path=path)
        return out

    def _plan_extras(
        self, seen: Seen
    ) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
        """The write ops for netrc and directories, and what to report about them."""
        spec = self._extras
        ops: list[tuple[str, dict[str, Any]]] = []
        report: dict[str, Any] = {}
        self._extra_diff = {"before": "", "after": ""}
        if not spec["accounts"]:
            return ops, report
        sids: dict[str, str] = {}
        resolved = seen.extra["accounts"]["accounts"]
        for i, name in enumerate(spec["accounts"]):
            item = resolved[i] if i < len(resolved) else {}
            if not item.get("exists") or not item.get("sid"):
                raise ValueError(f"account {name!r} does not exist on the host")
            sids[name] = item["sid"]
        if "netrc" in spec:
            net = spec["netrc"]
            stat = seen.extra["netrc.stat"]
            exists = bool(stat.get("exists"))
            entry: dict[str, Any] = {"path": net["path"], "state": net["state"],
                                     "entries": len(net["machines"]),
                                     "machines": net["machines"],
                                     "content_changed": False, "acl_changed": False}
            before_view = ("netrc: <present>" if exists else "netrc: <absent>")
            if net["state"] == "absent":
                if exists:
                    ops.append(("file.remove", {"path": net["path"]}))
                    entry["content_changed"] = True
                after_view = "netrc: <absent>"
            else:
                same = exists and stat.get("sha256") == net["sha256"]
                if not same:
                    ops.append(("file.write", {
                        "path": net["path"],
                        "content_b64": base64.b64encode(net["content"]).decode("ascii"),
                        "expected_sha256": stat.get("sha256") if exists else None,
                    }))
                    entry["content_changed"] = True
                desired = netrc_acl(sids[net["account"]])
                observed = seen.extra["netrc.acl"]
                diffs = (acl.compare(desired, acl.Acl.from_doc(observed))
                         if observed.get("exists") else ["new"])
                if diffs:
                    set_args = desired.set_args()
                    if same:
                        set_args["expected"] = observed.get("hash")
                    set_args["path"] = net["path"]
                    ops.append(("acl.set", set_args))
                    entry["acl_changed"] = True
                if seen.extra["netrc.dot"].get("exists"):
                    self._warnings.append(
                        f"{_dot_netrc(net['path'])} exists: Go 1.24 and later read it instead "
                        f"of {net['path']}; remove it or move its entries to netrc")
                after_view = netrc_view(net["machines"])
                if same:
                    before_view = after_view
                elif exists:
                    before_view = "netrc: <present, other content>"
                owners = f" (ACL: {net['account']}, SYSTEM, Administrators)"
                after_view += owners
                if exists:
                    before_view += " (ACL differs)" if entry["acl_changed"] else owners
            entry["changed"] = entry["content_changed"] or entry["acl_changed"]
            report["netrc"] = entry
            self._extra_diff["before"] += before_view + "\n"
            self._extra_diff["after"] += after_view + "\n"
        if "directories" in spec:
            desired = directory_acl(sids[spec["dir_account"]])
            out = []
            for i, path in enumerate(spec["directories"]):
                stat = seen.extra[f"dir{i}.stat"]
                got = seen.extra[f"dir{i}.acl"]
                if stat.get("exists") and stat.get("type") != "directory":
                    raise ValueError(f"{path} exists and is not a directory")
                created = not stat.get("exists")
                diffs = [] if created else acl.compare(desired, acl.Acl.from_doc(got))
                if created:
                    ops.append(("file.mkdir", {"path": path}))
                if created or diffs:
                    set_args = desired.set_args()
                    set_args["path"] = path
                    if not created:
                        set_args["expected"] = got.get("hash")
                    ops.append(("acl.set", set_args))
                item = {"path": path, "created": created, "acl_changed": bool(created or diffs),
                        "acl_differences": [d.describe() for d in diffs]}
                item["changed"] = item["created"] or item["acl_changed"]
                out.append(item)
                state = "absent" if created else (
                    "directory, ACL differs" if diffs else "directory, ACL as wanted")
                self._extra_diff["before"] += f"directory {path}: {state}\n"
                self._extra_diff["after"] += f"directory {path}: directory, ACL as wanted\n"
            report["directories"] = out
        return ops, report

    def _reboot_hint(self, args: dict[str, Any], seen: Seen,
                     changes: list[Change]) -> list[str]:
        if args["scope"] != "machine" or not changes:
            return []
        out = []
        for name, res in seen.services.items():
            if not res.get("key_exists"):
                self._warnings.append(f"service {name!r} does not exist on the host")
                continue
            env = (res.get("values") or {}).get("Environment")
            own = parse_service_env(env["value"] if env and isinstance(env.get("value"),
                                                                       list) else [])
            own_names = {n.casefold() for n in own}
            if all(c.name.casefold() in own_names for c in changes):
                continue  # its own Environment overrides every changed name
            out.append(name)
        return out


# -- planning (pure) ------------------------------------------------------------------


def plan(seen: Seen, args: dict[str, Any],
         variables: dict[str, str]) -> tuple[list[Change], dict[str, str]]:
    """The changes to make and the scope's values afterwards (stored names kept)."""
    after = dict(seen.values)
    changes: list[Change] = []
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


def _managed(name: str, args: dict[str, Any]) -> bool:
    if name.casefold() == PATH_NAME.casefold():
        return bool(args["path"])
    return args["scope"] == "go_env_file" or go_env_rules.is_managed_name(name)


def parse_service_env(entries: list[str]) -> dict[str, str]:
    """A service's ``Environment`` strings (``NAME=value``) as a dict, first ``=`` splits."""
    out: dict[str, str] = {}
    for item in entries:
        name, sep, value = str(item).partition("=")
        if sep and name:
            out[name] = value
    return out


def render_service_env(old: list[str], after: dict[str, str]) -> list[str]:
    """The ``Environment`` list for ``after``: existing strings keep their place."""
    remaining = dict(after)
    out: list[str] = []
    for item in old:
        name, sep, _value = str(item).partition("=")
        if not sep or not name:
            out.append(item)
            continue
        if name in remaining:
            out.append(f"{name}={remaining.pop(name)}")
    out += [f"{name}={value}" for name, value in remaining.items()]
    return out


def inherited_env(machine: dict[str, dict[str, Any]]) -> tuple[dict[str, str], str | None]:
    """The machine variables expanded as a service receives them, and its Path.

    A service's own ``Environment`` strings are not expanded, so a Path copied
    from the machine key is expanded here (``SystemRoot`` defaults to C:\\Windows).
    """
    values = {"SystemRoot": "C:\\Windows", "SystemDrive": "C:"}
    values.update({name: item["value"] for name, item in machine.items()})
    expand = path_list.expander(values)
    expanded = {name: expand(value) for name, value in values.items()}
    path = next((v for n, v in expanded.items() if n.casefold() == PATH_NAME.casefold()), None)
    return expanded, path


def _view(names: list[str], values: dict[str, str]) -> str:
    lines = []
    for name in names:
        if name in values:
            lines.append(f"{name}={go_env_rules.shown(name, values[name])}")
    return "\n".join(lines) + ("\n" if lines else "")


def _facts(task_vars: dict[str, Any]) -> dict[str, Any] | None:
    for candidate in (
        task_vars.get("winops_go"),
        (task_vars.get("ansible_facts") or {}).get("winops_go"),
    ):
        if isinstance(candidate, dict) and isinstance(candidate.get("user"), dict):
            return dict(candidate)
    return None


def _default_env_file(facts: dict[str, Any]) -> str | None:
    appdata = (facts.get("user") or {}).get("appdata")
    return winpath.join(appdata, "go", "env") if appdata else None


# -- netrc and directories (pure) -------------------------------------------------------


def render_netrc(entries: list[dict[str, Any]]) -> bytes:
    """The ``_netrc`` content: one ``machine X login Y password Z`` line per entry,
    sorted by machine (case-insensitively). Go's parser splits on white space and
    has no quoting, so a token with white space (or empty) is refused; so are
    two entries for one machine."""
    lines = []
    seen: set[str] = set()
    for entry in sorted(entries, key=lambda e: str(e.get("machine") or "").casefold()):
        tokens = []
        for key in ("machine", "login", "password"):
            value = entry.get(key)
            if not isinstance(value, str) or not value or any(c.isspace() for c in value):
                # Never name the value: it may be a password.
                raise ValueError(f"netrc entry {key} must be a non-empty string "
                                 "without white space")
            if value.startswith("#"):
                raise ValueError(f"netrc entry {key} must not start with #")
            tokens.append(value)
        machine = tokens[0].casefold()
        if machine in seen:
            raise ValueError(f"netrc lists machine {tokens[0]!r} more than once")
        seen.add(machine)
        lines.append(f"machine {tokens[0]} login {tokens[1]} password {tokens[2]}\n")
    return "".join(lines).encode("utf-8")


def netrc_view(machines: list[str]) -> str:
    """The masked diff text: how many entries and for which machines, never credentials."""
    count = len(machines)
    noun = "entry" if count == 1 else "entries"
    return f"netrc: <{count} {noun} for machines {', '.join(machines)}>"


def netrc_acl(account_sid: str) -> acl.Acl:
    """The account, SYSTEM and Administrators full control, protected (as a profile)."""
    full = acl.RIGHTS["FullControl"]
    return acl.protected_acl({acl.ADMINISTRATORS: full, acl.SYSTEM: full, account_sid: full},
                             directory=False)


def directory_acl(account_sid: str) -> acl.Acl:
    """Administrators and SYSTEM full control, the account Modify, owner Administrators."""
    full = acl.RIGHTS["FullControl"]
    return acl.protected_acl({acl.ADMINISTRATORS: full, acl.SYSTEM: full,
                              account_sid: acl.RIGHTS["Modify"]},
                             owner=acl.ADMINISTRATORS)


def directory_paths(entries: list[str], variables: dict[str, str]) -> list[str]:
    """Absolute directories to create: literal paths, or GOPATH/GOCACHE/GOMODCACHE
    standing for their values in this task's variables (every GOPATH element)."""
    out: list[str] = []
    for entry in entries:
        if entry.upper() in DIR_VARIABLES:
            value = next((v for n, v in variables.items() if n.upper() == entry.upper()), None)
            if not value:
                raise ValueError(f"directories names {entry} but variables does not set it")
            paths = [p for p in value.split(";") if p] if entry.upper() == "GOPATH" else [value]
            for path in paths:
                if "%" in path:
                    raise ValueError(f"{entry} {path!r} holds a %VAR% reference; list the "
                                     "directory as an absolute path in directories")
        else:
            paths = [entry]
        for path in paths:
            path = winpath.validate(path, "directories")
            if not any(winpath.same_path(path, p) for p in out):
                out.append(path)
    return out


def _dot_netrc(path: str) -> str:
    return winpath.join(winpath.parent(path), ".netrc")


def _netrc_account(user: str | None, facts: dict[str, Any] | None,
                   task_vars: dict[str, Any]) -> tuple[str, str]:
    """The account the netrc belongs to and its profile folder."""
    me = (facts or {}).get("user") or {}
    if user:
        if any(c in user for c in '/:*?"<>|'):
            raise ValueError(f"netrc_user must be an account name, not {user!r}")
        short = user.rsplit("\\", maxsplit=1)[-1]
        if me.get("name") and me.get("profile") and short.casefold() == me["name"].casefold():
            return user, me["profile"]
        return user, winpath.join("C:\\Users", short)
    if me.get("name"):
        name = f"{me['domain']}\\{me['name']}" if me.get("domain") else me["name"]
        return name, me.get("profile") or winpath.join("C:\\Users", me["name"])
    name = str(task_vars.get("ansible_user") or "Administrator")
    name = name.rsplit("\\", maxsplit=1)[-1].split("@", maxsplit=1)[0] or "Administrator"
    return name, winpath.join("C:\\Users", name)
