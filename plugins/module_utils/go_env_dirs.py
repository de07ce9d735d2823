"""The workspace directories win_go_env creates for an account (GOPATH, caches).

Part of the pure logic of ``winops.golang.win_go_env`` (see :mod:`go_env_plan`).
A directory is created when missing and given a protected ACL under which the
account can write in it but not change who else may (Modify, owner Administrators).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import acl, winpath
from ansible_collections.winops.golang.plugins.module_utils.go_env_plan import FilesPlan, Op

# The variables a directories entry may name instead of a path.
DIR_VARIABLES = ("GOPATH", "GOCACHE", "GOMODCACHE")


@dataclass
class DirectoriesSpec:
    """What the directories options ask for, checked on the controller."""

    paths: list[str]  # absolute, each once
    account: str


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


def directories_spec(args: dict[str, Any], variables: dict[str, str]) -> DirectoriesSpec | None:
    """What the ``directories*`` options ask for, or ``None`` when there are none."""
    if args["directories_account"] and not args["directories"]:
        raise ValueError("directories_account goes with directories")
    if not args["directories"]:
        return None
    if not args["directories_account"]:
        raise ValueError("directories needs directories_account")
    return DirectoriesSpec(directory_paths(args["directories"], variables),
                           args["directories_account"])


def directory_reads(spec: DirectoriesSpec) -> dict[str, Op]:
    """The read ops :func:`plan_directories` needs, by the key it finds their results under."""
    reads: dict[str, Op] = {}
    for i, path in enumerate(spec.paths):
        reads[f"dir{i}.stat"] = ("file.stat", {"path": path})
        reads[f"dir{i}.acl"] = ("acl.get", {"path": path})
    return reads


def plan_directories(spec: DirectoriesSpec, account_sid: str,
                     extra: dict[str, Any]) -> FilesPlan:
    """The ops that create the directories and set their ACL, the result list, the diff lines.

    ``extra`` holds the results of :func:`directory_reads`. An existing
    directory's ACL is replaced with compare-and-set on the one observed.
    """
    out = FilesPlan(key="directories", report=[])
    desired = acl.account_directory_acl(account_sid)
    for i, path in enumerate(spec.paths):
        stat = extra[f"dir{i}.stat"]
        got = extra[f"dir{i}.acl"]
        if stat.get("exists") and stat.get("type") != "directory":
            raise ValueError(f"{path} exists and is not a directory")
        created = not stat.get("exists")
        diffs = [] if created else acl.compare(desired, acl.Acl.from_doc(got))
        if created:
            out.ops.append(("file.mkdir", {"path": path}))
        if created or diffs:
            set_args = desired.set_args()
            set_args["path"] = path
            if not created:
                set_args["expected"] = got.get("hash")
            out.ops.append(("acl.set", set_args))
        item = {"path": path, "created": created, "acl_changed": bool(created or diffs),
                "acl_differences": [d.describe() for d in diffs]}
        item["changed"] = item["created"] or item["acl_changed"]
        out.changed = out.changed or item["changed"]
        out.report.append(item)
        state = "absent" if created else (
            "directory, ACL differs" if diffs else "directory, ACL as wanted")
        out.before += f"directory {path}: {state}\n"
        out.after += f"directory {path}: directory, ACL as wanted\n"
    return out
