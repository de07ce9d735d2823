"""Action plugin of winops.golang.win_go_env: the Go environment of one scope.

A scope is where a process reads its environment from: the machine or user
environment key, a service's own ``Environment`` value, or the file ``go env
-w`` writes. Each is read in one batch and written in at most one more, with
compare-and-set (``expected``) so a concurrent writer is never overwritten;
a lost race (``conflict``) re-reads and plans again, a bounded number of times.

The decisions are pure functions in module_utils: :mod:`go_env_rules` (values),
:mod:`go_env_scope` (the target), :mod:`go_env_plan` (variables and PATH),
:mod:`go_env_service`, :mod:`go_env_netrc` and :mod:`go_env_dirs`. This file
reads, sends and reports.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import (
    go_env_dirs,
    go_env_netrc,
    go_env_rules,
    go_env_scope,
    go_env_service,
    winpath,
)
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    AgentError,
    Batch,
)
from ansible_collections.winops.golang.plugins.module_utils.go_env_plan import (
    PATH_NAME,
    Change,
    FilesPlan,
    Op,
    Seen,
    account_sids,
    check_args,
    diff_names,
    env_view,
    path_value,
    plan,
)
from ansible_collections.winops.golang.plugins.module_utils.go_env_scope import ENV_SCOPES
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction


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
        variables, self._warnings = check_args(args)
        scope = args["scope"]
        facts = go_env_scope.facts_from_vars(task_vars)
        target = go_env_scope.target(args, facts, task_vars)
        self._netrc = go_env_netrc.netrc_spec(args, facts, task_vars)
        self._dirs = go_env_dirs.directories_spec(args, variables)
        attempts = args["conflict_retries"] + 1
        for attempt in range(1, attempts + 1):
            seen = self._read(client, args, target, with_facts=facts is None)
            if scope == "go_env_file" and facts is None and not (
                args["profile"] or args["env_file"]
            ):
                # The target was a guess: the facts read with it name the real file.
                facts = seen.facts or {}
                real = go_env_scope.default_env_file(facts)
                if real and not winpath.same_path(real, target):
                    target = real
                    seen = self._read(client, args, target, with_facts=False)
            changes, after_values = plan(seen, args, variables)
            files = self._plan_files(seen)
            extra_ops = [op for part in files for op in part.ops]
            if not (changes or extra_ops) or self.check_mode:
                return self._result(args, target, seen, changes, after_values, files, None,
                                    client)
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
            return self._result(args, target, seen, changes, after_values, files, written,
                                client)
        raise AssertionError("unreachable")  # pragma: no cover

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
        i_svc = {name: batch.add("reg.get", path=go_env_service.service_key(name))
                 for name in args["services"]}
        i_extra = {key: batch.add(op, **op_args)
                   for key, (op, op_args) in self._file_reads().items()}
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
            seen.raw, entries = go_env_service.environment(main)
            seen.values = go_env_service.parse_service_env(entries)
            if i_machine is not None:
                seen.inherited, seen.inherited_path = go_env_service.inherited_env(
                    res[i_machine]["vars"])
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
            new = go_env_service.render_service_env(old, after)
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

    # -- netrc and directories ------------------------------------------------------

    def _accounts(self) -> list[str]:
        """The accounts the netrc and directories ACLs name, each once, in read order."""
        accounts = [self._netrc.account] if self._netrc else []
        if self._dirs and self._dirs.account not in accounts:
            accounts.append(self._dirs.account)
        return accounts

    def _file_reads(self) -> dict[str, Op]:
        """The read ops of the netrc and directories parts, by result key (for the read batch)."""
        reads: dict[str, Op] = {}
        accounts = self._accounts()
        if accounts:
            reads["accounts"] = ("acl.resolve", {"names": accounts})
        if self._netrc:
            reads.update(go_env_netrc.netrc_reads(self._netrc))
        if self._dirs:
            reads.update(go_env_dirs.directory_reads(self._dirs))
        return reads

    def _plan_files(self, seen: Seen) -> list[FilesPlan]:
        """The netrc and directories plans (write ops, report, diff) from this read."""
        accounts = self._accounts()
        if not accounts:
            return []
        sids = account_sids(accounts, seen.extra["accounts"]["accounts"])
        files = []
        if self._netrc:
            files.append(go_env_netrc.plan_netrc(self._netrc, sids[self._netrc.account],
                                                 seen.extra))
        if self._dirs:
            files.append(go_env_dirs.plan_directories(self._dirs, sids[self._dirs.account],
                                                      seen.extra))
        for part in files:
            self._warnings += part.warnings
        return files

    # -- result ----------------------------------------------------------------------

    def _result(self, args: dict[str, Any], target: str, seen: Seen, changes: list[Change],
                after: dict[str, str], files: list[FilesPlan], written: Any,
                client: AgentClient) -> dict[str, Any]:
        masked = go_env_rules.shown
        reboot: list[str] = []
        if args["scope"] == "machine":
            reboot, warnings = go_env_service.needs_reboot(seen.services,
                                                           [c.name for c in changes])
            self._warnings += warnings
        result: dict[str, Any] = {
            "changed": bool(changes) or any(part.changed for part in files),
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
            "services_needing_reboot": reboot,
            "broadcast": bool(written.broadcast) if written is not None else False,
            "round_trips": client.round_trips,
        }
        result.update({part.key: part.report for part in files})
        if args["path"]:
            result["path_value"] = path_value(after)
        if self.diff_mode:
            header = f"{args['scope']}: {target}"
            names = diff_names(seen, changes, after, args)
            result["diff"] = {
                "before_header": header,
                "after_header": header,
                "before": env_view(names, seen.values) + "".join(p.before for p in files),
                "after": env_view(names, after) + "".join(p.after for p in files),
            }
        if self._warnings:
            result["warnings"] = self._warnings
        return result
