"""The pure file-system ACL model: SIDs, rights, ACEs, canonical order, diffs.

Everything compares by SID. Names are only a convenience: well-known accounts
(``BUILTIN\\Administrators``, ``SYSTEM``, ``NT SERVICE\\<svc>``...) resolve here,
anything else (local or domain accounts) must be resolved on the host first
(``acl.resolve``), because the controller cannot look up arbitrary accounts.

An ACE as the ops carry it (``acl.get``/``acl.set``)::

    {"sid": "S-1-5-32-544", "name": "BUILTIN\\Administrators", "type": "allow",
     "rights": 2032127, "inheritance": ["ContainerInherit", "ObjectInherit"],
     "propagation": [], "inherited": false}

``rights`` is the access mask as an unsigned 32-bit integer (Get-Acl shows
generic rights of inherit-only ACEs as negative Int32 values; both read the same).
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# -- SIDs -----------------------------------------------------------------------------

SYSTEM = "S-1-5-18"
LOCAL_SERVICE = "S-1-5-19"
NETWORK_SERVICE = "S-1-5-20"
ADMINISTRATORS = "S-1-5-32-544"
USERS = "S-1-5-32-545"
AUTHENTICATED_USERS = "S-1-5-11"
EVERYONE = "S-1-1-0"
CREATOR_OWNER = "S-1-3-0"
CREATOR_GROUP = "S-1-3-1"
TRUSTED_INSTALLER = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
ALL_APP_PACKAGES = "S-1-15-2-1"
ALL_RESTRICTED_APP_PACKAGES = "S-1-15-2-2"

# SID -> the name Windows shows (NTAccount form).
WELL_KNOWN: dict[str, str] = {
    SYSTEM: "NT AUTHORITY\\SYSTEM",
    LOCAL_SERVICE: "NT AUTHORITY\\LOCAL SERVICE",
    NETWORK_SERVICE: "NT AUTHORITY\\NETWORK SERVICE",
    ADMINISTRATORS: "BUILTIN\\Administrators",
    USERS: "BUILTIN\\Users",
    AUTHENTICATED_USERS: "NT AUTHORITY\\Authenticated Users",
    EVERYONE: "Everyone",
    CREATOR_OWNER: "CREATOR OWNER",
    CREATOR_GROUP: "CREATOR GROUP",
    TRUSTED_INSTALLER: "NT SERVICE\\TrustedInstaller",
    ALL_APP_PACKAGES: "APPLICATION PACKAGE AUTHORITY\\ALL APPLICATION PACKAGES",
    ALL_RESTRICTED_APP_PACKAGES:
        "APPLICATION PACKAGE AUTHORITY\\ALL RESTRICTED APPLICATION PACKAGES",
}

_SID_RE = re.compile(r"^S-1-\d+(-\d+)*$", re.IGNORECASE)


def is_sid(text: str) -> bool:
    """True for a string SID (``S-1-5-18``)."""
    return bool(_SID_RE.match(text or ""))


def service_sid(service: str) -> str:
    """The SID of the virtual account ``NT SERVICE\\<service>``.

    S-1-5-80- followed by the SHA-1 of the upper-cased service name (UTF-16LE)
    read as five little-endian 32-bit integers; TrustedInstaller checks out.
    """
    digest = hashlib.sha1(service.upper().encode("utf-16-le")).digest()  # noqa: S324
    return "S-1-5-80-" + "-".join(str(n) for n in struct.unpack("<5I", digest))


def _fold(name: str) -> str:
    return name.strip().upper()


# Name (upper case, with or without its authority) -> SID.
_BY_NAME: dict[str, str] = {}
for _sid, _name in WELL_KNOWN.items():
    _BY_NAME[_fold(_name)] = _sid
    _BY_NAME[_fold(_name.rsplit("\\", 1)[-1])] = _sid
_BY_NAME.update({"LOCALSYSTEM": SYSTEM, "LOCAL SYSTEM": SYSTEM, "NT AUTHORITY\\LOCALSERVICE":
                 LOCAL_SERVICE, "NT AUTHORITY\\NETWORKSERVICE": NETWORK_SERVICE})


class UnknownAccount(ValueError):
    """A name the table (and the given local accounts) cannot resolve."""


def lookup_sid(name: str, accounts: Mapping[str, str] | None = None) -> str | None:
    """The SID of ``name`` (a SID passes through), or None when it is not known here.

    ``accounts`` maps further names (``HOST\\user`` or ``user``, any case) to SIDs,
    e.g. what ``acl.resolve`` returned.
    """
    if is_sid(name):
        return name.upper()
    key = _fold(name)
    for table_name, sid in (accounts or {}).items():
        if _fold(table_name) == key or _fold(table_name).rsplit("\\", 1)[-1] == key:
            return sid.upper()
    if key in _BY_NAME:
        return _BY_NAME[key]
    if key.startswith("NT SERVICE\\") and len(key) > len("NT SERVICE\\"):
        return service_sid(name.strip()[len("NT SERVICE\\"):])
    return None


def resolve_sid(name: str, accounts: Mapping[str, str] | None = None) -> str:
    """:func:`lookup_sid` that raises :class:`UnknownAccount`."""
    sid = lookup_sid(name, accounts)
    if sid is None:
        raise UnknownAccount(f"cannot resolve the account '{name}' to a SID: give its SID, or "
                             "resolve it on the host first (acl.resolve)")
    return sid


def sid_name(sid: str, accounts: Mapping[str, str] | None = None) -> str | None:
    """The display name of a SID when known (well-known or in ``accounts``: name -> SID)."""
    for table_name, table_sid in (accounts or {}).items():
        if table_sid.upper() == sid.upper():
            return table_name
    return WELL_KNOWN.get(sid.upper())


# -- rights ---------------------------------------------------------------------------

RIGHTS: dict[str, int] = {
    "ReadData": 0x1, "ListDirectory": 0x1,
    "WriteData": 0x2, "CreateFiles": 0x2,
    "AppendData": 0x4, "CreateDirectories": 0x4,
    "ReadExtendedAttributes": 0x8,
    "WriteExtendedAttributes": 0x10,
    "ExecuteFile": 0x20, "Traverse": 0x20,
    "DeleteSubdirectoriesAndFiles": 0x40,
    "ReadAttributes": 0x80,
    "WriteAttributes": 0x100,
    "Delete": 0x10000,
    "ReadPermissions": 0x20000,
    "ChangePermissions": 0x40000,
    "TakeOwnership": 0x80000,
    "Synchronize": 0x100000,
    "Read": 0x20089,              # 131209
    "ReadAndExecute": 0x200A9,    # 131241
    "Write": 0x116,               # 278
    "Modify": 0x301BF,            # 197055
    "FullControl": 0x1F01FF,      # 2032127
    "GenericAll": 0x10000000,
    "GenericExecute": 0x20000000,
    "GenericWrite": 0x40000000,
    "GenericRead": 0x80000000,
}
GENERIC_MASK = 0xF0000000
# How generic rights map to file rights (FILE_GENERIC_*, FILE_ALL_ACCESS).
GENERIC_MAP = {
    0x80000000: 0x120089,
    0x40000000: 0x120116,
    0x20000000: 0x1200A0,
    0x10000000: 0x1F01FF,
}
# Names tried when describing a mask, biggest first.
_COMPOSITE = ("FullControl", "Modify", "ReadAndExecute", "Read", "Write")
_SINGLE = ("ListDirectory", "CreateFiles", "AppendData", "ReadExtendedAttributes",
           "WriteExtendedAttributes", "Traverse", "DeleteSubdirectoriesAndFiles",
           "ReadAttributes", "WriteAttributes", "Delete", "ReadPermissions",
           "ChangePermissions", "TakeOwnership", "Synchronize", "GenericAll", "GenericExecute",
           "GenericWrite", "GenericRead")


def mask(value: int | str | Iterable[str]) -> int:
    """An access mask from an int (negative Int32 allowed), a name list or ``"A, B"``."""
    if isinstance(value, bool):
        raise ValueError("rights must be an integer or right names")
    if isinstance(value, int):
        if value < -0x80000000 or value > 0xFFFFFFFF:
            raise ValueError(f"rights {value} is not a 32-bit mask")
        return value & 0xFFFFFFFF
    names = value.split(",") if isinstance(value, str) else list(value)
    out = 0
    for raw in names:
        name = str(raw).strip()
        if re.fullmatch(r"-?\d+", name):
            out |= mask(int(name))
            continue
        found = next((v for k, v in RIGHTS.items() if k.lower() == name.lower()), None)
        if found is None:
            raise ValueError(f"unknown file system right '{name}'")
        out |= found
    return out


def rights_names(value: int) -> list[str]:
    """Describe a mask with .NET FileSystemRights names (plus hex for unnamed bits)."""
    rest = value & 0xFFFFFFFF
    out: list[str] = []
    for name in _COMPOSITE + _SINGLE:
        bits = RIGHTS[name]
        if rest & bits == bits and bits:
            out.append(name)
            rest &= ~bits
    if rest:
        out.append(hex(rest))
    return out


def map_generic(value: int) -> int:
    """``value`` with its generic bits replaced by the file rights they stand for."""
    out = value & ~GENERIC_MASK & 0xFFFFFFFF
    for bit, specific in GENERIC_MAP.items():
        if value & bit:
            out |= specific
    return out


# -- ACEs -----------------------------------------------------------------------------

INHERITANCE = ("ContainerInherit", "ObjectInherit")
PROPAGATION = ("InheritOnly", "NoPropagateInherit")
DIR_INHERIT = ("ContainerInherit", "ObjectInherit")


def _flags(value: Any, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    out = set()
    for raw in items:
        name = str(raw).strip()
        if not name or name == "None":
            continue
        found = next((a for a in allowed if a.lower() == name.lower()), None)
        if found is None:
            raise ValueError(f"unknown {what} flag '{name}' (known: {', '.join(allowed)})")
        out.add(found)
    return tuple(a for a in allowed if a in out)


@dataclass(frozen=True)
class Ace:
    """One access control entry, keyed by SID."""

    sid: str
    type: str = "allow"
    rights: int = 0
    inheritance: tuple[str, ...] = ()
    propagation: tuple[str, ...] = ()
    inherited: bool = False
    name: str | None = field(default=None, compare=False)

    @classmethod
    def make(cls, account: str, rights: int | str | Iterable[str], type: str = "allow",
             inheritance: Any = (), propagation: Any = (), inherited: bool = False,
             accounts: Mapping[str, str] | None = None) -> Ace:
        """An ACE from loose input: account by name or SID, rights by mask or names."""
        if type not in ("allow", "deny"):
            raise ValueError(f"ACE type must be allow or deny, not '{type}'")
        sid = resolve_sid(account, accounts)
        return cls(sid=sid, type=type, rights=mask(rights),
                   inheritance=_flags(inheritance, INHERITANCE, "inheritance"),
                   propagation=_flags(propagation, PROPAGATION, "propagation"),
                   inherited=bool(inherited),
                   name=None if is_sid(account) else account)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any],
                  accounts: Mapping[str, str] | None = None) -> Ace:
        """An ACE from an op document (``sid`` may also be an account name)."""
        account = data.get("sid") or data.get("name")
        if not isinstance(account, str) or not account:
            raise ValueError("an ACE needs a sid (or name)")
        ace = cls.make(account, data.get("rights", 0), data.get("type", "allow"),
                       data.get("inheritance"), data.get("propagation"),
                       bool(data.get("inherited", False)), accounts)
        name = data.get("name") if isinstance(data.get("name"), str) else ace.name
        return Ace(ace.sid, ace.type, ace.rights, ace.inheritance, ace.propagation,
                   ace.inherited, name)

    def to_dict(self, accounts: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The op document form (``name`` filled from the table when unknown)."""
        return {"sid": self.sid, "name": self.name or sid_name(self.sid, accounts),
                "type": self.type, "rights": self.rights,
                "inheritance": list(self.inheritance), "propagation": list(self.propagation),
                "inherited": self.inherited}

    @property
    def key(self) -> tuple[str, str, tuple[str, ...], tuple[str, ...], bool]:
        """What makes two ACEs mergeable: same SID, type, flags, origin."""
        return (self.sid, self.type, self.inheritance, self.propagation, self.inherited)

    @property
    def inherit_only(self) -> bool:
        """True when the ACE does not apply to the object itself."""
        return "InheritOnly" in self.propagation

    def describe(self) -> str:
        """``allow BUILTIN\\Users ReadAndExecute, Synchronize (CI,OI)`` for messages."""
        who = self.name or sid_name(self.sid) or self.sid
        flags = [f[0] + "I" for f in self.inheritance]
        flags += ["IO" if p == "InheritOnly" else "NP" for p in self.propagation]
        tail = f" ({','.join(flags)})" if flags else ""
        return f"{self.type} {who} {', '.join(rights_names(self.rights))}{tail}"


