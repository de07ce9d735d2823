"""Baseline controls on file-system ACLs: the Go install root and the workspaces.

Part of the pure logic of ``winops.golang.win_go_baseline`` (see :mod:`baseline`).
Each directory's whole ACL is compared with the desired one by SID
(:func:`acl.compare`: owner, protection, the explicit ACEs); the evidence names
every offending ACE (explicit ones that are not wanted, and inherited ones that
grant someone else, or more, while inheritance is on) and every missing one.
The fix is one ``acl.set`` per directory, compare-and-set on the hash read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import acl
from ansible_collections.winops.golang.plugins.module_utils.baseline import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    Evaluation,
    Op,
)

DEFAULT_TOOLCHAIN_ROOT = "C:\\Program Files\\GoToolchains"
_FULL = acl.RIGHTS["FullControl"]
_READ_EXECUTE = acl.RIGHTS["ReadAndExecute"]
_MODIFY = acl.RIGHTS["Modify"]


def toolchain_acl() -> acl.Acl:
    """The Go install root: owner Administrators, protected, Administrators and SYSTEM
    full control, Users and Authenticated Users read and execute, nobody else."""
    return acl.protected_acl({acl.ADMINISTRATORS: _FULL, acl.SYSTEM: _FULL,
                              acl.USERS: _READ_EXECUTE, acl.AUTHENTICATED_USERS: _READ_EXECUTE},
                             owner=acl.ADMINISTRATORS)


def workspace_acl(account_sids: list[str]) -> acl.Acl:
    """A workspace: the accounts Modify, Administrators and SYSTEM full control, nobody
    else, owner Administrators (for one account, :func:`acl.account_directory_acl`)."""
    grants: dict[str, int] = dict.fromkeys(account_sids, _MODIFY)
    grants.setdefault(acl.ADMINISTRATORS, _FULL)
    grants.setdefault(acl.SYSTEM, _FULL)
    return acl.protected_acl(grants, owner=acl.ADMINISTRATORS)


def _who(sid: str, name: str | None, names: Mapping[str, str]) -> str:
    return name or names.get(sid.upper()) or acl.sid_name(sid) or sid


def _ace_evidence(path: str, issue: str, ace: acl.Ace, names: Mapping[str, str]) -> dict[str, Any]:
    return {"path": path, "issue": issue, "sid": ace.sid, "name": _who(ace.sid, ace.name, names),
            "type": ace.type, "rights": acl.rights_names(ace.rights),
            "inheritance": list(ace.inheritance), "propagation": list(ace.propagation),
            "inherited": ace.inherited}


def _grants_too_much(ace: acl.Ace, allowed: Mapping[str, int]) -> bool:
    """An inherited ACE is offending when it denies, or allows someone not in the desired
    ACL, or allows more than the desired ACL gives that SID (generic rights mapped)."""
    if ace.type != "allow":
        return True
    wanted = allowed.get(ace.sid.upper())
    if wanted is None:
        return True
    return bool(acl.map_generic(ace.rights) & ~wanted & 0xFFFFFFFF)


def acl_evaluation(path: str, desired: acl.Acl, doc: Mapping[str, Any],
                   names: Mapping[str, str] | None = None
                   ) -> tuple[list[dict[str, Any]], list[Op]]:
    """Evidence and fix for one existing item: ``([], [])`` when its ACL is the desired one.

    ``doc`` is the ``acl.get`` result; ``names`` maps SIDs (upper case) to display
    names for accounts the ACL model does not know. Only the order of allow ACEs
    among themselves is not a difference: Windows' canonical order does not fix it.
    """
    names = names or {}
    observed = acl.Acl.from_doc(doc)
    diffs = [d for d in acl.compare(desired, observed) if d.kind != "order"
             or not acl.is_canonical([a for a in observed.aces if not a.inherited])]
    if not diffs:
        return [], []
    evidence: list[dict[str, Any]] = []
    for diff in diffs:
        if diff.kind == "owner":
            owner = doc.get("owner") if isinstance(doc.get("owner"), Mapping) else {}
            evidence.append({"path": path, "issue": "owner",
                             "sid": diff.have, "name": _who(diff.have or "", owner.get("name"),
                                                            names) if diff.have else None,
                             "expected": {"sid": diff.want,
                                          "name": _who(diff.want, None, names)}})
        elif diff.kind == "protected":
            evidence.append({"path": path, "issue": "inheritance",
                             "protected": bool(diff.have), "expected_protected": bool(diff.want)})
        elif diff.kind == "extra":
            evidence.append(_ace_evidence(path, "extra_ace", diff.have, names))
        elif diff.kind == "missing":
            evidence.append(_ace_evidence(path, "missing_ace", diff.want, names))
        else:
            evidence.append({"path": path, "issue": "order", "expected": diff.want,
                             "actual": diff.have})
    if desired.protected and not observed.protected:
        allowed: dict[str, int] = {}
        for ace in desired.explicit:
            if ace.type == "allow":
                allowed[ace.sid.upper()] = allowed.get(ace.sid.upper(), 0) | ace.rights
        evidence += [_ace_evidence(path, "extra_ace", ace, names) for ace in observed.inherited
                     if _grants_too_much(ace, allowed)]
    args = desired.set_args()
    fix: list[Op] = [("acl.set", {"path": path, **args, "expected": doc.get("hash")})]
    return evidence, fix


def _issue_count(evidence: list[dict[str, Any]]) -> str:
    extra = sum(1 for e in evidence if e["issue"] == "extra_ace")
    missing = sum(1 for e in evidence if e["issue"] == "missing_ace")
    parts = []
    if any(e["issue"] == "owner" for e in evidence):
        parts.append("wrong owner")
    if any(e["issue"] == "inheritance" for e in evidence):
        parts.append("inheritance on")
    if extra:
        parts.append(f"{extra} offending ACE{'s' if extra > 1 else ''}")
    if missing:
        parts.append(f"{missing} missing ACE{'s' if missing > 1 else ''}")
    if any(e["issue"] == "order" for e in evidence):
        parts.append("ACEs out of canonical order")
    return ", ".join(parts)


@dataclass(frozen=True)
class ToolchainAclControl:
    """Only Administrators and SYSTEM may change the Go install root."""

    id: str = "toolchain_acl"
    title: str = "Only Administrators and SYSTEM can write the Go install root"
    source: str = ("NIST SP 800-53 CM-5 (access restrictions for change), AC-6 (least "
                   "privilege); the protection Windows gives C:\\Program Files")

    def reads(self, params: Mapping[str, Any]) -> dict[str, Op]:
        """The root's ACL."""
        return {"acl": ("acl.get", {"path": params["toolchain_root"]})}

    def evaluate(self, params: Mapping[str, Any],
                 results: Mapping[str, dict[str, Any]]) -> Evaluation:
        """Compare the whole ACL; a missing root is not applicable."""
        root = params["toolchain_root"]
        doc = results["acl"]
        if not doc.get("exists"):
            return Evaluation(NOT_APPLICABLE, [], [], f"the Go install root {root} does not exist")
        evidence, fix = acl_evaluation(root, toolchain_acl(), doc)
        if not evidence:
            return Evaluation(COMPLIANT, [], [], f"the ACL of {root} is the baseline's")
        return Evaluation(NON_COMPLIANT, evidence, fix,
                          f"the ACL of {root} differs from the baseline: {_issue_count(evidence)}")


