"""acl.get, acl.set, acl.resolve: file-system ACLs of the simulated host.

The model's ``acls`` table holds, per canonical path (junctions followed, the
stored case, folded), the *explicit* part of a security descriptor:
``{"owner": SID, "protected": bool, "aces": [explicit ACEs by SID]}``. What
an item inherits is computed from its parent's ACL each time it is read, with
the Windows inheritance rules of :func:`acl.inherit`; so a new file or
directory (``file.write``/``file.mkdir``) gets its parent's inheritable ACEs
exactly as Windows gives them at creation, and a change of a parent reaches
children that have no protection, as Windows propagates it.

Directory entries remember the directory's inode, so a directory removed and
created again starts over from its parent (files are replaced through a temp
file by ``file.write``, which keeps their ACL, as ``File.Replace`` does).

An item without an entry is owned by BUILTIN\\Administrators (what an elevated
administrator's token makes the owner of new items) and is not protected.
Drive roots and user profiles (``C:\\Users\\<name>``) have Windows' default
ACLs unless an entry was written for them. The seeded ``C:\\Program Files``
entry uses names and right names (icacls style); it is read the same way.
"""

from __future__ import annotations

import os
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import acl as aclm
from ansible_collections.winops.golang.plugins.module_utils import winpath

from .args import Args
from .context import OpContext
from .errors import OpError
from .fs import Resolved, not_found_message
from .names import fold
from .ops_files import path_targets
from .ops_lsa import account_name, resolve_account
from .opspec import OpSpec

_DIR = ("ContainerInherit", "ObjectInherit")

# icacls C:\ on a clean Windows Server install.
DRIVE_ROOT: dict[str, Any] = {
    "owner": aclm.TRUSTED_INSTALLER,
    "protected": True,
    "aces": [
        {"sid": aclm.SYSTEM, "rights": aclm.RIGHTS["FullControl"], "inheritance": _DIR},
        {"sid": aclm.ADMINISTRATORS, "rights": aclm.RIGHTS["FullControl"], "inheritance": _DIR},
        {"sid": aclm.USERS, "rights": aclm.RIGHTS["ReadAndExecute"] | aclm.RIGHTS["Synchronize"],
         "inheritance": _DIR},
        {"sid": aclm.USERS, "rights": aclm.RIGHTS["AppendData"],
         "inheritance": ["ContainerInherit"]},
        {"sid": aclm.USERS, "rights": aclm.RIGHTS["CreateFiles"],
         "inheritance": ["ContainerInherit"], "propagation": ["InheritOnly"]},
        {"sid": aclm.CREATOR_OWNER, "rights": aclm.RIGHTS["GenericAll"], "inheritance": _DIR,
         "propagation": ["InheritOnly"]},
    ],
}


def profile_acl(user_sid: str) -> dict[str, Any]:
    """A user profile folder: the user, SYSTEM and Administrators full control, protected."""
    full = aclm.RIGHTS["FullControl"]
    return {
        "owner": user_sid,
        "protected": True,
        "aces": [{"sid": sid, "rights": full, "inheritance": _DIR}
                 for sid in (aclm.SYSTEM, aclm.ADMINISTRATORS, user_sid)],
    }


