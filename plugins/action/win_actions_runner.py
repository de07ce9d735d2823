"""Action plugin of winops.golang.win_actions_runner: a GitHub Actions runner as a service.

Round trips: one read batch (plus one for the host name when ``name`` is not
given and no ``winops_go`` facts are known). A new or re-registered runner
costs two more: the package and ``config.cmd`` (whose exit code the
controller checks), then the service, its rights and environment. A change
to the service alone costs one. Tokens and releases come from GitHub on the
controller, once per run per scope (see ``plugin_utils/github_api.py``).
"""

from __future__ import annotations

import os
from typing import Any

from ansible.errors import AnsibleActionFail

from ansible_collections.winops.golang.plugins.module_utils import (
    actions_runner,
    actions_runner_plan,
    github_runner_api,
)
from ansible_collections.winops.golang.plugins.module_utils.actions_runner_plan import (
    Decision,
    Observed,
    Op,
    RunnerOptions,
)
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    AgentError,
    Batch,
)
from ansible_collections.winops.golang.plugins.plugin_utils import controller_files, github_api
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction

_SECRET = {"type": "str", "no_log": True}


def _run(client: AgentClient, ops: list[Op], check_mode: bool = False) -> list[dict[str, Any]]:
    batch = Batch()
    for op, args in ops:
        batch.add(op, **args)
    return client.run(batch, check_mode=check_mode).results