@dataclass(frozen=True)
class WorkspaceAclControl:
    """Only Administrators, SYSTEM and the named accounts may use the workspaces."""

    id: str = "workspace_acl"
    title: str = "Workspaces are reserved to their build or service accounts"
    source: str = ("NIST SP 800-53 AC-3 (access enforcement), AC-6 (least privilege) for "
                   "build and service accounts")

    def reads(self, params: Mapping[str, Any]) -> dict[str, Op]:
        """The accounts resolved on the host, then each directory's ACL."""
        out: dict[str, Op] = {}
        if params["workspace_accounts"]:
            out["accounts"] = ("acl.resolve", {"names": list(params["workspace_accounts"])})
        for i, path in enumerate(params["workspace_directories"]):
            out[f"dir{i}"] = ("acl.get", {"path": path})
        return out

    def evaluate(self, params: Mapping[str, Any],
                 results: Mapping[str, dict[str, Any]]) -> Evaluation:
        """Compare each existing directory's whole ACL; missing ones are skipped."""
        paths = list(params["workspace_directories"])
        if not paths:
            return Evaluation(NOT_APPLICABLE, [], [], "no workspace_directories to check")
        present = [(i, p) for i, p in enumerate(paths) if results[f"dir{i}"].get("exists")]
        absent = [p for p in paths if all(p != q for _i, q in present)]
        skipped = f"; not present: {', '.join(absent)}" if absent else ""
        if not present:
            return Evaluation(NOT_APPLICABLE, [], [],
                              f"no workspace directory exists{skipped}")
        accounts = (results.get("accounts") or {}).get("accounts") or []
        unknown = [a for a in accounts if not a.get("exists") or not a.get("sid")]
        if unknown:
            evidence = [{"issue": "unknown_account", "account": a.get("name")} for a in unknown]
            return Evaluation(NON_COMPLIANT, evidence, [],
                              "cannot check the workspaces: the host does not know "
                              f"{', '.join(str(a.get('name')) for a in unknown)}")
        sids = [str(a["sid"]).upper() for a in accounts]
        names = {str(a["sid"]).upper(): str(a["name"]) for a in accounts}
        desired = workspace_acl(sids)
        evidence: list[dict[str, Any]] = []
        fix: list[Op] = []
        offending: list[str] = []
        for i, path in present:
            found, ops = acl_evaluation(path, desired, results[f"dir{i}"], names)
            if found:
                offending.append(f"{path} ({_issue_count(found)})")
            evidence += found
            fix += ops
        checked = ", ".join(p for _i, p in present)
        if not evidence:
            return Evaluation(COMPLIANT, [], [],
                              f"the ACLs of {checked} are the baseline's{skipped}")
        return Evaluation(NON_COMPLIANT, evidence, fix,
                          f"ACLs differ from the baseline: {'; '.join(offending)}{skipped}")


TOOLCHAIN_ACL = ToolchainAclControl()
WORKSPACE_ACL = WorkspaceAclControl()