class AclStore:
    """ACL reads and writes against the model, for one op."""

    def __init__(self, ctx: OpContext) -> None:
        self.ctx = ctx
        self.table: dict[str, Any] = ctx.model.data.setdefault("acls", {})
        self._cache: dict[str, list[aclm.Ace]] = {}

    # -- accounts ----------------------------------------------------------------

    def accounts(self) -> dict[str, str]:
        """Local accounts the host knows: ``HOST\\name`` -> SID."""
        return {f"{self.ctx.hostname}\\{u['name']}": u["sid"]
                for u in self.ctx.model.data["users"].values()}

    def sid_of(self, name: str) -> str:
        """Resolve a name (or SID) like ``NTAccount.Translate``; unknown is not_found."""
        sid = aclm.lookup_sid(name, self.accounts())
        if sid is None and not aclm.is_sid(name):
            found = resolve_account(self.ctx, name)
            sid = found[0] if found else None
        if sid is None:
            raise OpError("not_found", f"Some or all identity references could not be "
                          f"translated: the account '{name}' does not exist.")
        return sid

    def name_of(self, sid: str) -> str | None:
        """The account name of a SID (None for an unknown SID, as Windows shows it)."""
        return account_name(self.ctx, sid)

    # -- paths -------------------------------------------------------------------

    def canonical(self, res: Resolved) -> str:
        """The stored-case Windows path of an existing (followed) item."""
        return self.ctx.fs.win_of_real(res.real) or winpath.normalize(res.win)

    def _inode(self, win: str) -> int | None:
        try:
            res = self.ctx.fs.follow(self.ctx.fs.resolve(win))
            return os.stat(res.real).st_ino if res.kind == "directory" else None
        except (OpError, OSError):
            return None

    def _entry(self, win: str) -> dict[str, Any] | None:
        found = self.table.get(fold(win))
        # A directory removed and created again is a new object: its old ACL is gone.
        if found is not None and found.get("ino") is not None \
                and found["ino"] != self._inode(win):
            found = None
        if found is not None:
            return found
        comps = winpath.components(win)
        if len(comps) == 1:
            return DRIVE_ROOT
        for user in self.ctx.model.data["users"].values():
            if fold(user["profile"]) == fold(win):
                return profile_acl(user["sid"])
        return None

    def _explicit(self, entry: dict[str, Any]) -> list[aclm.Ace]:
        out = []
        for raw in entry.get("aces") or []:
            data = dict(raw)
            if "identity" in data:  # icacls-style seed entries
                data["sid"] = self.sid_of(data.pop("identity"))
            out.append(aclm.Ace.from_dict(data, self.accounts()))
        return aclm.normalize(out)

    def owner(self, win: str) -> str:
        """The owner SID of an existing item."""
        entry = self._entry(win)
        owner = entry.get("owner") if entry else None
        return self.sid_of(owner) if owner else aclm.ADMINISTRATORS

    def aces(self, win: str, is_dir: bool) -> list[aclm.Ace]:
        """The ACE list Windows stores for an existing item: explicit, then inherited."""
        key = fold(win)
        if key in self._cache:
            return self._cache[key]
        entry = self._entry(win) or {}
        explicit = self._explicit(entry)
        protected = bool(entry.get("protected", False))
        inherited: list[aclm.Ace] = []
        if not protected and len(winpath.components(win)) > 1:
            parent = winpath.parent(win)
            inherited = aclm.inherit(self.aces(parent, True), is_dir, self.owner(win))
        out = aclm.effective(explicit, inherited, protected)
        self._cache[key] = out
        return out

    def document(self, win: str, is_dir: bool) -> dict[str, Any]:
        """The ``acl.get`` result of an existing item."""
        entry = self._entry(win) or {}
        owner = self.owner(win)
        accounts = self.accounts()
        doc = aclm.Acl(owner, bool(entry.get("protected", False)),
                       tuple(self.aces(win, is_dir))).to_doc(accounts)
        doc["owner"]["name"] = self.name_of(owner)
        for ace in doc["aces"]:
            ace["name"] = self.name_of(ace["sid"])
        return {"exists": True, **doc, "hash": aclm.acl_hash(doc)}

    def store(self, win: str, owner: str, protected: bool, aces: list[aclm.Ace]) -> None:
        """Write the explicit part of an item's descriptor."""
        self.table[fold(win)] = {
            "ino": self._inode(win),
            "owner": owner,
            "protected": protected,
            "aces": [{"sid": a.sid, "type": a.type, "rights": a.rights,
                      "inheritance": list(a.inheritance), "propagation": list(a.propagation)}
                     for a in aces],
        }
        self._cache.clear()


def _item(ctx: OpContext, a: Args) -> tuple[Resolved, bool]:
    res = ctx.fs.follow(ctx.fs.resolve(a.str("path")))
    return res, res.kind == "directory"


