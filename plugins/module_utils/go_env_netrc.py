"""The ``_netrc`` file win_go_env keeps for an account: content, ACL, diff text.

Part of the pure logic of ``winops.golang.win_go_env`` (see :mod:`go_env_plan`).
Go reads ``%USERPROFILE%\\_netrc`` on Windows for the credentials of private
module hosts. It holds passwords, so its diff and result text name machines
only, and its ACL shuts out everyone but the account, SYSTEM and Administrators.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import acl, winpath
from ansible_collections.winops.golang.plugins.module_utils.go_env_plan import FilesPlan, Op
from ansible_collections.winops.golang.plugins.module_utils.go_env_scope import (
    USERS_DIR,
    login_name,
)

NETRC_NAME = "_netrc"


@dataclass
class NetrcSpec:
    """What the netrc options ask for, checked and rendered on the controller."""

    path: str
    account: str
    state: str  # present / absent
    content: bytes | None  # None with state absent
    sha256: str | None
    machines: list[str]  # sorted case-insensitively, as in the file


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


def dot_netrc(path: str) -> str:
    """The ``.netrc`` beside ``path``: newer Go versions prefer it, so it is warned about."""
    return winpath.join(winpath.parent(path), ".netrc")


def netrc_account(user: str | None, facts: dict[str, Any] | None,
                  task_vars: dict[str, Any]) -> tuple[str, str]:
    """The account the netrc belongs to and its profile folder.

    ``netrc_user`` if given, else the connecting user from the facts, else
    ``ansible_user``; a profile the facts do not know is guessed under ``C:\\Users``.
    """
    me = (facts or {}).get("user") or {}
    if user:
        if any(c in user for c in '/:*?"<>|'):
            raise ValueError(f"netrc_user must be an account name, not {user!r}")
        short = user.rsplit("\\", maxsplit=1)[-1]
        if me.get("name") and me.get("profile") and short.casefold() == me["name"].casefold():
            return user, me["profile"]
        return user, winpath.join(USERS_DIR, short)
    if me.get("name"):
        name = f"{me['domain']}\\{me['name']}" if me.get("domain") else me["name"]
        return name, me.get("profile") or winpath.join(USERS_DIR, me["name"])
    name = login_name(task_vars)
    return name, winpath.join(USERS_DIR, name)


def netrc_spec(args: dict[str, Any], facts: dict[str, Any] | None,
               task_vars: dict[str, Any]) -> NetrcSpec | None:
    """What the ``netrc*`` options ask for, or ``None`` when they leave the file alone."""
    if args["netrc"] and args["netrc_state"] == "absent":
        raise ValueError("netrc entries go with netrc_state: present")
    if not (args["netrc"] or args["netrc_state"] == "absent" or args["netrc_user"]):
        return None
    if args["netrc_state"] == "present" and not args["netrc"]:
        raise ValueError("netrc_user goes with netrc (or netrc_state: absent)")
    content = render_netrc(args["netrc"]) if args["netrc_state"] == "present" else None
    account, profile = netrc_account(args["netrc_user"], facts, task_vars)
    return NetrcSpec(
        path=winpath.join(profile, NETRC_NAME),
        account=account,
        state=args["netrc_state"],
        content=content,
        sha256=hashlib.sha256(content).hexdigest() if content is not None else None,
        machines=sorted((e["machine"] for e in args["netrc"]), key=str.casefold),
    )


def netrc_reads(spec: NetrcSpec) -> dict[str, Op]:
    """The read ops :func:`plan_netrc` needs, by the key it finds their results under."""
    reads: dict[str, Op] = {
        "netrc.stat": ("file.stat", {"path": spec.path, "checksum": True}),
    }
    if spec.state == "present":
        reads["netrc.acl"] = ("acl.get", {"path": spec.path})
        reads["netrc.dot"] = ("file.stat", {"path": dot_netrc(spec.path)})
    return reads


def plan_netrc(spec: NetrcSpec, account_sid: str, extra: dict[str, Any]) -> FilesPlan:
    """The ops that bring the file to ``spec``, its result entry and its masked diff lines.

    ``extra`` holds the results of :func:`netrc_reads`. The content is written
    with compare-and-set on the observed checksum; the ACL with compare-and-set
    on the observed ACL only when the content stays (a write in the same batch
    may leave another ACL than the one read).
    """
    out = FilesPlan(key="netrc")
    stat = extra["netrc.stat"]
    exists = bool(stat.get("exists"))
    entry: dict[str, Any] = {"path": spec.path, "state": spec.state,
                             "entries": len(spec.machines), "machines": spec.machines,
                             "content_changed": False, "acl_changed": False}
    before_view = "netrc: <present>" if exists else "netrc: <absent>"
    if spec.state == "absent":
        if exists:
            out.ops.append(("file.remove", {"path": spec.path}))
            entry["content_changed"] = True
        after_view = "netrc: <absent>"
    else:
        same = exists and stat.get("sha256") == spec.sha256
        if not same:
            out.ops.append(("file.write", {
                "path": spec.path,
                "content_b64": base64.b64encode(spec.content or b"").decode("ascii"),
                "expected_sha256": stat.get("sha256") if exists else None,
            }))
            entry["content_changed"] = True
        desired = netrc_acl(account_sid)
        observed = extra["netrc.acl"]
        diffs = (acl.compare(desired, acl.Acl.from_doc(observed))
                 if observed.get("exists") else ["new"])
        if diffs:
            set_args = desired.set_args()
            if same:
                set_args["expected"] = observed.get("hash")
            set_args["path"] = spec.path
            out.ops.append(("acl.set", set_args))
            entry["acl_changed"] = True
        if extra["netrc.dot"].get("exists"):
            out.warnings.append(
                f"{dot_netrc(spec.path)} exists: Go 1.24 and later read it instead "
                f"of {spec.path}; remove it or move its entries to netrc")
        after_view = netrc_view(spec.machines)
        if same:
            before_view = after_view
        elif exists:
            before_view = "netrc: <present, other content>"
        owners = f" (ACL: {spec.account}, SYSTEM, Administrators)"
        after_view += owners
        if exists:
            before_view += " (ACL differs)" if entry["acl_changed"] else owners
    entry["changed"] = entry["content_changed"] or entry["acl_changed"]
    out.report, out.changed = entry, entry["changed"]
    out.before, out.after = before_view + "\n", after_view + "\n"
    return out
