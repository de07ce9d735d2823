"""lsa.get, lsa.grant, lsa.revoke: user rights (account rights and privileges) of the host.

The model's ``lsa_rights`` section maps a right name (``SeServiceLogonRight``)
to the SIDs that hold it directly, as the LSA policy database does. It is
seeded on first use with what a clean Windows Server exports with
``secedit /export /areas USER_RIGHTS`` for the logon rights a service needs:
``SeServiceLogonRight`` is held by ``NT SERVICE\\ALL SERVICES`` (S-1-5-80-0)
only, ``SeBatchLogonRight`` by Administrators, Backup Operators and
Performance Log Users; the deny rights are empty. Other known rights start
empty here. An unknown right name is ``invalid_argument`` (the LSA says
STATUS_NO_SUCH_PRIVILEGE).

Accounts are resolved like ``NTAccount.Translate``: well-known names, the
service virtual accounts (``NT SERVICE\\<name>``) and ``NT SERVICE\\ALL
SERVICES``, the host's users (``HOST\\name``, ``.\\name`` or ``name``) and,
on a domain-joined host, ``DOMAIN\\name`` accounts of its domain (given a
stable SID derived from the name, since the model has no directory).
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import acl as aclm

from .args import Args
from .context import OpContext
from .errors import OpError
from .model import Model
from .names import fold
from .opspec import OpSpec
from .registry import RegPath

ALL_SERVICES = "S-1-5-80-0"
ALL_SERVICES_NAME = "NT SERVICE\\ALL SERVICES"
BACKUP_OPERATORS = "S-1-5-32-551"
PERFORMANCE_LOG_USERS = "S-1-5-32-559"
SERVICE_LOGON = "SeServiceLogonRight"
DENY_SERVICE_LOGON = "SeDenyServiceLogonRight"

# Logon rights and privileges the LSA knows (Account Rights and Privilege Constants).
KNOWN_RIGHTS = (
    "SeBatchLogonRight", "SeDenyBatchLogonRight", "SeDenyInteractiveLogonRight",
    "SeDenyNetworkLogonRight", "SeDenyRemoteInteractiveLogonRight", DENY_SERVICE_LOGON,
    "SeInteractiveLogonRight", "SeNetworkLogonRight", "SeRemoteInteractiveLogonRight",
    SERVICE_LOGON,
    "SeAssignPrimaryTokenPrivilege", "SeAuditPrivilege", "SeBackupPrivilege",
    "SeChangeNotifyPrivilege", "SeCreateGlobalPrivilege", "SeCreatePagefilePrivilege",
    "SeCreatePermanentPrivilege", "SeCreateSymbolicLinkPrivilege", "SeCreateTokenPrivilege",
    "SeDebugPrivilege", "SeDelegateSessionUserImpersonatePrivilege",
    "SeEnableDelegationPrivilege", "SeImpersonatePrivilege", "SeIncreaseBasePriorityPrivilege",
    "SeIncreaseQuotaPrivilege", "SeIncreaseWorkingSetPrivilege", "SeLoadDriverPrivilege",
    "SeLockMemoryPrivilege", "SeMachineAccountPrivilege", "SeManageVolumePrivilege",
    "SeProfileSingleProcessPrivilege", "SeRelabelPrivilege", "SeRemoteShutdownPrivilege",
    "SeRestorePrivilege", "SeSecurityPrivilege", "SeShutdownPrivilege", "SeSyncAgentPrivilege",
    "SeSystemEnvironmentPrivilege", "SeSystemProfilePrivilege", "SeSystemtimePrivilege",
    "SeTakeOwnershipPrivilege", "SeTcbPrivilege", "SeTimeZonePrivilege",
    "SeTrustedCredManAccessPrivilege", "SeUndockPrivilege",
)
_BY_FOLDED = {name.casefold(): name for name in KNOWN_RIGHTS}
# What secedit exports on a clean Windows Server (2016 to 2025) for these rights.
DEFAULT_HOLDERS: dict[str, list[str]] = {
    SERVICE_LOGON: [ALL_SERVICES],
    "SeBatchLogonRight": [aclm.ADMINISTRATORS, BACKUP_OPERATORS, PERFORMANCE_LOG_USERS],
    DENY_SERVICE_LOGON: [],
    "SeDenyBatchLogonRight": [],
}
_EXTRA_NAMES = {
    ALL_SERVICES: ALL_SERVICES_NAME,
    BACKUP_OPERATORS: "BUILTIN\\Backup Operators",
    PERFORMANCE_LOG_USERS: "BUILTIN\\Performance Log Users",
}
_TCPIP = RegPath("HKLM", ("SYSTEM", "CurrentControlSet", "Services", "Tcpip", "Parameters"))
ERROR_NO_ACCOUNT = ("Some or all identity references could not be translated: the account "
                    "'{name}' does not exist.")


def rights_table(model: Model) -> dict[str, list[str]]:
    """The model's ``lsa_rights`` section (right -> SIDs), seeded on first use."""
    table = model.data.get("lsa_rights")
    if table is None:
        table = {right: list(sids) for right, sids in DEFAULT_HOLDERS.items()}
        model.data["lsa_rights"] = table
    return table