def merge(aces: Iterable[Ace]) -> list[Ace]:
    """Merge ACEs with the same SID/type/flags/origin into one (rights OR-ed),
    keeping the first one's position; empty masks are dropped."""
    out: list[Ace] = []
    index: dict[tuple[Any, ...], int] = {}
    for ace in aces:
        if ace.key in index:
            i = index[ace.key]
            prev = out[i]
            out[i] = Ace(prev.sid, prev.type, prev.rights | ace.rights, prev.inheritance,
                         prev.propagation, prev.inherited, prev.name or ace.name)
        else:
            index[ace.key] = len(out)
            out.append(ace)
    return [a for a in out if a.rights]


def canonical(aces: Iterable[Ace]) -> list[Ace]:
    """Windows canonical order: explicit deny, explicit allow, then the inherited ACEs
    in the order they were inherited (stable within each group)."""
    items = list(aces)
    explicit = [a for a in items if not a.inherited]
    return ([a for a in explicit if a.type == "deny"] + [a for a in explicit if a.type == "allow"]
            + [a for a in items if a.inherited])


def is_canonical(aces: Iterable[Ace]) -> bool:
    """True when ``aces`` already are in canonical order."""
    items = list(aces)
    return items == canonical(items)


def normalize(aces: Iterable[Ace]) -> list[Ace]:
    """Merge duplicates, then put in canonical order."""
    return canonical(merge(aces))


