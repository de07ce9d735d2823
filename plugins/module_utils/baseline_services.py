"""Baseline control ``service_accounts``: least-privilege accounts for the Go services.

Part of the pure logic of ``winops.golang.win_go_baseline`` (see :mod:`baseline`).

1. Every managed Go service (``services``) runs as its virtual account
   (``NT SERVICE\\<name>``) or a group managed service account
   (``DOMAIN\\name$``): not LocalSystem, LocalService, NetworkService or a
   user with a password. Seen with ``service.get``; the fix sets the virtual
   account (``service.set``), which takes effect at the service's next start.
2. ``SeServiceLogonRight`` is held directly only by who needs it (``lsa.get``):
   ``NT SERVICE\\ALL SERVICES`` (S-1-5-80-0, which covers every virtual
   account), the user and gMSA accounts the managed services run as (virtual
   and built-in accounts need no grant), and ``logon_right_accounts``, which
   are resolved on the host (``acl.resolve``) in the same read batch. Every
   other holder is evidence; the fix revokes it (``lsa.revoke``, by SID).

The control reads once, so the services' own accounts cannot be resolved to
SIDs in that batch: they are matched against the holders by the name the LSA
translates each SID to (case-insensitive; a local ``.\\user`` matches
``<host>\\user`` of any host name). A holder whose SID does not translate is
unexpected unless ``logon_right_accounts`` names its SID. When an entry of
``logon_right_accounts`` does not resolve, nothing is revoked: the allow-list
is incomplete (a domain account while the domain cannot be reached), and
revoking from it could lock a legitimate service out.

Both fixes are returned only with ``enforce_service_accounts``; otherwise the
control audits. A service moved off a user account keeps that user's grant
until the next run, which then reports it as unexpected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import acl, service_account
from ansible_collections.winops.golang.plugins.module_utils.baseline import (
    COMPLIANT,
    NON_COMPLIANT,
    Evaluation,
    Op,
)

RIGHT = "SeServiceLogonRight"
ALL_SERVICES = "S-1-5-80-0"
_AUTHORITIES = ("NT AUTHORITY", "NT SERVICE", "BUILTIN")
ALLOWED_KINDS = (service_account.VIRTUAL, service_account.GMSA)


def account_kind(object_name: str | None, service: str) -> tuple[str, str]:
    """The kind of a service's ``ObjectName`` (``service_account`` kinds) and its shown form.

    A name the SCM would not take for this service (another service's virtual
    account) is ``other``.
    """
    seen = (object_name or "").strip() or "LocalSystem"
    for kind, stored in ((service_account.SYSTEM, "LocalSystem"),
                         (service_account.LOCAL_SERVICE, "NT AUTHORITY\\LocalService"),
                         (service_account.NETWORK_SERVICE, "NT AUTHORITY\\NetworkService")):
        if service_account.same_account(seen, service_account.Account(kind, stored)):
            return kind, stored
    try:
        parsed = service_account.parse_account(seen, None, service)
    except service_account.AccountError as err:
        if "needs a password" in str(err):
            return service_account.USER, seen
        return "other", seen
    return parsed.kind, parsed.object_name


def _same_holder(holder: str | None, account: str) -> bool:
    """Whether the LSA's name for a holder is a service's ``DOMAIN\\user`` (``.\\user``)."""
    if not holder:
        return False
    domain, sep, user = account.rpartition("\\")
    h_domain, h_sep, h_user = holder.rpartition("\\")
    if not (sep and h_sep) or user.casefold() != h_user.casefold():
        return False
    if domain == ".":
        return h_domain.upper() not in _AUTHORITIES
    return domain.casefold() == h_domain.casefold()


@dataclass(frozen=True)
class ServiceAccountsControl:
    """Go services run as virtual accounts or gMSAs; few accounts may log on as a service."""

    id: str = "service_accounts"
    title: str = ("Go services run as virtual accounts or gMSAs, and only the accounts that "
                  "need it hold SeServiceLogonRight")
    source: str = ("CIS Microsoft Windows Server benchmark 2.2 (User Rights Assignment: Log on "
                   "as a service); Microsoft, service accounts (virtual accounts, gMSA)")

    def reads(self, params: Mapping[str, Any]) -> dict[str, Op]:
        """Each managed service, the right's holders, the extra allowed accounts."""
        out: dict[str, Op] = {f"service{i}": ("service.get", {"name": name})
                              for i, name in enumerate(params["services"])}
        out["holders"] = ("lsa.get", {"right": RIGHT})
        if params["logon_right_accounts"]:
            out["allowed"] = ("acl.resolve", {"names": list(params["logon_right_accounts"])})
        return out

    def evaluate(self, params: Mapping[str, Any],
                 results: Mapping[str, dict[str, Any]]) -> Evaluation:
        """Judge each service's account, then every direct holder of the right."""
        enforce = bool(params["enforce_service_accounts"])
        evidence: list[dict[str, Any]] = []
        fix: list[Op] = []
        problems: list[str] = []
        missing: list[str] = []
        needs_right: list[str] = []
        for i, name in enumerate(params["services"]):
            got = results[f"service{i}"]
            if not got.get("exists"):
                missing.append(name)
                continue
            shown_name = str(got.get("name") or name)
            kind, account = account_kind(got.get("account"), shown_name)
            if kind in (service_account.USER, service_account.GMSA):
                needs_right.append(account)
            if kind in ALLOWED_KINDS:
                continue
            evidence.append({"service": shown_name, "account": account, "kind": kind,
                             "issue": "account_not_allowed",
                             "expected": f"NT SERVICE\\{shown_name} or a gMSA (DOMAIN\\name$)"})
            problems.append(f"{shown_name} runs as {account}")
            if enforce:
                fix.append(("service.set", {"name": shown_name,
                                            "account": f"NT SERVICE\\{shown_name}"}))
        unknown, allowed = self._allowed(results.get("allowed"))
        for name in unknown:
            evidence.append({"account": name, "issue": "unknown_account"})
        if unknown:
            problems.append(f"logon_right_accounts names accounts the host does not know "
                            f"({', '.join(unknown)}), so no holder of {RIGHT} is revoked")
        unexpected = []
        for holder in results["holders"].get("accounts") or []:
            sid = str(holder.get("sid") or "").upper()
            shown = holder.get("name")
            if sid in allowed or any(_same_holder(shown, a) for a in needs_right):
                continue
            unexpected.append(shown or sid)
            evidence.append({"right": RIGHT, "sid": sid, "name": shown,
                             "issue": "unexpected_holder"})
            if enforce and not unknown:
                fix.append(("lsa.revoke", {"right": RIGHT, "account": sid}))
        if unexpected:
            problems.append(f"{RIGHT} is also held by {', '.join(unexpected)}")
        skipped = f"; not present: {', '.join(missing)}" if missing else ""
        if not problems:
            checked = ", ".join(n for n in params["services"] if n not in missing)
            what = f"{checked} run as virtual accounts or gMSAs; " if checked else ""
            return Evaluation(COMPLIANT, [], [],
                              f"{what}only the expected accounts hold {RIGHT}{skipped}")
        tail = "" if enforce else " (audit only: set enforce_service_accounts to fix)"
        return Evaluation(NON_COMPLIANT, evidence, fix, "; ".join(problems) + skipped + tail)

    @staticmethod
    def _allowed(resolved: dict[str, Any] | None) -> tuple[list[str], set[str]]:
        """Unknown names of ``logon_right_accounts`` and every allowed SID."""
        allowed = {ALL_SERVICES}
        unknown: list[str] = []
        for entry in (resolved or {}).get("accounts") or []:
            sid = entry.get("sid")
            # A SID that no longer translates (an orphan) is still allowed when given as one.
            known = entry.get("exists") or acl.is_sid(str(entry.get("name")))
            if not known or not sid or not acl.is_sid(str(sid)):
                unknown.append(str(entry.get("name")))
                continue
            allowed.add(str(sid).upper())
        return unknown, allowed


CONTROL = ServiceAccountsControl()