def acl_get(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Owner, protection and ACEs in stored order; a missing path is ``exists: false``."""
    a = Args("acl.get", args, {"path"})
    res, is_dir = _item(ctx, a)
    if not res.exists:
        return {"changed": False, "exists": False}
    store = AclStore(ctx)
    return {"changed": False, **store.document(store.canonical(res), is_dir)}


def _ace_list(a: Args, store: AclStore) -> list[aclm.Ace]:
    raw = a.raw("aces")
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        raise OpError("invalid_argument", "acl.set: 'aces' must be a list of objects")
    out = []
    for item in raw:
        unknown = set(item) - {"sid", "name", "type", "rights", "inheritance", "propagation"}
        if unknown:
            raise OpError("invalid_argument",
                          f"acl.set: unknown ACE field(s) {', '.join(sorted(unknown))}")
        account = item.get("sid") or item.get("name")
        if not isinstance(account, str) or not account:
            raise OpError("invalid_argument", "acl.set: every ACE needs a 'sid'")
        sid = store.sid_of(account)
        try:
            out.append(aclm.Ace.from_dict({**item, "sid": sid, "name": None}))
        except ValueError as err:
            raise OpError("invalid_argument", f"acl.set: {err}") from None
    return aclm.normalize(out)


def _expected_hash(value: Any) -> str:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, dict):
        try:
            return aclm.acl_hash(value)
        except ValueError as err:
            raise OpError("invalid_argument", f"acl.set: 'expected': {err}") from None
    raise OpError("invalid_argument", "acl.set: 'expected' must be a hash or an acl.get result")


def acl_set(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Set the whole explicit ACL, protection and optionally the owner, at once."""
    a = Args("acl.set", args, {"path", "owner", "protected", "aces", "expected"})
    res, is_dir = _item(ctx, a)
    if not a.has("protected"):
        raise OpError("invalid_argument", "acl.set: missing argument 'protected'")
    protected = a.bool("protected", False)
    store = AclStore(ctx)
    aces = _ace_list(a, store)
    if res.kind == "file" and any(x.inheritance or x.propagation for x in aces):
        raise OpError("invalid_argument", "acl.set: a file's ACEs take no inheritance or "
                      "propagation flags")
    owner_arg = a.str("owner", required=False)
    owner = store.sid_of(owner_arg) if owner_arg else None
    if not res.exists:
        raise OpError("not_found", not_found_message(res))
    win = store.canonical(res)
    before = store.document(win, is_dir)
    if a.has("expected") and _expected_hash(a.raw("expected")) != before["hash"]:
        raise OpError("conflict", f"the ACL of '{res.win}' changed since the caller read it "
                      f"(its hash is now {before['hash']})")
    new_owner = owner or before["owner"]["sid"]
    old = store.table.get(fold(win))
    store.store(win, new_owner, protected, aces)
    after = store.document(win, is_dir)
    changed = after["hash"] != before["hash"]
    if changed and ctx.fs.protected(res.real):
        _restore(store, win, old)
        raise OpError("access_denied", f"Attempted to perform an unauthorized operation on "
                      f"'{res.win}': TrustedInstaller owns it.")
    if ctx.check_mode or not changed:
        _restore(store, win, old)
    return {"changed": changed, "before": before, "after": after}


def _restore(store: AclStore, win: str, old: dict[str, Any] | None) -> None:
    if old is None:
        store.table.pop(fold(win), None)
    else:
        store.table[fold(win)] = old


def acl_resolve(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Account names (or SIDs) to ``{name, sid, exists}``; unknown is ``exists: false``."""
    a = Args("acl.resolve", args, {"names"})
    names = a.str_list("names", required=True) or []
    store = AclStore(ctx)
    out = []
    for name in names:
        sid = aclm.lookup_sid(name, store.accounts())
        if sid is None and not aclm.is_sid(name):
            # A domain account (user, gMSA) of the domain the host is joined to.
            found = resolve_account(ctx, name)
            sid = found[0] if found else None
        shown = store.name_of(sid) if sid else None
        # A SID resolves when it names an account (Translate to NTAccount succeeds).
        exists = sid is not None and (shown is not None or not aclm.is_sid(name))
        out.append({"name": shown or name, "sid": sid, "exists": exists})
    return {"changed": False, "accounts": out}


def _no_targets(_ctx: OpContext, _args: dict[str, Any]) -> list[str]:
    return []


OPS = [
    OpSpec("acl.get", acl_get, False, path_targets),
    OpSpec("acl.set", acl_set, True, path_targets),
    OpSpec("acl.resolve", acl_resolve, False, _no_targets),
]