# -- whole ACLs -----------------------------------------------------------------------


@dataclass(frozen=True)
class Acl:
    """Owner SID (None = leave as is), protection, ACEs (explicit and inherited)."""

    owner: str | None
    protected: bool
    aces: tuple[Ace, ...] = ()
    owner_name: str | None = field(default=None, compare=False)

    @property
    def explicit(self) -> list[Ace]:
        """The explicit ACEs, merged, in canonical order."""
        return normalize(a for a in self.aces if not a.inherited)

    @property
    def inherited(self) -> list[Ace]:
        """The inherited ACEs as stored."""
        return [a for a in self.aces if a.inherited]

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any], accounts: Mapping[str, str] | None = None) -> Acl:
        """An ACL from an ``acl.get`` result (or an ``acl.set`` argument set)."""
        owner = doc.get("owner")
        owner_name = None
        if isinstance(owner, Mapping):
            owner_name = owner.get("name")
            owner = owner.get("sid") or owner_name
        sid = resolve_sid(owner, accounts) if isinstance(owner, str) and owner else None
        aces = tuple(Ace.from_dict(a, accounts) for a in doc.get("aces") or [])
        return cls(sid, bool(doc.get("protected", False)), aces, owner_name)

    def to_doc(self, accounts: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The ``acl.get`` form (without ``exists``/``hash``)."""
        owner = None
        if self.owner:
            owner = {"sid": self.owner, "name": self.owner_name or sid_name(self.owner, accounts)}
        return {"owner": owner, "protected": self.protected,
                "aces": [a.to_dict(accounts) for a in self.aces]}

    def set_args(self) -> dict[str, Any]:
        """Arguments for ``acl.set`` (explicit ACEs by SID, canonical order)."""
        args: dict[str, Any] = {"protected": self.protected,
                                "aces": [_set_form(a) for a in self.explicit]}
        if self.owner:
            args["owner"] = self.owner
        return args


def _set_form(ace: Ace) -> dict[str, Any]:
    return {"sid": ace.sid, "type": ace.type, "rights": ace.rights,
            "inheritance": list(ace.inheritance), "propagation": list(ace.propagation)}


def acl_hash(doc: Mapping[str, Any]) -> str:
    """A SHA-256 over what an ``acl.get`` document says (owner SID, protection, every ACE
    by SID in stored order); names do not count. This is ``acl.get``'s ``hash`` and what
    ``acl.set`` compares ``expected`` with."""
    owner = doc.get("owner")
    if isinstance(owner, Mapping):
        owner = owner.get("sid")
    aces = []
    for ace in doc.get("aces") or []:
        aces.append([str(ace.get("sid", "")).upper(), ace.get("type", "allow"),
                     mask(ace.get("rights", 0)),
                     list(_flags(ace.get("inheritance"), INHERITANCE, "inheritance")),
                     list(_flags(ace.get("propagation"), PROPAGATION, "propagation")),
                     bool(ace.get("inherited", False))])
    body = {"owner": str(owner).upper() if owner else None,
            "protected": bool(doc.get("protected", False)), "aces": aces}
    return hashlib.sha256(json.dumps(body, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class Difference:
    """One way the observed ACL differs from the desired one."""

    kind: str          # owner | protected | missing | extra | order
    want: Any = None
    have: Any = None

    def describe(self) -> str:
        """A sentence for diffs and messages."""
        if self.kind in ("missing", "extra"):
            ace = self.want if self.kind == "missing" else self.have
            return f"{self.kind} ACE: {ace.describe()}"
        return f"{self.kind}: want {self.want!r}, have {self.have!r}"


def compare(desired: Acl, observed: Acl) -> list[Difference]:
    """The exact differences between a desired ACL and an observed one, by SID.

    The whole explicit ACL is compared (not ACE by ACE), so a stray explicit ACE
    is ``extra``. Inherited ACEs are not managed: they only matter through
    ``protected`` (a protected ACL has none). ``order`` is reported when the
    explicit ACEs are the same set but not in canonical order on the host.
    """
    out: list[Difference] = []
    if desired.owner and desired.owner.upper() != (observed.owner or "").upper():
        out.append(Difference("owner", desired.owner, observed.owner))
    if desired.protected != observed.protected:
        out.append(Difference("protected", desired.protected, observed.protected))
    want = desired.explicit
    have = normalize(a for a in observed.aces if not a.inherited)
    out += [Difference("missing", want=a) for a in want if a not in have]
    out += [Difference("extra", have=a) for a in have if a not in want]
    stored = [a for a in observed.aces if not a.inherited]
    if not any(d.kind in ("missing", "extra") for d in out) and stored != want:
        out.append(Difference("order", [a.describe() for a in want],
                              [a.describe() for a in stored]))
    return out


def protected_acl(grants: Mapping[str, int | str | Iterable[str]], owner: str | None = None,
                  directory: bool = True, deny: Mapping[str, int | str | Iterable[str]] | None
                  = None, accounts: Mapping[str, str] | None = None,
                  synchronize: bool = True) -> Acl:
    """The common desired ACL: ``owner``, protected, exactly these accounts with these rights.

    ``grants`` maps accounts (names or SIDs) to rights; on a directory the ACEs
    apply to it, its subdirectories and files (ContainerInherit, ObjectInherit),
    on a file to the file only. Everyone not listed gets nothing. E.g.
    ``protected_acl({"Administrators": "FullControl", "SYSTEM": "FullControl",
    build_sid: "Modify"}, owner="Administrators")``.

    With ``synchronize`` (default) allow ACEs carry the Synchronize right, as
    .NET ``FileSystemAccessRule``, icacls and Explorer always write them
    ("Modify, Synchronize"), so an ACL made by those tools compares equal.
    """
    flags = DIR_INHERIT if directory else ()
    sync = RIGHTS["Synchronize"] if synchronize else 0
    aces = [Ace.make(acct, rights, "deny", flags, accounts=accounts)
            for acct, rights in (deny or {}).items()]
    aces += [Ace.make(acct, mask(rights) | sync, "allow", flags, accounts=accounts)
             for acct, rights in grants.items()]
    owner_sid = resolve_sid(owner, accounts) if owner else None
    return Acl(owner_sid, True, tuple(normalize(aces)))


# -- inheritance (what a child gets from its parent) ----------------------------------


def inherit(parent: Iterable[Ace], is_dir: bool, owner: str,
            group: str | None = None) -> list[Ace]:
    """The inherited ACEs a new child gets from its parent's ACEs (Windows rules).

    A file gets the ObjectInherit ACEs, a directory the ContainerInherit ones
    (and ObjectInherit ones as inherit-only, for its files), unless
    NoPropagateInherit stops them below the first level. Generic rights are
    mapped to file rights and CREATOR OWNER/GROUP replaced by the child's owner
    and group in the effective ACE; a directory also keeps the original as an
    inherit-only ACE when it must pass it on.
    """
    out: list[Ace] = []
    for ace in parent:
        oi = "ObjectInherit" in ace.inheritance
        ci = "ContainerInherit" in ace.inheritance
        nprop = "NoPropagateInherit" in ace.propagation
        if not is_dir:
            if oi:
                out.append(Ace(_creator(ace.sid, owner, group), ace.type, map_generic(ace.rights),
                               (), (), True))
            continue
        passes_on = (ci or oi) and not nprop
        if ci:
            sid = _creator(ace.sid, owner, group)
            special = sid != ace.sid or ace.rights & GENERIC_MASK
            if passes_on and not special:
                out.append(Ace(ace.sid, ace.type, ace.rights, ace.inheritance, (), True))
                continue
            out.append(Ace(sid, ace.type, map_generic(ace.rights), (), (), True))
            if passes_on:
                out.append(Ace(ace.sid, ace.type, ace.rights, ace.inheritance,
                               ("InheritOnly",), True))
        elif oi and not nprop:
            out.append(Ace(ace.sid, ace.type, ace.rights, ("ObjectInherit",), ("InheritOnly",),
                           True))
    return out


def _creator(sid: str, owner: str, group: str | None) -> str:
    if sid == CREATOR_OWNER:
        return owner
    if sid == CREATOR_GROUP and group:
        return group
    return sid


def effective(explicit: Iterable[Ace], inherited: Iterable[Ace], protected: bool) -> list[Ace]:
    """The ACE list Windows stores: explicit (canonical) then inherited unless protected."""
    ordered = normalize(Ace(a.sid, a.type, a.rights, a.inheritance, a.propagation, False, a.name)
                        for a in explicit)
    if protected:
        return ordered
    return ordered + list(inherited)


def account_directory_acl(account_sid: str) -> Acl:
    """A directory one account works in: Administrators and SYSTEM full control, the
    account Modify, nobody else, owner Administrators (so the account cannot rewrite it)."""
    full = RIGHTS["FullControl"]
    # The account first, so SYSTEM (a service running as LocalSystem) keeps full control.
    return protected_acl({account_sid: RIGHTS["Modify"], ADMINISTRATORS: full, SYSTEM: full},
                         owner=ADMINISTRATORS)