class ActionModule(AgentAction):
    """Validate on the controller, read once, then register and configure when needed."""

    ARGUMENT_SPEC: dict[str, Any] = {
        "url": {"type": "str", "required": True},
        "state": {"type": "str", "default": "present", "choices": list(actions_runner_plan.STATES)},
        "name": {"type": "str"},
        "labels": {"type": "list", "elements": "str", "default": []},
        "runner_group": {"type": "str"},
        "work": {"type": "str", "default": actions_runner.DEFAULT_WORK},
        "ephemeral": {"type": "bool", "default": False},
        "disable_update": {"type": "bool", "default": False},
        "replace": {"type": "bool", "default": False},
        "folder": {"type": "str"},
        "account": {"type": "str", "default": "NT AUTHORITY\\NetworkService"},
        "password": dict(_SECRET),
        "version": {"type": "str", "default": "latest"},
        "package_url": {"type": "str"},
        "src": {"type": "path"},
        "checksum": {"type": "str"},
        "registration_token": dict(_SECRET),
        "remove_token": dict(_SECRET),
        "github_token": dict(_SECRET),
        "api_url": {"type": "str"},
        "releases_api_url": {"type": "str", "default": github_runner_api.GITHUB_API_URL},
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path"},
        "token_cache_dir": {"type": "path"},
        "go_root": {"type": "str"},
        "go_cache": {"type": "str"},
        "go_mod_cache": {"type": "str"},
        "go_toolchain": {"type": "str", "default": "local"},
        "environment": {"type": "dict", "default": {}},
        "start_mode": {"type": "str", "default": "auto",
                       "choices": list(actions_runner_plan.START_MODES)},
        "recovery": {"type": "dict"},
        "timeout": {"type": "int", "default": 300},
    }
    MUTUALLY_EXCLUSIVE: list[list[str]] = [["package_url", "src"]]

    def execute(self, args: dict[str, Any], client: AgentClient,
                task_vars: dict[str, Any]) -> dict[str, Any]:
        try:
            # Checked before the host name is known, so bad input costs no round trip.
            actions_runner_plan.parse_options(args, "WINOPS-CHECK")
            opts = actions_runner_plan.parse_options(
                args, self._hostname(args, client, task_vars))
            for key in ("api_url", "releases_api_url"):
                if args.get(key):
                    args[key] = github_runner_api.check_api_url(args[key], key)
            if args.get("src") and not os.path.isfile(args["src"]):
                raise actions_runner.RunnerError(f"src {args['src']} is not a file on the "
                                                 "controller")
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from None
        reads = actions_runner_plan.read_ops(opts)
        keys = list(reads)
        seen = actions_runner_plan.observe(opts, keys, _run(client, [reads[k] for k in keys]))
        if opts.state == "absent":
            return self._absent(opts, seen, args, client)
        return self._present(opts, seen, args, client)

    # ------------------------------------------------------------------ inputs

    def _hostname(self, args: dict[str, Any], client: AgentClient,
                  task_vars: dict[str, Any]) -> str:
        """The host's NetBIOS name (the default runner name), from facts or one read."""
        if args.get("name"):
            return str(args["name"])
        known = ((task_vars.get("ansible_facts") or {}).get("winops_go") or {}).get("hostname")
        if known:
            return str(known)
        return str(_run(client, [("facts.get", {})])[0]["hostname"])

    def _client(self, opts: RunnerOptions, args: dict[str, Any]) -> github_api.GitHubClient:
        """The GitHub client of this task, with the run's shared cache."""
        cache = args.get("token_cache_dir") or github_api.run_cache_dir()
        return github_api.GitHubClient(
            args.get("github_token") or "-",
            server=github_runner_api.server_url(actions_runner.web_origin(opts.spec.url)),
            api=args.get("api_url"), releases_api=args["releases_api_url"], cache_dir=cache,
            validate_certs=args["validate_certs"], ca_path=args.get("ca_path"))

    def _token(self, opts: RunnerOptions, args: dict[str, Any], kind: str) -> str:
        given = args.get("registration_token" if kind == "registration" else "remove_token")
        if given:
            return str(given)
        client = self._client(opts, args)
        scope = actions_runner.api_scope(opts.spec.url)
        token = client.registration_token(scope) if kind == "registration" else \
            client.remove_token(scope)
        return token.token

    def _package(self, opts: RunnerOptions, args: dict[str, Any],
                 seen: Observed) -> tuple[str, str, str, str]:
        """``(source, sha256, filename, version)`` of the package the host installs."""
        version = opts.version
        sha256 = opts.checksum
        url = None
        if version == "latest" or (sha256 is None and not opts.src):
            release = self._client(opts, args).release(version)
            version, url = release.version, release.url
            sha256 = sha256 or release.sha256
        github_runner_api.check_runner_version(version)
        filename = github_runner_api.package_filename(version)
        if opts.src:
            local = controller_files.sha256_file(opts.src)
            if sha256 and local != sha256:
                raise ValueError(f"src {opts.src} has SHA-256 {local}, not the checksum "
                                 f"{sha256}")
            staged = controller_files.staging_path(seen.facts, filename)
            controller_files.push(self._connection, opts.src, staged)
            return staged, local, filename, version
        source = actions_runner_plan.package_location(opts, version, filename) or url
        if source is None or sha256 is None:
            raise ValueError("the package's SHA-256 is unknown: give checksum")
        return source, sha256, filename, version

    # ----------------------------------------------------------------- present

    def _present(self, opts: RunnerOptions, seen: Observed, args: dict[str, Any],
                 client: AgentClient) -> dict[str, Any]:
        decision = actions_runner_plan.decide(opts, seen)
        prepare, prepare_changes = actions_runner_plan.prepare_ops(opts, seen)
        service_ops, service_changes = actions_runner_plan.service_ops(
            opts, seen, restart=decision.register is not None)
        environment = actions_runner_plan.desired_environment(opts, seen)
        changes = decision.reasons + prepare_changes + service_changes
        records = actions_runner_plan.needs_records(opts, seen, list(environment))
        changed = bool(decision.install or decision.register or prepare or service_ops
                       or records)
        version = seen.record.get("version")
        if changed and not self.check_mode:
            try:
                version = self._apply(
                    opts, seen, args, client, decision, prepare, service_ops, list(environment))
            except github_runner_api.GitHubApiError as exc:
                raise AnsibleActionFail(str(exc)) from None
        return self._report(opts, seen, decision, changed, changes, version, environment)

    def _apply(self, opts: RunnerOptions, seen: Observed, args: dict[str, Any],
               client: AgentClient, decision: Decision, prepare: list[Op],
               service_ops: list[Op], environment: list[str]) -> str | None:
        """One batch: the package, the account's directories and rights, ``config.cmd``
        (its exit code checked on the host, so nothing after it runs when it fails), the
        service and the records. A failure up to ``config.cmd`` is undone in one more batch.
        """
        version, sha256 = seen.record.get("version"), seen.record.get("sha256")
        ops: list[Op] = []
        token = ""
        if decision.install:
            source, sha256, filename, version = self._package(opts, args, seen)
            ops += actions_runner_plan.package_ops(opts, source, sha256, filename)
        aside: list[Op] = []
        if decision.register == "replace":
            aside = actions_runner_plan.set_aside_ops(opts, seen)
        aside_at = len(ops)
        ops += aside + prepare
        config_at = len(ops)
        if decision.register:
            token = self._token(opts, args, "registration")
            arguments = actions_runner.config_arguments(opts.spec)
            if decision.register == "replace" and "--replace" not in arguments:
                arguments.append("--replace")
            ops.append(actions_runner_plan.config_exec(
                opts, actions_runner.config_environment(token), arguments))
            if aside:
                ops += actions_runner_plan.drop_previous_ops(opts)
        ops += service_ops + actions_runner_plan.record_ops(opts, version, sha256, environment)
        try:
            _run(client, ops)
        except AgentError as err:
            if not decision.register or err.index is None or err.index > config_at:
                raise
            moved = {args["src"] for k, (op, args) in enumerate(aside, start=aside_at)
                     if op == "file.move" and k < err.index}
            if aside:
                _run(client, actions_runner_plan.restore_ops(opts, seen, moved))
            elif not seen.folder_exists:
                # No half-made runner folder stays behind.
                _run(client, [("file.remove", {"path": opts.spec.folder})])
            if err.index == config_at and err.code == "error":
                raise AnsibleActionFail(actions_runner_plan.config_failure(
                    opts, err.message, secrets=(token,))) from None
            raise
        return version

    # ------------------------------------------------------------------ absent

    def _absent(self, opts: RunnerOptions, seen: Observed, args: dict[str, Any],
                client: AgentClient) -> dict[str, Any]:
        removal = actions_runner_plan.removal_ops(opts, seen)
        changes = [f"{what}: removed" for what, present in (
            (f"service {opts.service_name}", seen.service.get("exists")),
            (f"registration of {opts.spec.name} at {opts.spec.url}", seen.registered),
            (f"folder {opts.spec.folder}", seen.folder_exists)) if present]
        if removal and not self.check_mode:
            ops: list[Op] = []
            token = ""
            if seen.registered and seen.has_package:
                try:
                    token = self._token(opts, args, "remove")
                except github_runner_api.GitHubApiError as exc:
                    raise AnsibleActionFail(str(exc)) from None
                if seen.service.get("exists"):
                    ops.append(("service.control", {"name": opts.service_name,
                                                    "state": "stopped", "timeout": 60}))
                ops.append(actions_runner_plan.config_exec(
                    opts, actions_runner.config_environment(token),
                    actions_runner.remove_arguments()))
            try:
                _run(client, ops + removal)
            except AgentError as err:
                if not token or err.index != len(ops) - 1 or err.code != "error":
                    raise
                if seen.service.get("state") == "running":
                    _run(client, [("service.control", {"name": opts.service_name,
                                                       "state": "started", "timeout": 60})])
                raise AnsibleActionFail(actions_runner_plan.config_failure(
                    opts, err.message, secrets=(token,), action="unregister")) from None
        result: dict[str, Any] = {
            "changed": bool(removal), "name": opts.spec.name, "url": opts.spec.url,
            "folder": opts.spec.folder, "service_name": opts.service_name, "changes": changes,
            "registered": False, "reregistered": False,
        }
        if self.diff_mode:
            result["diff"] = {"before": "".join(f"{line.split(':')[0]}: present\n"
                                                for line in changes),
                              "after": "".join(f"{line.split(':')[0]}: absent\n"
                                               for line in changes)}
        return result

    # ------------------------------------------------------------------ report

    def _report(self, opts: RunnerOptions, seen: Observed, decision: Decision, changed: bool,
                changes: list[str], version: str | None,
                environment: dict[str, str]) -> dict[str, Any]:
        spec = opts.spec
        result: dict[str, Any] = {
            "changed": changed, "name": spec.name, "url": spec.url, "folder": spec.folder,
            "service_name": opts.service_name, "version": version,
            "labels": list(spec.labels), "account": spec.account.object_name,
            "registered": decision.register == "configure",
            "reregistered": decision.register == "replace",
            "service": {"state": seen.service.get("state") or "absent" if self.check_mode
                        or not changed else "running",
                        "start_mode": opts.start_mode, "account": spec.account.object_name},
            "environment": environment,
            "changes": changes,
        }
        if decision.warnings:
            result["warnings"] = decision.warnings
        if self.diff_mode:
            result["diff"] = actions_runner_plan.diff(opts, seen, environment)
        return result
