"""Action plugin of winops.golang.win_go_profile: one marked Go block in a PowerShell profile.

Round trips: one read batch (``file.read`` of the profile, with ``facts.get``
when the ``winops_go`` facts are missing), and one write batch (``file.mkdir``
of a missing folder, ``file.write`` compare-and-set on the hash read) only when
the file changes. Without facts the profile's folder is guessed from Windows'
defaults; a host whose folders were relocated costs one more read.
"""

from __future__ import annotations

import base64
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import go_install_layout as gi_layout
from ansible_collections.winops.golang.plugins.module_utils import go_profile, winpath
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    AgentError,
    Batch,
)
from ansible_collections.winops.golang.plugins.module_utils.go_profile_block import render_block
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction

MAX_PROFILE_BYTES = 1048576
_PSHOME = r"System32\WindowsPowerShell\v1.0"
_USER_DIR = r"Documents\WindowsPowerShell"
PROFILE_NAME = "profile.ps1"


class ActionModule(AgentAction):
    """Keep the winops.golang block (go completion, Use-GoVersion) in a PowerShell profile."""

    ARGUMENT_SPEC: dict[str, Any] = {
        "scope": {"type": "str", "default": "all_users", "choices": ["all_users", "user"]},
        "user": {"type": "str"},
        "path": {"type": "str"},
        "install_root": {"type": "str"},
        "completer": {"type": "bool", "default": True},
        "use_go_version": {"type": "bool", "default": True},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    }

    def execute(
        self, args: dict[str, Any], client: AgentClient, task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        self._check_args(args)
        facts = facts_from_vars(task_vars)
        need_facts = not args["path"] or (args["state"] == "present" and not args["install_root"])
        guessed = need_facts and facts is None
        where = self._where(args, facts or guess_facts(task_vars))
        read = self._read(client, where["path"], with_facts=guessed)
        if guessed:
            facts = read["facts"]
            real = self._where(args, facts)
            if not winpath.same_path(real["path"], where["path"]):
                read = self._read(client, real["path"], with_facts=False)
            where = real

        path, root = where["path"], where["install_root"]
        block = None
        if args["state"] == "present":
            block = render_block(root, args["completer"], args["use_go_version"])
        try:
            change = go_profile.apply(read["data"], block)
        except go_profile.ProfileError as err:
            return {"failed": True, "changed": False, "path": path, "msg": f"{path}: {err}"}

        warnings = []
        if change.edited:
            warnings.append(f"the winops.golang block of {path} was edited by hand; "
                            + ("it was removed" if block is None else "it was replaced"))
        if change.changed and not self.check_mode:
            batch = Batch()
            if read["data"] is None:
                batch.add("file.mkdir", path=winpath.parent(path))
            batch.add(
                "file.write",
                path=path,
                content_b64=base64.b64encode(change.after or b"").decode("ascii"),
                expected_sha256=go_profile.sha256(read["data"]),
            )
            try:
                client.run(batch, check_mode=False)
            except AgentError as err:
                note = (" (another process changed the profile since it was read: run the task "
                        "again)" if err.code == "conflict" else "")
                return {"failed": True, "changed": err.changed, "path": path,
                        "error_code": err.code, "msg": err.describe() + note}

        result: dict[str, Any] = {
            "changed": change.changed,
            "path": path,
            "install_root": root,
            "state": args["state"],
            "created": read["data"] is None and change.after is not None,
            "encoding": change.encoding,
            "line_endings": change.newline,
            "block_found": change.had_block,
            "block_edited": change.edited,
            "sha256": go_profile.sha256(change.after),
        }
        if warnings:
            result["warnings"] = warnings
        if self.diff_mode:
            result["diff"] = {
                "before_header": path if read["data"] is not None else f"{path} (absent)",
                "after_header": path if change.after is not None else f"{path} (absent)",
                "before": change.before_text,
                "after": change.after_text,
            }
        return result

    # -- arguments and paths -------------------------------------------------------------

    def _check_args(self, args: dict[str, Any]) -> None:
        if args["user"] is not None and args["scope"] != "user":
            raise ValueError("user goes with scope: user")
        if args["user"] is not None and (
            not args["user"].strip() or any(c in args["user"] for c in '\\/[]:;|=,+*?<>"')
        ):
            raise ValueError(f"user {args['user']!r} is not a Windows account name (give the "
                             "name without its domain, or give path)")
        if args["path"]:
            try:
                args["path"] = winpath.validate(args["path"], "path")
            except winpath.WindowsPathError as err:
                raise ValueError(str(err)) from None
            if not args["path"].lower().endswith(".ps1"):
                raise ValueError(f"path {args['path']!r} must name a .ps1 file (a PowerShell "
                                 "profile such as ...\\WindowsPowerShell\\profile.ps1)")
        if args["install_root"]:
            args["install_root"] = gi_layout.check_root(args["install_root"])
        if args["state"] == "present" and not (args["completer"] or args["use_go_version"]):
            raise ValueError("with completer and use_go_version both false the block would be "
                             "empty: use state: absent to remove it")

    def _where(self, args: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
        root = args["install_root"]
        if args["state"] == "present" and not root:
            root = gi_layout.check_root(gi_layout.default_root("machine", facts))
        path = args["path"] or profile_path(args["scope"], args["user"], facts)
        return {"path": path, "install_root": root}

    def _read(self, client: AgentClient, path: str, *, with_facts: bool) -> dict[str, Any]:
        batch = Batch()
        i_facts = batch.add("facts.get") if with_facts else None
        i_read = batch.add("file.read", path=path, max_bytes=MAX_PROFILE_BYTES + 1)
        res = client.run(batch, check_mode=self.check_mode)
        read = res[i_read]
        data = None
        if read.get("exists"):
            data = base64.b64decode(read.get("content_b64") or "")
            if read.get("truncated") or len(data) > MAX_PROFILE_BYTES:
                raise ValueError(f"{path} is larger than {MAX_PROFILE_BYTES} bytes: it is not "
                                 "edited (is it really a PowerShell profile?)")
        return {"data": data, "facts": res[i_facts] if i_facts is not None else None}


def profile_path(scope: str, user: str | None, facts: dict[str, Any]) -> str:
    """The all-users/all-hosts or current-user/all-hosts profile of Windows PowerShell 5.1."""
    if scope == "all_users":
        system_root = (facts.get("dirs") or {}).get("system_root")
        if not system_root:
            raise ValueError("the winops_go facts have no dirs.system_root: set path")
        return winpath.join(system_root, _PSHOME, PROFILE_NAME)
    me = facts.get("user") or {}
    home = me.get("profile")
    if not home:
        raise ValueError("the winops_go facts have no user.profile: set path")
    if user and user.casefold() != str(me.get("name") or "").casefold():
        # Another account's profile folder, next to the connecting account's.
        home = winpath.join(winpath.parent(home), user)
    return winpath.join(home, _USER_DIR, PROFILE_NAME)


def facts_from_vars(task_vars: dict[str, Any]) -> dict[str, Any] | None:
    """The ``winops_go`` facts of M(win_go_facts), when they have the folders needed."""
    for candidate in (
        task_vars.get("winops_go"),
        (task_vars.get("ansible_facts") or {}).get("winops_go"),
    ):
        if isinstance(candidate, dict) and all(k in candidate for k in ("dirs", "user")):
            return dict(candidate)
    return None


def guess_facts(task_vars: dict[str, Any]) -> dict[str, Any]:
    """Windows' default folders, to find the profile before the facts are read."""
    user = str(task_vars.get("ansible_user") or "Administrator")
    user = user.rsplit("\\", maxsplit=1)[-1].split("@", maxsplit=1)[0] or "Administrator"
    return {
        "dirs": {"program_files": r"C:\Program Files", "system_root": r"C:\Windows"},
        "user": {"name": user, "profile": rf"C:\Users\{user}"},
    }