def domain_netbios(ctx: OpContext) -> str | None:
    """The NetBIOS name of the host's domain (the first label of its DNS domain), or None."""
    reg = ctx.model.registry
    node = reg.open(_TCPIP)
    value = reg.get_value(node, "Domain") if node else None
    text = str(value["value"]) if value and value.get("value") else ""
    return text.split(".", 1)[0].upper() or None


def _local_accounts(ctx: OpContext) -> dict[str, str]:
    accounts = {f"{ctx.hostname}\\{u['name']}": u["sid"]
                for u in ctx.model.data["users"].values()}
    accounts[ALL_SERVICES_NAME] = ALL_SERVICES
    for sid, name in _EXTRA_NAMES.items():
        accounts.setdefault(name, sid)
    return accounts


def _domain_sid(domain: str, user: str) -> str:
    digest = hashlib.sha256(f"{domain}\\{user}".upper().encode("utf-8")).digest()
    parts = struct.unpack("<4I", digest[:16])
    return f"S-1-5-21-{parts[0]}-{parts[1]}-{parts[2]}-{1100 + parts[3] % 100000}"


def resolve_account(ctx: OpContext, name: str) -> tuple[str, str] | None:
    """``(sid, name as Windows shows it)`` for an account name or SID, or None when unknown."""
    text = name.strip()
    domain, sep, user = text.rpartition("\\")
    if sep and domain == ".":
        text = f"{ctx.hostname}\\{user}"
    accounts = _local_accounts(ctx)
    joined = domain_netbios(ctx)
    if sep and joined and domain.upper() == joined and not aclm.is_sid(text):
        sid = _domain_sid(joined, user)
        ctx.model.data.setdefault("domain_accounts", {})[sid] = f"{joined}\\{user}"
        return sid, f"{joined}\\{user}"
    if sep and domain not in (".",) and domain.upper() not in (
            ctx.hostname.upper(), "NT AUTHORITY", "NT SERVICE", "BUILTIN"):
        return None
    if sep and domain.upper() == "NT SERVICE" and user.upper() != "ALL SERVICES" and \
            fold(user) not in ctx.model.services:
        return None  # a virtual account exists only while its service does
    sid = aclm.lookup_sid(text, accounts)
    if sid is None:
        return None
    return sid, account_name(ctx, sid) or text


def account_name(ctx: OpContext, sid: str) -> str | None:
    """The name of a SID as ``SecurityIdentifier.Translate`` gives it, or None."""
    known = ctx.model.data.get("domain_accounts", {}).get(sid.upper())
    if known:
        return str(known)
    return aclm.sid_name(sid, _local_accounts(ctx))


def _right(a: Args) -> str:
    given = a.str("right")
    right = _BY_FOLDED.get(given.strip().casefold())
    if right is None:
        raise OpError("invalid_argument", f"{a.op}: '{given}' is not a user right or "
                      "privilege this host knows (A specified privilege does not exist.)")
    return right


def _account_sid(ctx: OpContext, a: Args) -> tuple[str, str]:
    name = a.str("account")
    found = resolve_account(ctx, name)
    if found is None:
        raise OpError("not_found", f"{a.op}: " + ERROR_NO_ACCOUNT.format(name=name))
    return found


def holds(ctx: OpContext, right: str, sids: list[str]) -> bool:
    """Whether any of ``sids`` holds ``right`` directly."""
    held = {s.upper() for s in rights_table(ctx.model).get(right, [])}
    return any(s.upper() in held for s in sids)


def lsa_get(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """The accounts that hold a right: ``[{sid, name}]`` (``name`` None when unknown)."""
    a = Args("lsa.get", args, {"right"})
    right = _right(a)
    sids = rights_table(ctx.model).get(right, [])
    return {"changed": False, "right": a.str("right"),
            "accounts": [{"sid": sid, "name": account_name(ctx, sid)} for sid in sids]}


def _change(ctx: OpContext, args: dict[str, Any], op: str, grant: bool) -> dict[str, Any]:
    a = Args(op, args, {"right", "account"})
    right = _right(a)
    sid, _shown = _account_sid(ctx, a)
    table = rights_table(ctx.model)
    current = table.get(right, [])
    before = sid.upper() in {s.upper() for s in current}
    after = grant
    changed = before != after
    if changed and not ctx.check_mode:
        if grant:
            table[right] = [*current, sid]
        else:
            table[right] = [s for s in current if s.upper() != sid.upper()]
    return {"changed": changed, "right": a.str("right"), "sid": sid, "before": before,
            "after": after}


def lsa_grant(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Give an account a right (``LsaAddAccountRights``)."""
    return _change(ctx, args, "lsa.grant", True)


def lsa_revoke(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Take a right from an account (``LsaRemoveAccountRights``)."""
    return _change(ctx, args, "lsa.revoke", False)


def _targets(_ctx: OpContext, args: dict[str, Any]) -> list[str]:
    """``LSA:\\<right>``, so a fault can pick one right."""
    right = args.get("right") if isinstance(args, dict) else None
    return [f"LSA:\\{right}"] if isinstance(right, str) else ["LSA:"]


OPS = [
    OpSpec("lsa.get", lsa_get, False, _targets),
    OpSpec("lsa.grant", lsa_grant, True, _targets),
    OpSpec("lsa.revoke", lsa_revoke, True, _targets),
]
